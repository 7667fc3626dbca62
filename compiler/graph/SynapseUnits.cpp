#include "SynapseUnits.h"

#include <cmath>
#include <set>
#include <tuple>

namespace soma::graph {

Unit unitExprValue(const Expr &u) {
  switch (u.kind) {
  case ExprKind::UnitWord: {
    if (u.text == "real" || u.text == "int" || u.text == "bool" || u.text == "quantity") return Unit{};
    auto w = lookupUnitWord(u.text);
    return w ? *w : Unit{};
  }
  case ExprKind::UnitBinary: {
    Unit a = unitExprValue(*u.children[0]), b = unitExprValue(*u.children[1]);
    auto r = u.text == "*" ? a.times(b) : a.dividedBy(b);
    return r ? *r : Unit{};
  }
  case ExprKind::UnitPower: {
    auto r = unitExprValue(*u.children[0]).pow(u.power);
    return r ? *r : Unit{};
  }
  default: return Unit{};
  }
}

namespace {

bool numeric(const Type &t) { return t.kind == Type::Real || t.kind == Type::Int; }

/// The unit the lowering assumed for an expression: what sema recorded.
Unit recorded(const Expr &e) { return e.type.kind == Type::Real ? e.type.unit : Unit{}; }

bool sameUnit(const Unit &a, const Unit &b) { return a.dim == b.dim && a.scale == b.scale; }

bool closeFactor(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b));
}

const std::set<std::string> &builtinNames() {
  static const std::set<std::string> names = {
      "exp", "log", "log10", "log2", "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin", "acos", "atan",
      "sigmoid", "erf", "sqrt", "abs", "floor", "ceil", "round", "min", "max", "clip", "heaviside", "pow",
      "atan2", "sum", "mean", "any", "all", "count", "random_uniform", "random_normal", "uniform", "normal",
      "lognormal", "exponential", "top_k"};
  return names;
}

const std::set<std::string> &dimensionlessFunctions() {
  static const std::set<std::string> names = {"exp",  "log",  "log10", "log2", "sin",     "cos", "tan",
                                              "tanh", "sinh", "cosh",  "asin", "acos",    "atan", "sigmoid",
                                              "erf",  "floor", "ceil", "round"};
  return names;
}

class Evaluator {
public:
  Evaluator(const SemaResult &sema, const ModelSummary &syn, const std::map<std::string, Unit> &bindings,
            const ModelSummary *pre, const ModelSummary *post, const Onto &onto)
      : sema_(sema), syn_(syn), bindings_(bindings), pre_(pre), post_(post), onto_(onto) {
    for (const MemberInfo &m : syn.members) members_[m.name] = &m;
    // Which members have a declared type (the others take their initial value's unit).
    for (const ModelItem &it : syn.def->items) {
      if (it.kind == ItemKind::Parameter || it.kind == ItemKind::State || it.kind == ItemKind::Internal)
        for (const VarDecl &v : it.vars)
          if (v.type) declared_.insert(v.name);
      if (it.kind == ItemKind::Input)
        for (const PortDecl &p : it.ports) declared_.insert(p.name);
      if (it.kind == ItemKind::Dynamics)
        for (const StmtPtr &s : it.stmts)
          if (s->kind == StmtKind::Alias && s->type) declared_.insert(s->name);
    }
  }

  SynapseUnits run() {
    // Initial values: converted to a declared type by the lowering.
    for (const MemberInfo &m : syn_.members) {
      if (!m.init || m.generic || !declared_.count(m.name)) continue;
      if (m.kind != MemberInfo::State && m.kind != MemberInfo::Internal && m.kind != MemberInfo::Param) continue;
      if (!numeric(m.type)) continue;
      checkConversion(*m.init, recorded(*m.init), m.type.unit, actual(*m.init), m.type.unit);
    }
    for (const ModelItem &it : syn_.def->items) {
      switch (it.kind) {
      case ItemKind::Dynamics:
        for (const StmtPtr &s : it.stmts) {
          if (s->kind != StmtKind::Ode) continue;
          auto m = members_.find(s->name);
          if (m == members_.end()) continue;
          static const Unit ms = *lookupUnitWord("ms");
          Unit rRec = recorded(*s->value), rAct = actual(*s->value);
          Unit xRec = m->second->type.unit, xAct = memberUnit(*m->second);
          auto perMsRec = rRec.times(ms), perMsAct = rAct.times(ms);
          if (perMsRec && perMsAct &&
              !closeFactor(perMsRec->conversionFactorTo(xRec), perMsAct->conversionFactorTo(xAct)))
            problem(s->value->range, *perMsRec, xRec, *perMsAct, xAct);
        }
        break;
      case ItemKind::Update:
      case ItemKind::Continuous:
      case ItemKind::On:
        stmts(it.stmts);
        break;
      default: break;
      }
    }
    return std::move(out_);
  }

private:
  // ---- expressions: the unit of the value for this connect
  Unit actual(const Expr &e) {
    if (++depth_ > 200) { // aliases of aliases; sema rejects cycles, this only bounds the walk
      --depth_;
      return recorded(e);
    }
    Unit u = actualImpl(e);
    --depth_;
    return u;
  }

  Unit actualImpl(const Expr &e) {
    switch (e.kind) {
    case ExprKind::Number: return recorded(e);
    case ExprKind::Bool:
    case ExprKind::String:
    case ExprKind::List: return Unit{};
    case ExprKind::Name: return name(e);
    case ExprKind::Endpoint: {
      const ModelSummary *end = e.text == "pre" ? pre_ : post_;
      if (end)
        for (const MemberInfo &m : end->members)
          if (m.name == e.member) return numeric(m.type) ? m.type.unit : Unit{};
      return recorded(e);
    }
    case ExprKind::Unary:
      if (e.text == "!" || e.text == "not") {
        actual(*e.children[0]);
        return Unit{};
      }
      return actual(*e.children[0]);
    case ExprKind::Binary: return binary(e);
    case ExprKind::Conditional: {
      actual(*e.children[0]);
      const Expr &a = *e.children[1], &b = *e.children[2];
      Unit ua = actual(a), ub = actual(b);
      if (!numeric(e.type)) return Unit{};
      Unit ue = a.type.kind == Type::Int && b.type.kind == Type::Real ? ub : ua;
      checkConversion(a, recorded(a), recorded(e), ua, ue);
      checkConversion(b, recorded(b), recorded(e), ub, ue);
      return ue;
    }
    case ExprKind::Call: return callUnit(e);
    case ExprKind::Conversion: {
      Unit to = unitExprValue(*e.children[1]);
      const Expr &v = *e.children[0];
      checkConversion(v, recorded(v), to, actual(v), to);
      return Unit{};
    }
    default: return recorded(e);
    }
  }

  Unit name(const Expr &e) {
    for (auto it = lets_.rbegin(); it != lets_.rend(); ++it)
      if (auto f = it->find(e.text); f != it->end()) return f->second;
    if (auto m = members_.find(e.text); m != members_.end()) return memberUnit(*m->second);
    return recorded(e); // constants, built-ins: the same for every connect
  }

  Unit memberUnit(const MemberInfo &m) {
    if (m.kind == MemberInfo::Param && m.generic) {
      auto b = bindings_.find(m.name);
      return b != bindings_.end() ? b->second : (m.init ? recorded(*m.init) : Unit{});
    }
    if (!numeric(m.type)) return Unit{};
    if (declared_.count(m.name) || !m.init || m.kind == MemberInfo::Param || m.kind == MemberInfo::Input)
      return m.type.unit;
    return actual(*m.init); // a state, internal or alias typed by its value
  }

  Unit binary(const Expr &e) {
    const Expr &l = *e.children[0], &r = *e.children[1];
    const std::string &op = e.text;
    Unit a = actual(l), b = actual(r);
    if (op == "+" || op == "-" || op == "%") {
      if (!numeric(e.type)) return Unit{};
      Unit ue = l.type.kind == Type::Int ? b : a;
      checkConversion(l, recorded(l), recorded(e), a, ue);
      checkConversion(r, recorded(r), recorded(e), b, ue);
      return ue;
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=" || op == "==" || op == "!=") {
      if (l.type.kind == Type::Real || r.type.kind == Type::Real) {
        bool left = l.type.kind == Type::Real;
        Unit uRec = left ? recorded(l) : recorded(r), uAct = left ? a : b;
        checkConversion(l, recorded(l), uRec, a, uAct);
        checkConversion(r, recorded(r), uRec, b, uAct);
      }
      return Unit{};
    }
    if (op == "&&" || op == "||" || op == "and" || op == "or") return Unit{};
    if (op == "*" || op == "/") {
      auto u = op == "*" ? a.times(b) : a.dividedBy(b);
      return u ? *u : recorded(e);
    }
    if (op == "^") return power(e, l, a);
    return recorded(e);
  }

  /// x ^ n: the exponent is the constant sema found; recover it from the recorded units.
  Unit power(const Expr &e, const Expr &base, const Unit &baseActual) {
    Unit bRec = recorded(base), eRec = recorded(e);
    if (sameUnit(bRec, baseActual)) return eRec;
    for (int k = 0; k < Dimension::NumBase; ++k) {
      if (bRec.dim.exp[k] == 0) continue;
      int n = eRec.dim.exp[k] / bRec.dim.exp[k];
      auto u = baseActual.pow(n);
      return u ? *u : eRec;
    }
    if (baseActual.isDimensionless() && bRec.dim.isDimensionless() && eRec.isDimensionless()) return Unit{};
    problem(e.range, bRec, eRec, baseActual, eRec);
    return eRec;
  }

  Unit callUnit(const Expr &e) {
    const std::string &fn = e.children[0]->text;
    std::vector<const Expr *> args;
    for (size_t i = 1; i < e.children.size(); ++i) args.push_back(e.children[i].get());
    std::vector<Unit> us;
    for (const Expr *a : args) us.push_back(actual(*a));

    // User functions (the model's, then the module's): arguments converted to the
    // declared parameter types; the result type does not depend on the connect.
    const FunctionDef *f = nullptr;
    if (auto m = members_.find(fn); m != members_.end() && m->second->kind == MemberInfo::Function)
      f = m->second->function;
    if (!f && !builtinNames().count(fn))
      for (const GlobalInfo &g : sema_.globals)
        if (g.name == fn && g.function) f = g.function;
    if (f) {
      for (size_t i = 0; i < args.size() && i < f->params.size(); ++i) {
        Unit p = unitExprValue(*f->params[i].type.unit);
        if (numeric(args[i]->type)) checkConversion(*args[i], recorded(*args[i]), p, us[i], p);
      }
      return recorded(e);
    }
    if (dimensionlessFunctions().count(fn)) {
      if (!args.empty()) checkConversion(*args[0], recorded(*args[0]), Unit{}, us[0], Unit{});
      return Unit{};
    }
    if (fn == "sqrt" && !us.empty()) {
      auto u = us[0].sqrt();
      return u ? *u : recorded(e);
    }
    if (fn == "abs" && !us.empty()) return us[0];
    if (fn == "heaviside" || fn == "random_uniform" || fn == "random_normal") return Unit{};
    if (fn == "pow" && args.size() == 2) {
      checkConversion(*args[1], recorded(*args[1]), Unit{}, us[1], Unit{});
      return power(e, *args[0], us[0]);
    }
    if (fn == "atan2" && args.size() == 2) {
      checkConversion(*args[1], recorded(*args[1]), recorded(*args[0]), us[1], us[0]);
      return Unit{};
    }
    if ((fn == "min" || fn == "max" || fn == "clip") && (args.size() > 1 || args[0]->type.vectorSize == 0)) {
      for (size_t i = 0; i < args.size(); ++i)
        checkConversion(*args[i], recorded(*args[i]), recorded(e), us[i], us[0]);
      return us[0];
    }
    return recorded(e);
  }

  /// The lowering multiplies by factor(fromRec -> toRec); for this connect it should be
  /// factor(fromAct -> toAct).
  void checkConversion(const Expr &at, const Unit &fromRec, const Unit &toRec, const Unit &fromAct,
                       const Unit &toAct) {
    if (!numeric(at.type)) return;
    double lowered = fromRec.scale.dividedBy(toRec.scale) ? fromRec.scale.dividedBy(toRec.scale)->toDouble()
                                                          : fromRec.scale.toDouble() / toRec.scale.toDouble();
    double wanted = fromAct.conversionFactorTo(toAct);
    if (!closeFactor(lowered, wanted)) problem(at.range, fromRec, toRec, fromAct, toAct);
  }

  static std::string unitText(const Unit &u) { return u.isDimensionless() ? "1" : u.str(); }

  void problem(SourceRange r, const Unit &fromRec, const Unit &toRec, const Unit &fromAct, const Unit &toAct) {
    if (!reported_.insert(std::make_tuple(r.file, r.line, r.col)).second) return;
    out_.problems.push_back({"unit conversion in synapse '" + syn_.def->name + "' lowered as " + unitText(fromRec) +
                                 " -> " + unitText(toRec) + ", but " + unitText(fromAct) + " -> " + unitText(toAct) +
                                 " for this connect",
                             r});
  }

  // ---- statements
  void stmts(const StmtList &list) {
    lets_.emplace_back();
    for (const StmtPtr &s : list) stmt(*s);
    lets_.pop_back();
  }

  void stmt(const Stmt &s) {
    switch (s.kind) {
    case StmtKind::Let: {
      Unit v = actual(*s.value);
      if (s.type) {
        Unit t = unitExprValue(*s.type->unit);
        checkConversion(*s.value, recorded(*s.value), t, v, t);
        v = t;
      }
      lets_.back()[s.name] = v;
      break;
    }
    case StmtKind::Assign: assign(s); break;
    case StmtKind::If:
      actual(*s.value);
      stmts(s.thenBody);
      stmts(s.elseBody);
      break;
    case StmtKind::Deliver: {
      Conversion c;
      c.kind = Conversion::Deliver;
      c.range = s.range;
      c.target = onto_.segment.empty() ? onto_.member : onto_.segment + "." + onto_.member;
      c.from = numeric(s.value->type) ? actual(*s.value) : Unit{};
      c.to = onto_.kind == Onto::None ? c.from : onto_.unit;
      c.factor = c.from.conversionFactorTo(c.to);
      out_.conversions.push_back(std::move(c));
      break;
    }
    case StmtKind::Ode:
    case StmtKind::Alias: break;
    }
  }

  void assign(const Stmt &s) {
    const LValue &lv = s.target;
    Unit v = actual(*s.value);
    bool scale = s.op == "*=" || s.op == "/=";
    if (scale) {
      checkConversion(*s.value, recorded(*s.value), Unit{}, v, Unit{});
      return;
    }
    if (lv.index) return; // vectors are not lowered yet
    if (lv.path.size() == 2 && (lv.path[0] == "pre" || lv.path[0] == "post")) {
      // Lowered without a conversion ("the other end decides"): the factor is per connect.
      const ModelSummary *end = lv.path[0] == "pre" ? pre_ : post_;
      Conversion c;
      c.kind = lv.path[0] == "pre" ? Conversion::PreWrite : Conversion::PostWrite;
      c.range = s.range;
      c.target = lv.path[0] + "." + lv.path[1];
      c.from = numeric(s.value->type) ? v : Unit{};
      c.to = c.from;
      if (end)
        for (const MemberInfo &m : end->members)
          if (m.name == lv.path[1] && numeric(m.type)) c.to = m.type.unit;
      c.factor = c.from.conversionFactorTo(c.to);
      out_.conversions.push_back(std::move(c));
      return;
    }
    if (lv.path.size() != 1) return;
    auto m = members_.find(lv.path[0]);
    if (m == members_.end() || !numeric(m->second->type)) return;
    checkConversion(*s.value, recorded(*s.value), m->second->type.unit, v, memberUnit(*m->second));
  }

  const SemaResult &sema_;
  const ModelSummary &syn_;
  const std::map<std::string, Unit> &bindings_;
  const ModelSummary *pre_, *post_;
  const Onto &onto_;
  std::map<std::string, const MemberInfo *> members_;
  std::set<std::string> declared_;
  std::vector<std::map<std::string, Unit>> lets_;
  std::set<std::tuple<uint32_t, uint32_t, uint32_t>> reported_;
  int depth_ = 0;
  SynapseUnits out_;
};

} // namespace

SynapseUnits synapseUnits(const SemaResult &sema, const ModelSummary &synapse,
                          const std::map<std::string, Unit> &bindings, const ModelSummary *pre,
                          const ModelSummary *post, const Onto &onto) {
  return Evaluator(sema, synapse, bindings, pre, post, onto).run();
}

} // namespace soma::graph
