// Continuous coupling: synapses whose `continuous` block delivers every step (gap
// junctions, linear weighted sums, Kuramoto phase coupling; docs/simulation.md,
// "Continuous coupling").
//
// One ContinuousSynapses per projection of a synapse model that has a `continuous` block
// and no state, dynamics or event blocks. In step k, before the neuron kernels advance
// t_k -> t_{k+1}, every synapse evaluates its block from the states of its pre and post
// neurons at t_k (pre.x, post.x), its own parameters, t = t_k and dt; each `deliver e`
// that runs adds e (times the connect's unit factor) to the post neuron's `onto` input for
// step k. The input holds that sum over the step and the kernel consumes it.
//
// Order: Simulation calls accumulate() for every such projection in projection order, each
// thread for its own post neurons; within a projection the synapses of one target are
// visited in synapse index order, so every target's sum is formed in (projection, synapse
// index) order whatever the thread count.
//
// Evaluation: the block becomes a list of (condition, value, factor) delivers over one
// expression DAG, compiled to a small vector program run over up to kChunk synapses of a
// row at a time. Instructions are classed by what they depend on: constants (run once,
// here), the presynaptic neuron and the time (once per row), the synapse and its post
// neuron (once per chunk, a tight loop per instruction). Functions and operators compute
// exactly what SynapseProgram and the neuron kernels compute (synapseFunction).
#pragma once

#include "ModelIR.h"
#include "soma/runtime/SynapseTable.h"

#include <cstdint>
#include <vector>

namespace soma::sim {

/// The neurons at one end of a projection as a continuous synapse reads them: their model
/// and its columns by model index (one value per neuron of the population). The vectors are
/// read at every accumulate(), so they may be filled, or replaced by a checkpoint, after
/// construction.
struct CouplingEnd {
  const ir::Model *model = nullptr;
  const std::vector<std::vector<double>> *state = nullptr, *param = nullptr, *internal = nullptr;
  uint32_t first = 0;           // the slice's first neuron in the population
};

/// Whether a synapse model is run by ContinuousSynapses: a `continuous` block and no
/// state, dynamics or event blocks.
bool isContinuousSynapse(const ir::Model &synapse);

class ContinuousSynapses {
public:
  /// `params`, `internals`: per synapse parameter/internal, one value (uniform) or one per
  /// synapse in table order. `deliverFactors`: the factor of each `deliver` of the block
  /// (source order) into the target's unit. Throws SimulationError for what this target
  /// cannot run (a random draw, reading a neuron's input or alias, writing pre./post.).
  ContinuousSynapses(const ir::Model &synapse, double dt, std::vector<std::vector<double>> params,
                     std::vector<std::vector<double>> internals, std::vector<double> deliverFactors,
                     CouplingEnd pre, CouplingEnd post);

  /// Step k: adds the delivers at t_k of the synapses onto thread `thread`'s post neurons
  /// (population neurons [n·thread/threads, n·(thread+1)/threads), n = `postPopulationSize`)
  /// into `input`, the post population's input array for step k (indexed by neuron of the
  /// population). `table` is the projection's synapse table.
  void accumulate(const runtime::SynapseTable &table, uint64_t k, uint32_t postPopulationSize, unsigned thread,
                  unsigned threads, double *input) const;

  static constexpr uint32_t kChunk = 256;

private:
  enum class Opc : uint8_t {
    Const, SynParam, PreVar, PostVar, Time,
    Neg, Not, Add, Sub, Mul, Div, Mod, Pow, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Select, Call,
  };
  enum Level : uint8_t { Constant = 0, Row = 1, Lane = 2 };
  struct Ins {
    Opc op;
    Level level;
    int32_t dst = 0, a = -1, b = -1, c = -1;  // registers (a: column index for leaves)
    int fn = -1;                               // Call: synapseFunction code
    double k = 0;                              // Const
  };
  struct Deliver {
    int32_t cond = -1;          // register of the condition; -1: always
    int32_t value = 0;
    double factor = 1;
  };
  struct Column {               // a neuron member read through pre./post.
    const std::vector<std::vector<double>> *kind;
    int index;
  };
  friend class CouplingBuilder;

  void run(const std::vector<Ins> &code, double *regs, uint32_t n, const double *const *pre, uint32_t preNeuron,
           const double *const *post, const uint32_t *postIdx, uint64_t syn, double t) const;

  double dt_;
  CouplingEnd pre_, post_;
  std::vector<std::vector<double>> param_;      // parameters, then internals
  std::vector<Column> preCols_, postCols_;
  std::vector<Ins> constCode_, rowCode_, laneCode_;
  std::vector<Level> level_;                   // per register
  std::vector<double> constRegs_;              // values of the constant registers
  std::vector<Deliver> delivers_;
};

} // namespace soma::sim
