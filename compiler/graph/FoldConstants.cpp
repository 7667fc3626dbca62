#include "FoldConstants.h"

#include "Evaluate.h"

#include <functional>
#include <set>

namespace soma::graph {

namespace {

using ir::NodeRef;
using ir::Op;

bool knownFunction(const ir::Node &n) {
  static const std::set<std::string> one = {"exp",  "log",  "log10", "log2", "sqrt", "abs",   "sin",
                                            "cos",  "tan",  "tanh",  "sinh", "cosh", "asin",  "acos",
                                            "atan", "erf",  "sigmoid", "floor", "ceil", "round"};
  if (one.count(n.name)) return n.args.size() == 1;
  if (n.name == "min" || n.name == "max" || n.name == "atan2") return n.args.size() == 2;
  if (n.name == "clip") return n.args.size() == 3;
  return false;
}

bool onlyConstantLeaves(const NodeRef &n) {
  switch (n->op) {
  case Op::Const: return true;
  case Op::Call:
    if (!knownFunction(*n)) return false;
    break;
  case Op::Neg: case Op::Not: case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Mod:
  case Op::Pow: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne:
  case Op::And: case Op::Or: case Op::Select:
    break;
  default: return false; // leaves that vary, distributions, draws
  }
  for (const NodeRef &a : n->args)
    if (!onlyConstantLeaves(a)) return false;
  return true;
}

/// `n` with each leaf replaced by `leafValue(leaf)` (null: keep), rebuilt with the folding
/// builders of the model IR.
NodeRef rebuild(const NodeRef &n, const std::function<NodeRef(const ir::Node &)> &leafValue) {
  if (n->args.empty()) {
    NodeRef r = leafValue(*n);
    return r ? r : n;
  }
  std::vector<NodeRef> args;
  bool changed = false;
  for (const NodeRef &a : n->args) {
    args.push_back(rebuild(a, leafValue));
    changed = changed || args.back() != a;
  }
  if (!changed) return n;
  switch (n->op) {
  case Op::Neg: case Op::Not: return ir::unary(n->op, args[0]);
  case Op::Select: return ir::select(args[0], args[1], args[2]);
  case Op::Call: return ir::call(n->name, args);
  case Op::Distribution: return ir::distribution(n->name, n->index, args);
  default: return ir::binary(n->op, args[0], args[1]);
  }
}

/// Replaces a value by its number when it has one.
NodeRef folded(const NodeRef &n) {
  if (!n || n->op == Op::Const) return n;
  if (auto v = evaluateIfConstant(n)) return ir::constant(*v);
  return n;
}

bool readsLeaf(const NodeRef &n, Op op, const std::vector<bool> &which) {
  if (n->op == op && n->index >= 0 && static_cast<size_t>(n->index) < which.size() && which[n->index]) return true;
  for (const NodeRef &a : n->args)
    if (readsLeaf(a, op, which)) return true;
  return false;
}

/// Folds the parameters, internals and states of one population or synapse: the members
/// reference each other through Param/Internal/State leaves (model defaults).
class MemberFolder {
public:
  MemberFolder(std::vector<Value> &params, std::vector<Value> &internals, std::vector<Value> &states, double dt)
      : lists_{&params, &internals, &states}, dt_(dt) {
    for (int k = 0; k < 3; ++k) {
      state_[k].assign(lists_[k]->size(), 0);
      perElement_[k].assign(lists_[k]->size(), false);
    }
  }

  void run() {
    for (int k = 0; k < 3; ++k)
      for (size_t i = 0; i < lists_[k]->size(); ++i) resolve(k, static_cast<int>(i));
  }

private:
  static int kindOf(Op op) { return op == Op::Param ? 0 : op == Op::Internal ? 1 : op == Op::State ? 2 : -1; }

  void resolve(int k, int i) {
    if (state_[k][i] != 0) return; // done, or a cycle (sema rejects those)
    state_[k][i] = 1;
    Value &v = (*lists_[k])[i];
    if (!v.node) {
      v.variation = Variation::Uniform;
      state_[k][i] = 2;
      return;
    }
    v.node = folded(rebuild(v.node, [&](const ir::Node &leaf) -> NodeRef {
      if (leaf.op == Op::Dt) return ir::constant(dt_);
      int lk = kindOf(leaf.op);
      if (lk < 0 || leaf.index < 0 || static_cast<size_t>(leaf.index) >= lists_[lk]->size()) return nullptr;
      if (lk == k && leaf.index == i) return nullptr;
      resolve(lk, leaf.index);
      const Value &dep = (*lists_[lk])[leaf.index];
      return dep.isConstant() ? dep.node : nullptr;
    }));
    bool per = readsPerElement(v.node);
    for (int lk = 0; lk < 3 && !per; ++lk)
      per = readsLeaf(v.node, lk == 0 ? Op::Param : lk == 1 ? Op::Internal : Op::State, perElement_[lk]);
    perElement_[k][i] = per;
    v.variation = v.isConstant() ? Variation::Constant : per ? Variation::PerElement : Variation::Uniform;
    state_[k][i] = 2;
  }

  std::vector<Value> *lists_[3];
  double dt_;
  std::vector<int> state_[3];
  std::vector<bool> perElement_[3];
};

NodeRef withDt(const NodeRef &n, double dt) { return substituteDt(n, dt); }

void foldPlain(Value &v, double dt) {
  if (!v.node) return;
  v.node = folded(withDt(v.node, dt));
  v.variation = v.isConstant() ? Variation::Constant
                : readsPerElement(v.node) ? Variation::PerElement
                                          : Variation::Uniform;
}

} // namespace

std::optional<double> evaluateIfConstant(const ir::NodeRef &n) {
  if (!n || !onlyConstantLeaves(n)) return std::nullopt;
  return ir::evaluate(n, ir::EvalEnv{});
}

ir::NodeRef substituteDt(const ir::NodeRef &n, double dt) {
  if (!n) return n;
  return rebuild(n, [&](const ir::Node &leaf) { return leaf.op == Op::Dt ? ir::constant(dt) : nullptr; });
}

bool readsPerElement(const ir::NodeRef &n) {
  if (n->op == Op::PreIndex || n->op == Op::PostIndex || n->op == Op::Distribution) return true;
  for (const NodeRef &a : n->args)
    if (readsPerElement(a)) return true;
  return false;
}

void foldConstants(NetworkGraph &g) {
  const double dt = g.run.dt;
  for (auto [vi, vend] = boost::vertices(g.g); vi != vend; ++vi) {
    Vertex &v = g.g[*vi];
    if (v.kind == VertexKind::Population) MemberFolder(v.params, v.internals, v.states, dt).run();
    for (NamedValue &a : v.args) foldPlain(a.value, dt);
    if (v.encoder)
      for (NamedValue &a : v.encoder->args) foldPlain(a.value, dt);
  }
  for (auto [ei, eend] = boost::edges(g.g); ei != eend; ++ei) {
    Edge &e = g.g[*ei];
    if (e.synapse >= 0) MemberFolder(e.args, e.internals, e.states, dt).run();
    foldPlain(e.delay, dt);
  }
  for (Signal &s : g.signals) {
    if (!s.value) continue;
    s.value = folded(withDt(s.value, dt));
    // A signal is one value for the whole network at each step, or (a vector signal) one
    // per neuron of a population.
    s.variation = s.value->op == Op::Const ? Variation::Constant
                  : s.type.vectorSize     ? Variation::PerElement
                                          : Variation::Uniform;
  }
}

} // namespace soma::graph
