// Folding model-IR expressions whose values are known when a kernel is compiled (uniform
// parameters, internals computed from them, dt). Built on ir::evaluate (Evaluate.h), the
// evaluator the simulator uses for everything computed before the first step, so that a
// value folded into a kernel is bit for bit the value the runtime would have stored in the
// population's arrays.
#pragma once

#include "ModelIR.h"

#include <optional>
#include <vector>

namespace soma::cpu {

struct ConstEnv {
  const std::vector<std::optional<double>> *params = nullptr;     // nullopt: unknown
  const std::vector<std::optional<double>> *internals = nullptr;  // nullopt: unknown
  std::optional<double> dt;
};

/// The value of `n`, or nullopt when it reads something unknown: a state, an input, time,
/// a random draw, an index, an unknown parameter or internal.
std::optional<double> evaluateConstant(const ir::NodeRef &n, const ConstEnv &env);

/// Internals in declaration order, each from its initial expression (which may read
/// parameters and other internals); nullopt where a value is unknown.
std::vector<std::optional<double>> evaluateInternals(const ir::Model &m,
                                                     const std::vector<std::optional<double>> &params,
                                                     std::optional<double> dt);

} // namespace soma::cpu
