// Synapses of one projection, stored as CSR by presynaptic neuron.
//
// A spike of presynaptic neuron i walks row i: a contiguous run of post indices and the
// matching entries of every per-synapse column (structure of arrays, so delivery loops
// touch only the columns they read). Synapse s of row i is global index
// rowOffsets[i] + s; that index is the "synapse index" of DESIGN.md's fixed delivery order
// and the entity index of per-synapse random draws.
//
// Order within a row: ascending post index, then creation order (the order in which the
// connector produced the synapse: draw order for fixed-degree connectors with
// allow_multiple, line order for a connection file). All targets build tables with the same
// routine (Connectivity.h), so they agree on synapse indices.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace soma::runtime {

/// A per-synapse state column beyond weight and delay (e.g. STDP traces), by name.
struct SynapseColumn {
  std::string name;
  std::vector<double> values; // one per synapse, in table order
};

struct SynapseTable {
  uint32_t preSize = 0, postSize = 0;
  std::vector<uint64_t> rowOffsets{0}; // preSize + 1 entries; row i = [rowOffsets[i], rowOffsets[i+1])
  std::vector<uint32_t> post;          // postsynaptic index of each synapse
  std::vector<double> weight;          // in the unit the caller chose (the synapse's declared unit)
  std::vector<uint32_t> delaySteps;    // D >= 1, see delayToSteps
  std::vector<SynapseColumn> columns;  // further per-synapse state
  bool weightsFromFile = false;        // a connection file gave `weight` (it is in `weight`)

  uint64_t size() const { return post.size(); }
  // Row accessors: pre < preSize (not checked).
  uint64_t rowBegin(uint32_t pre) const { return rowOffsets[pre]; }
  uint64_t rowEnd(uint32_t pre) const { return rowOffsets[pre + 1]; }
  /// The post indices of row `pre`.
  std::span<const uint32_t> row(uint32_t pre) const;
  /// The largest delay in steps, 0 for an empty table (a ring buffer needs max + 1 slots).
  uint32_t maxDelaySteps() const;
  /// Adds a column filled with `init` and returns its index in `columns`; throws
  /// RuntimeError if the name is taken ("weight" and "delay" are reserved).
  size_t addColumn(std::string name, double init);
  /// The column called `name`, or nullptr.
  SynapseColumn *findColumn(std::string_view name);
  const SynapseColumn *findColumn(std::string_view name) const;
};

/// Delay in whole steps: D = round(delayMs / dtMs) rounding halves up, where a quotient
/// within a relative 1e-9 below a half counts as the half (0.25 / 0.1 evaluates to
/// 2.4999999999999996 and gives 3). Throws RuntimeError, with both values in the message,
/// when dtMs is not positive and finite, when delayMs is negative or not finite, when D is 0
/// (a delay must last at least one step, DESIGN.md "Semantics of one time step") or when D
/// does not fit 32 bits.
uint32_t delayToSteps(double delayMs, double dtMs);

} // namespace soma::runtime
