#include "ConstEval.h"

#include "Evaluate.h"

#include <functional>

namespace soma::cpu {

using ir::NodeRef;
using ir::Op;

namespace {

struct Unknown {};

double known(const std::vector<std::optional<double>> *values, int i) {
  if (!values || i < 0 || size_t(i) >= values->size() || !(*values)[i]) throw Unknown{};
  return *(*values)[i];
}

} // namespace

std::optional<double> evaluateConstant(const NodeRef &n, const ConstEnv &env) {
  ir::EvalEnv e;
  e.param = [&](int i) { return known(env.params, i); };
  e.internal = [&](int i) { return known(env.internals, i); };
  e.state = [](int) -> double { throw Unknown{}; };
  e.input = [](int) -> double { throw Unknown{}; };
  e.other = [&](const ir::Node &x) -> double {
    if (x.op == Op::Dt && env.dt) return *env.dt;
    throw Unknown{};
  };
  try {
    return ir::evaluate(n, e);
  } catch (const Unknown &) {
    return std::nullopt;
  }
}

std::vector<std::optional<double>> evaluateInternals(const ir::Model &m, const std::vector<std::optional<double>> &params,
                                                     std::optional<double> dt) {
  // An internal may read internals declared after it: evaluate on demand, guarding cycles
  // (sema rejects them; a cycle here just stays unknown).
  size_t n = m.internals.size();
  std::vector<std::optional<double>> values(n);
  std::vector<int> status(n, 0); // 0 to do, 1 in progress, 2 done
  std::function<void(size_t)> eval = [&](size_t k) {
    if (status[k]) return;
    status[k] = 1;
    if (const NodeRef &init = m.internals[k].init) {
      std::function<void(const NodeRef &)> deps = [&](const NodeRef &x) {
        if (x->op == Op::Internal && x->index >= 0 && size_t(x->index) < n) eval(size_t(x->index));
        for (auto &c : x->args) deps(c);
      };
      deps(init);
      values[k] = evaluateConstant(init, ConstEnv{&params, &values, dt});
    }
    status[k] = 2;
  };
  for (size_t k = 0; k < n; ++k) eval(k);
  return values;
}

} // namespace soma::cpu
