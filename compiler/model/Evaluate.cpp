#include "Evaluate.h"

#include "Diagnostics.h"

#include <cmath>

namespace soma::ir {

namespace {

double callBuiltin(const std::string &fn, const std::vector<double> &a) {
  if (fn == "exp") return std::exp(a[0]);
  if (fn == "log") return std::log(a[0]);
  if (fn == "log10") return std::log10(a[0]);
  if (fn == "log2") return std::log2(a[0]);
  if (fn == "sqrt") return std::sqrt(a[0]);
  if (fn == "abs") return std::fabs(a[0]);
  if (fn == "sin") return std::sin(a[0]);
  if (fn == "cos") return std::cos(a[0]);
  if (fn == "tan") return std::tan(a[0]);
  if (fn == "tanh") return std::tanh(a[0]);
  if (fn == "sinh") return std::sinh(a[0]);
  if (fn == "cosh") return std::cosh(a[0]);
  if (fn == "asin") return std::asin(a[0]);
  if (fn == "acos") return std::acos(a[0]);
  if (fn == "atan") return std::atan(a[0]);
  if (fn == "atan2") return std::atan2(a[0], a[1]);
  if (fn == "erf") return std::erf(a[0]);
  if (fn == "sigmoid") return 1 / (1 + std::exp(-a[0]));
  if (fn == "floor") return std::floor(a[0]);
  if (fn == "ceil") return std::ceil(a[0]);
  if (fn == "round") return std::round(a[0]);
  // min/max propagate NaN like the compiled kernels: a NaN operand gives NaN.
  if (fn == "min") return std::isnan(a[0]) || std::isnan(a[1]) ? NAN : std::min(a[0], a[1]);
  if (fn == "max") return std::isnan(a[0]) || std::isnan(a[1]) ? NAN : std::max(a[0], a[1]);
  if (fn == "clip") return std::isnan(a[0]) ? NAN : std::min(std::max(a[0], a[1]), a[2]);
  throw InternalError("evaluate: unknown function '" + fn + "'");
}

template <class F> double need(const F &f, int i, const char *what) {
  if (!f) throw InternalError(std::string("evaluate: a ") + what + " where none is available");
  return f(i);
}

} // namespace

double evaluate(const NodeRef &n, const EvalEnv &env) {
  switch (n->op) {
  case Op::Const: return n->value;
  case Op::Param: return need(env.param, n->index, "parameter");
  case Op::Internal: return need(env.internal, n->index, "internal value");
  case Op::State: return need(env.state, n->index, "state");
  case Op::Input: return need(env.input, n->index, "input");
  case Op::Neg: return -evaluate(n->args[0], env);
  case Op::Not: return evaluate(n->args[0], env) == 0 ? 1 : 0;
  case Op::Select: return evaluate(n->args[0], env) != 0 ? evaluate(n->args[1], env) : evaluate(n->args[2], env);
  case Op::Call: {
    std::vector<double> a;
    for (const NodeRef &x : n->args) a.push_back(evaluate(x, env));
    return callBuiltin(n->name, a);
  }
  case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Mod: case Op::Pow:
  case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne:
  case Op::And: case Op::Or: {
    return applyBinary(n->op, evaluate(n->args[0], env), evaluate(n->args[1], env));
  }
  default:
    if (!env.other) throw InternalError("evaluate: no value for this leaf");
    return env.other(*n);
  }
}

bool isConstantExpr(const NodeRef &n) {
  if (n->op == Op::Const) return true;
  if (n->args.empty()) return false;
  for (const NodeRef &a : n->args)
    if (!isConstantExpr(a)) return false;
  return n->op != Op::Random && n->op != Op::Distribution;
}

} // namespace soma::ir
