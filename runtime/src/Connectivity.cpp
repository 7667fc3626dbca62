// Connectors -> SynapseTable. See Connectivity.h for the contract (defaults, RNG use, order).
#include "soma/runtime/Connectivity.h"
#include "soma/runtime/Csv.h"

#include "soma/runtime/Error.h"
#include "soma/runtime/Format.h"
#include "soma/runtime/Random.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

namespace soma::runtime {

namespace {

constexpr uint32_t kNoSkip = UINT32_MAX;

[[noreturn]] void fail(const ProjectionSpec &p, const std::string &message) {
  throw RuntimeError(p.name.empty() ? message : p.name + ": " + message);
}

/// Candidates of one row: `size` indices of the other population, where candidate c
/// stands for index c, or c + 1 from the excluded neuron on (so no branch per draw).
struct Candidates {
  uint32_t size;
  uint32_t skip;
  uint32_t width = 1;  // the excluded run: the segments of one neuron, or one neuron
  uint32_t at(uint64_t c) const { return uint32_t(c >= skip ? c + width : c); }
};

/// `self` is the neuron itself as an index of the other side, possibly outside it (slices);
/// `width` targets stand for one neuron on that side (its segments).
Candidates candidatesOf(int64_t self, uint32_t populationSize, bool excludeSelf, uint32_t width = 1) {
  if (excludeSelf && self >= 0 && self * int64_t(width) < int64_t(populationSize))
    return {populationSize - width, uint32_t(self) * width, width};
  return {populationSize, kNoSkip, 1};
}

/// Targets per post neuron: its segments, or 1.
uint32_t widthOf(const ProjectionSpec &p) { return p.segments ? p.segments : 1; }

/// Appends k candidate numbers in [0, n) for `entity`: without replacement by Floyd's
/// algorithm (each k-subset equally likely, exactly k draws), else k independent draws.
/// `mark` is an all-zero scratch array of size >= n, left all zero.
void sampleDegree(const RandomStream &rs, uint64_t entity, uint32_t n, uint32_t k, bool multiple,
                  std::vector<uint8_t> &mark, std::vector<uint32_t> &out) {
  uint32_t draw = 0;
  if (multiple) {
    for (uint32_t d = 0; d < k; ++d) out.push_back(uint32_t(rs.index(entity, 0, draw++, n)));
    return;
  }
  const size_t first = out.size();
  for (uint64_t j = uint64_t(n) - k; j < n; ++j) {
    uint32_t t = uint32_t(rs.index(entity, 0, draw++, j + 1));
    if (mark[t]) t = uint32_t(j); // j itself cannot be taken yet: all taken values are < j
    mark[t] = 1;
    out.push_back(t);
  }
  for (size_t i = first; i < out.size(); ++i) mark[out[i]] = 0;
}

/// Builds the CSR structure from edges in creation order. Returns, for each table
/// position, the edge it holds; rows are sorted by post, ties in creation order.
std::vector<uint64_t> tableFromEdges(SynapseTable &table, const std::vector<uint32_t> &pre,
                                     const std::vector<uint32_t> &post) {
  std::vector<uint64_t> &offsets = table.rowOffsets;
  offsets.assign(size_t(table.preSize) + 1, 0);
  for (uint32_t i : pre) ++offsets[size_t(i) + 1];
  for (size_t i = 1; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
  std::vector<uint64_t> order(pre.size());
  std::vector<uint64_t> next(offsets.begin(), offsets.end() - 1);
  for (uint64_t e = 0; e < pre.size(); ++e) order[next[pre[e]]++] = e; // stable scatter
  auto byPost = [&](uint64_t a, uint64_t b) { return post[a] < post[b]; };
  for (uint32_t i = 0; i < table.preSize; ++i) {
    auto begin = order.begin() + int64_t(offsets[i]), end = order.begin() + int64_t(offsets[i + 1]);
    if (!std::is_sorted(begin, end, byPost)) std::stable_sort(begin, end, byPost);
  }
  table.post.resize(order.size());
  for (uint64_t p = 0; p < order.size(); ++p) table.post[p] = post[order[p]];
  return order;
}

/// Resolved options and the checks that do not depend on the connector's data.
struct Options {
  bool allowSelf, allowMultiple;
};

Options resolveOptions(const ConnectorSpec &c, const ProjectionSpec &p) {
  const bool isFile = c.kind == ConnectorKind::FromFile;
  const bool fixedDegree = c.kind == ConnectorKind::FixedIndegree || c.kind == ConnectorKind::FixedOutdegree;
  Options o{c.allowSelf.value_or(isFile || !p.samePopulation), c.allowMultiple.value_or(isFile)};
  if (c.allowMultiple.value_or(false) && !fixedDegree && !isFile)
    fail(p, "allow_multiple has no effect for this connector: it considers each pair once");
  return o;
}

void rowWise(SynapseTable &t, const ProjectionSpec &p, bool excludeSelf,
             const std::function<void(uint32_t, Candidates, std::vector<uint32_t> &)> &makeRow) {
  std::vector<uint32_t> row;
  for (uint32_t i = 0; i < p.preSize; ++i) {
    row.clear();
    makeRow(i, candidatesOf(int64_t(i) + p.selfOffset, p.postSize, excludeSelf && p.samePopulation, widthOf(p)), row);
    if (!std::is_sorted(row.begin(), row.end())) std::sort(row.begin(), row.end()); // equal posts are interchangeable here
    t.post.insert(t.post.end(), row.begin(), row.end());
    t.rowOffsets[size_t(i) + 1] = t.post.size();
  }
}

SynapseTable generate(const ConnectorSpec &c, const ProjectionSpec &p, Options o) {
  SynapseTable t;
  t.preSize = p.preSize;
  t.postSize = p.postSize;
  t.rowOffsets.assign(size_t(p.preSize) + 1, 0);
  const RandomStream rs(p.seed, p.stream);
  const bool excludeSelf = !o.allowSelf;
  switch (c.kind) {
  case ConnectorKind::AllToAll:
    t.post.reserve(uint64_t(p.preSize) * p.postSize);
    rowWise(t, p, excludeSelf, [](uint32_t, Candidates cand, std::vector<uint32_t> &row) {
      for (uint32_t k = 0; k < cand.size; ++k) row.push_back(cand.at(k));
    });
    break;
  case ConnectorKind::OneToOne:
    if (p.preSize != p.postSize)
      fail(p, "one_to_one needs populations of equal size, got " + std::to_string(p.preSize) + " and " +
                  std::to_string(p.postSize));
    if (p.samePopulation && p.selfOffset == 0 && !o.allowSelf && !p.segments)
      fail(p, "one_to_one from a population onto itself makes only self-connections; set allow_self");
    rowWise(t, p, false, [](uint32_t i, Candidates, std::vector<uint32_t> &row) { row.push_back(i); });
    break;
  case ConnectorKind::FixedProbability: {
    const double prob = c.probability;
    if (!(prob >= 0 && prob <= 1))
      fail(p, "fixed_probability needs p in [0, 1], got " + formatDouble(prob));
    const double logMiss = std::log1p(-prob);
    rowWise(t, p, excludeSelf, [&](uint32_t i, Candidates cand, std::vector<uint32_t> &row) {
      if (prob <= 0) return;
      if (prob >= 1) {
        for (uint32_t k = 0; k < cand.size; ++k) row.push_back(cand.at(k));
        return;
      }
      // The gap to the next synapse is geometric, P(g) = (1-p)^g p: floor(ln(1-u) / ln(1-p)).
      double position = -1;
      for (uint32_t draw = 0;; ++draw) {
        position += std::floor(std::log1p(-rs.uniform01(i, 0, draw)) / logMiss) + 1;
        if (position >= double(cand.size)) break;
        row.push_back(cand.at(uint64_t(position)));
      }
    });
    break;
  }
  case ConnectorKind::FixedOutdegree:
  case ConnectorKind::FixedIndegree: {
    const bool in = c.kind == ConnectorKind::FixedIndegree;
    const uint32_t k = c.degree, others = in ? p.preSize : p.postSize;
    // Candidates of the row with the fewest: one less where the neuron itself is among them.
    const uint32_t w = widthOf(p);
    const int64_t selfLo = p.selfOffset, selfHi = p.selfOffset + int64_t(p.preSize); // pre, as post neurons
    const bool someRowHasSelf = excludeSelf && p.samePopulation && selfLo < int64_t(p.postSize / w) && selfHi > 0;
    const uint32_t excluded = in ? 1 : w; // a pre neuron, or the segments of a post neuron
    const uint32_t n = others - (someRowHasSelf && others >= excluded ? excluded : 0);
    const char *name = in ? "fixed_indegree" : "fixed_outdegree";
    const uint32_t rows = in ? p.postSize : p.preSize;
    if (rows > 0 && k > 0 && n == 0)
      fail(p, std::string(name) + "(" + std::to_string(k) + ") has no candidates to choose from");
    if (rows > 0 && k > n && !o.allowMultiple)
      fail(p, std::string(name) + "(" + std::to_string(k) + ") exceeds the " + std::to_string(n) +
                  " candidates without allow_multiple");
    std::vector<uint8_t> mark(others);
    if (!in) {
      rowWise(t, p, excludeSelf, [&](uint32_t i, Candidates cand, std::vector<uint32_t> &row) {
        sampleDegree(rs, i, cand.size, k, o.allowMultiple, mark, row);
        for (uint32_t &x : row) x = cand.at(x);
      });
      break;
    }
    // Generated by post neuron, in post order; the stable CSR build keeps, within a
    // row, ascending post and the draw order of repeated pairs.
    std::vector<uint32_t> pre, post;
    pre.reserve(uint64_t(p.postSize) * k);
    for (uint32_t j = 0; j < p.postSize; ++j) {
      const size_t first = pre.size();
      const Candidates cand = candidatesOf(int64_t(j / w) - p.selfOffset, p.preSize, excludeSelf && p.samePopulation);
      sampleDegree(rs, j, cand.size, k, o.allowMultiple, mark, pre);
      for (size_t e = first; e < pre.size(); ++e) pre[e] = cand.at(pre[e]);
      post.insert(post.end(), pre.size() - first, j);
    }
    tableFromEdges(t, pre, post);
    break;
  }
  case ConnectorKind::FromFile:
    break; // handled by buildSynapsesFromCsv
  }
  t.weight.assign(t.size(), p.weight);
  return t;
}

// ---- from_file ----------------------------------------------------------------------

enum Column { kPre, kPost, kWeight, kDelay, kSegment, kColumnCount };
constexpr const char *kColumnNames[kColumnCount] = {"pre", "post", "weight", "delay_ms", "segment"};

/// Reads a connection CSV; every error names "source:line:".
class CsvReader {
public:
  CsvReader(std::string_view source, uint32_t segments) : source_(source), segments_(segments) {}

  [[noreturn]] void fail(uint64_t line, const std::string &message) const {
    throw RuntimeError(std::string(source_) + ":" + std::to_string(line) + ": " + message);
  }

  /// Maps header fields to columns; returns the field index of each column or -1.
  std::array<int, kColumnCount> header(uint64_t line, const std::vector<std::string_view> &fields) {
    std::array<int, kColumnCount> at;
    at.fill(-1);
    for (size_t f = 0; f < fields.size(); ++f) {
      const auto it = std::find(std::begin(kColumnNames), std::end(kColumnNames), fields[f]);
      if (it == std::end(kColumnNames)) {
        if (!fields[f].empty() && (std::isdigit(static_cast<unsigned char>(fields[f][0]))))
          fail(line, "expected a header line naming the columns (pre,post[,weight][,delay_ms]) before the data");
        fail(line, "unknown column '" + std::string(fields[f]) + "' (expected pre, post, segment, weight, delay_ms)");
      }
      int &slot = at[size_t(it - std::begin(kColumnNames))];
      if (slot >= 0) fail(line, "column '" + std::string(fields[f]) + "' appears twice");
      slot = int(f);
    }
    if (at[kPre] < 0 || at[kPost] < 0) fail(line, "the header must name the columns 'pre' and 'post'");
    if ((at[kSegment] >= 0) != (segments_ > 0))
      fail(line, segments_ ? "the connect is onto segments: the header must name a column 'segment'"
                           : "a 'segment' column, but the connect is not onto segments");
    columns_ = fields.size();
    return at;
  }

  uint32_t index(uint64_t line, std::string_view field, const char *what, uint32_t size) const {
    uint64_t value = 0;
    const auto r = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || r.ec != std::errc() || r.ptr != field.data() + field.size())
      fail(line, std::string(what) + " index '" + std::string(field) + "' is not a non-negative integer");
    if (value >= size)
      fail(line, std::string(what) + " index " + std::to_string(value) + " is out of range (" + (std::string(what) == "segment" ? "segments " : "population size ") +
                     std::to_string(size) + ")");
    return uint32_t(value);
  }

  double number(uint64_t line, std::string_view field, const char *what) const {
    double value = 0;
    const auto r = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || r.ec != std::errc() || r.ptr != field.data() + field.size() || !std::isfinite(value))
      fail(line, std::string(what) + " '" + std::string(field) + "' is not a finite number");
    return value;
  }

  size_t columns() const { return columns_; }

private:
  std::string_view source_;
  uint32_t segments_ = 0;
  size_t columns_ = 0;
};

} // namespace

SynapseTable buildSynapsesFromCsv(std::string_view text, std::string_view sourceName,
                                  const ConnectorSpec &connector, const ProjectionSpec &p) {
  const Options o = resolveOptions(connector, p);
  CsvReader reader(sourceName, p.segments);
  std::array<int, kColumnCount> at{};
  bool haveHeader = false;
  std::vector<uint32_t> pre, post, delay, lineOf;
  std::vector<double> weight;
  forEachCsvLine(text, [&](uint64_t lineNo, const std::vector<std::string_view> &fields) {
    if (!haveHeader) {
      at = reader.header(lineNo, fields);
      haveHeader = true;
      return;
    }
    if (fields.size() != reader.columns())
      reader.fail(lineNo, "expected " + std::to_string(reader.columns()) + " fields, found " +
                              std::to_string(fields.size()));
    const uint32_t i = reader.index(lineNo, fields[size_t(at[kPre])], "pre", p.preSize);
    const uint32_t j = reader.index(lineNo, fields[size_t(at[kPost])], "post", p.postSize / widthOf(p));
    if (!o.allowSelf && p.samePopulation && int64_t(i) + p.selfOffset == int64_t(j))
      reader.fail(lineNo, "self-connection " + std::to_string(i) + " -> " + std::to_string(j) +
                              " but allow_self is false");
    pre.push_back(i);
    post.push_back(p.segments ? j * p.segments + reader.index(lineNo, fields[size_t(at[kSegment])], "segment", p.segments) : j);
    lineOf.push_back(uint32_t(std::min<uint64_t>(lineNo, UINT32_MAX)));
    weight.push_back(at[kWeight] >= 0 ? reader.number(lineNo, fields[size_t(at[kWeight])], "weight") : p.weight);
    const double delayMs = at[kDelay] >= 0 ? reader.number(lineNo, fields[size_t(at[kDelay])], "delay_ms") : p.delayMs;
    try {
      delay.push_back(delayToSteps(delayMs, p.dtMs));
    } catch (const RuntimeError &e) {
      reader.fail(lineNo, e.what());
    }
  });
  if (!haveHeader)
    throw RuntimeError(std::string(sourceName) + ": empty connection file: expected a header line "
                                                 "naming the columns (pre,post[,weight][,delay_ms])");
  SynapseTable t;
  t.preSize = p.preSize;
  t.postSize = p.postSize;
  t.weightsFromFile = at[kWeight] >= 0;
  const std::vector<uint64_t> order = tableFromEdges(t, pre, post);
  t.weight.resize(order.size());
  t.delaySteps.resize(order.size());
  for (uint64_t q = 0; q < order.size(); ++q) {
    t.weight[q] = weight[order[q]];
    t.delaySteps[q] = delay[order[q]];
  }
  if (!o.allowMultiple) {
    for (uint32_t i = 0; i < t.preSize; ++i)
      for (uint64_t q = t.rowBegin(i) + 1; q < t.rowEnd(i); ++q)
        if (t.post[q] == t.post[q - 1])
          reader.fail(lineOf[order[q]], "repeats the synapse " + std::to_string(i) + " -> " +
                                            std::to_string(t.post[q]) + " of line " +
                                            std::to_string(lineOf[order[q - 1]]) +
                                            " but allow_multiple is false");
  }
  return t;
}

SynapseTable buildSynapses(const ConnectorSpec &connector, const ProjectionSpec &projection) {
  if (connector.kind == ConnectorKind::FromFile) {
    std::ifstream in(connector.path, std::ios::binary);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad())
      fail(projection, "cannot read connection file '" + connector.path + "'");
    return buildSynapsesFromCsv(text.str(), connector.path, connector, projection);
  }
  const Options options = resolveOptions(connector, projection);
  uint32_t delay = 0;
  try {
    delay = delayToSteps(projection.delayMs, projection.dtMs);
  } catch (const RuntimeError &e) {
    fail(projection, e.what());
  }
  SynapseTable table = generate(connector, projection, options);
  table.delaySteps.assign(table.size(), delay);
  return table;
}

} // namespace soma::runtime
