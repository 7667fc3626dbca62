// Evaluates model-IR expressions on concrete numbers.
//
// The simulator uses it before the first step, where speed does not matter and every value
// is known: parameter overrides, internal values, initial states, weights and delays,
// propagator matrices. Compiled kernels never call it.
#pragma once

#include "ModelIR.h"

#include <functional>

namespace soma::ir {

/// Where the leaves of an expression get their values. Unset callbacks make the
/// corresponding leaf an InternalError (sema guarantees which leaves can occur where).
struct EvalEnv {
  std::function<double(int)> param, internal, state, input;
  std::function<double(const Node &)> other; // t, dt, indices, random draws, distributions
};

double evaluate(const NodeRef &n, const EvalEnv &env);

/// True if `n` has only constant leaves (no parameter, state, input, time or randomness).
bool isConstantExpr(const NodeRef &n);

} // namespace soma::ir
