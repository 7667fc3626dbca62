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

} // namespace soma
