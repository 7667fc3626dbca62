// Graph pass: constant folding.
//
// Every value of the graph (population overrides and model defaults, synapse arguments,
// delays, source and encoder arguments, signals) is evaluated where it is known: a value
// that reads nothing that varies becomes an ir::Op::Const. Model defaults are folded per
// population with that population's values: `v: mV = E_L` becomes -49 when the population
// sets E_L = -49 mV. Each value is then marked (Value::variation):
//   Constant    a number, the same for every element (the codegen makes it an immediate);
//   Uniform     the same for every element but not a number here;
//   PerElement  reads i or j, draws from a distribution, or reads a per-element value (a
//               model default that reads a per-element parameter keeps reading it: the
//               draw is shared, not repeated).
// `dt` is the run's time step, fixed for a run: `internal { k = exp(-dt / tau) }` and
// `delay 2 * dt` fold.
#pragma once

#include "NetworkGraph.h"

#include <optional>

namespace soma::graph {

/// The value of `n` when it has only constant leaves and known functions; nullopt when it
/// reads an index, a distribution, a random draw, a model member, time or a population.
/// Evaluated with ir::evaluate (model/Evaluate.h).
std::optional<double> evaluateIfConstant(const ir::NodeRef &n);

/// `n` with the run's time step (ms) for `dt`.
ir::NodeRef substituteDt(const ir::NodeRef &n, double dt);

/// True if `n` reads `i`, `j` or a distribution.
bool readsPerElement(const ir::NodeRef &n);

/// Folds every value of `g` in place and sets Value::variation (and Signal::variation).
void foldConstants(NetworkGraph &g);

} // namespace soma::graph
