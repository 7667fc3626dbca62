#include "soma/runtime/Csv.h"

#include "soma/runtime/Error.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace soma::runtime {

std::string_view trimCsvField(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> splitCsvFields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    const size_t comma = line.find(',', start);
    fields.push_back(trimCsvField(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

void forEachCsvLine(std::string_view text,
                    const std::function<void(uint64_t, const std::vector<std::string_view> &)> &record) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3); // spreadsheets write a byte order mark
  uint64_t lineNo = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trimCsvField(text.substr(start, end - start));
    start = end + 1;
    ++lineNo;
    if (line.empty() || line[0] == '#') continue;
    record(lineNo, splitCsvFields(line));
  }
}

bool parseCsvNumber(std::string_view field, double &value) {
  // from_chars takes no leading '+'; a spreadsheet may write one.
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  const auto r = std::from_chars(field.data(), field.data() + field.size(), value);
  return !field.empty() && r.ec == std::errc() && r.ptr == field.data() + field.size() && std::isfinite(value);
}

std::vector<std::vector<double>> parseSpikeTimesCsv(std::string_view text, std::string_view sourceName,
                                                    uint32_t channels) {
  auto fail = [&](uint64_t line, const std::string &message) {
    throw RuntimeError(std::string(sourceName) + ":" + std::to_string(line) + ": " + message);
  };
  std::vector<std::vector<double>> times(channels);
  int channelAt = -1, timeAt = -1;
  size_t columns = 0;
  bool haveHeader = false;
  forEachCsvLine(text, [&](uint64_t line, const std::vector<std::string_view> &fields) {
    if (!haveHeader) {
      for (size_t f = 0; f < fields.size(); ++f) {
        if (fields[f] == "channel" && channelAt < 0) channelAt = int(f);
        else if (fields[f] == "t_ms" && timeAt < 0) timeAt = int(f);
        else fail(line, "unknown or repeated column '" + std::string(fields[f]) + "' (expected channel,t_ms)");
      }
      if (channelAt < 0 || timeAt < 0) fail(line, "the header must name the columns 'channel' and 't_ms'");
      columns = fields.size();
      haveHeader = true;
      return;
    }
    if (fields.size() != columns)
      fail(line, "expected " + std::to_string(columns) + " fields, found " + std::to_string(fields.size()));
    double c = 0, t = 0;
    std::string_view cf = fields[size_t(channelAt)], tf = fields[size_t(timeAt)];
    if (!parseCsvNumber(cf, c) || c < 0 || c != std::floor(c))
      fail(line, "channel '" + std::string(cf) + "' is not a non-negative integer");
    if (c >= channels) fail(line, "channel " + std::string(cf) + " is out of range (source size " + std::to_string(channels) + ")");
    if (!parseCsvNumber(tf, t) || t < 0) fail(line, "t_ms '" + std::string(tf) + "' is not a finite time >= 0");
    times[size_t(c)].push_back(t);
  });
  if (!haveHeader)
    throw RuntimeError(std::string(sourceName) + ": empty spike file: expected a header line naming the columns (channel,t_ms)");
  return times;
}

std::vector<std::vector<double>> readSpikeTimesFile(const std::string &path, uint32_t channels) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError("cannot read the spike file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parseSpikeTimesCsv(text.str(), path, channels);
}

std::vector<double> parseValuesCsv(std::string_view text, std::string_view sourceName) {
  auto fail = [&](uint64_t line, const std::string &message) {
    throw RuntimeError(std::string(sourceName) + ":" + std::to_string(line) + ": " + message);
  };
  std::vector<double> values;
  bool haveHeader = false;
  forEachCsvLine(text, [&](uint64_t line, const std::vector<std::string_view> &fields) {
    if (fields.size() != 1) fail(line, "expected one column, found " + std::to_string(fields.size()));
    double v = 0;
    if (!haveHeader) {
      if (parseCsvNumber(fields[0], v)) fail(line, "expected a header line naming the column before the values");
      haveHeader = true;
      return;
    }
    if (!parseCsvNumber(fields[0], v)) fail(line, "'" + std::string(fields[0]) + "' is not a finite number");
    values.push_back(v);
  });
  if (!haveHeader) throw RuntimeError(std::string(sourceName) + ": empty file: expected a header line naming the column");
  return values;
}

std::vector<double> readValuesFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError("cannot read the values file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parseValuesCsv(text.str(), path);
}

} // namespace soma::runtime
