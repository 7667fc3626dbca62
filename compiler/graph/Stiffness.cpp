#include "Stiffness.h"

#include "Evaluate.h"

#include <cmath>
#include <sstream>

namespace soma::graph {

namespace {

/// Spectral radius of a small matrix by power iteration on ||J^k x||^(1/k); good enough to
/// tell time scales apart by an order of magnitude, which is all the warning needs.
double spectralRadius(const std::vector<std::vector<double>> &J) {
  size_t n = J.size();
  std::vector<double> x(n, 1.0), y(n);
  double logNorm = 0;
  const int iterations = 60;
  for (int it = 0; it < iterations; ++it) {
    double norm = 0;
    for (size_t r = 0; r < n; ++r) {
      y[r] = 0;
      for (size_t c = 0; c < n; ++c) y[r] += J[r][c] * x[c];
      norm = std::max(norm, std::fabs(y[r]));
    }
    if (!(norm > 0) || !std::isfinite(norm)) return norm > 0 ? INFINITY : 0;
    logNorm += std::log(norm);
    for (size_t r = 0; r < n; ++r) x[r] = y[r] / norm;
  }
  return std::exp(logNorm / iterations);
}

std::string number(double v) {
  std::ostringstream s;
  s.precision(2);
  s << v;
  return s.str();
}

} // namespace

void warnStiffness(const NetworkGraph &g, const std::vector<ir::Model> &models, DiagnosticEngine &diags) {
  double dt = g.run.dt;
  for (auto v : boost::make_iterator_range(boost::vertices(g.g))) {
    const Vertex &vx = g.g[v];
    if (vx.kind != VertexKind::Population || vx.model < 0) continue;
    const ir::Model &m = models[vx.model];
    // Values at neuron 0 when they are constants; otherwise the check is skipped.
    bool known = true;
    ir::EvalEnv env;
    auto value = [&](const std::vector<Value> &vals, int k) {
      if (k < 0 || size_t(k) >= vals.size() || !vals[k].isConstant()) {
        known = false;
        return 0.0;
      }
      return vals[k].number();
    };
    env.param = [&](int k) { return value(vx.params, k); };
    env.state = [&](int k) { return value(vx.states, k); };
    env.internal = [&](int k) {
      if (size_t(k) < vx.internals.size() && vx.internals[k].isConstant()) return vx.internals[k].number();
      return m.internals[k].init ? ir::evaluate(m.internals[k].init, env) : 0.0;
    };
    env.input = [](int) { return 0.0; };
    env.other = [&](const ir::Node &n) -> double {
      if (n.op == ir::Op::Dt) return dt;
      if (n.op == ir::Op::Time) return 0;
      known = false;
      return 0;
    };
    for (const ir::Subsystem &s : m.subsystems) {
      // Explicit methods only: exact, exp_euler (stable on the diagonal) and implicit are not
      // limited this way. rkf45 adapts its sub-steps, so it is warned about only when the
      // sub-steps that stability needs (|h λ| <= 3.3 for Dormand-Prince) would use up half
      // of its attempts per step.
      if (s.method != ir::Method::RK4 && s.method != ir::Method::Euler && s.method != ir::Method::RKF45) continue;
      size_t n = s.states.size();
      std::vector<std::vector<double>> J(n, std::vector<double>(n));
      known = true;
      for (size_t r = 0; r < n && known; ++r) {
        const ir::Ode *ode = nullptr;
        for (const ir::Ode &o : m.odes)
          if (o.state == s.states[r]) ode = &o;
        for (size_t c = 0; c < n && known; ++c) {
          ir::NodeRef d = ode ? ir::derivative(ode->rhs, s.states[c]) : nullptr;
          if (!d) {
            known = false;
            break;
          }
          J[r][c] = ir::evaluate(d, env);
        }
      }
      if (!known) continue;
      double rho = spectralRadius(J);
      double limit = s.method == ir::Method::RK4     ? 2.785
                     : s.method == ir::Method::RKF45 ? 3.3 * ir::kRkf45MaxAttempts / 2
                                                     : 2.0;
      if (!(rho > 0) || dt * rho <= limit) continue;
      std::string names;
      for (size_t k = 0; k < n; ++k) names += (k ? ", " : "") + m.states[s.states[k]].name;
      diags.report(DiagId::stiff_for_dt, vx.range,
                   {vx.name, names, number(1 / rho), ir::methodName(s.method), number(dt), number(limit / rho)});
    }
  }
}

} // namespace soma::graph
