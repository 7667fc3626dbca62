#include "ModelIR.h"
#include "SynapseScheme.h"

#include <charconv>
#include <cmath>
#include <functional>

namespace soma::ir {

namespace {

NodeRef make(Op op, std::vector<NodeRef> args, double value = 0, int index = -1, std::string name = {}) {
  auto n = std::make_shared<Node>();
  n->op = op;
  n->args = std::move(args);
  n->value = value;
  n->index = index;
  n->name = std::move(name);
  return n;
}

bool isConstNode(const NodeRef &n) { return n->op == Op::Const; }

} // namespace

double applyBinary(Op op, double a, double b) {
  switch (op) {
  case Op::Add: return a + b;
  case Op::Sub: return a - b;
  case Op::Mul: return a * b;
  case Op::Div: return a / b;
  case Op::Mod: return std::fmod(a, b);
  case Op::Pow: return std::pow(a, b);
  case Op::Lt: return a < b;
  case Op::Le: return a <= b;
  case Op::Gt: return a > b;
  case Op::Ge: return a >= b;
  case Op::Eq: return a == b;
  case Op::Ne: return a != b;
  case Op::And: return a != 0 && b != 0;
  case Op::Or: return a != 0 || b != 0;
  default: return NAN;
  }
}

NodeRef constant(double v) { return make(Op::Const, {}, v); }
NodeRef leaf(Op op, int index, std::string name) { return make(op, {}, 0, index, std::move(name)); }

NodeRef segmentReduce(std::string fn, int segment, NodeRef element) {
  return make(Op::SegmentReduce, {std::move(element)}, 0, segment, std::move(fn));
}

NodeRef distribution(std::string kind, int draw, std::vector<NodeRef> params) {
  return make(Op::Distribution, std::move(params), 0, draw, std::move(kind));
}

bool isConst(const NodeRef &n, double v) { return n && n->op == Op::Const && n->value == v; }

NodeRef unary(Op op, NodeRef a) {
  if (isConstNode(a)) return constant(op == Op::Neg ? -a->value : (a->value == 0 ? 1 : 0));
  if (op == Op::Neg && a->op == Op::Neg) return a->args[0];
  return make(op, {std::move(a)});
}

NodeRef binary(Op op, NodeRef a, NodeRef b) {
  if (isConstNode(a) && isConstNode(b)) return constant(applyBinary(op, a->value, b->value));
  switch (op) {
  case Op::Add:
    if (isConst(a, 0)) return b;
    if (isConst(b, 0)) return a;
    break;
  case Op::Sub:
    if (isConst(b, 0)) return a;
    if (isConst(a, 0)) return unary(Op::Neg, b);
    break;
  case Op::Mul:
    // Multiplying by zero is dropped only for derivatives of finite expressions; a NaN
    // state still reaches the NaN check through the ODE right-hand side itself.
    if (isConst(a, 0) || isConst(b, 0)) return constant(0);
    if (isConst(a, 1)) return b;
    if (isConst(b, 1)) return a;
    if (isConst(a, -1)) return unary(Op::Neg, b);
    if (isConst(b, -1)) return unary(Op::Neg, a);
    break;
  case Op::Div:
    if (isConst(b, 1)) return a;
    if (isConst(a, 0)) return constant(0);
    break;
  case Op::Pow:
    if (isConst(b, 1)) return a;
    if (isConst(b, 0)) return constant(1);
    break;
  default: break;
  }
  return make(op, {std::move(a), std::move(b)});
}

NodeRef select(NodeRef c, NodeRef a, NodeRef b) {
  if (isConstNode(c)) return c->value != 0 ? a : b;
  return make(Op::Select, {std::move(c), std::move(a), std::move(b)});
}

NodeRef call(std::string fn, std::vector<NodeRef> args) {
  bool allConst = !args.empty();
  for (auto &a : args) allConst = allConst && isConstNode(a);
  if (allConst && args.size() == 1) {
    double x = args[0]->value;
    if (fn == "exp") return constant(std::exp(x));
    if (fn == "log") return constant(std::log(x));
    if (fn == "sqrt") return constant(std::sqrt(x));
    if (fn == "abs") return constant(std::fabs(x));
  }
  return make(Op::Call, std::move(args), 0, -1, std::move(fn));
}

bool reads(const NodeRef &n, bool (*pred)(const Node &)) {
  if (pred(*n)) return true;
  for (const NodeRef &a : n->args)
    if (reads(a, pred)) return true;
  return false;
}

NodeRef derivative(const NodeRef &n, int state, bool piecewise) {
  auto d = [&](const NodeRef &x) { return derivative(x, state, piecewise); };
  switch (n->op) {
  case Op::Const: case Op::Param: case Op::Internal: case Op::Input: case Op::Time: case Op::Dt:
  case Op::PreState: case Op::PostState: case Op::Random:
  case Op::SegmentReduce: // a segment's value reads no state of the neuron
    return constant(0);
  case Op::State: return constant(n->index == state ? 1 : 0);
  case Op::Neg: {
    NodeRef da = d(n->args[0]);
    return da ? unary(Op::Neg, da) : nullptr;
  }
  case Op::Add: case Op::Sub: {
    NodeRef da = d(n->args[0]), db = d(n->args[1]);
    return da && db ? binary(n->op, da, db) : nullptr;
  }
  case Op::Mul: {
    NodeRef da = d(n->args[0]), db = d(n->args[1]);
    if (!da || !db) return nullptr;
    return binary(Op::Add, binary(Op::Mul, da, n->args[1]), binary(Op::Mul, n->args[0], db));
  }
  case Op::Div: {
    NodeRef da = d(n->args[0]), db = d(n->args[1]);
    if (!da || !db) return nullptr;
    if (isConst(db, 0)) return binary(Op::Div, da, n->args[1]);
    return binary(Op::Div, binary(Op::Sub, binary(Op::Mul, da, n->args[1]), binary(Op::Mul, n->args[0], db)),
                  binary(Op::Mul, n->args[1], n->args[1]));
  }
  case Op::Pow: {
    NodeRef da = d(n->args[0]), db = d(n->args[1]);
    if (!da || !db) return nullptr;
    if (!isConst(db, 0)) {
      if (!piecewise) return nullptr; // x^y with y depending on a state: leave it numeric
      // d x^y = y x^(y-1) dx + log(x) x^y dy
      NodeRef viaBase = isConst(da, 0) ? constant(0)
                                       : binary(Op::Mul, binary(Op::Mul, n->args[1], binary(Op::Pow, n->args[0], binary(Op::Sub, n->args[1], constant(1)))), da);
      return binary(Op::Add, viaBase, binary(Op::Mul, binary(Op::Mul, call("log", {n->args[0]}), n), db));
    }
    if (isConst(da, 0)) return constant(0);
    return binary(Op::Mul, binary(Op::Mul, n->args[1], binary(Op::Pow, n->args[0], binary(Op::Sub, n->args[1], constant(1)))), da);
  }
  case Op::Call: {
    // Only the functions whose derivative the linearity test needs; others are opaque.
    std::vector<NodeRef> ds;
    for (auto &a : n->args) {
      ds.push_back(d(a));
      if (!ds.back()) return nullptr;
    }
    bool constantArgs = true;
    for (auto &x : ds) constantArgs = constantArgs && isConst(x, 0);
    if (constantArgs) return constant(0);
    if (piecewise) {
      const auto &a = n->args;
      if (n->name == "min" || n->name == "max")
        return select(binary(n->name == "min" ? Op::Le : Op::Ge, a[0], a[1]), ds[0], ds[1]);
      if (n->name == "clip")
        return select(binary(Op::Lt, a[0], a[1]), ds[1], select(binary(Op::Gt, a[0], a[2]), ds[2], ds[0]));
      if (n->name == "pow") return derivative(binary(Op::Pow, a[0], a[1]), state, true);
      if (n->name == "abs") return select(binary(Op::Lt, a[0], constant(0)), unary(Op::Neg, ds[0]), ds[0]);
      if (n->name == "sigmoid")
        return binary(Op::Mul, binary(Op::Mul, n, binary(Op::Sub, constant(1), n)), ds[0]);
    }
    if (n->args.size() != 1) return nullptr;
    const NodeRef &x = n->args[0];
    if (n->name == "exp") return binary(Op::Mul, n, ds[0]);
    if (n->name == "log") return binary(Op::Div, ds[0], x);
    if (n->name == "sqrt") return binary(Op::Div, ds[0], binary(Op::Mul, constant(2), n));
    if (n->name == "sin") return binary(Op::Mul, call("cos", {x}), ds[0]);
    if (n->name == "cos") return unary(Op::Neg, binary(Op::Mul, call("sin", {x}), ds[0]));
    if (n->name == "tanh")
      return binary(Op::Mul, binary(Op::Sub, constant(1), binary(Op::Mul, n, n)), ds[0]);
    return nullptr;
  }
  case Op::Select: {
    NodeRef dc = d(n->args[0]);
    if (!piecewise && (!dc || !isConst(dc, 0))) return nullptr; // a state in the condition: piecewise
    NodeRef da = d(n->args[1]), db = d(n->args[2]);
    if (!da || !db) return nullptr;
    if (isConst(da, 0) && isConst(db, 0)) return constant(0);
    return select(n->args[0], da, db);
  }
  default:
    // Comparisons and logic do not change with a state except at jumps.
    if (piecewise) return constant(0);
    for (auto &a : n->args) {
      NodeRef da = d(a);
      if (!da || !isConst(da, 0)) return nullptr;
    }
    return constant(0);
  }
}

NodeRef replaceLeaves(const NodeRef &n, const std::function<NodeRef(const Node &)> &leaf) {
  if (n->args.empty()) {
    NodeRef r = leaf(*n);
    return r ? r : n;
  }
  std::vector<NodeRef> args;
  bool changed = false;
  for (auto &a : n->args) {
    args.push_back(replaceLeaves(a, leaf));
    changed = changed || args.back() != a;
  }
  if (!changed) return n;
  switch (n->op) {
  case Op::Neg: case Op::Not: return unary(n->op, args[0]);
  case Op::Select: return select(args[0], args[1], args[2]);
  case Op::Call: return call(n->name, args);
  case Op::Distribution: return distribution(n->name, n->index, args);
  case Op::SegmentReduce: return segmentReduce(n->name, n->index, args[0]);
  default:
    if (args.size() == 2) return binary(n->op, args[0], args[1]);
    return make(n->op, args, n->value, n->index, n->name);
  }
}

NodeRef substitute(const NodeRef &n, const std::vector<NodeRef> &values) {
  return replaceLeaves(n, [&](const Node &x) -> NodeRef {
    if (x.op == Op::State && x.index >= 0 && static_cast<size_t>(x.index) < values.size()) return values[x.index];
    return nullptr;
  });
}

const char *methodName(Method m) {
  switch (m) {
  case Method::Exact: return "exact";
  case Method::Euler: return "euler";
  case Method::RK4: return "rk4";
  case Method::RKF45: return "rkf45";
  case Method::ExpEuler: return "exp_euler";
  case Method::Implicit: return "implicit";
  }
  return "?";
}

// ------------------------------------------------------------------ printing

namespace {

int precedence(Op op) {
  switch (op) {
  case Op::Or: return 1;
  case Op::And: return 2;
  case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne: return 3;
  case Op::Add: case Op::Sub: return 4;
  case Op::Mul: case Op::Div: case Op::Mod: return 5;
  case Op::Neg: case Op::Not: return 6;
  case Op::Pow: return 7;
  case Op::Select: return 0;
  default: return 8;
  }
}

const char *opText(Op op) {
  switch (op) {
  case Op::Add: return " + ";
  case Op::Sub: return " - ";
  case Op::Mul: return " * ";
  case Op::Div: return " / ";
  case Op::Mod: return " % ";
  case Op::Pow: return "^";
  case Op::Lt: return " < ";
  case Op::Le: return " <= ";
  case Op::Gt: return " > ";
  case Op::Ge: return " >= ";
  case Op::Eq: return " == ";
  case Op::Ne: return " != ";
  case Op::And: return " && ";
  case Op::Or: return " || ";
  default: return " ? ";
  }
}

std::string number(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void print(const NodeRef &n, const Model &m, std::string &out, int minPrec) {
  int p = precedence(n->op);
  bool paren = p < minPrec;
  if (paren) out += '(';
  switch (n->op) {
  case Op::Const: out += number(n->value); break;
  case Op::Param: out += m.params[n->index].name; break;
  case Op::Internal: out += m.internals[n->index].name; break;
  case Op::State: out += m.states[n->index].name; break;
  case Op::Input: out += m.inputs[n->index].name; break;
  case Op::Time: out += 't'; break;
  case Op::Dt: out += "dt"; break;
  case Op::PreState: out += "pre." + n->name; break;
  case Op::PostState: out += "post." + n->name; break;
  case Op::Random: out += n->name + "#" + std::to_string(n->index) + "()"; break;
  case Op::PreIndex: out += 'i'; break;
  case Op::PostIndex: out += 'j'; break;
  case Op::PopulationMember: out += n->name; break;
  case Op::SegmentReduce:
    out += n->name + "(" + m.segments[n->index].name + "[k]: ";
    print(n->args[0], m, out, 0);
    out += ')';
    break;
  case Op::Distribution:
    if (n->name.starts_with("from_file:")) {
      out += "from_file(\"" + n->name.substr(10) + "\")";
      break;
    }
    out += n->name + "#" + std::to_string(n->index) + "(";
    for (size_t i = 0; i < n->args.size(); ++i) {
      if (i) out += ", ";
      print(n->args[i], m, out, 0);
    }
    out += ')';
    break;
  case Op::Neg: case Op::Not:
    out += n->op == Op::Neg ? "-" : "!";
    print(n->args[0], m, out, p);
    break;
  case Op::Select:
    print(n->args[0], m, out, 1);
    out += " ? ";
    print(n->args[1], m, out, 1);
    out += " : ";
    print(n->args[2], m, out, 0);
    break;
  case Op::Call:
    out += n->name + "(";
    for (size_t i = 0; i < n->args.size(); ++i) {
      if (i) out += ", ";
      print(n->args[i], m, out, 0);
    }
    out += ')';
    break;
  default: {
    bool right = n->op == Op::Pow;
    print(n->args[0], m, out, right ? p + 1 : p);
    out += opText(n->op);
    print(n->args[1], m, out, right ? p : p + 1);
    break;
  }
  }
  if (paren) out += ')';
}

void printStmts(const StmtList &list, const Model &m, std::ostream &out, int depth) {
  std::string pad(2 * depth, ' ');
  for (const Stmt &s : list) {
    switch (s.kind) {
    case Stmt::Assign: {
      std::string target = s.targetOp == Op::State ? m.states[s.target].name
                           : s.targetOp == Op::PreState ? "pre." + s.targetName
                                                        : "post." + s.targetName;
      out << pad << target << " = " << toString(s.value, m) << '\n';
      break;
    }
    case Stmt::Deliver: out << pad << "deliver " << toString(s.value, m) << '\n'; break;
    case Stmt::If:
      out << pad << "if " << toString(s.value, m) << '\n';
      printStmts(s.thenBody, m, out, depth + 1);
      if (!s.elseBody.empty()) {
        out << pad << "else\n";
        printStmts(s.elseBody, m, out, depth + 1);
      }
      break;
    }
  }
}

void printVars(const char *what, const std::vector<Variable> &vars, const Model &m, std::ostream &out) {
  for (size_t i = 0; i < vars.size(); ++i) {
    const Variable &v = vars[i];
    out << "  " << what << ' ' << i << ' ' << v.name << ": " << v.type.str();
    if (!v.inputKind.empty()) out << " (" << v.inputKind << ')';
    if (v.init) out << " = " << toString(v.init, m);
    out << '\n';
  }
}

} // namespace

std::string toString(const NodeRef &n, const Model &m) {
  std::string s;
  print(n, m, s, 0);
  return s;
}

void printModel(const Model &m, std::ostream &out) {
  out << (m.isSynapse ? "synapse " : "neuron ") << m.name << '\n';
  printVars("param", m.params, m, out);
  printVars("internal", m.internals, m, out);
  printVars("state", m.states, m, out);
  printVars("input", m.inputs, m, out);
  for (const Ode &o : m.odes)
    out << "  ode " << m.states[o.state].name << "' = " << toString(o.rhs, m) << "   [per ms]\n";
  for (size_t k = 0; k < m.subsystems.size(); ++k) {
    const Subsystem &s = m.subsystems[k];
    out << "  subsystem " << k << " {";
    for (size_t i = 0; i < s.states.size(); ++i) out << (i ? ", " : " ") << m.states[s.states[i]].name;
    out << " }: " << methodName(s.method) << " (" << s.why << ")";
    if (s.method == Method::RKF45)
      out << "; rtol " << kRkf45Rtol << ", atol " << kRkf45Atol << ", at most " << kRkf45MaxAttempts
          << " sub-steps per step";
    out << '\n';
    if (s.method == Method::ExpEuler)
      for (size_t i = 0; i < s.states.size() && i < s.J.size(); ++i)
        out << "    a[" << m.states[s.states[i]].name << "] = "
            << (s.J[i][i] ? toString(s.J[i][i], m) : std::string("0 (not differentiable: euler)")) << '\n';
    if (s.linear) {
      for (size_t i = 0; i < s.states.size(); ++i) {
        out << "    A[" << m.states[s.states[i]].name << "] =";
        for (size_t j = 0; j < s.states.size(); ++j) out << (j ? ", " : " ") << toString(s.A[i][j], m);
        out << ";  b = " << toString(s.b[i], m) << '\n';
      }
    }
  }
  if (m.isSynapse) {
    SynapseScheme scheme = synapseScheme(m);
    out << "  scheme: " << (scheme.eventDriven ? "event-driven" : "per step") << " (" << scheme.why << ")\n";
    for (const Variable &v : m.states)
      if (v.name == "learned_delay") out << "  delay: learned (state learned_delay; within [1 step, the connect's delay])\n";
  }
  for (const Segment &g : m.segments) {
    out << "  segment " << g.name << "[" << g.size << "]:";
    for (size_t i = 0; i < g.inputs.size(); ++i) out << (i ? ", " : " inputs ") << m.inputs[g.inputs[i]].name;
    out << "; fires when " << (g.threshold ? toString(g.threshold, m) : std::string("never")) << '\n';
  }
  if (m.threshold) out << "  threshold " << toString(m.threshold, m) << '\n';
  if (m.thresholdUnfolded)
    out << "    folded from " << toString(m.thresholdUnfolded, m) << " (threshold folding)\n";
  if (m.refractory) {
    out << "  refractory " << toString(m.refractory, m) << " ms";
    for (size_t i = 0; i < m.clamps.size(); ++i) out << (i ? ", " : " clamps ") << m.states[m.clamps[i]].name;
    out << '\n';
  }
  if (!m.reset.empty()) {
    out << "  reset" << (m.resetKind.empty() ? "" : " " + m.resetKind) << '\n';
    printStmts(m.reset, m, out, 2);
  }
  if (!m.update.empty()) {
    out << "  update\n";
    printStmts(m.update, m, out, 2);
  }
  if (!m.continuous.empty()) {
    out << "  continuous\n";
    printStmts(m.continuous, m, out, 2);
  }
  for (const EventBlock &e : m.events) {
    out << "  on " << e.kind << (e.name.empty() ? "" : " " + e.name) << '\n';
    printStmts(e.body, m, out, 2);
  }
  for (const Unsupported &u : m.unsupported) out << "  unsupported: " << u.what << '\n';
}

} // namespace soma::ir
