#include "Lower.h"

#include "ASTPrinter.h"
#include "FoldThreshold.h"
#include "OdeAnalysis.h"

#include <cmath>
#include <map>
#include <optional>

namespace soma {

namespace {

using namespace ir;

/// Evaluates a unit expression that sema already accepted.
Unit unitOf(const soma::Expr &u) {
  switch (u.kind) {
  case ExprKind::UnitWord: {
    auto w = lookupUnitWord(u.text);
    return w ? *w : Unit{};
  }
  case ExprKind::UnitBinary: {
    Unit a = unitOf(*u.children[0]), b = unitOf(*u.children[1]);
    auto r = u.text == "*" ? a.times(b) : a.dividedBy(b);
    return r ? *r : Unit{};
  }
  case ExprKind::UnitPower: {
    auto r = unitOf(*u.children[0]).pow(u.power);
    return r ? *r : Unit{};
  }
  default: return Unit{};
  }
}

Unit unitOf(const TypeSyntax &t) {
  const soma::Expr &u = *t.unit;
  if (u.kind == ExprKind::UnitWord && (u.text == "real" || u.text == "int" || u.text == "bool" || u.text == "quantity"))
    return Unit{};
  return unitOf(u);
}

const Unit &msUnit() {
  static const Unit ms = *lookupUnitWord("ms");
  return ms;
}

/// Factor that turns a number in `from` into the same quantity in `to` (equal dimensions).
double factor(const Unit &from, const Unit &to) {
  auto r = from.scale.dividedBy(to.scale);
  return r ? r->toDouble() : from.scale.toDouble() / to.scale.toDouble();
}

NodeRef convert(NodeRef n, const Type &from, const Unit &to) {
  if (from.kind != Type::Real && from.kind != Type::Int) return n;
  double f = factor(from.unit, to);
  return f == 1 ? n : binary(Op::Mul, n, constant(f));
}

class Lowerer {
public:
  Lowerer(const SemaResult &sema, DiagnosticEngine &diags) : sema_(sema), diags_(diags) {
    for (const GlobalInfo &g : sema.globals) globals_[g.name] = &g;
  }

  Model lower(const ModelSummary &ms) {
    Model m;
    m_ = &m;
    m.name = ms.def->name;
    m.isSynapse = ms.def->isSynapse;
    m.range = ms.def->nameRange;
    // Slots first, so that expressions may refer to any member.
    for (const MemberInfo &mi : ms.members) {
      // A vector parameter, internal or state of n elements is n scalar slots NAME[0] …
      // NAME[n-1], consecutive; expressions over it are expanded element by element.
      int n = mi.type.vectorSize;
      if (n > 0 && m.isSynapse && mi.kind != MemberInfo::Alias && mi.kind != MemberInfo::Function) {
        m.unsupported.push_back({"vector '" + mi.name + "' in a synapse", mi.range});
        n = 0;
      }
      Type elemType = mi.type;
      elemType.vectorSize = 0;
      auto declare = [&](Op op, std::vector<Variable> &vars) {
        slots_[mi.name] = {op, int(vars.size())};
        if (n == 0) {
          vars.push_back({mi.name, mi.type, nullptr, mi.inputKind, mi.range});
          return;
        }
        vectors_[mi.name] = n;
        for (int k = 0; k < n; ++k)
          vars.push_back({mi.name + "[" + std::to_string(k) + "]", elemType, nullptr, mi.inputKind, mi.range});
      };
      switch (mi.kind) {
      case MemberInfo::Param: declare(Op::Param, m.params); break;
      case MemberInfo::Internal: declare(Op::Internal, m.internals); break;
      case MemberInfo::State: declare(Op::State, m.states); break;
      case MemberInfo::Input:
        if (n > 0) {
          m.unsupported.push_back({"vector input '" + mi.name + "'", mi.range});
          n = 0;
        }
        declare(Op::Input, m.inputs);
        break;
      case MemberInfo::Alias: aliases_[mi.name] = &mi; break;
      case MemberInfo::Function: functions_[mi.name] = mi.function; break;
      case MemberInfo::Segment: break; // below, once the neuron's own slots are known
      }
    }
    // Segments: their inputs after the neuron's.
    for (const MemberInfo &mi : ms.members)
      if (mi.kind == MemberInfo::Segment) declareSegment(mi);
    // Initial values, converted to the declared unit.
    for (const MemberInfo &mi : ms.members) {
      if (!mi.init || mi.kind == MemberInfo::Alias || mi.kind == MemberInfo::Segment || mi.kind == MemberInfo::Function)
        continue;
      auto [op, idx] = slots_[mi.name];
      std::vector<Variable> &vars = op == Op::Param ? m.params : op == Op::Internal ? m.internals
                                    : op == Op::State ? m.states : m.inputs;
      // A generic (`quantity`) default keeps its own unit: the connect decides.
      int n = vectorSize(mi.name);
      for (int k = 0; k < std::max(n, 1); ++k) {
        ElementScope es(*this, n ? k : -1);
        vars[idx + k].init = mi.generic ? expr(*mi.init) : convert(expr(*mi.init), mi.init->type, mi.type.unit);
      }
    }
    for (SegmentScope &sc : segs_) segmentItems(sc);
    for (const ModelItem &it : ms.def->items) item(it);
    analyzeOdes(m, diags_);
    foldThreshold(m);
    m_ = nullptr;
    return m;
  }

  /// A network-level expression (lowerNetworkExpr).
  NodeRef lowerNetwork(const soma::Expr &e, const NetworkExprContext &ctx, std::vector<Unsupported> *unsupported) {
    Model scratch; // collects what cannot be lowered
    m_ = &scratch;
    net_ = &ctx;
    if (ctx.network)
      for (const NetItem &it : ctx.network->items)
        if ((it.kind == NetItemKind::Const || it.kind == NetItemKind::Signal) && !it.name.empty())
          netValues_[it.name] = &it;
    if (ctx.draws) draws_ = *ctx.draws;
    NodeRef n = expr(e);
    if (ctx.draws) *ctx.draws = draws_;
    if (unsupported)
      unsupported->insert(unsupported->end(), scratch.unsupported.begin(), scratch.unsupported.end());
    m_ = nullptr;
    net_ = nullptr;
    return n;
  }

private:
  // ---- expressions: the result is a number in the unit of e.type
  NodeRef expr(const soma::Expr &e) {
    switch (e.kind) {
    case ExprKind::Number: return constant(e.value);
    case ExprKind::Bool: return constant(e.boolValue ? 1 : 0);
    case ExprKind::Name: return name(e);
    case ExprKind::Endpoint:
      if (e.type.vectorSize > 0) {
        unsupported("the vector '" + exprToString(e) + "' of the neuron at a synapse's end", e.range);
        return constant(NAN);
      }
      return leaf(e.text == "pre" ? Op::PreState : Op::PostState, -1, e.member);
    case ExprKind::Unary: {
      NodeRef a = expr(*e.children[0]);
      if (e.text == "+") return a;
      return unary(e.text == "!" ? Op::Not : Op::Neg, a);
    }
    case ExprKind::Binary: return binaryExpr(e);
    case ExprKind::Conditional: {
      NodeRef c = expr(*e.children[0]);
      NodeRef a = convert(expr(*e.children[1]), e.children[1]->type, e.type.unit);
      NodeRef b = convert(expr(*e.children[2]), e.children[2]->type, e.type.unit);
      return select(c, a, b);
    }
    case ExprKind::Call: return callExpr(e);
    case ExprKind::List:
      if (!net_ && e.type.vectorSize > 0) {
        if (elem_ < 0 || elem_ >= int(e.children.size())) return vectorInScalarContext(e);
        const soma::Expr &c = *e.children[elem_];
        ElementScope es(*this, -1); // an element is one number
        return convert(expr(c), c.type, e.type.unit);
      }
      break;
    case ExprKind::Index:
      if (!net_ && segmentRead(e) < 0) return indexExpr(e);
      break;
    case ExprKind::Conversion: {
      Unit to = unitOf(*e.children[1]);
      return convert(expr(*e.children[0]), e.children[0]->type, to);
    }
    case ExprKind::Member:
      // A network reads `Pop.x`, the member over the whole population (a vector).
      if (net_ && e.children[0]->kind == ExprKind::Name)
        return leaf(Op::PopulationMember, -1, e.children[0]->text + "." + e.member);
      if (int g = segmentOf(e); g >= 0) {
        // `dend.x` stands for one segment's x inside a reduction over dend.
        if (g != reduceSeg_) {
          unsupported("'" + segs_[g].name + "." + e.member + "' outside a reduction (any, all, count, sum, mean, min, max)", e.range);
          return constant(NAN);
        }
        SegmentScope &sc = segs_[g];
        if (e.member == "fired") return m_->segments[g].threshold ? m_->segments[g].threshold : constant(0);
        if (auto f = sc.members.find(e.member); f != sc.members.end()) return segmentMember(sc, *f->second, e.range);
      }
      [[fallthrough]];
    default: break;
    }
    {
      if (int g = segmentRead(e); g >= 0) {
        unsupported("'" + exprToString(e) + "': one segment of '" + segs_[g].name +
                        "' (only reductions over all segments: any, all, count, sum, mean, min, max)",
                    e.range);
        return constant(NAN);
      }
      unsupported("this expression (vectors, members, lists)", e.range);
      return constant(NAN);
    }
  }

  /// `x[k]` and `x[a:b]` with constant bounds: the element of the base that this element
  /// of the result reads.
  NodeRef indexExpr(const soma::Expr &e) {
    const soma::Expr &base = *e.children[0];
    auto bound = [&](const soma::Expr &b) -> std::optional<int> {
      ElementScope es(*this, -1);
      NodeRef v = expr(b);
      if (v->op != Op::Const || v->value != std::floor(v->value)) return std::nullopt;
      return int(v->value);
    };
    auto k = bound(*e.children[1]);
    if (!k) {
      unsupported("the index of '" + exprToString(e) + "' (only constant indices into vectors)", e.children[1]->range);
      return constant(NAN);
    }
    int first = *k;
    if (e.children.size() > 2) { // a slice: this element of the result is base[a + elem]
      if (elem_ < 0) return vectorInScalarContext(e);
      first += elem_;
    }
    if (first < 0 || first >= base.type.vectorSize) {
      unsupported("index " + std::to_string(first) + " of '" + exprToString(base) + "' out of range", e.range);
      return constant(NAN);
    }
    ElementScope es(*this, first);
    return expr(base);
  }

  NodeRef vectorInScalarContext(const soma::Expr &e) {
    unsupported("the vector '" + exprToString(e) + "' where one number is expected", e.range);
    return constant(NAN);
  }

  int vectorSize(const std::string &name) const {
    auto it = vectors_.find(name);
    return it == vectors_.end() ? 0 : it->second;
  }

  /// Lowers with `elem_` set to one element (-1: a scalar context), restoring it after.
  struct ElementScope {
    Lowerer &l;
    int saved;
    ElementScope(Lowerer &l, int k) : l(l), saved(l.elem_) { l.elem_ = k; }
    ~ElementScope() { l.elem_ = saved; }
  };

  /// The element `elem_` of a local (a scalar local has one).
  NodeRef localElement(const std::vector<NodeRef> &v, const soma::Expr &e) {
    if (e.type.vectorSize == 0 || v.size() == 1) return v[0];
    if (elem_ < 0 || elem_ >= int(v.size())) return vectorInScalarContext(e);
    return v[elem_];
  }

  NodeRef name(const soma::Expr &e) {
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it)
      if (auto f = it->find(e.text); f != it->end()) return localElement(f->second, e);
    if (inSeg_)
      if (auto f = inSeg_->members.find(e.text); f != inSeg_->members.end()) return segmentMember(*inSeg_, *f->second, e.range);
    if (auto s = slots_.find(e.text); s != slots_.end()) {
      int n = vectorSize(e.text);
      if (n == 0) return leaf(s->second.first, s->second.second);
      if (elem_ < 0 || elem_ >= n) return vectorInScalarContext(e);
      return leaf(s->second.first, s->second.second + elem_);
    }
    if (auto a = aliases_.find(e.text); a != aliases_.end()) {
      // Aliases are inlined; the lowered tree is shared by every use (of the same element).
      if (a->second->type.vectorSize > 0 && (elem_ < 0 || elem_ >= a->second->type.vectorSize))
        return vectorInScalarContext(e);
      auto &cached = aliasNodes_[a->second->type.vectorSize > 0 ? e.text + "[" + std::to_string(elem_) + "]" : e.text];
      if (!cached) cached = convert(expr(*a->second->init), a->second->init->type, a->second->type.unit);
      return cached;
    }
    if (net_ && !inGlobal_) {
      // Network constants and signals, in the unit they are declared in (else their value's).
      if (auto it = netValues_.find(e.text); it != netValues_.end()) {
        const NetItem &ni = *it->second;
        NodeRef v = expr(*ni.value);
        return ni.type ? convert(v, ni.value->type, unitOf(*ni.type)) : v;
      }
    }
    if (auto g = globals_.find(e.text); g != globals_.end() && g->second->init) {
      std::vector<std::map<std::string, std::vector<NodeRef>>> saved;
      std::swap(saved, locals_);
      bool wasGlobal = inGlobal_;
      inGlobal_ = true; // a module constant sees module names, not the network's
      NodeRef v = convert(expr(*g->second->init), g->second->init->type, g->second->type.unit);
      inGlobal_ = wasGlobal;
      std::swap(saved, locals_);
      return v;
    }
    if (net_ && !inGlobal_ && e.text == "i") return leaf(Op::PreIndex, -1);
    if (net_ && !inGlobal_ && net_->connect && e.text == "j") return leaf(Op::PostIndex, -1);
    if (e.text == "t") return leaf(Op::Time, -1);
    if (e.text == "dt") return leaf(Op::Dt, -1);
    if (e.text == "pi") return constant(M_PI);
    if (e.text == "e") return constant(M_E);
    throw InternalError("lowering: unresolved name '" + e.text + "'");
  }

  NodeRef binaryExpr(const soma::Expr &e) {
    const soma::Expr &l = *e.children[0], &r = *e.children[1];
    const std::string &op = e.text;
    NodeRef a = expr(l), b = expr(r);
    static const std::map<std::string, Op> ops = {
        {"+", Op::Add}, {"-", Op::Sub}, {"*", Op::Mul}, {"/", Op::Div}, {"%", Op::Mod}, {"^", Op::Pow},
        {"<", Op::Lt}, {"<=", Op::Le}, {">", Op::Gt}, {">=", Op::Ge}, {"==", Op::Eq}, {"!=", Op::Ne},
        {"&&", Op::And}, {"||", Op::Or}};
    Op o = ops.at(op);
    switch (o) {
    case Op::Add: case Op::Sub: case Op::Mod:
      // Same dimension: both sides in the result's unit.
      return binary(o, convert(a, l.type, e.type.unit), convert(b, r.type, e.type.unit));
    case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne:
      if (l.type.kind == Type::Real || r.type.kind == Type::Real) {
        const Unit &u = l.type.kind == Type::Real ? l.type.unit : r.type.unit;
        return binary(o, convert(a, l.type, u), convert(b, r.type, u));
      }
      return binary(o, a, b);
    default:
      // * and / compose units with their scales; ^ has a constant exponent.
      return binary(o, a, b);
    }
  }

  NodeRef dimensionless(const soma::Expr &arg) { return convert(expr(arg), arg.type, Unit{}); }

  NodeRef callExpr(const soma::Expr &e) {
    const std::string &fn = e.children[0]->text;
    std::vector<const soma::Expr *> args;
    for (size_t i = 1; i < e.children.size(); ++i) args.push_back(e.children[i].get());

    // User functions: local to the model, then module level. Inlined with their arguments
    // converted to the declared parameter units.
    const FunctionDef *f = nullptr;
    if (auto it = functions_.find(fn); it != functions_.end()) f = it->second;
    else if (auto g = globals_.find(fn); g != globals_.end()) f = g->second->function;
    if (f) {
      std::map<std::string, std::vector<NodeRef>> frame;
      for (size_t i = 0; i < args.size(); ++i) {
        Unit u = unitOf(f->params[i].type);
        std::vector<NodeRef> &v = frame[f->params[i].name];
        if (f->params[i].type.size) { // a vector parameter takes the whole vector
          for (int k = 0; k < std::max(args[i]->type.vectorSize, 1); ++k) {
            ElementScope es(*this, args[i]->type.vectorSize ? k : -1);
            v.push_back(convert(expr(*args[i]), args[i]->type, u));
          }
        } else { // a scalar one, applied to this element of a vector argument
          v.push_back(convert(expr(*args[i]), args[i]->type, u));
        }
      }
      locals_.push_back(std::move(frame));
      NodeRef body = expr(*f->body);
      locals_.pop_back();
      return f->result ? convert(body, f->body->type, unitOf(*f->result)) : body;
    }

    static const std::map<std::string, bool> dimensionlessFns = {
        {"exp", 1}, {"log", 1}, {"log10", 1}, {"log2", 1}, {"sin", 1}, {"cos", 1}, {"tan", 1}, {"tanh", 1},
        {"sinh", 1}, {"cosh", 1}, {"asin", 1}, {"acos", 1}, {"atan", 1}, {"sigmoid", 1}, {"erf", 1},
        {"floor", 1}, {"ceil", 1}, {"round", 1}};
    if (dimensionlessFns.count(fn)) return call(fn, {dimensionless(*args[0])});
    if (fn == "sqrt" || fn == "abs") return call(fn, {expr(*args[0])});
    if (fn == "heaviside") return select(binary(Op::Ge, expr(*args[0]), constant(0)), constant(1), constant(0));
    if (fn == "pow") return binary(Op::Pow, expr(*args[0]), dimensionless(*args[1]));
    if (fn == "atan2")
      return call(fn, {expr(*args[0]), convert(expr(*args[1]), args[1]->type, args[0]->type.unit)});
    if ((fn == "min" || fn == "max" || fn == "clip") && (args.size() > 1 || args[0]->type.vectorSize == 0)) {
      std::vector<NodeRef> xs;
      for (auto *a : args) xs.push_back(convert(expr(*a), a->type, e.type.unit));
      if (fn == "clip") return call("clip", xs);
      NodeRef acc = xs[0];
      for (size_t i = 1; i < xs.size(); ++i) acc = call(fn, {acc, xs[i]});
      return acc;
    }
    if (fn == "random_uniform" || fn == "random_normal") return leaf(Op::Random, draws_++, fn);
    if (net_ && fn == "from_file") return distribution("from_file:" + args[0]->text, draws_++, {});
    if (net_ && (fn == "uniform" || fn == "normal" || fn == "lognormal" || fn == "exponential")) {
      // Parameters in the unit of the draw; lognormal's are log-space, dimensionless.
      std::vector<NodeRef> ps;
      for (auto *a : args)
        ps.push_back(fn == "lognormal" ? dimensionless(*a) : convert(expr(*a), a->type, e.type.unit));
      return distribution(fn, draws_++, std::move(ps));
    }
    if (!net_ && args.size() == 1 && args[0]->type.vectorSize > 0 &&
        (fn == "sum" || fn == "mean" || fn == "any" || fn == "all" || fn == "count" || fn == "min" || fn == "max")) {
      // A reduction over a segment array: the value of one segment, reduced over all.
      int g = segmentRead(*args[0]);
      if (g >= 0) {
        int saved = reduceSeg_;
        reduceSeg_ = g;
        NodeRef element = expr(*args[0]);
        reduceSeg_ = saved;
        return segmentReduce(fn, g, element);
      }
    }
    if (!net_ && args.size() == 1 && args[0]->type.vectorSize > 0 &&
        (fn == "sum" || fn == "mean" || fn == "any" || fn == "all" || fn == "count" || fn == "min" || fn == "max")) {
      // A reduction over a vector of the model: its elements, combined in index order.
      const soma::Expr &a = *args[0];
      int n = a.type.vectorSize;
      NodeRef acc;
      for (int k = 0; k < n; ++k) {
        ElementScope es(*this, k);
        NodeRef x = expr(a);
        if (fn == "min" || fn == "max") x = convert(x, a.type, e.type.unit);
        else if (fn == "count" || fn == "any" || fn == "all") x = select(x, constant(1), constant(0));
        if (!acc) { acc = x; continue; }
        if (fn == "min" || fn == "max") acc = call(fn, {acc, x});
        else if (fn == "any") acc = binary(Op::Or, acc, x);
        else if (fn == "all") acc = binary(Op::And, acc, x);
        else acc = binary(Op::Add, acc, x);
      }
      if (fn == "mean") acc = binary(Op::Div, acc, constant(n));
      return acc;
    }
    if (net_ && (fn == "sum" || fn == "mean" || fn == "any" || fn == "all" || fn == "count" || fn == "top_k" ||
                 fn == "min" || fn == "max")) {
      // Reductions over a population member (min/max of one vector; the others above).
      std::vector<NodeRef> xs;
      for (auto *a : args) xs.push_back(expr(*a));
      return call(fn, std::move(xs));
    }
    unsupported("'" + fn + "' (vector or network function)", e.range);
    return constant(NAN);
  }

  // ---- statements
  void stmts(const soma::StmtList &in, ir::StmtList &out) {
    locals_.emplace_back();
    for (const StmtPtr &s : in) stmt(*s, out);
    locals_.pop_back();
  }

  void stmt(const soma::Stmt &s, ir::StmtList &out) {
    switch (s.kind) {
    case StmtKind::Let: {
      int n = s.value->type.vectorSize;
      std::vector<NodeRef> vs;
      for (int k = 0; k < std::max(n, 1); ++k) {
        ElementScope es(*this, n ? k : -1);
        NodeRef v = expr(*s.value);
        if (s.type) v = convert(v, s.value->type, unitOf(*s.type));
        vs.push_back(v);
      }
      locals_.back()[s.name] = std::move(vs);
      break;
    }
    case StmtKind::Assign: {
      ir::Stmt a;
      a.kind = ir::Stmt::Assign;
      a.range = s.range;
      const LValue &lv = s.target;
      Type targetType;
      NodeRef current;
      if (lv.path.size() > 1 && lv.path[0] != "pre" && lv.path[0] != "post") {
        unsupported("assignment to '" + lv.path.back() + "' (segments)", lv.range);
        return;
      }
      if (lv.path.size() == 1 && vectorSize(lv.path[0]) > 0) {
        // A vector state: one assignment per element, or one for `x[k] = …`.
        int n = vectorSize(lv.path[0]);
        int first = slots_.at(lv.path[0]).second;
        int lo = 0, hi = n;
        if (lv.index) {
          NodeRef k;
          {
            ElementScope es(*this, -1);
            k = expr(*lv.index);
          }
          if (k->op != Op::Const || k->value != std::floor(k->value) || k->value < 0 || k->value >= n) {
            unsupported("the index of an assignment to '" + lv.path[0] + "' (only constant indices into vectors)", lv.index->range);
            return;
          }
          lo = int(k->value);
          hi = lo + 1;
        }
        for (int k = lo; k < hi; ++k) {
          ElementScope es(*this, lv.index ? -1 : k);
          ir::Stmt a1 = a;
          a1.target = first + k;
          const Type &tt = m_->states[a1.target].type;
          NodeRef cur = leaf(Op::State, a1.target);
          NodeRef v = expr(*s.value);
          if (s.op == "=") a1.value = convert(v, s.value->type, tt.unit);
          else if (s.op == "+=" || s.op == "-=")
            a1.value = binary(s.op == "+=" ? Op::Add : Op::Sub, cur, convert(v, s.value->type, tt.unit));
          else a1.value = binary(s.op == "*=" ? Op::Mul : Op::Div, cur, convert(v, s.value->type, Unit{}));
          out.push_back(std::move(a1));
        }
        return;
      }
      if (lv.index) {
        unsupported("assignment to an element of '" + lv.path.back() + "'", lv.range);
        return;
      }
      if (lv.path[0] == "pre" || lv.path[0] == "post") {
        a.targetOp = lv.path[0] == "pre" ? Op::PreState : Op::PostState;
        a.targetName = lv.path[1];
        targetType = s.value->type; // the other end decides; converted when connected
        current = leaf(a.targetOp, -1, a.targetName);
      } else {
        auto slot = slots_.at(lv.path[0]);
        a.target = slot.second;
        targetType = m_->states[a.target].type;
        current = leaf(Op::State, a.target);
      }
      NodeRef v = expr(*s.value);
      if (s.op == "=") {
        a.value = convert(v, s.value->type, targetType.unit);
      } else if (s.op == "+=" || s.op == "-=") {
        a.value = binary(s.op == "+=" ? Op::Add : Op::Sub, current, convert(v, s.value->type, targetType.unit));
      } else {
        a.value = binary(s.op == "*=" ? Op::Mul : Op::Div, current, convert(v, s.value->type, Unit{}));
      }
      out.push_back(std::move(a));
      break;
    }
    case StmtKind::If: {
      ir::Stmt i;
      i.kind = ir::Stmt::If;
      i.range = s.range;
      i.value = expr(*s.value);
      stmts(s.thenBody, i.thenBody);
      stmts(s.elseBody, i.elseBody);
      out.push_back(std::move(i));
      break;
    }
    case StmtKind::Deliver: {
      ir::Stmt d;
      d.kind = ir::Stmt::Deliver;
      d.range = s.range;
      d.value = expr(*s.value);
      d.valueType = s.value->type;
      out.push_back(std::move(d));
      break;
    }
    case StmtKind::Ode:
    case StmtKind::Alias: break;
    }
  }

  void item(const ModelItem &it) {
    Model &m = *m_;
    switch (it.kind) {
    case ItemKind::Dynamics:
      if (!it.word.empty()) m.methodOverride = it.word;
      for (const StmtPtr &s : it.stmts) {
        if (s->kind != StmtKind::Ode) continue;
        // A vector state: one ODE per element, its right-hand side expanded for that element.
        int n = vectorSize(s->name);
        for (int k = 0; k < std::max(n, 1); ++k) {
          ElementScope es(*this, n ? k : -1);
          int x = slots_.at(s->name).second + k;
          // d x/dt in the rhs unit R; the state advances in its unit X per ms.
          const Unit &R = s->value->type.unit, &X = m.states[x].type.unit;
          auto perMs = R.times(msUnit());
          double f = perMs ? factor(*perMs, X) : 1;
          NodeRef rhs = expr(*s->value);
          m.odes.push_back({x, f == 1 ? rhs : binary(Op::Mul, rhs, constant(f)), s->range});
        }
      }
      break;
    case ItemKind::Threshold: m.threshold = expr(*it.expr); break;
    case ItemKind::Reset:
      m.resetKind = it.word;
      stmts(it.stmts, m.reset);
      break;
    case ItemKind::Refractory:
      m.refractory = convert(expr(*it.expr), it.expr->type, msUnit());
      for (const std::string &c : it.clamps)
        for (int k = 0; k < std::max(vectorSize(c), 1); ++k) m.clamps.push_back(slots_.at(c).second + k);
      break;
    case ItemKind::Update: stmts(it.stmts, m.update); break;
    case ItemKind::Continuous: stmts(it.stmts, m.continuous); break;
    case ItemKind::On: {
      EventBlock e{it.word, it.name, {}, it.range};
      stmts(it.stmts, e.body);
      m.events.push_back(std::move(e));
      break;
    }
    default: break;
    }
  }

  void unsupported(const std::string &what, SourceRange r) { m_->unsupported.push_back({what, r}); }

  // ---- segments
  /// A segment array while lowering: its members by name, and the inlined values of its
  /// parameters, internals and aliases.
  struct SegmentScope {
    int index = -1;
    std::string name;
    const MemberInfo *info = nullptr;
    std::map<std::string, const MemberInfo *> members;
    std::map<std::string, int> inputs;        // name -> Model::inputs index
    std::map<std::string, NodeRef> values;    // inlined parameters, internals, aliases
  };

  /// Appends the segment's inputs to the model's and records its names.
  void declareSegment(const MemberInfo &mi) {
    Model &m = *m_;
    SegmentScope sc;
    sc.index = int(m.segments.size());
    sc.name = mi.name;
    sc.info = &mi;
    Segment g;
    g.name = mi.name;
    g.size = mi.segmentSize;
    g.range = mi.range;
    for (const MemberInfo &x : mi.segmentMembers) {
      sc.members[x.name] = &x;
      if (x.kind != MemberInfo::Input) continue;
      if (x.inputKind != "current" && x.inputKind != "conductance")
        unsupported("a '" + x.inputKind + "' input of a segment (segments sum what arrives: current, conductance)", x.range);
      Variable v{mi.name + "." + x.name, x.type, nullptr, x.inputKind, x.range};
      v.segment = sc.index;
      sc.inputs[x.name] = int(m.inputs.size());
      g.inputs.push_back(int(m.inputs.size()));
      m.inputs.push_back(std::move(v));
    }
    m.segments.push_back(std::move(g));
    segs_.push_back(std::move(sc));
  }

  /// The threshold of a segment, and what of its items this lowering cannot express.
  void segmentItems(SegmentScope &sc) {
    if (!sc.info->segmentItem) return;
    SegmentScope *saved = inSeg_;
    inSeg_ = &sc;
    for (const ModelItem &it : sc.info->segmentItem->items) {
      switch (it.kind) {
      case ItemKind::Parameter: case ItemKind::Internal: case ItemKind::Input: break;
      case ItemKind::Threshold: m_->segments[sc.index].threshold = expr(*it.expr); break;
      case ItemKind::Dynamics: {
        bool odes = false;
        for (const StmtPtr &st : it.stmts) odes = odes || st->kind == StmtKind::Ode;
        if (odes) unsupported("dynamics in segment '" + sc.name + "'", it.range);
        break;
      }
      case ItemKind::State: unsupported("a state in segment '" + sc.name + "'", it.range); break;
      case ItemKind::Update: unsupported("an 'update' block in segment '" + sc.name + "'", it.range); break;
      case ItemKind::Reset: unsupported("a 'reset' block in segment '" + sc.name + "'", it.range); break;
      case ItemKind::On: unsupported("an 'on' block in segment '" + sc.name + "'", it.range); break;
      default: unsupported("this item in segment '" + sc.name + "'", it.range); break;
      }
    }
    inSeg_ = saved;
  }

  /// One segment's value of member `x`: an input leaf, or an inlined parameter, internal or
  /// alias (a segment's parameters take their defaults: a population cannot set them).
  NodeRef segmentMember(SegmentScope &sc, const MemberInfo &x, SourceRange use) {
    if (x.kind == MemberInfo::Input) return leaf(Op::Input, sc.inputs.at(x.name));
    if (x.kind == MemberInfo::State) {
      unsupported("segment state '" + sc.name + "." + x.name + "'", use);
      return constant(NAN);
    }
    if (auto it = sc.values.find(x.name); it != sc.values.end()) return it->second;
    if (!x.init) {
      unsupported("segment parameter '" + sc.name + "." + x.name + "' without a default", x.range);
      return constant(NAN);
    }
    SegmentScope *saved = inSeg_;
    inSeg_ = &sc; // its default reads the segment's names
    NodeRef v = convert(expr(*x.init), x.init->type, x.type.unit);
    inSeg_ = saved;
    sc.values[x.name] = v;
    return v;
  }

  /// The segment array `dend` of a member expression `dend.x`, or -1.
  int segmentOf(const soma::Expr &e) const {
    if (e.kind != ExprKind::Member || e.children[0]->kind != ExprKind::Name) return -1;
    const std::string &base = e.children[0]->text;
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it)
      if (it->count(base)) return -1;
    for (const SegmentScope &sc : segs_)
      if (sc.name == base) return sc.index;
    return -1;
  }

  /// The segment array an expression reads (the first found), or -1.
  int segmentRead(const soma::Expr &e) const {
    if (int g = segmentOf(e); g >= 0) return g;
    for (const ExprPtr &c : e.children)
      if (c)
        if (int g = segmentRead(*c); g >= 0) return g;
    return -1;
  }

  const SemaResult &sema_;
  DiagnosticEngine &diags_;
  Model *m_ = nullptr;
  std::map<std::string, const GlobalInfo *> globals_;
  std::map<std::string, std::pair<Op, int>> slots_;
  std::map<std::string, const MemberInfo *> aliases_;
  std::map<std::string, NodeRef> aliasNodes_;
  std::map<std::string, const FunctionDef *> functions_;
  std::vector<std::map<std::string, std::vector<NodeRef>>> locals_; // a vector: one node per element
  std::map<std::string, int> vectors_;   // vector parameters, internals, states: their length
  int elem_ = -1;                        // the element being lowered of a vector expression
  std::vector<SegmentScope> segs_;
  SegmentScope *inSeg_ = nullptr;        // lowering a segment's own item
  int reduceSeg_ = -1;                   // lowering the element of a reduction over this array
  int draws_ = 0;
  // Network expressions only.
  const NetworkExprContext *net_ = nullptr;
  std::map<std::string, const NetItem *> netValues_;
  bool inGlobal_ = false;
};

} // namespace

std::vector<ir::Model> lowerModels(const SemaResult &sema, DiagnosticEngine &diags) {
  std::vector<ir::Model> out;
  for (const ModelSummary &ms : sema.models) out.push_back(Lowerer(sema, diags).lower(ms));
  return out;
}

ir::NodeRef lowerNetworkExpr(const SemaResult &sema, const Expr &e, const NetworkExprContext &ctx,
                             DiagnosticEngine &diags, std::vector<ir::Unsupported> *unsupported) {
  return Lowerer(sema, diags).lowerNetwork(e, ctx, unsupported);
}

} // namespace soma
