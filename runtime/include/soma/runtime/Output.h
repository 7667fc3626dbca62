// Recorder output files: spike trains, state traces and the run summary.
//
// All files are written atomically (AtomicFile) and hold exact values: times and states
// print in the shortest form that reads back to the same double (Format.h), so numpy and
// pandas see what the simulation computed. A time is t_k = k * dt, computed in double
// from the integer step k, never accumulated.
//
//   spikes.csv   population,index,t_ms      sorted by time, then population order, then index
//   state.csv    t_ms,Exc[0].v (mV),...     one row per sampled step
//   summary.json model, dt, steps, seed, per-population counts and rates, metrics, files
#pragma once

#include "soma/runtime/AtomicFile.h"

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace soma::runtime {

/// One population as the recorders see it (population order = index in the list).
struct PopulationInfo {
  std::string name;
  uint32_t size = 0;
};

/// A spike stamped t = step * dt (DESIGN.md: a spike found in step k is stamped t_{k+1};
/// `step` here is that k + 1).
struct SpikeEvent {
  uint64_t step = 0;
  uint32_t population = 0;
  uint32_t index = 0;
  friend bool operator==(const SpikeEvent &, const SpikeEvent &) = default;
};

/// The spikes file's order: time, then population, then index.
inline bool spikeOrder(const SpikeEvent &a, const SpikeEvent &b) {
  if (a.step != b.step) return a.step < b.step;
  if (a.population != b.population) return a.population < b.population;
  return a.index < b.index;
}

/// Appends `field`, quoted per RFC 4180 if it holds a comma, quote, CR or LF.
void appendCsvField(std::string &out, std::string_view field);

/// Writes the spikes CSV (header `population,index,t_ms`); `spikes` need not be sorted.
/// Throws RuntimeError for a spike whose population or index is out of range, or on an I/O
/// error.
void writeSpikesCsv(const std::string &path, std::span<const PopulationInfo> populations,
                    std::span<const SpikeEvent> spikes, double dtMs);

/// A recorded state column: `<population>[<index>].<variable> (<unit>)`; the unit part is
/// left out when `unit` is empty (a dimensionless state).
struct StateColumn {
  std::string population;
  uint32_t index = 0;
  std::string variable;
  std::string unit;
};

/// Streams the state CSV: the header at construction, one row per addRow, file visible
/// at commit().
class StateCsvWriter {
public:
  StateCsvWriter(std::string path, std::vector<StateColumn> columns, double dtMs);
  /// One row at t = step * dt; values.size() must equal the column count (RuntimeError).
  void addRow(uint64_t step, std::span<const double> values);
  void commit();

private:
  AtomicFile file_;
  size_t columns_;
  double dtMs_;
  std::string line_;
};

/// What summary.json reports about a run.
struct RunSummary {
  struct Population {
    std::string name;
    uint32_t size = 0;
    uint64_t spikes = 0;
  };
  std::string model;
  double dtMs = 0;
  uint64_t steps = 0;
  uint64_t seed = 0;
  std::vector<Population> populations;
  std::vector<std::pair<std::string, double>> metrics;    // e.g. {"wall_s", 1.5}, in order
  std::vector<std::pair<std::string, std::string>> files; // e.g. {"spikes", "out/spikes.csv"}
};

/// The summary as JSON: model, dt_ms, steps, t_stop_ms, seed, populations (name, size,
/// spikes, rate_hz = spikes / (size * t_stop)), metrics and files as objects in the given
/// order.
std::string renderSummaryJson(const RunSummary &summary);
void writeSummaryJson(const std::string &path, const RunSummary &summary);

} // namespace soma::runtime
