// Checked AST to model IR (one ir::Model per neuron and synapse kind).
//
//   typed AST + SemaResult ──lower──▶ ir::Model (units folded into exact scale factors,
//                                      aliases, lets and functions inlined)
//                          ──analyzeOdes──▶ subsystems with an update method each
//
// Lowering runs only on a program sema accepted; what it cannot express yet (vectors,
// segments) is listed in Model::unsupported for targets to report.
#pragma once

#include "Diagnostics.h"
#include "ModelIR.h"
#include "Sema.h"

#include <vector>

namespace soma {

/// Lowers every neuron and synapse of the program, then chooses how each group of ODEs is
/// integrated (OdeAnalysis). Reports through `diags` (e.g. `using exact` on a nonlinear model).
std::vector<ir::Model> lowerModels(const SemaResult &sema, DiagnosticEngine &diags);

/// Where a network-level expression stands (a size, a population override, a synapse
/// argument, a delay, a source argument, a signal, a run option).
struct NetworkExprContext {
  const NetworkDef *network = nullptr;  // its consts and signals are visible by name
  bool connect = false;                 // `i` is the presynaptic and `j` the postsynaptic
                                        // index (else `i` is the neuron's index)
  int *draws = nullptr;                 // next draw number of a distribution (null: from 0)
};

/// Lowers one expression of a network, checked by sema, to a number in the unit sema gave
/// it (e.type), like model expressions: conversions are multiplications, constants and
/// functions are inlined. `i`/`j` become Op::PreIndex/PostIndex, a distribution
/// Op::Distribution (its parameters converted to the unit of its result), `Pop.x`
/// Op::PopulationMember and the network reductions (sum, mean, any, all, count, top_k, min
/// and max of a vector) Op::Call. What cannot be lowered is appended to `unsupported` (when
/// given) and becomes NaN.
ir::NodeRef lowerNetworkExpr(const SemaResult &sema, const Expr &e, const NetworkExprContext &ctx,
                             DiagnosticEngine &diags, std::vector<ir::Unsupported> *unsupported = nullptr);

} // namespace soma
