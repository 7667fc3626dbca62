// How a synapse model's state advances between events (printed by `emit --stage=model`).
//
// Event-driven: every ODE subsystem is a single linear state x' = a x + b with a and b
// from parameters only (traces). Such a state is advanced exactly, and only, when an event
// reaches its synapse: x(t + D dt) = e^{a D dt} x + (e^{a D dt} - 1)/a b. No work per step.
// Per step: anything else (a numeric method, coupled states, a modulator input, a
// continuous block); every synapse is advanced every step.
#pragma once

#include "ModelIR.h"

#include <string>

namespace soma::ir {

struct SynapseScheme {
  bool eventDriven = true;
  std::string why;
};

SynapseScheme synapseScheme(const Model &m);

} // namespace soma::ir
