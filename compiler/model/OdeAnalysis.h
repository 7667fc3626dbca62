// ODE analysis: which states are integrated together, and how.
//
// A state whose derivative is affine in the states, with coefficients that depend only on
// parameters (and a constant term that may also read inputs, held over one step), is
// "linear"; linear states that only depend on each other form one subsystem integrated
// exactly with the propagator exp(A·dt), as NEST does. Every other state is integrated
// numerically, all of them together (default RK4). `dynamics using METHOD` overrides the
// default; asking for `exact` on a nonlinear model is an error at the offending equation.
// For exp_euler (the diagonal) and implicit (all of it) the numeric subsystem carries the
// symbolic Jacobian of its right-hand sides (Subsystem::J).
#pragma once

#include "Diagnostics.h"
#include "ModelIR.h"

namespace soma {

/// Fills m.subsystems from m.odes.
void analyzeOdes(ir::Model &m, DiagnosticEngine &diags);

/// `run … with method = NAME`: the method of every model that does not choose its own
/// with `dynamics using` (its subsystems are analysed again).
void applyRunMethod(std::vector<ir::Model> &models, const std::string &method, DiagnosticEngine &diags);

} // namespace soma
