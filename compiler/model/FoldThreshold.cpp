#include "FoldThreshold.h"

#include <set>
#include <string>

namespace soma {

namespace {

using namespace ir;

/// Leaves whose value changes from step to step (or from element to element within a step).
bool varies(const Node &n) {
  switch (n.op) {
  case Op::State: case Op::Input: case Op::Time: case Op::Random: case Op::PreState: case Op::PostState:
  case Op::PreIndex: case Op::PostIndex: case Op::Distribution: case Op::PopulationMember:
    return true;
  default: return false;
  }
}

/// Reads only constants, parameters, internals and dt: fixed for a neuron over a run.
bool fixed(const NodeRef &n) { return !reads(n, varies); }

int countVarying(const NodeRef &n) {
  if (varies(*n)) return 1;
  int c = 0;
  for (const NodeRef &a : n->args) c += countVarying(a);
  return c;
}

bool isComparison(Op op) { return op == Op::Lt || op == Op::Le || op == Op::Gt || op == Op::Ge; }

/// The comparison with its sides swapped: a >= b is b <= a.
Op mirror(Op op) {
  switch (op) {
  case Op::Lt: return Op::Gt;
  case Op::Le: return Op::Ge;
  case Op::Gt: return Op::Lt;
  case Op::Ge: return Op::Le;
  default: return op;
  }
}

/// `x cmp bound`, reached from `f cmp c` by undoing f's affine operations one at a time.
struct Peeled {
  NodeRef x;                    // the state or input leaf
  Op cmp = Op::Ge;
  NodeRef bound;
  std::vector<NodeRef> factors; // scale factors whose sign is not known here
  bool divisor = false;         // one of them divides x
  NodeRef constantCondition;    // a constant zero factor: the condition without x
};

bool peel(NodeRef f, Op cmp, NodeRef c, Peeled &r) {
  for (;;) {
    if (f->op == Op::State || f->op == Op::Input) {
      r.x = f;
      r.cmp = cmp;
      r.bound = c;
      return true;
    }
    if (f->op == Op::Neg) {                       // -g cmp c  <=>  g cmp' -c
      f = f->args[0];
      c = unary(Op::Neg, c);
      cmp = mirror(cmp);
      continue;
    }
    if (f->op != Op::Add && f->op != Op::Sub && f->op != Op::Mul && f->op != Op::Div) return false;
    const NodeRef &a = f->args[0], &b = f->args[1];
    bool xLeft = fixed(b) && !fixed(a), xRight = fixed(a) && !fixed(b);
    if (!xLeft && !xRight) return false;
    const NodeRef &g = xLeft ? a : b, &k = xLeft ? b : a;
    switch (f->op) {
    case Op::Add:                                 // g + k cmp c  <=>  g cmp c - k
      c = binary(Op::Sub, c, k);
      break;
    case Op::Sub:
      if (xLeft) {                                // g - k cmp c  <=>  g cmp c + k
        c = binary(Op::Add, c, k);
      } else {                                    // k - g cmp c  <=>  g cmp' k - c
        c = binary(Op::Sub, k, c);
        cmp = mirror(cmp);
      }
      break;
    case Op::Mul:                                 // g * k cmp c  <=>  g cmp c / k  (k > 0)
      if (k->op == Op::Const) {
        if (k->value == 0) {                      // 0 cmp c, whatever a finite x is
          r.constantCondition = binary(cmp, constant(0), c);
          return true;
        }
        if (!(k->value == k->value)) return false; // NaN
        if (k->value < 0) cmp = mirror(cmp);
      } else {
        r.factors.push_back(k);
      }
      c = binary(Op::Div, c, k);
      break;
    case Op::Div:                                 // g / k cmp c  <=>  g cmp c * k  (k > 0)
      if (!xLeft) return false;                   // k / g is not affine in g
      if (k->op == Op::Const) {
        if (!(k->value != 0)) return false;       // a zero (or NaN) divisor: leave it
        if (k->value < 0) cmp = mirror(cmp);
      } else {
        r.factors.push_back(k);
        r.divisor = true;
      }
      c = binary(Op::Mul, c, k);
      break;
    default: return false;
    }
    f = g;
  }
}

/// `n` with every leaf like `x` (same kind and slot) replaced by `value`, rebuilt with the
/// folding builders.
NodeRef replaceLeaf(const NodeRef &n, const Node &x, const NodeRef &value) {
  return replaceLeaves(n, [&](const Node &leaf) { return leaf.op == x.op && leaf.index == x.index ? value : nullptr; });
}

class Folder {
public:
  explicit Folder(Model &m) : m_(m) {
    for (const auto *vars : {&m.params, &m.internals, &m.states, &m.inputs})
      for (const Variable &v : *vars) names_.insert(v.name);
  }

  /// `cond` with each foldable comparison folded.
  NodeRef fold(const NodeRef &cond) {
    if (cond->op == Op::And || cond->op == Op::Or) {
      NodeRef a = fold(cond->args[0]), b = fold(cond->args[1]);
      return a == cond->args[0] && b == cond->args[1] ? cond : binary(cond->op, a, b);
    }
    if (cond->op == Op::Not) {
      NodeRef a = fold(cond->args[0]);
      return a == cond->args[0] ? cond : unary(Op::Not, a);
    }
    if (!isComparison(cond->op)) return cond;
    const NodeRef &l = cond->args[0], &r = cond->args[1];
    int vl = countVarying(l), vr = countVarying(r);
    NodeRef f, c;
    Op cmp = cond->op;
    if (vl == 1 && vr == 0) {
      f = l, c = r;
    } else if (vr == 1 && vl == 0) {
      f = r, c = l, cmp = mirror(cmp);
    } else {
      return cond;
    }
    // Already `x cmp bound`: nothing to fold.
    if (f->op == Op::State || f->op == Op::Input) return cond;
    Peeled p;
    if (!peel(f, cmp, c, p)) return cond;
    if (p.constantCondition) return p.constantCondition;
    const Variable &xv = p.x->op == Op::State ? m_.states[p.x->index] : m_.inputs[p.x->index];
    if (p.factors.empty()) return binary(p.cmp, p.x, boundLeaf(p.bound, xv));
    // The sign of the scale is known per neuron only: choose by it. A zero factor makes
    // the condition that of x = 0 (the same for any finite x, and fixed per neuron); a zero
    // divisor keeps the condition as written (x / 0 is infinite, its sign is x's).
    NodeRef scale = p.factors[0];
    for (size_t k = 1; k < p.factors.size(); ++k) scale = binary(Op::Mul, scale, p.factors[k]);
    NodeRef sign = addInternal(xv.name + "_th_sign", Type::real(),
                               select(binary(Op::Gt, scale, constant(0)), constant(1),
                                      select(binary(Op::Lt, scale, constant(0)), constant(-1), constant(0))));
    // A zero scale would make the bound infinite or NaN; it is not read then.
    NodeRef bound = addInternal(xv.name + "_th_fold", Type::real(xv.type.unit),
                                select(binary(Op::Ne, sign, constant(0)), p.bound, constant(0)));
    return select(binary(Op::Gt, sign, constant(0)), binary(p.cmp, p.x, bound),
                  select(binary(Op::Lt, sign, constant(0)), binary(mirror(p.cmp), p.x, bound),
                         p.divisor ? cond : replaceLeaf(cond, *p.x, constant(0))));
  }

private:
  /// A bound that is a number or one member is used as it is; an expression becomes an
  /// internal, computed once per neuron.
  NodeRef boundLeaf(const NodeRef &bound, const Variable &x) {
    if (bound->op == Op::Const || bound->op == Op::Param || bound->op == Op::Internal) return bound;
    return addInternal(x.name + "_th_fold", Type::real(x.type.unit), bound);
  }

  NodeRef addInternal(const std::string &base, const Type &type, const NodeRef &init) {
    std::string name = base;
    for (int k = 2; names_.count(name); ++k) name = base + "_" + std::to_string(k);
    names_.insert(name);
    m_.internals.push_back(Variable{name, type, init, {}, m_.range});
    return leaf(Op::Internal, int(m_.internals.size()) - 1);
  }

  Model &m_;
  std::set<std::string> names_;
};

} // namespace

bool foldThreshold(Model &m) {
  if (m.isSynapse || !m.threshold) return false;
  NodeRef folded = Folder(m).fold(m.threshold);
  if (folded == m.threshold) return false;
  m.thresholdUnfolded = m.threshold;
  m.threshold = folded;
  return true;
}

} // namespace soma
