// Network-level signals and their broadcasts (docs/simulation.md, "Signals and broadcasts").
//
// Every `signal NAME = expr` of the network is evaluated once per step, serially, at
// t_{k+1}: after the neuron kernels of step k (states at t_{k+1}, the spikes stamped
// t_{k+1}) and before the synapses with state run their part of the step. An expression
// reads constants, `t` (t_{k+1}), reductions over whole populations and earlier signals
// (lowering inlines those):
//   sum, mean, min, max        over a member: a state, parameter or internal value of
//                              every neuron, `spikes` (1 for a neuron or channel that fired
//                              at t_{k+1}, else 0) or an elementwise expression of them;
//   any, all, count, top_k     over boolean vectors (top_k: the k largest, ties to the
//                              lowest index).
// Sums use one fixed pairwise tree over the index order (pairwiseSum below), so a value is
// the same whatever the number of threads (the evaluation is serial anyway) and on every
// target that follows the same tree.
//
// `broadcast SIG -> Target.input` sets a modulator input to the signal's value times the
// broadcast's unit factor, held until the next evaluation:
//  - a named connect: PlasticSynapses::inputs()[input] of each of its projections, read
//    while the synapses advance t_{k+1} -> t_{k+2} and by `on post` at t_{k+1} and `on pre`
//    at t_{k+2};
//  - a population: one array of N values per targeted input, every entry written at each
//    evaluation; the kernel reads it as input[j] in step k+1 and leaves it as it is
//    (cpu::Arrivals::CheckAtRunTime: held, never consumed), unlike the current and
//    conductance inputs, whose arrival slots the kernel consumes.
// A signal may be a vector over a population (an elementwise expression of members, or a
// top_k mask): it is evaluated element by element in index order and broadcast
// elementwise, entry i into neuron i's place of the held array, onto populations of its
// size only (k-winners-take-all: `broadcast top_k(P.u, k)` as a signal onto P).
// Before step 0 the signals are evaluated once at t_0 (initial states, no spikes).
#pragma once

#include "NetworkGraph.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace soma::sim {

class PlasticSynapses;

/// What a signal may read of one graph vertex: arrays the simulation owns and keeps in
/// place (the vectors may be reassigned, not moved elsewhere).
struct SignalVertex {
  uint32_t size = 0;
  const ir::Model *model = nullptr;                 // null: a source (only `spikes`)
  const std::vector<std::vector<double>> *state = nullptr, *param = nullptr, *internal = nullptr;
  const std::vector<uint32_t> *spikes = nullptr;    // indices that fired at t_{k+1}, ascending
};

/// Sum of x[0..n) by a fixed pairwise tree: up to 8 values left to right, else the sum of
/// the halves [0, n/2) and [n/2, n) (n/2 rounded down).
double pairwiseSum(const double *x, size_t n);

class Signals {
public:
  /// Resolves and checks every signal and broadcast of `net`; throws SimulationError
  /// (`… is not supported by target cpu`) at the location of what it cannot run.
  /// `vertices`: one per graph vertex. `plastic(edge id)`: the synapses with state of that
  /// projection, or null when its synapse has none.
  Signals(const graph::NetworkGraph &net, std::vector<SignalVertex> vertices,
          const std::function<PlasticSynapses *(int)> &plastic, double dt);
  ~Signals();

  /// The modulator inputs of population `vertex` that a broadcast writes (indices into its
  /// model's inputs). Their kernel spec is cpu::Arrivals::CheckAtRunTime.
  static std::vector<int> broadcastInputs(const graph::NetworkGraph &net, int vertex);
  /// The held array (N values) of input `input` of population `vertex`, or null.
  double *heldInput(int vertex, int input);

  /// Evaluates every signal at t_step and writes every broadcast target.
  void update(uint64_t step);
  /// The value of each signal (in graph order; a vector signal's N values in a row) at the
  /// last update.
  const std::vector<double> &values() const { return values_; }
  /// Checkpoints: sets the values (as update computed them) and writes the targets again.
  void restore(const std::vector<double> &values);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<double> values_;
};

} // namespace soma::sim
