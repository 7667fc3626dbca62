#include "OdeAnalysis.h"

#include <functional>
#include <map>
#include <set>

namespace soma {

namespace {

using namespace ir;

bool variesWithinStep(const Node &n) {
  return n.op == Op::State || n.op == Op::Time || n.op == Op::Random || n.op == Op::PreState || n.op == Op::PostState;
}
bool notConstantCoefficient(const Node &n) { return variesWithinStep(n) || n.op == Op::Input; }

void collectStates(const NodeRef &n, std::set<int> &out) {
  if (n->op == Op::State) out.insert(n->index);
  for (auto &a : n->args) collectStates(a, out);
}

struct Linearity {
  bool linear = false;
  std::string why;
};

/// Is rhs affine in the states with constant coefficients?
Linearity classify(const Ode &o, const Model &m, const std::set<int> &odeStates) {
  std::set<int> deps;
  collectStates(o.rhs, deps);
  for (int s : deps) {
    if (!odeStates.count(s)) return {false, "reads '" + m.states[s].name + "', which has no equation"};
    NodeRef d = derivative(o.rhs, s);
    if (!d) return {false, m.states[o.state].name + "' is not differentiable in '" + m.states[s].name + "'"};
    if (reads(d, notConstantCoefficient))
      return {false, m.states[o.state].name + "' is nonlinear in '" + m.states[s].name + "'"};
  }
  if (reads(o.rhs, [](const Node &n) { return n.op == Op::Time || n.op == Op::Random; }))
    return {false, m.states[o.state].name + "' depends on time or noise"};
  if (reads(o.rhs, [](const Node &n) { return n.op == Op::PreState || n.op == Op::PostState; }))
    return {false, m.states[o.state].name + "' reads another neuron"};
  return {true, "linear, constant coefficients"};
}

Method methodByName(const std::string &name) {
  if (name == "exact") return Method::Exact;
  if (name == "euler") return Method::Euler;
  if (name == "rkf45") return Method::RKF45;
  if (name == "exp_euler") return Method::ExpEuler;
  if (name == "implicit" || name == "cvode") return Method::Implicit;
  return Method::RK4;
}

/// `n` with every Op::Time replaced by `by`.
NodeRef replaceTime(const NodeRef &n, const NodeRef &by) {
  if (n->op == Op::Time) return by;
  if (!reads(n, [](const Node &x) { return x.op == Op::Time; })) return n;
  auto copy = std::make_shared<Node>(*n);
  for (NodeRef &a : copy->args) a = replaceTime(a, by);
  return copy;
}

/// d n / d t (explicit time dependence, piecewise), by differentiating in a stand-in state
/// with an index past the model's states; null where unknown.
NodeRef timeDerivative(const NodeRef &n, const Model &m) {
  if (!reads(n, [](const Node &x) { return x.op == Op::Time; })) return constant(0);
  int pseudo = int(m.states.size());
  NodeRef d = derivative(replaceTime(n, leaf(Op::State, pseudo, "t")), pseudo, true);
  if (!d) return nullptr;
  std::vector<NodeRef> back(size_t(pseudo) + 1);
  back[size_t(pseudo)] = leaf(Op::Time, -1, "t");
  return substitute(d, back);
}

} // namespace

void applyRunMethod(std::vector<Model> &models, const std::string &method, DiagnosticEngine &diags) {
  if (method.empty()) return;
  for (Model &m : models) {
    if (!m.methodOverride.empty() || m.odes.empty()) continue;
    m.methodOverride = method;
    analyzeOdes(m, diags);
  }
}

void analyzeOdes(Model &m, DiagnosticEngine &diags) {
  m.subsystems.clear();
  std::set<int> odeStates;
  for (const Ode &o : m.odes) odeStates.insert(o.state);
  std::map<int, const Ode *> odeOf;
  std::map<int, Linearity> lin;
  for (const Ode &o : m.odes) {
    odeOf[o.state] = &o;
    lin[o.state] = classify(o, m, odeStates);
  }
  // Coupling with a numerically integrated state, either way, makes a state numeric too:
  // the integrator must see it change within the step to keep its order.
  bool changed = true;
  while (changed) {
    changed = false;
    for (const Ode &o : m.odes) {
      std::set<int> deps;
      collectStates(o.rhs, deps);
      for (int s : deps) {
        if (lin[o.state].linear && !lin[s].linear) {
          lin[o.state] = {false, "coupled to '" + m.states[s].name + "', which is integrated numerically"};
          changed = true;
        } else if (!lin[o.state].linear && lin[s].linear) {
          lin[s] = {false, "read by " + m.states[o.state].name + "', which is integrated numerically"};
          changed = true;
        }
      }
    }
  }

  // Linear states: one subsystem per connected group, so a synaptic current and the
  // membrane it drives share one propagator.
  std::map<int, int> group;
  for (const Ode &o : m.odes) group[o.state] = o.state;
  std::function<int(int)> find = [&](int x) { return group[x] == x ? x : group[x] = find(group[x]); };
  for (const Ode &o : m.odes) {
    if (!lin[o.state].linear) continue;
    std::set<int> deps;
    collectStates(o.rhs, deps);
    for (int s : deps) group[find(s)] = find(o.state);
  }
  std::map<int, Subsystem> linearGroups;
  Subsystem numeric;
  bool override = !m.methodOverride.empty();
  Method chosen = override ? methodByName(m.methodOverride) : Method::RK4;
  for (const Ode &o : m.odes) {
    if (lin[o.state].linear && (!override || chosen == Method::Exact)) {
      Subsystem &s = linearGroups[find(o.state)];
      s.states.push_back(o.state);
    } else {
      if (override && chosen == Method::Exact) {
        diags.report(DiagId::exact_needs_linear, o.range, {lin[o.state].why});
        continue;
      }
      numeric.states.push_back(o.state);
      if (numeric.why.empty()) numeric.why = override ? "chosen with 'dynamics using'" : lin[o.state].why;
    }
  }
  for (auto &[root, s] : linearGroups) {
    s.method = Method::Exact;
    s.linear = true;
    s.why = override ? "chosen with 'dynamics using'" : "linear, constant coefficients";
    std::vector<NodeRef> zero(m.states.size());
    for (int x : s.states) zero[x] = constant(0);
    for (int x : s.states) {
      const Ode &o = *odeOf[x];
      std::vector<NodeRef> row;
      for (int y : s.states) row.push_back(derivative(o.rhs, y));
      s.A.push_back(std::move(row));
      s.b.push_back(substitute(o.rhs, zero));
    }
    m.subsystems.push_back(std::move(s));
  }
  if (!numeric.states.empty()) {
    numeric.method = chosen;
    // exp_euler needs d x_i'/d x_i, implicit the whole Jacobian: symbolic, almost everywhere
    // (a condition counts as constant); an unknown entry is taken as 0 by the method.
    if (chosen == Method::ExpEuler || chosen == Method::Implicit) {
      size_t n = numeric.states.size();
      numeric.J.assign(n, std::vector<NodeRef>(n));
      for (size_t r = 0; r < n; ++r)
        for (size_t c = 0; c < n; ++c)
          if (chosen == Method::Implicit || r == c)
            numeric.J[r][c] = derivative(odeOf[numeric.states[r]]->rhs, numeric.states[c], true);
      if (chosen == Method::Implicit)
        for (size_t r = 0; r < n; ++r) numeric.Jt.push_back(timeDerivative(odeOf[numeric.states[r]]->rhs, m));
    }
    m.subsystems.push_back(std::move(numeric));
  }
}

} // namespace soma
