// The units a synapse's values have for one connect.
//
// A synapse is lowered to the model IR once, but a generic (`quantity`) parameter takes
// its unit from each connect's argument, and `pre.x`/`post.x` from the neurons at its ends.
// Products and quotients (`deliver w`, `deliver w * w_max`, `deliver g * (pre.v - post.v)`)
// compose units without rescaling, so one lowered synapse computes the right number for
// every connect, in a unit that depends on the connect: this file recomputes that unit from
// the typed AST, for each `deliver` and each `pre.x`/`post.x` write, and the factor into the
// target. Where the lowering inserted a unit conversion (+, -, comparisons, min/max/clip,
// `in`, a typed let, an assignment, an ODE) that would differ for this connect, the
// lowered synapse is wrong here; that is reported as unsupported (a target rejects it)
// instead of being computed with a wrong factor.
#pragma once

#include "NetworkGraph.h"

#include <map>
#include <string>

namespace soma::graph {

struct SynapseUnits {
  std::vector<Conversion> conversions;      // every deliver, pre./post. write, in source order
  std::vector<ir::Unsupported> problems;    // conversions the lowered synapse gets wrong here
};

/// `bindings`: the unit of each generic parameter for this connect. `pre`/`post` are the
/// neuron models at the ends (pre is null for a source). `onto` is the connect's target
/// (its unit is where delivers go).
/// The value of a unit expression sema accepted (`mV`, `[mV/ms]`; the type words real,
/// int, bool and quantity are dimensionless).
Unit unitExprValue(const Expr &unitExpr);

SynapseUnits synapseUnits(const SemaResult &sema, const ModelSummary &synapse, const std::map<std::string, Unit> &bindings,
                          const ModelSummary *pre, const ModelSummary *post, const Onto &onto);

} // namespace soma::graph
