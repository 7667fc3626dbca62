// Warns when a numerically integrated model is too stiff for the step it runs with.
//
// For every population whose model has a numeric subsystem integrated explicitly (euler,
// rk4, rkf45), the Jacobian of that subsystem is evaluated at the population's initial state
// (neuron 0, where values are the same for every neuron) and its spectral radius rho
// estimated. The explicit methods are stable on the negative real axis up to dt·rho = 2
// (euler) and about 2.785 (rk4); beyond, the warning names the step that would be stable
// and suggests `dynamics using implicit`. rkf45 shrinks its sub-steps instead (stable to
// about 3.3 per sub-step); it is warned about when that would need half of its sub-step
// attempts per step (dt·rho > 3.3 · kRkf45MaxAttempts / 2), where a run would likely stop.
#pragma once

#include "NetworkGraph.h"

namespace soma::graph {

void warnStiffness(const NetworkGraph &g, const std::vector<ir::Model> &models, DiagnosticEngine &diags);

} // namespace soma::graph
