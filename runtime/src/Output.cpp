#include "soma/runtime/Output.h"

#include "soma/runtime/Error.h"
#include "soma/runtime/Format.h"
#include "soma/runtime/Json.h"

#include <algorithm>
#include <charconv>

namespace soma::runtime {

void appendCsvField(std::string &out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void writeSpikesCsv(const std::string &path, std::span<const PopulationInfo> populations,
                    std::span<const SpikeEvent> spikes, double dtMs) {
  for (const SpikeEvent &s : spikes)
    if (s.population >= populations.size() || s.index >= populations[s.population].size)
      throw RuntimeError("spike of neuron " + std::to_string(s.index) + " of population " +
                         std::to_string(s.population) + " is out of range");
  // Recorders usually produce sorted spikes already; sort a copy only when needed.
  std::vector<SpikeEvent> sortedCopy;
  if (!std::is_sorted(spikes.begin(), spikes.end(), spikeOrder)) {
    sortedCopy.assign(spikes.begin(), spikes.end());
    std::sort(sortedCopy.begin(), sortedCopy.end(), spikeOrder);
    spikes = sortedCopy;
  }
  std::vector<std::string> names; // quoted once, not per row
  for (const PopulationInfo &p : populations) {
    names.emplace_back();
    appendCsvField(names.back(), p.name);
  }
  AtomicFile file(path);
  std::string line = "population,index,t_ms\n";
  for (const SpikeEvent &s : spikes) {
    line += names[s.population];
    line += ',';
    char digits[16];
    line.append(digits, std::to_chars(digits, digits + sizeof digits, s.index).ptr);
    line += ',';
    appendDouble(line, double(s.step) * dtMs);
    line += '\n';
    if (line.size() >= 4096) {
      file.write(line);
      line.clear();
    }
  }
  file.write(line);
  file.commit();
}

StateCsvWriter::StateCsvWriter(std::string path, std::vector<StateColumn> columns, double dtMs)
    : file_(std::move(path)), columns_(columns.size()), dtMs_(dtMs) {
  std::string header = "t_ms";
  for (const StateColumn &c : columns) {
    std::string name = c.population + "[" + std::to_string(c.index) + "]." + c.variable;
    if (!c.unit.empty()) name += " (" + c.unit + ")";
    header += ',';
    appendCsvField(header, name);
  }
  header += '\n';
  file_.write(header);
}

void StateCsvWriter::addRow(uint64_t step, std::span<const double> values) {
  if (values.size() != columns_)
    throw RuntimeError("state row with " + std::to_string(values.size()) + " values for " +
                       std::to_string(columns_) + " columns of '" + file_.path() + "'");
  line_.clear();
  appendDouble(line_, double(step) * dtMs_);
  for (double v : values) {
    line_ += ',';
    appendDouble(line_, v);
  }
  line_ += '\n';
  file_.write(line_);
}

void StateCsvWriter::commit() { file_.commit(); }

std::string renderSummaryJson(const RunSummary &s) {
  const double tStopMs = double(s.steps) * s.dtMs;
  JsonWriter json;
  json.beginObject();
  json.key("model").string(s.model);
  json.key("dt_ms").number(s.dtMs);
  json.key("steps").unsignedInteger(s.steps);
  json.key("t_stop_ms").number(tStopMs);
  json.key("seed").unsignedInteger(s.seed);
  json.key("populations").beginArray();
  for (const RunSummary::Population &p : s.populations) {
    json.beginObject();
    json.key("name").string(p.name);
    json.key("size").unsignedInteger(p.size);
    json.key("spikes").unsignedInteger(p.spikes);
    // A rate over no time or no neurons is undefined: null rather than a made-up 0.
    const double neuronSeconds = double(p.size) * tStopMs / 1000.0;
    if (neuronSeconds > 0)
      json.key("rate_hz").number(double(p.spikes) / neuronSeconds);
    else
      json.key("rate_hz").null();
    json.endObject();
  }
  json.endArray();
  json.key("metrics").beginObject();
  for (const auto &[name, value] : s.metrics) json.key(name).number(value);
  json.endObject();
  json.key("files").beginObject();
  for (const auto &[name, path] : s.files) json.key(name).string(path);
  json.endObject();
  json.endObject();
  return json.finish();
}

void writeSummaryJson(const std::string &path, const RunSummary &summary) {
  writeFileAtomically(path, renderSummaryJson(summary));
}

} // namespace soma::runtime
