#include "Sema.h"

#include "ASTPrinter.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace soma {

namespace {

// ------------------------------------------------------------------ symbols and scopes

enum class SymKind {
  Builtin, Const, Function, Neuron, Synapse, Network,            // module level
  Param, State, Internal, Port, Alias, Segment,                   // model level
  Let, FuncParam,                                                  // local
  NetConst, Population, Source, Projection, Signal                 // network level
};

const char *kindName(SymKind k) {
  switch (k) {
  case SymKind::Builtin: return "built-in";
  case SymKind::Const: return "constant";
  case SymKind::Function: return "function";
  case SymKind::Neuron: return "neuron";
  case SymKind::Synapse: return "synapse";
  case SymKind::Network: return "network";
  case SymKind::Param: return "parameter";
  case SymKind::State: return "state variable";
  case SymKind::Internal: return "internal constant";
  case SymKind::Port: return "input";
  case SymKind::Alias: return "alias";
  case SymKind::Segment: return "segment";
  case SymKind::Let: return "local";
  case SymKind::FuncParam: return "function parameter";
  case SymKind::NetConst: return "constant";
  case SymKind::Population: return "population";
  case SymKind::Source: return "source";
  case SymKind::Projection: return "connect";
  case SymKind::Signal: return "signal";
  }
  return "name";
}

struct Scope;
struct ModelInfo;
struct Symbol;

/// Where an expression is checked; decides which names and functions are allowed.
struct Ctx {
  Scope *scope = nullptr;
  bool inSynapse = false;        // pre./post. and deliver allowed
  bool inNetwork = false;        // population members, network-only functions
  bool allowRandom = false;      // distributions (initial values, weights, delays)
  bool allowIndexVars = false;   // i (and in connects j) as neuron indices
  bool allowPostIndex = false;
  bool inDynamics = false;
  // Synapse instantiation: the models at both ends and the types of generic parameters.
  const ModelInfo *pre = nullptr, *post = nullptr;
  const std::string *preSource = nullptr;  // the pre end is this source: it has only spikes
  const Symbol *computedOnce = nullptr;    // checking the value of a parameter, internal or constant
  const std::map<std::string, Type> *bindings = nullptr;
  const Type *ontoType = nullptr;
  const char *container = "neuron";
};

struct Symbol {
  SymKind kind;
  std::string name;
  SourceRange range;
  Type type;
  bool resolved = false, resolving = false, used = false;
  bool generic = false;                 // synapse parameter of type `quantity`
  Expr *init = nullptr;
  const TypeSyntax *declType = nullptr;
  std::string portKind;
  Ctx ctx;                              // where init and declType are evaluated
  ModelInfo *model = nullptr;           // Neuron/Synapse: its info; Segment: its info;
                                        // Population/Projection: the model it instantiates
  FunctionDef *function = nullptr;
  NetItem *item = nullptr;              // Population/Source/Projection: its network item
  int size = 0;                         // Population/Source/Segment size
};

struct Scope {
  Scope *parent = nullptr;
  std::map<std::string, Symbol *> names;

  Symbol *findLocal(const std::string &n) const {
    auto it = names.find(n);
    return it == names.end() ? nullptr : it->second;
  }
  Symbol *find(const std::string &n) const {
    for (const Scope *s = this; s; s = s->parent)
      if (Symbol *sym = s->findLocal(n)) return sym;
    return nullptr;
  }
};

struct ModelInfo {
  ModelDef *def = nullptr;            // null for segments
  ModelItem *segmentItem = nullptr;   // set for segments
  std::string name;
  bool isSynapse = false;
  Scope scope;
  std::vector<ModelItem> *items = nullptr;
  std::vector<Symbol *> params;       // in declaration order
  std::vector<Symbol *> members;      // every model-level symbol in order (for the dump)
  std::vector<Symbol *> functions;    // local functions
  bool delivers = false;              // uses `deliver`
  bool checked = false;
};

/// "an alias", "a parameter".
std::string withArticle(const std::string &noun) {
  bool vowel = !noun.empty() && std::string("aeiou").find(noun[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + noun;
}


/// The closest of `candidates` to `name`, if close enough to be a likely typo.
std::string closest(const std::string &name, const std::vector<std::string> &candidates) {
  std::string best;
  if (name.size() < 2) return best; // every one-letter name is one edit from another
  size_t bestD = std::max<size_t>(1, name.size() / 3) + 1;
  for (const auto &c : candidates) {
    size_t d = editDistance(name, c);
    // A prefix of a longer name is a likely abbreviation: tau -> tau_m.
    bool prefix = c.size() > name.size() && c.size() - name.size() <= 3 && c.compare(0, name.size(), name) == 0;
    if (prefix && name.size() >= 2) d = std::min<size_t>(d, 1);
    if (d < bestD) { bestD = d; best = c; }
  }
  return best;
}

// ------------------------------------------------------------------ built-in functions

enum class Fn {
  Dimensionless, Sqrt, Abs, Rounding, MinMax, Clip, Heaviside, Pow, Atan2,
  Sum, Mean, AnyAll, Count, RandomDraw, Distribution, TopK, FromFile
};

const std::map<std::string, Fn> &builtinFunctions() {
  static const std::map<std::string, Fn> table = {
      {"exp", Fn::Dimensionless}, {"log", Fn::Dimensionless}, {"log10", Fn::Dimensionless},
      {"log2", Fn::Dimensionless}, {"sin", Fn::Dimensionless}, {"cos", Fn::Dimensionless},
      {"tan", Fn::Dimensionless}, {"tanh", Fn::Dimensionless}, {"sinh", Fn::Dimensionless},
      {"cosh", Fn::Dimensionless}, {"asin", Fn::Dimensionless}, {"acos", Fn::Dimensionless},
      {"atan", Fn::Dimensionless}, {"sigmoid", Fn::Dimensionless}, {"erf", Fn::Dimensionless},
      {"sqrt", Fn::Sqrt}, {"abs", Fn::Abs}, {"floor", Fn::Rounding}, {"ceil", Fn::Rounding},
      {"round", Fn::Rounding}, {"min", Fn::MinMax}, {"max", Fn::MinMax}, {"clip", Fn::Clip},
      {"heaviside", Fn::Heaviside}, {"pow", Fn::Pow}, {"atan2", Fn::Atan2}, {"sum", Fn::Sum},
      {"mean", Fn::Mean}, {"any", Fn::AnyAll}, {"all", Fn::AnyAll}, {"count", Fn::Count},
      {"random_uniform", Fn::RandomDraw}, {"random_normal", Fn::RandomDraw},
      {"uniform", Fn::Distribution}, {"normal", Fn::Distribution}, {"lognormal", Fn::Distribution},
      {"exponential", Fn::Distribution}, {"top_k", Fn::TopK}, {"from_file", Fn::FromFile},
  };
  return table;
}

const std::vector<std::string> kMethods = {"exact", "euler", "rk4", "rkf45", "exp_euler", "implicit", "cvode"};

// Argument specs of network built-ins (sources, encoders, connectors).
enum class ArgKind { Time, Frequency, Probability, Count, Dimensionless, Any, String, List, Bool };
struct ArgSpec {
  const char *name;
  ArgKind kind;
  bool required;
};
const std::map<std::string, std::vector<ArgSpec>> &sourceSpecs() {
  static const std::map<std::string, std::vector<ArgSpec>> t = {
      {"poisson", {{"rate", ArgKind::Frequency, true}, {"start", ArgKind::Time, false}, {"stop", ArgKind::Time, false}}},
      {"spike_array", {{"times", ArgKind::List, false}, {"file", ArgKind::String, false}}},
      {"current", {{"amplitude", ArgKind::Any, true}, {"start", ArgKind::Time, false}, {"stop", ArgKind::Time, false}}},
      {"analog", {{"file", ArgKind::String, false}, {"signal", ArgKind::Any, false}}},
  };
  return t;
}
const std::map<std::string, std::vector<ArgSpec>> &encoderSpecs() {
  static const std::map<std::string, std::vector<ArgSpec>> t = {
      {"rate", {{"max_rate", ArgKind::Frequency, true}}},
      {"latency", {{"t_max", ArgKind::Time, true}}},
      {"delta", {{"threshold", ArgKind::Any, true}}},
      {"sigma_delta",
       {{"threshold", ArgKind::Any, true}, {"adapt", ArgKind::Dimensionless, false}, {"tau_adapt", ArgKind::Time, false}}},
  };
  return t;
}
const std::map<std::string, std::vector<ArgSpec>> &connectorSpecs() {
  static const std::vector<ArgSpec> common = {{"allow_self", ArgKind::Bool, false}, {"allow_multiple", ArgKind::Bool, false}};
  auto with = [&](std::vector<ArgSpec> v) {
    v.insert(v.end(), common.begin(), common.end());
    return v;
  };
  static const std::map<std::string, std::vector<ArgSpec>> t = {
      {"all_to_all", with({})},
      {"one_to_one", {}},
      {"fixed_probability", with({{"p", ArgKind::Probability, true}})},
      {"fixed_indegree", with({{"k", ArgKind::Count, true}})},
      {"fixed_outdegree", with({{"k", ArgKind::Count, true}})},
      {"from_file", {{"file", ArgKind::String, true}}},
  };
  return t;
}

Dimension timeDim() { return Dimension::of(Dimension::Time); }

/// How a type is named in a unit message: its unit, "1 (dimensionless)" for plain numbers.
std::string unitName(const Type &t) {
  if (t.isNumeric() && t.unit.dim.isDimensionless() && t.unit.scale.isOne()) return "1 (dimensionless)";
  if (t.isNumeric()) return t.unit.str();
  return t.str();
}

Unit unitOf(const char *word) { return *lookupUnitWord(word); }

// ------------------------------------------------------------------ the analysis

class Sema {
public:
  explicit Sema(DiagnosticEngine &diags) : diags_(diags) { makeBuiltins(); }

  SemaResult run(const std::vector<SemaModuleInput> &modules);

private:
  // ---- symbols
  Symbol *newSymbol(SymKind kind, const std::string &name, SourceRange range) {
    symbols_.push_back(Symbol{});
    Symbol *s = &symbols_.back();
    s->kind = kind;
    s->name = name;
    s->range = range;
    return s;
  }
  bool declare(Scope &scope, Symbol *sym, const char *container) {
    if (Symbol *prev = scope.findLocal(sym->name)) {
      diags_.report(DiagId::duplicate_name, sym->range, {sym->name, container});
      diags_.report(DiagId::note_previous, prev->range, {sym->name});
      return false;
    }
    scope.names[sym->name] = sym;
    return true;
  }
  void makeBuiltins();
  Type typeOf(Symbol &s);
  std::vector<std::string> visibleNames(const Scope &scope) const {
    std::vector<std::string> out;
    for (const Scope *s = &scope; s; s = s->parent)
      for (auto &[n, _] : s->names) out.push_back(n);
    return out;
  }
  void reportUndeclared(const std::string &name, SourceRange r, const Scope &scope) {
    std::vector<std::string> names = visibleNames(scope);
    std::string hint = closest(name, names);
    if (hint.empty()) diags_.report(DiagId::undeclared_name, r, {name});
    else diags_.report(DiagId::undeclared_name_hint, r, {name, hint});
  }

  // ---- types and units
  std::optional<Unit> evalUnit(const Expr &u, bool afterNumber);
  Type resolveTypeSyntax(const TypeSyntax &t, const Ctx &ctx, bool allowGeneric, bool *generic);
  bool requireAssignable(const Type &target, const Type &value, SourceRange r, const std::string &what);
  bool sameDim(const Type &a, const Type &b) const {
    return a.kind == Type::Any || b.kind == Type::Any || a.unit.dim == b.unit.dim;
  }
  int combineSizes(const Type &a, const Type &b, SourceRange r) {
    if (a.vectorSize && b.vectorSize && a.vectorSize != b.vectorSize) {
      diags_.report(DiagId::vector_size_mismatch, r, {std::to_string(a.vectorSize), std::to_string(b.vectorSize)});
      return -1;
    }
    return std::max(a.vectorSize, b.vectorSize);
  }
  std::optional<double> constValue(const Expr &e, const Ctx &ctx, int depth = 0);
  std::optional<long long> constInt(const Expr &e, const Ctx &ctx);

  // ---- expressions
  Type check(Expr &e, const Ctx &ctx);
  Type checkName(Expr &e, const Ctx &ctx);
  Type checkBinary(Expr &e, const Ctx &ctx);
  Type checkCall(Expr &e, const Ctx &ctx);
  Type checkMember(Expr &e, const Ctx &ctx);
  Type memberOf(const ModelInfo &m, const std::string &member, SourceRange r, const std::string &owner, int size);
  bool expectBool(Expr &e, const Ctx &ctx, const char *what);
  bool expectDim(Expr &e, const Ctx &ctx, Dimension d, DiagId id, const std::string &what);

  // ---- statements and models
  void checkStmts(StmtList &stmts, Ctx ctx, const char *block);
  void checkStmt(Stmt &s, Ctx &ctx, Scope &local, const char *block);
  void declareModel(ModelInfo &info, std::vector<ModelItem> &items, const char *container);
  void checkModelItems(ModelInfo &info, std::vector<ModelItem> &items, Ctx ctx);
  void checkFunction(Symbol &fn);
  void warnUnused(ModelInfo &info);

  // ---- networks
  void checkNetwork(NetworkDef &net, Scope &moduleScope);
  void checkArgs(const std::string &what, std::vector<Arg> &args, const std::vector<ArgSpec> &spec, const Ctx &ctx,
                 SourceRange at);
  Symbol *popRef(PopRef &p, const Ctx &ctx, bool allowProjection);
  void checkConnect(NetItem &it, const Ctx &ctx);
  void checkDirectInput(const Symbol &pre, const Type &onto, NetItem &it);
  void instantiateSynapse(ModelInfo &syn, const Symbol &pre, const ModelInfo *post,
                          const std::map<std::string, Type> &bindings, const Type *onto);

  // ---- dump
  void dumpModel(const ModelInfo &m);

  DiagnosticEngine &diags_;
  // While a synapse is checked for one connect: the units of its generic parameters.
  const std::map<std::string, Type> *activeBindings_ = nullptr;
  std::deque<Symbol> symbols_;
  std::deque<ModelInfo> models_;
  std::deque<Scope> scopes_;
  Scope builtins_;
  std::set<const FunctionDef *> functionsChecked_;
  SemaResult result_;
  std::ostringstream dump_;
};

void Sema::makeBuiltins() {
  auto add = [&](const char *name, Type t) {
    Symbol *s = newSymbol(SymKind::Builtin, name, {});
    s->type = std::move(t);
    s->resolved = true;
    builtins_.names[name] = s;
  };
  add("pi", Type::real());
  add("e", Type::real());
  add("t", Type::real(unitOf("ms")));
  add("dt", Type::real(unitOf("ms")));
}

// ------------------------------------------------------------------ units and types

std::optional<Unit> Sema::evalUnit(const Expr &u, bool afterNumber) {
  switch (u.kind) {
  case ExprKind::UnitWord: {
    if (auto unit = lookupUnitWord(u.text)) return unit;
    std::string hint = suggestUnitWord(u.text);
    if (afterNumber && u.afterNumber) {
      diags_.report(DiagId::unknown_unit_after_number, u.range,
                    {u.text, hint.empty() ? "separate statements with ';' or a new line" : "did you mean '" + hint + "'?"});
    } else {
      if (hint.empty()) diags_.report(DiagId::unknown_unit, u.range, {u.text});
      else diags_.report(DiagId::unknown_unit_hint, u.range, {u.text, hint});
    }
    return std::nullopt;
  }
  case ExprKind::UnitOne:
    if (u.text != "1") {
      diags_.report(DiagId::unit_one, u.range);
      return std::nullopt;
    }
    return Unit::dimensionless();
  case ExprKind::UnitBinary: {
    auto a = evalUnit(*u.children[0], false), b = evalUnit(*u.children[1], false);
    if (!a || !b) return std::nullopt;
    auto r = u.text == "*" ? a->times(*b) : a->dividedBy(*b);
    if (!r) diags_.report(DiagId::unit_overflow, u.range);
    return r;
  }
  case ExprKind::UnitPower: {
    auto a = evalUnit(*u.children[0], false);
    if (!a) return std::nullopt;
    if (std::abs(u.power) > 64) {
      diags_.report(DiagId::unit_overflow, u.range);
      return std::nullopt;
    }
    auto r = a->pow(u.power);
    if (!r) diags_.report(DiagId::unit_overflow, u.range);
    return r;
  }
  default: throw InternalError("not a unit expression");
  }
}

Type Sema::resolveTypeSyntax(const TypeSyntax &t, const Ctx &ctx, bool allowGeneric, bool *generic) {
  Type out;
  const Expr &u = *t.unit;
  if (u.kind == ExprKind::UnitWord && (u.text == "real" || u.text == "int" || u.text == "bool" || u.text == "quantity")) {
    if (u.text == "real") out = Type::real();
    else if (u.text == "int") out = Type::integer();
    else if (u.text == "bool") out = Type::boolean();
    else {
      if (!allowGeneric) {
        diags_.report(DiagId::item_not_allowed, u.range, {"quantity", "declaration outside a synapse's parameters"});
        return Type::error();
      }
      if (generic) *generic = true;
      out = Type::any();
    }
  } else {
    auto unit = evalUnit(u, false);
    if (!unit) return Type::error();
    out = Type::real(*unit);
  }
  if (t.size) {
    Type st = check(*t.size, ctx);
    if (st.isError()) return Type::error();
    auto n = st.kind == Type::Int ? constInt(*t.size, ctx) : std::nullopt;
    if (!n || *n <= 0 || *n > (1 << 24)) {
      diags_.report(DiagId::not_constant, t.size->range, {"vector size (a positive integer)"});
      return Type::error();
    }
    out.vectorSize = static_cast<int>(*n);
  }
  return out;
}

/// Checks that `value` can be stored where `target` is declared; reports and returns false if not.
bool Sema::requireAssignable(const Type &target, const Type &value, SourceRange r, const std::string &what) {
  if (target.isError() || value.isError() || target.kind == Type::Any || value.kind == Type::Any) return true;
  if (value.kind == Type::List || value.kind == Type::String) {
    diags_.report(value.kind == Type::List ? DiagId::list_not_allowed : DiagId::string_not_allowed, r);
    return false;
  }
  bool kindOk = target.kind == value.kind || (target.kind == Type::Real && value.kind == Type::Int);
  if (!kindOk) {
    diags_.report(DiagId::type_mismatch, r, {what, target.str(), value.str()});
    return false;
  }
  if (target.kind == Type::Real && target.unit.dim != value.unit.dim) {
    diags_.report(DiagId::dimension_mismatch, r, {what, target.unit.str(), value.unit.str()});
    return false;
  }
  if (value.vectorSize && value.vectorSize != target.vectorSize) {
    diags_.report(DiagId::vector_size_mismatch, r, {std::to_string(target.vectorSize), std::to_string(value.vectorSize)});
    return false;
  }
  return true;
}

std::optional<double> Sema::constValue(const Expr &e, const Ctx &ctx, int depth) {
  if (depth > 64) return std::nullopt;
  switch (e.kind) {
  case ExprKind::Number: {
    double scale = 1;
    if (!e.children.empty() && e.type.kind == Type::Real) scale = e.type.unit.scale.toDouble();
    return e.value * scale;
  }
  case ExprKind::Name: {
    Symbol *s = ctx.scope ? ctx.scope->find(e.text) : nullptr;
    if (!s) return std::nullopt;
    if (s->kind == SymKind::Builtin && s->name == "pi") return M_PI;
    if (s->kind == SymKind::Builtin && s->name == "e") return M_E;
    // Parameters are not constants: a population may override them.
    if ((s->kind == SymKind::Const || s->kind == SymKind::NetConst) && s->init &&
        !s->resolving)
      return constValue(*s->init, s->ctx, depth + 1);
    return std::nullopt;
  }
  case ExprKind::Unary: {
    auto v = constValue(*e.children[0], ctx, depth + 1);
    if (!v || e.text == "!") return std::nullopt;
    return e.text == "-" ? -*v : *v;
  }
  case ExprKind::Binary: {
    auto a = constValue(*e.children[0], ctx, depth + 1), b = constValue(*e.children[1], ctx, depth + 1);
    if (!a || !b) return std::nullopt;
    if (e.text == "+") return *a + *b;
    if (e.text == "-") return *a - *b;
    if (e.text == "*") return *a * *b;
    if (e.text == "/") return *b == 0 ? std::nullopt : std::optional<double>(*a / *b);
    if (e.text == "^") return std::pow(*a, *b);
    return std::nullopt;
  }
  default: return std::nullopt;
  }
}

std::optional<long long> Sema::constInt(const Expr &e, const Ctx &ctx) {
  auto v = constValue(e, ctx);
  if (!v || std::floor(*v) != *v || std::fabs(*v) > 1e15) return std::nullopt;
  return static_cast<long long>(*v);
}

Type Sema::typeOf(Symbol &s) {
  if (s.resolved) return s.type;
  if (s.resolving) {
    diags_.report(DiagId::recursive_definition, s.range, {s.name});
    s.type = Type::error();
    s.resolved = true;
    return s.type;
  }
  s.resolving = true;
  Type declared;
  bool hasDecl = false;
  if (s.declType) {
    bool generic = false;
    declared = resolveTypeSyntax(*s.declType, s.ctx, s.kind == SymKind::Param && s.ctx.inSynapse, &generic);
    s.generic = generic;
    hasDecl = true;
  }
  Type initT;
  if (s.init) {
    Ctx c = s.ctx;
    bool once = s.kind == SymKind::Param || s.kind == SymKind::Internal || s.kind == SymKind::Const ||
                s.kind == SymKind::NetConst;
    if (once) c.computedOnce = &s;
    initT = check(*s.init, c);
  }
  if (hasDecl) {
    if (s.init && !declared.isError()) {
      // A scalar initialises every element of a vector.
      Type target = declared;
      if (initT.vectorSize == 0) target.vectorSize = 0;
      requireAssignable(target, initT, s.init->range, std::string("initial value of '") + s.name + "'");
    }
    s.type = declared;
  } else if (s.init) {
    s.type = initT;
    // Model variables are reals unless declared `int`: `x = 0` is a real trace.
    bool modelVar = s.kind == SymKind::Param || s.kind == SymKind::State || s.kind == SymKind::Internal;
    if (modelVar && initT.kind == Type::Int) s.type.kind = Type::Real;
    if (initT.kind == Type::List || initT.kind == Type::String) {
      diags_.report(initT.kind == Type::List ? DiagId::list_not_allowed : DiagId::string_not_allowed, s.init->range);
      s.type = Type::error();
    }
  } else {
    s.type = Type::real();
  }
  s.type.random = false;
  s.resolving = false;
  s.resolved = true;
  return s.type;
}

// ------------------------------------------------------------------ expressions

bool Sema::expectBool(Expr &e, const Ctx &ctx, const char *what) {
  Type t = check(e, ctx);
  if (t.isError() || t.kind == Type::Any || (t.kind == Type::Bool && t.vectorSize == 0)) return true;
  diags_.report(DiagId::not_boolean, e.range, {what, t.str()});
  return false;
}

bool Sema::expectDim(Expr &e, const Ctx &ctx, Dimension d, DiagId id, const std::string &what) {
  Type t = check(e, ctx);
  if (t.isError() || t.kind == Type::Any) return true;
  if (!t.isNumeric() || t.unit.dim != d) {
    diags_.report(id, e.range, {what, t.str()});
    return false;
  }
  return true;
}

Type Sema::check(Expr &e, const Ctx &ctx) {
  Type t;
  switch (e.kind) {
  case ExprKind::Number:
    if (e.children.empty()) {
      t = e.isInt ? Type::integer() : Type::real();
    } else {
      auto u = evalUnit(*e.children[0], e.children[0]->kind == ExprKind::UnitWord);
      t = u ? Type::real(*u) : Type::error();
    }
    break;
  case ExprKind::Bool: t = Type::boolean(); break;
  case ExprKind::String: t = Type::string(); break;
  case ExprKind::Name: t = checkName(e, ctx); break;
  case ExprKind::Endpoint: {
    if (!ctx.inSynapse) {
      diags_.report(DiagId::endpoint_outside_synapse, e.range, {e.text});
      t = Type::error();
      break;
    }
    const ModelInfo *m = e.text == "pre" ? ctx.pre : ctx.post;
    if (e.text == "pre" && ctx.preSource) {
      diags_.report(DiagId::unknown_member, e.range, {*ctx.preSource, e.member});
      t = Type::error();
      break;
    }
    t = m ? memberOf(*m, e.member, e.range, m->name, 0) : Type::any();
    break;
  }
  case ExprKind::Unary: {
    Type a = check(*e.children[0], ctx);
    if (a.isError() || a.kind == Type::Any) { t = a; break; }
    if (e.text == "!") {
      if (a.kind != Type::Bool) {
        diags_.report(DiagId::not_boolean, e.children[0]->range, {"operand of '!'", a.str()});
        t = Type::error();
      } else {
        t = a;
      }
    } else if (!a.isNumeric()) {
      diags_.report(DiagId::type_mismatch, e.children[0]->range, {std::string("operand of '") + e.text + "'", "a number", a.str()});
      t = Type::error();
    } else {
      t = a;
    }
    break;
  }
  case ExprKind::Binary: t = checkBinary(e, ctx); break;
  case ExprKind::Conditional: {
    bool ok = expectBool(*e.children[0], ctx, "the condition of '?:'");
    Type a = check(*e.children[1], ctx), b = check(*e.children[2], ctx);
    if (!ok || a.isError() || b.isError()) { t = Type::error(); break; }
    if (a.kind == Type::Any || b.kind == Type::Any) { t = Type::any(); break; }
    if ((a.kind == Type::Bool) != (b.kind == Type::Bool) || (a.isNumeric() && !sameDim(a, b))) {
      diags_.report(DiagId::unit_mismatch, e.range, {"choose between", unitName(a), unitName(b)});
      t = Type::error();
      break;
    }
    int size = combineSizes(a, b, e.range);
    if (size < 0) { t = Type::error(); break; }
    t = a.kind == Type::Int && b.kind == Type::Real ? b : a;
    t.vectorSize = size;
    break;
  }
  case ExprKind::Call: t = checkCall(e, ctx); break;
  case ExprKind::Index: {
    Type base = check(*e.children[0], ctx);
    for (size_t i = 1; i < e.children.size(); ++i) {
      Type it = check(*e.children[i], ctx);
      if (!it.isError() && it.kind != Type::Int && it.kind != Type::Any) {
        diags_.report(DiagId::not_integer, e.children[i]->range, {"an index", it.str()});
        base = Type::error();
      }
    }
    if (base.isError() || base.kind == Type::Any) { t = base; break; }
    if (base.vectorSize == 0) {
      diags_.report(DiagId::not_a_vector, e.children[0]->range, {exprToString(*e.children[0])});
      t = Type::error();
      break;
    }
    t = base;
    std::string name = exprToString(*e.children[0]);
    if (name.size() > 40) name = name.substr(0, 37) + "...";
    if (e.children.size() > 2) {
      // A slice has a length known at compile time.
      auto a = constInt(*e.children[1], ctx), b = constInt(*e.children[2], ctx);
      if (!a || !b) {
        diags_.report(DiagId::not_constant, e.range, {"a slice bound"});
        t = Type::error();
      } else if (*a < 0 || *b > base.vectorSize || *a >= *b) {
        diags_.report(DiagId::slice_range, e.range,
                      {std::to_string(*a), std::to_string(*b), name, std::to_string(base.vectorSize)});
        t = Type::error();
      } else {
        t.vectorSize = static_cast<int>(*b - *a);
      }
    } else {
      if (auto i = constInt(*e.children[1], ctx); i && (*i < 0 || *i >= base.vectorSize))
        diags_.report(DiagId::index_range, e.children[1]->range, {std::to_string(*i), name, std::to_string(base.vectorSize)});
      t.vectorSize = 0;
    }
    break;
  }
  case ExprKind::Member: t = checkMember(e, ctx); break;
  case ExprKind::List: {
    // A list of scalars of one dimension is a vector; anything else is an opaque list
    // (spike times per neuron), which only a few arguments accept.
    bool uniform = true;
    Type elem;
    for (size_t i = 0; i < e.children.size(); ++i) {
      Type c = check(*e.children[i], ctx);
      if (c.isError()) { uniform = false; elem = Type::error(); continue; }
      if (!c.isNumeric() || c.vectorSize || (i && !sameDim(c, elem))) uniform = false;
      if (i == 0 || (elem.kind == Type::Int && c.kind == Type::Real)) elem = c;
    }
    if (elem.isError()) { t = Type::error(); break; }
    if (uniform && !e.children.empty()) {
      t = elem;
      t.vectorSize = static_cast<int>(e.children.size());
    } else {
      t = Type::list();
    }
    break;
  }
  case ExprKind::Conversion: {
    Type a = check(*e.children[0], ctx);
    auto u = evalUnit(*e.children[1], false);
    if (a.isError() || !u) { t = Type::error(); break; }
    if (a.kind == Type::Any) { t = Type::real(); break; }
    if (!a.isNumeric() || a.unit.dim != u->dim) {
      diags_.report(DiagId::conversion_dimension, e.range, {a.str(), u->str()});
      t = Type::error();
      break;
    }
    t = Type::real();
    t.vectorSize = a.vectorSize;
    break;
  }
  default: throw InternalError("unit expression where a value was expected");
  }
  e.type = t;
  return t;
}

Type Sema::checkName(Expr &e, const Ctx &ctx) {
  if (ctx.allowIndexVars && (e.text == "i" || (e.text == "j" && ctx.allowPostIndex)) && !ctx.scope->find(e.text))
    return Type::integer();
  Symbol *s = ctx.scope->find(e.text);
  if (!s) {
    reportUndeclared(e.text, e.range, *ctx.scope);
    return Type::error();
  }
  s->used = true;
  if (ctx.computedOnce) {
    // Parameters, internals and constants are computed once, before the simulation.
    bool varies = s->kind == SymKind::State || s->kind == SymKind::Port || s->kind == SymKind::Alias ||
                  (s->kind == SymKind::Builtin && (s->name == "t"));
    if (varies) {
      diags_.report(DiagId::reads_state, e.range,
                    {ctx.computedOnce->name, withArticle(kindName(s->kind)) + " '" + s->name + "'"});
      return Type::error();
    }
  }
  switch (s->kind) {
  case SymKind::Function:
  case SymKind::Neuron:
  case SymKind::Synapse:
  case SymKind::Network:
  case SymKind::Segment:
  case SymKind::Population:
  case SymKind::Source:
  case SymKind::Projection:
    diags_.report(DiagId::type_mismatch, e.range,
                  {"'" + e.text + "'", "a value", std::string("a ") + kindName(s->kind)});
    return Type::error();
  default: break;
  }
  if (s->kind == SymKind::Param && s->generic && activeBindings_) {
    auto it = activeBindings_->find(s->name);
    if (it != activeBindings_->end()) return it->second;
  }
  return typeOf(*s);
}

Type Sema::checkBinary(Expr &e, const Ctx &ctx) {
  const std::string &op = e.text;
  Type a = check(*e.children[0], ctx), b = check(*e.children[1], ctx);
  if (a.isError() || b.isError()) return Type::error();
  bool logical = op == "&&" || op == "||";
  bool compare = op == "<" || op == "<=" || op == ">" || op == ">=" || op == "==" || op == "!=";
  if (a.kind == Type::Any || b.kind == Type::Any) return logical || compare ? Type::boolean() : Type::any();
  for (const Type *x : {&a, &b}) {
    if (x->kind == Type::String || x->kind == Type::List) {
      diags_.report(x->kind == Type::String ? DiagId::string_not_allowed : DiagId::list_not_allowed,
                    (x == &a ? e.children[0] : e.children[1])->range);
      return Type::error();
    }
  }
  int size = combineSizes(a, b, e.range);
  if (size < 0) return Type::error();
  Type r;
  if (logical) {
    for (int k = 0; k < 2; ++k) {
      const Type &x = k ? b : a;
      if (x.kind != Type::Bool) {
        diags_.report(DiagId::not_boolean, e.children[k]->range, {"operand of '" + op + "'", x.str()});
        return Type::error();
      }
    }
    r = Type::boolean();
  } else if (compare) {
    if (a.kind == Type::Bool && b.kind == Type::Bool && (op == "==" || op == "!=")) {
      r = Type::boolean();
    } else if (!a.isNumeric() || !b.isNumeric()) {
      diags_.report(DiagId::unit_mismatch, e.range, {"compare", unitName(a), unitName(b)});
      return Type::error();
    } else if (!sameDim(a, b)) {
      diags_.report(DiagId::unit_mismatch, e.range, {"compare", unitName(a), unitName(b)});
      return Type::error();
    } else {
      r = Type::boolean();
    }
  } else {
    if (!a.isNumeric() || !b.isNumeric()) {
      const Type &bad = a.isNumeric() ? b : a;
      diags_.report(DiagId::type_mismatch, (a.isNumeric() ? e.children[1] : e.children[0])->range,
                    {"operand of '" + op + "'", "a number", bad.str()});
      return Type::error();
    }
    bool bothInt = a.kind == Type::Int && b.kind == Type::Int;
    if (op == "+" || op == "-" || op == "%") {
      if (!sameDim(a, b)) {
        const char *verb = op == "+" ? "add" : op == "-" ? "subtract" : "take the remainder of";
        diags_.report(DiagId::unit_mismatch, e.range, {verb, unitName(a), unitName(b)});
        return Type::error();
      }
      r = bothInt ? Type::integer() : Type::real(a.kind == Type::Int ? b.unit : a.unit);
    } else if (op == "*" || op == "/") {
      auto u = op == "*" ? a.unit.times(b.unit) : a.unit.dividedBy(b.unit);
      if (!u) {
        diags_.report(DiagId::unit_overflow, e.range);
        return Type::error();
      }
      r = bothInt && op == "*" ? Type::integer() : Type::real(*u);
    } else if (op == "^") {
      if (!b.unit.dim.isDimensionless()) {
        diags_.report(DiagId::not_dimensionless, e.children[1]->range, {"^", b.str()});
        return Type::error();
      }
      if (a.unit.dim.isDimensionless() && a.unit.scale.isOne()) {
        r = Type::real();
      } else {
        auto n = constInt(*e.children[1], ctx);
        if (!n || std::llabs(*n) > 64) {
          diags_.report(DiagId::exponent_not_constant, e.children[1]->range);
          return Type::error();
        }
        auto u = a.unit.pow(static_cast<int>(*n));
        if (!u) {
          diags_.report(DiagId::unit_overflow, e.range);
          return Type::error();
        }
        r = Type::real(*u);
      }
    } else {
      throw InternalError("unknown operator " + op);
    }
  }
  r.vectorSize = size;
  r.random = a.random || b.random;
  return r;
}

Type Sema::checkCall(Expr &e, const Ctx &ctx) {
  Expr &callee = *e.children[0];
  size_t nargs = e.children.size() - 1;
  if (callee.kind != ExprKind::Name) {
    // Check the callee first: an undeclared name inside it is the better message.
    int before = diags_.errorCount();
    Type ct = check(callee, ctx);
    std::string text = exprToString(callee);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    if (diags_.errorCount() == before && !ct.isError()) diags_.report(DiagId::not_callable, callee.range, {text});
    return Type::error();
  }
  const std::string &name = callee.text;
  // Named arguments are only for network built-ins (sources, connectors), never here.
  for (size_t i = 0; i < e.argNames.size(); ++i)
    if (!e.argNames[i].empty()) {
      diags_.report(DiagId::unknown_argument, e.argNameRanges[i], {name, e.argNames[i]});
      return Type::error();
    }
  std::vector<Type> args;
  for (size_t i = 1; i < e.children.size(); ++i) args.push_back(check(*e.children[i], ctx));
  for (auto &a : args)
    if (a.isError()) return Type::error();
  auto argRange = [&](size_t i) { return e.children[i + 1]->range; };
  auto arity = [&](size_t lo, size_t hi) {
    if (nargs < lo || nargs > hi) {
      diags_.report(DiagId::wrong_arg_count, e.range,
                    {name, lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi), std::to_string(nargs)});
      return false;
    }
    return true;
  };

  // User functions (module level or local to a model) shadow nothing built in: a user
  // function with a built-in's name is reported where it is declared.
  if (Symbol *s = ctx.scope->find(name); s && s->kind == SymKind::Function) {
    s->used = true;
    FunctionDef &f = *s->function;
    if (!arity(f.params.size(), f.params.size())) return Type::error();
    checkFunction(*s);
    Ctx fctx = s->ctx;
    for (size_t i = 0; i < nargs; ++i) {
      bool generic = false;
      Type pt = resolveTypeSyntax(f.params[i].type, fctx, false, &generic);
      Type at = args[i];
      if (pt.vectorSize == 0) at.vectorSize = 0;
      requireAssignable(pt, at, argRange(i), "argument '" + f.params[i].name + "' of '" + name + "'");
    }
    // Vector arguments passed to scalar parameters make the call element-wise.
    Type r = s->type;
    for (size_t i = 0; i < nargs; ++i) {
      Type pt = resolveTypeSyntax(f.params[i].type, fctx, false, nullptr);
      if (pt.vectorSize == 0 && args[i].vectorSize) {
        if (r.vectorSize && r.vectorSize != args[i].vectorSize) {
          diags_.report(DiagId::vector_size_mismatch, argRange(i),
                        {std::to_string(r.vectorSize), std::to_string(args[i].vectorSize)});
          return Type::error();
        }
        r.vectorSize = args[i].vectorSize;
      }
    }
    return r;
  } else if (s && s->kind != SymKind::Builtin) {
    diags_.report(DiagId::not_callable, callee.range, {name});
    return Type::error();
  }

  auto it = builtinFunctions().find(name);
  if (it == builtinFunctions().end()) {
    std::vector<std::string> names;
    for (auto &[n, _] : builtinFunctions()) names.push_back(n);
    for (const Scope *sc = ctx.scope; sc; sc = sc->parent)
      for (auto &[n, sym] : sc->names)
        if (sym->kind == SymKind::Function) names.push_back(n);
    std::string hint = closest(name, names);
    if (hint.empty()) diags_.report(DiagId::unknown_function, callee.range, {name});
    else diags_.report(DiagId::unknown_function_hint, callee.range, {name, hint});
    return Type::error();
  }
  for (auto &a : args)
    if (a.kind == Type::Any) return name == "any" || name == "all" ? Type::boolean() : Type::any();
  if (it->second == Fn::FromFile) {
    // from_file("x.csv"): one number per element (neuron), read when the run starts; the
    // numbers have no unit (multiply by one: `from_file("v0.csv") * 1 mV`).
    if (!ctx.allowRandom) {
      diags_.report(DiagId::from_file_outside_network, callee.range);
      return Type::error();
    }
    if (args.size() != 1 || args[0].kind != Type::String) {
      diags_.report(DiagId::type_mismatch, args.empty() ? callee.range : argRange(0),
                    {"argument of 'from_file'", "a string (a file name)", args.empty() ? "nothing" : args[0].str()});
      return Type::error();
    }
    Type r = Type::real();
    r.random = true; // a value per element, as a distribution's
    return r;
  }
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].kind == Type::String || args[i].kind == Type::List) {
      diags_.report(args[i].kind == Type::String ? DiagId::string_not_allowed : DiagId::list_not_allowed, argRange(i));
      return Type::error();
    }
  auto numeric = [&](size_t i) {
    if (args[i].isNumeric()) return true;
    diags_.report(DiagId::type_mismatch, argRange(i), {"argument of '" + name + "'", "a number", args[i].str()});
    return false;
  };
  auto dimless = [&](size_t i) {
    if (!numeric(i)) return false;
    if (args[i].unit.dim.isDimensionless()) return true;
    diags_.report(DiagId::not_dimensionless, argRange(i), {name, args[i].str()});
    return false;
  };
  auto sameAsFirst = [&](size_t i) {
    if (!numeric(i)) return false;
    if (sameDim(args[0], args[i])) return true;
    diags_.report(DiagId::unit_mismatch, argRange(i), {"combine", unitName(args[0]), unitName(args[i])});
    return false;
  };
  // Element-wise: vector arguments must have one length; scalars broadcast.
  int size = 0;
  bool allInt = true;
  for (size_t i = 0; i < args.size(); ++i) {
    allInt = allInt && args[i].kind == Type::Int;
    if (!args[i].vectorSize) continue;
    if (size && size != args[i].vectorSize) {
      diags_.report(DiagId::vector_size_mismatch, argRange(i), {std::to_string(size), std::to_string(args[i].vectorSize)});
      return Type::error();
    }
    size = args[i].vectorSize;
  }
  Type r;
  switch (it->second) {
  case Fn::Dimensionless:
    if (!arity(1, 1) || !dimless(0)) return Type::error();
    r = Type::real();
    break;
  case Fn::Rounding:
    if (!arity(1, 1) || !dimless(0)) return Type::error();
    r = Type::real();
    break;
  case Fn::Sqrt: {
    if (!arity(1, 1) || !numeric(0)) return Type::error();
    auto u = args[0].unit.sqrt();
    if (!u) {
      if (args[0].unit.dim.sqrt()) diags_.report(DiagId::sqrt_inexact_scale, argRange(0), {args[0].str()});
      else diags_.report(DiagId::sqrt_odd_dimension, argRange(0), {args[0].str()});
      return Type::error();
    }
    r = Type::real(*u);
    break;
  }
  case Fn::Abs:
    if (!arity(1, 1) || !numeric(0)) return Type::error();
    r = args[0];
    break;
  case Fn::MinMax:
    if (!arity(1, 16) || !numeric(0)) return Type::error();
    for (size_t i = 1; i < nargs; ++i)
      if (!sameAsFirst(i)) return Type::error();
    r = args[0];
    if (!allInt) r.kind = Type::Real;
    if (nargs == 1) size = 0; // reduction over a vector
    break;
  case Fn::Clip:
    if (!arity(3, 3) || !numeric(0) || !sameAsFirst(1) || !sameAsFirst(2)) return Type::error();
    r = args[0];
    if (!allInt) r.kind = Type::Real;
    break;
  case Fn::Heaviside:
    if (!arity(1, 1) || !numeric(0)) return Type::error();
    r = Type::real();
    break;
  case Fn::Pow: {
    if (!arity(2, 2) || !numeric(0) || !dimless(1)) return Type::error();
    if (args[0].unit.dim.isDimensionless()) {
      r = Type::real();
    } else {
      auto n = constInt(*e.children[2], ctx);
      if (!n || std::llabs(*n) > 64) {
        diags_.report(DiagId::exponent_not_constant, argRange(1));
        return Type::error();
      }
      auto u = args[0].unit.pow(static_cast<int>(*n));
      if (!u) {
        diags_.report(DiagId::unit_overflow, e.range);
        return Type::error();
      }
      r = Type::real(*u);
    }
    break;
  }
  case Fn::Atan2:
    if (!arity(2, 2) || !numeric(0) || !sameAsFirst(1)) return Type::error();
    r = Type::real();
    break;
  case Fn::Sum:
  case Fn::Mean:
    if (!arity(1, 1)) return Type::error();
    if (args[0].kind == Type::Bool) {
      r = it->second == Fn::Sum ? Type::integer() : Type::real();
    } else {
      if (!numeric(0)) return Type::error();
      r = args[0];
      if (it->second == Fn::Mean && r.kind == Type::Int) r = Type::real();
    }
    size = 0;
    break;
  case Fn::AnyAll:
  case Fn::Count:
    if (!arity(1, 1)) return Type::error();
    if (args[0].kind != Type::Bool) {
      diags_.report(DiagId::not_boolean, argRange(0), {"argument of '" + name + "'", args[0].str()});
      return Type::error();
    }
    r = it->second == Fn::Count ? Type::integer() : Type::boolean();
    size = 0;
    break;
  case Fn::RandomDraw:
    if (ctx.computedOnce) {
      diags_.report(DiagId::reads_state, callee.range, {ctx.computedOnce->name, "a random draw '" + name + "'"});
      return Type::error();
    }
    if (!arity(0, 0)) return Type::error();
    r = Type::real();
    break;
  case Fn::Distribution: {
    if (!ctx.allowRandom) {
      diags_.report(DiagId::distribution_outside_network, callee.range, {name});
      return Type::error();
    }
    size_t n = name == "exponential" ? 1 : 2;
    if (!arity(n, n) || !numeric(0)) return Type::error();
    if (n == 2) {
      // lognormal(mu, sigma) takes the log-space parameters: both dimensionless.
      if (name == "lognormal") {
        if (!dimless(0) || !dimless(1)) return Type::error();
      } else if (!sameAsFirst(1)) {
        return Type::error();
      }
    }
    r = args[0].kind == Type::Int ? Type::real() : args[0];
    r.random = true;
    break;
  }
  case Fn::TopK: {
    if (!ctx.inNetwork) {
      diags_.report(DiagId::network_only_function, callee.range, {name});
      return Type::error();
    }
    if (!arity(2, 2) || !numeric(0)) return Type::error();
    if (args[1].kind != Type::Int) {
      diags_.report(DiagId::not_integer, argRange(1), {"k", args[1].str()});
      return Type::error();
    }
    r = Type::boolean();
    size = args[0].vectorSize;
    break;
  }
  }
  r.vectorSize = size;
  for (auto &a : args) r.random = r.random || a.random;
  return r;
}

/// The type of `member` of model `m` as seen from outside (`pre.v`, `Exc.v`, `dend.count`);
/// `size` > 0 makes it a vector over a population or segment array.
Type Sema::memberOf(const ModelInfo &m, const std::string &member, SourceRange r, const std::string &owner, int size) {
  Symbol *s = m.scope.findLocal(member);
  bool visible = s && (s->kind == SymKind::Param || s->kind == SymKind::State || s->kind == SymKind::Internal ||
                       s->kind == SymKind::Port || s->kind == SymKind::Alias);
  // Besides its declarations, a neuron has `spikes` and a segment `fired` (bool each step).
  const char *implicit = m.segmentItem ? "fired" : m.isSynapse ? nullptr : "spikes";
  if (!visible) {
    if (implicit && member == implicit) {
      Type t = Type::boolean();
      t.vectorSize = size;
      return t;
    }
    std::vector<std::string> names;
    if (implicit) names.push_back(implicit);
    for (auto &[n, sym] : m.scope.names) names.push_back(n);
    std::string hint = closest(member, names);
    if (hint.empty()) diags_.report(DiagId::unknown_member, r, {owner, member});
    else diags_.report(DiagId::unknown_member_hint, r, {owner, member, hint});
    return Type::error();
  }
  s->used = true;
  Type t = typeOf(*s);
  if (size > 0 && t.vectorSize > 0) {
    diags_.report(DiagId::nested_vector, r, {member, std::to_string(size)});
    return Type::error();
  }
  if (size > 0) t.vectorSize = size;
  return t;
}

Type Sema::checkMember(Expr &e, const Ctx &ctx) {
  Expr &base = *e.children[0];
  if (base.kind == ExprKind::Name) {
    Symbol *s = ctx.scope->find(base.text);
    if (s && s->kind == SymKind::Segment) {
      s->used = true;
      return memberOf(*s->model, e.member, e.range, base.text, s->size);
    }
    if (s && (s->kind == SymKind::Population || s->kind == SymKind::Source)) {
      s->used = true;
      if (s->kind == SymKind::Source || !s->model) {
        if (e.member == "spikes") {
          Type t = Type::boolean();
          t.vectorSize = s->size;
          return t;
        }
        diags_.report(DiagId::unknown_member, e.range, {base.text, e.member});
        return Type::error();
      }
      return memberOf(*s->model, e.member, e.range, base.text, s->size);
    }
  }
  Type b = check(base, ctx);
  if (!b.isError() && b.kind != Type::Any)
    diags_.report(DiagId::unknown_member, e.range, {exprToString(base), e.member});
  return b.kind == Type::Any ? b : Type::error();
}

// ------------------------------------------------------------------ functions

void Sema::checkFunction(Symbol &fn) {
  if (fn.resolved) return;
  if (fn.resolving) {
    diags_.report(DiagId::recursive_definition, fn.range, {fn.name});
    fn.type = Type::error();
    fn.resolved = true;
    return;
  }
  fn.resolving = true;
  FunctionDef &f = *fn.function;
  if (builtinFunctions().count(f.name))
    diags_.report(DiagId::shadowing, f.nameRange, {f.name, "a built-in function"});
  scopes_.emplace_back();
  Scope &local = scopes_.back();
  local.parent = fn.ctx.scope;
  Ctx ctx = fn.ctx;
  ctx.scope = &local;
  for (Param &p : f.params) {
    Symbol *ps = newSymbol(SymKind::FuncParam, p.name, p.range);
    ps->type = resolveTypeSyntax(p.type, fn.ctx, false, nullptr);
    ps->resolved = true;
    if (Symbol *outer = fn.ctx.scope->find(p.name); outer && outer->kind != SymKind::Function)
      diags_.report(DiagId::shadowing, p.range, {p.name, std::string("the ") + kindName(outer->kind) + " '" + p.name + "'"});
    declare(local, ps, "function");
  }
  Type body = check(*f.body, ctx);
  if (f.result) {
    Type declared = resolveTypeSyntax(*f.result, fn.ctx, false, nullptr);
    requireAssignable(declared, body, f.body->range, "result of '" + f.name + "'");
    fn.type = declared;
  } else {
    fn.type = body;
  }
  fn.resolving = false;
  fn.resolved = true;
}

// ------------------------------------------------------------------ statements

void Sema::checkStmts(StmtList &stmts, Ctx ctx, const char *block) {
  scopes_.emplace_back();
  Scope &local = scopes_.back();
  local.parent = ctx.scope;
  ctx.scope = &local;
  for (StmtPtr &s : stmts) checkStmt(*s, ctx, local, block);
}

void Sema::checkStmt(Stmt &s, Ctx &ctx, Scope &local, const char *block) {
  switch (s.kind) {
  case StmtKind::Let: {
    Symbol *sym = newSymbol(SymKind::Let, s.name, s.nameRange);
    Type v = check(*s.value, ctx);
    if (s.type) {
      Type declared = resolveTypeSyntax(*s.type, ctx, false, nullptr);
      requireAssignable(declared, v, s.value->range, "value of '" + s.name + "'");
      v = declared;
    }
    sym->type = v;
    sym->resolved = true;
    sym->used = true;
    if (Symbol *outer = local.parent ? local.parent->find(s.name) : nullptr; outer && outer->kind != SymKind::Builtin)
      diags_.report(DiagId::shadowing, s.nameRange, {s.name, std::string("the ") + kindName(outer->kind) + " '" + s.name + "'"});
    declare(local, sym, block);
    break;
  }
  case StmtKind::Assign: {
    LValue &lv = s.target;
    Type target;
    bool endpoint = lv.path[0] == "pre" || lv.path[0] == "post";
    if (endpoint) {
      if (!ctx.inSynapse) {
        diags_.report(DiagId::endpoint_outside_synapse, lv.pathRanges[0], {lv.path[0]});
        check(*s.value, ctx);
        return;
      }
      const ModelInfo *m = lv.path[0] == "pre" ? ctx.pre : ctx.post;
      if (lv.path[0] == "pre" && ctx.preSource && lv.path.size() == 2) {
        diags_.report(DiagId::unknown_member, lv.range, {*ctx.preSource, lv.path[1]});
        check(*s.value, ctx);
        return;
      }
      if (lv.path.size() != 2) {
        diags_.report(DiagId::syntax_error, lv.range, {"expected pre.NAME or post.NAME"});
        return;
      }
      if (m) {
        Symbol *t = m->scope.findLocal(lv.path[1]);
        if (t && t->kind != SymKind::State && t->kind != SymKind::Port) {
          diags_.report(DiagId::not_assignable, lv.range, {kindName(t->kind), lv.path[0] + "." + lv.path[1]});
          check(*s.value, ctx);
          return;
        }
        target = memberOf(*m, lv.path[1], lv.range, m->name, 0);
      } else {
        target = Type::any();
      }
    } else {
      Symbol *sym = ctx.scope->find(lv.path[0]);
      if (!sym) {
        reportUndeclared(lv.path[0], lv.pathRanges[0], *ctx.scope);
        check(*s.value, ctx);
        return;
      }
      sym->used = true;
      if (lv.path.size() > 1) {
        if (sym->kind != SymKind::Segment) {
          diags_.report(DiagId::unknown_member, lv.range, {lv.path[0], lv.path[1]});
          return;
        }
        Symbol *member = sym->model->scope.findLocal(lv.path[1]);
        if (member && member->kind != SymKind::State) {
          diags_.report(DiagId::not_assignable, lv.range, {kindName(member->kind), lv.path[0] + "." + lv.path[1]});
          check(*s.value, ctx);
          return;
        }
        target = memberOf(*sym->model, lv.path[1], lv.range, lv.path[0], sym->size);
      } else if (sym->kind != SymKind::State) {
        diags_.report(DiagId::not_assignable, lv.pathRanges[0], {kindName(sym->kind), lv.path[0]});
        check(*s.value, ctx);
        return;
      } else {
        target = typeOf(*sym);
      }
    }
    if (lv.index) {
      Type it = check(*lv.index, ctx);
      if (!it.isError() && it.kind != Type::Int && it.kind != Type::Any)
        diags_.report(DiagId::not_integer, lv.index->range, {"an index", it.str()});
      if (!target.isError() && target.kind != Type::Any) {
        if (target.vectorSize == 0) diags_.report(DiagId::not_a_vector, lv.range, {lv.path.back()});
        else if (auto i = constInt(*lv.index, ctx); i && (*i < 0 || *i >= target.vectorSize))
          diags_.report(DiagId::index_range, lv.index->range,
                        {std::to_string(*i), lv.path.back(), std::to_string(target.vectorSize)});
        target.vectorSize = 0;
      }
    }
    Type v = check(*s.value, ctx);
    std::string what = "assignment to '" + lv.path.back() + "'";
    Type t2 = target;
    if (v.vectorSize == 0) t2.vectorSize = 0;
    if (s.op == "=" || target.isError() || v.isError() || target.kind == Type::Any || v.kind == Type::Any) {
      requireAssignable(t2, v, s.value->range, what);
      break;
    }
    // x op= y means x = x op y: the target must be a number, and stay of its type.
    if (!target.isNumeric()) {
      diags_.report(DiagId::type_mismatch, lv.range, {"target of '" + s.op + "'", "a number", target.str()});
      break;
    }
    if (s.op == "*=" || s.op == "/=") {
      if (!v.isNumeric() || !v.unit.dim.isDimensionless()) {
        diags_.report(DiagId::not_dimensionless, s.value->range, {s.op, v.str()});
      } else if (target.kind == Type::Int && (v.kind != Type::Int || s.op == "/=")) {
        diags_.report(DiagId::type_mismatch, s.value->range, {what, "int", s.op == "/=" ? "a division" : v.str()});
      } else if (v.vectorSize && v.vectorSize != target.vectorSize) {
        diags_.report(DiagId::vector_size_mismatch, s.value->range,
                      {std::to_string(target.vectorSize), std::to_string(v.vectorSize)});
      }
    } else {
      requireAssignable(t2, v, s.value->range, what);
    }
    break;
  }
  case StmtKind::If:
    expectBool(*s.value, ctx, "an 'if' condition");
    checkStmts(s.thenBody, ctx, block);
    checkStmts(s.elseBody, ctx, block);
    break;
  case StmtKind::Deliver: {
    Type v = check(*s.value, ctx);
    if (!ctx.inSynapse) {
      diags_.report(DiagId::deliver_outside_synapse, s.range);
      break;
    }
    if (ctx.ontoType) {
      Type t = *ctx.ontoType;
      t.vectorSize = 0;
      requireAssignable(t, v, s.value->range, "value delivered to the target");
    }
    break;
  }
  case StmtKind::Ode:
  case StmtKind::Alias: throw InternalError("dynamics statement outside dynamics");
  }
}

// ------------------------------------------------------------------ neurons and synapses

/// Check 1 and 2: declares a model's (or segment's) names and checks where items stand.
void Sema::declareModel(ModelInfo &info, std::vector<ModelItem> &items, const char *container) {
  info.items = &items;
  bool segment = info.segmentItem != nullptr;
  std::map<ItemKind, const ModelItem *> once;
  Ctx ctx;
  ctx.scope = &info.scope;
  ctx.inSynapse = info.isSynapse;
  ctx.container = container;
  auto notAllowed = [&](const ModelItem &it, const std::string &what) {
    diags_.report(DiagId::item_not_allowed, it.range, {what, container});
  };
  for (ModelItem &it : items) {
    switch (it.kind) {
    case ItemKind::Threshold:
    case ItemKind::Reset:
    case ItemKind::Refractory:
    case ItemKind::Dynamics:
    case ItemKind::Update:
    case ItemKind::Continuous: {
      static const std::map<ItemKind, const char *> names = {
          {ItemKind::Threshold, "threshold"}, {ItemKind::Reset, "reset"}, {ItemKind::Refractory, "refractory"},
          {ItemKind::Dynamics, "dynamics"}, {ItemKind::Update, "update"}, {ItemKind::Continuous, "continuous"}};
      const char *name = names.at(it.kind);
      if (info.isSynapse && (it.kind == ItemKind::Threshold || it.kind == ItemKind::Reset || it.kind == ItemKind::Refractory)) {
        notAllowed(it, name);
        continue;
      }
      if (!info.isSynapse && it.kind == ItemKind::Continuous) {
        notAllowed(it, name);
        continue;
      }
      if (segment && it.kind == ItemKind::Refractory) {
        notAllowed(it, name);
        continue;
      }
      if (once.count(it.kind)) {
        diags_.report(DiagId::block_repeated, it.range, {name, container});
        continue;
      }
      once[it.kind] = &it;
      break;
    }
    case ItemKind::Segment:
      if (info.isSynapse || segment) notAllowed(it, "segment");
      break;
    case ItemKind::Function:
      if (segment) notAllowed(it, "function");
      break;
    default: break;
    }

    auto declareVars = [&](SymKind kind) {
      for (VarDecl &v : it.vars) {
        Symbol *s = newSymbol(kind, v.name, v.range);
        s->init = v.init.get();
        s->declType = v.type ? &*v.type : nullptr;
        s->ctx = ctx;
        if (declare(info.scope, s, container)) {
          info.members.push_back(s);
          if (kind == SymKind::Param) info.params.push_back(s);
        }
      }
    };
    switch (it.kind) {
    case ItemKind::Parameter: declareVars(SymKind::Param); break;
    case ItemKind::State: declareVars(SymKind::State); break;
    case ItemKind::Internal: declareVars(SymKind::Internal); break;
    case ItemKind::Input:
      for (PortDecl &p : it.ports) {
        static const std::set<std::string> kinds = {"current", "conductance", "spike", "continuous", "modulator"};
        if (!kinds.count(p.kind)) {
          diags_.report(DiagId::unknown_port_kind, p.kindRange, {p.kind});
          continue;
        }
        Symbol *s = newSymbol(SymKind::Port, p.name, p.range);
        s->portKind = p.kind;
        s->declType = p.type ? &*p.type : nullptr;
        s->ctx = ctx;
        if (p.kind == "spike") {
          s->type = Type::boolean();
          s->resolved = true;
        }
        if (declare(info.scope, s, container)) info.members.push_back(s);
      }
      break;
    case ItemKind::Dynamics:
      if (!it.word.empty() && std::find(kMethods.begin(), kMethods.end(), it.word) == kMethods.end()) {
        std::string list;
        for (size_t i = 0; i < kMethods.size(); ++i) list += (i ? ", " : "") + kMethods[i];
        diags_.report(DiagId::unknown_method, it.nameRange, {it.word, list});
      }
      for (StmtPtr &st : it.stmts) {
        if (st->kind != StmtKind::Alias) continue;
        Symbol *s = newSymbol(SymKind::Alias, st->name, st->nameRange);
        s->init = st->value.get();
        s->declType = st->type ? &*st->type : nullptr;
        s->ctx = ctx;
        s->ctx.inDynamics = true;
        if (declare(info.scope, s, container)) info.members.push_back(s);
      }
      break;
    case ItemKind::Segment: {
      if (info.isSynapse || segment) break;
      models_.emplace_back();
      ModelInfo &seg = models_.back();
      seg.name = it.name;
      seg.segmentItem = &it;
      seg.scope.parent = &info.scope;
      Symbol *s = newSymbol(SymKind::Segment, it.name, it.nameRange);
      s->model = &seg;
      s->resolved = true;
      Type countType = check(*it.expr, ctx);
      auto n = countType.kind == Type::Int ? constInt(*it.expr, ctx) : std::nullopt;
      if (countType.isError()) {
        // already reported
      } else if (!n || *n <= 0 || *n > (1 << 20)) {
        diags_.report(DiagId::segment_size, it.expr->range);
      } else {
        s->size = static_cast<int>(*n);
      }
      if (declare(info.scope, s, container)) info.members.push_back(s);
      declareModel(seg, it.items, "segment");
      break;
    }
    case ItemKind::Function: {
      Symbol *s = newSymbol(SymKind::Function, it.function->name, it.function->nameRange);
      s->function = it.function.get();
      s->ctx = ctx;
      if (declare(info.scope, s, container)) info.functions.push_back(s);
      break;
    }
    default: break;
    }
  }
}

/// Checks 3 to 7 over the items of a model or segment.
void Sema::checkModelItems(ModelInfo &info, std::vector<ModelItem> &items, Ctx ctx) {
  ctx.scope = &info.scope;
  const char *container = info.segmentItem ? "segment" : info.isSynapse ? "synapse" : "neuron";
  ctx.container = container;
  for (Symbol *s : info.members) {
    if (s->kind == SymKind::Segment) continue;
    // Re-derive everything computed from parameters: a generic parameter has its unit now.
    if (activeBindings_ && s->kind != SymKind::Param && s->kind != SymKind::Port) s->resolved = false;
    Type t = typeOf(*s);
    // A synapse state `learned_delay` is the synapse's own transmission delay
    // (docs/simulation.md, "Learned delays"): a scalar time.
    if (info.isSynapse && !info.segmentItem && s->kind == SymKind::State && s->name == "learned_delay" &&
        !t.isError() && (t.kind != Type::Real || t.vectorSize != 0 || t.unit.dim != timeDim()))
      diags_.report(DiagId::not_time, s->range, {"a learned delay ('learned_delay')", t.str()});
    // A synapse parameter `dendritic_delay` is the part of the connect's delay after the
    // synapse (docs/simulation.md, "Dendritic delays"): a scalar time.
    if (info.isSynapse && !info.segmentItem && s->kind == SymKind::Param && s->name == "dendritic_delay" &&
        !t.isError() && (t.kind != Type::Real || t.vectorSize != 0 || t.unit.dim != timeDim()))
      diags_.report(DiagId::not_time, s->range, {"a dendritic delay ('dendritic_delay')", t.str()});
  }
  bool hasThreshold = false;
  for (ModelItem &it : items) hasThreshold = hasThreshold || it.kind == ItemKind::Threshold;
  auto portNamed = [&](const std::string &kind, const std::string &name) -> Symbol * {
    for (Symbol *s : info.members)
      if (s->kind == SymKind::Port && s->portKind == kind && (name.empty() || s->name == name)) return s;
    return nullptr;
  };
  std::set<std::string> odes;
  for (ModelItem &it : items) {
    switch (it.kind) {
    case ItemKind::Dynamics: {
      Ctx dctx = ctx;
      dctx.inDynamics = true;
      for (StmtPtr &st : it.stmts) {
        if (st->kind == StmtKind::Alias) continue; // checked as symbols
        Symbol *s = info.scope.findLocal(st->name);
        Type rhs = check(*st->value, dctx);
        if (!s || s->kind != SymKind::State) {
          if (!s && !info.scope.find(st->name)) reportUndeclared(st->name, st->nameRange, info.scope);
          else diags_.report(DiagId::ode_not_state, st->nameRange, {st->name});
          continue;
        }
        if (!odes.insert(st->name).second) {
          diags_.report(DiagId::duplicate_ode, st->nameRange, {st->name});
          continue;
        }
        Type x = typeOf(*s);
        if (x.kind == Type::Int || x.kind == Type::Bool) {
          diags_.report(DiagId::type_mismatch, st->nameRange, {"a state with a derivative", "real", x.str()});
          continue;
        }
        if (rhs.isError() || x.isError() || rhs.kind == Type::Any || x.kind == Type::Any) continue;
        if (!rhs.isNumeric() || !x.isNumeric()) {
          diags_.report(DiagId::type_mismatch, st->value->range, {"the derivative of '" + st->name + "'", "a number", rhs.str()});
          continue;
        }
        Dimension want = x.unit.dim / timeDim();
        if (rhs.unit.dim != want) {
          std::string xs = x.unit.dim.isDimensionless() ? "1" : x.unit.str();
          diags_.report(DiagId::derivative_dimension, st->value->range, {st->name, xs, rhs.str()});
        } else if (rhs.vectorSize && rhs.vectorSize != x.vectorSize) {
          diags_.report(DiagId::vector_size_mismatch, st->value->range,
                        {std::to_string(x.vectorSize), std::to_string(rhs.vectorSize)});
        }
      }
      break;
    }
    case ItemKind::Update: checkStmts(it.stmts, ctx, container); break;
    case ItemKind::Continuous: checkStmts(it.stmts, ctx, container); break;
    case ItemKind::Threshold: expectBool(*it.expr, ctx, "a threshold"); break;
    case ItemKind::Reset:
      if (!hasThreshold) diags_.report(DiagId::reset_without_threshold, it.range);
      if (it.word == "soft") {
        std::function<void(const StmtList &)> subtractOnly = [&](const StmtList &list) {
          for (const StmtPtr &st : list) {
            if (st->kind == StmtKind::Assign && st->op != "-=") diags_.report(DiagId::soft_reset_form, st->range, {st->op});
            subtractOnly(st->thenBody);
            subtractOnly(st->elseBody);
          }
        };
        subtractOnly(it.stmts);
      }
      checkStmts(it.stmts, ctx, container);
      break;
    case ItemKind::Refractory:
      expectDim(*it.expr, ctx, timeDim(), DiagId::not_time, "a refractory period");
      for (size_t i = 0; i < it.clamps.size(); ++i) {
        Symbol *s = info.scope.findLocal(it.clamps[i]);
        if (!s) reportUndeclared(it.clamps[i], it.clampRanges[i], info.scope);
        else if (s->kind != SymKind::State) diags_.report(DiagId::refractory_clamp, it.clampRanges[i], {it.clamps[i]});
        else s->used = true;
      }
      break;
    case ItemKind::On: {
      const std::string &kind = it.word;
      if (kind == "pre" || kind == "post") {
        if (!info.isSynapse) diags_.report(DiagId::event_not_allowed, it.range, {kind, container});
      } else if (kind == "spike") {
        if (info.isSynapse) diags_.report(DiagId::event_not_allowed, it.range, {kind, container});
        else if (it.name.empty()) diags_.report(DiagId::event_needs_name, it.range, {"spike", "spike"});
        else if (Symbol *port = portNamed("spike", it.name)) port->used = true;
        else diags_.report(DiagId::unknown_event, it.nameRange, {"spike", it.name});
      } else if (kind == "signal") {
        if (it.name.empty()) diags_.report(DiagId::event_needs_name, it.range, {"signal", "modulator"});
        else if (!portNamed("modulator", it.name)) diags_.report(DiagId::unknown_event, it.nameRange, {"modulator", it.name});
        else portNamed("modulator", it.name)->used = true;
      }
      checkStmts(it.stmts, ctx, container);
      break;
    }
    case ItemKind::Segment: {
      Symbol *s = info.scope.findLocal(it.name);
      if (s && s->kind == SymKind::Segment && s->model) checkModelItems(*s->model, it.items, ctx);
      break;
    }
    case ItemKind::Function: {
      Symbol *s = info.scope.findLocal(it.function->name);
      if (s && s->kind == SymKind::Function) checkFunction(*s);
      break;
    }
    default: break;
    }
  }
  // A synapse that delivers needs a target, which each connect names with `onto`.
  std::function<bool(const StmtList &)> delivers = [&](const StmtList &l) {
    for (const StmtPtr &s : l)
      if (s->kind == StmtKind::Deliver || delivers(s->thenBody) || delivers(s->elseBody)) return true;
    return false;
  };
  for (ModelItem &it : items)
    if (delivers(it.stmts)) info.delivers = true;
}

void Sema::warnUnused(ModelInfo &info) {
  for (Symbol *s : info.params)
    if (!s->used && !(info.isSynapse && s->name == "dendritic_delay")) // the simulator reads it
      diags_.report(DiagId::unused_parameter, s->range, {s->name});
}

// ------------------------------------------------------------------ networks

void Sema::checkArgs(const std::string &what, std::vector<Arg> &args, const std::vector<ArgSpec> &spec,
                     const Ctx &ctx, SourceRange at) {
  std::set<std::string> seen;
  bool named = false;
  for (size_t i = 0; i < args.size(); ++i) {
    Arg &a = args[i];
    const ArgSpec *s = nullptr;
    if (a.name.empty()) {
      if (named) {
        diags_.report(DiagId::positional_after_named, a.value->range);
        continue;
      }
      if (i >= spec.size()) {
        diags_.report(DiagId::wrong_arg_count, a.value->range,
                      {what, std::to_string(spec.size()), std::to_string(args.size())});
        continue;
      }
      s = &spec[i];
    } else {
      named = true;
      for (const ArgSpec &c : spec)
        if (a.name == c.name) s = &c;
      if (!s) {
        diags_.report(DiagId::unknown_argument, a.nameRange, {what, a.name});
        continue;
      }
    }
    if (!seen.insert(s->name).second) {
      diags_.report(DiagId::duplicate_argument, a.name.empty() ? a.value->range : a.nameRange, {s->name});
      continue;
    }
    Ctx c = ctx;
    c.allowRandom = true;
    Type t = check(*a.value, c);
    if (t.isError() || t.kind == Type::Any) continue;
    std::string argWhat = "'" + std::string(s->name) + "' of '" + what + "'";
    switch (s->kind) {
    case ArgKind::Time:
      if (!t.isNumeric() || t.unit.dim != timeDim()) diags_.report(DiagId::not_time, a.value->range, {argWhat, t.str()});
      break;
    case ArgKind::Frequency:
      if (!t.isNumeric() || t.unit.dim != timeDim().pow(-1))
        diags_.report(DiagId::not_frequency, a.value->range, {argWhat, t.str()});
      break;
    case ArgKind::Probability:
    case ArgKind::Dimensionless:
      if (!t.isNumeric() || !t.unit.dim.isDimensionless()) {
        diags_.report(DiagId::not_dimensionless, a.value->range, {what, t.str()});
      } else if (s->kind == ArgKind::Probability) {
        if (auto v = constValue(*a.value, ctx); v && (*v < 0 || *v > 1))
          diags_.report(DiagId::probability_range, a.value->range, {exprToString(*a.value)});
      }
      break;
    case ArgKind::Count:
      if (t.kind != Type::Int) diags_.report(DiagId::not_integer, a.value->range, {argWhat, t.str()});
      else if (auto v = constValue(*a.value, ctx); v && *v <= 0)
        diags_.report(DiagId::not_positive, a.value->range, {argWhat, exprToString(*a.value)});
      break;
    case ArgKind::Bool:
      if (t.kind != Type::Bool) diags_.report(DiagId::not_boolean, a.value->range, {argWhat, t.str()});
      break;
    case ArgKind::String:
      if (t.kind != Type::String) diags_.report(DiagId::type_mismatch, a.value->range, {argWhat, "a string", t.str()});
      break;
    case ArgKind::List:
      if (t.kind != Type::List && t.vectorSize == 0)
        diags_.report(DiagId::type_mismatch, a.value->range, {argWhat, "a list", t.str()});
      break;
    case ArgKind::Any:
      if (t.kind == Type::String || t.kind == Type::List)
        diags_.report(t.kind == Type::String ? DiagId::string_not_allowed : DiagId::list_not_allowed, a.value->range);
      break;
    }
  }
  for (const ArgSpec &s : spec)
    if (s.required && !seen.count(s.name)) diags_.report(DiagId::missing_argument, at, {what, s.name});
}

Symbol *Sema::popRef(PopRef &p, const Ctx &ctx, bool allowProjection) {
  Symbol *s = ctx.scope->find(p.name);
  if (!s) {
    reportUndeclared(p.name, p.range, *ctx.scope);
    return nullptr;
  }
  bool ok = s->kind == SymKind::Population || s->kind == SymKind::Source ||
            (allowProjection && s->kind == SymKind::Projection);
  if (!ok) {
    diags_.report(allowProjection ? DiagId::not_a_projection_or_population : DiagId::not_a_population,
                  SourceRange{p.range.file, p.range.line, p.range.col, p.range.line,
                              p.range.col + static_cast<uint32_t>(countCodePoints(p.name))},
                  {p.name});
    return nullptr;
  }
  s->used = true;
  if (p.first) {
    for (Expr *e : {p.first.get(), p.last.get()}) {
      if (!e) continue;
      Type t = check(*e, ctx);
      if (t.isError()) return nullptr;
      if (t.kind != Type::Int) {
        diags_.report(DiagId::not_integer, e->range, {"a slice bound", t.str()});
        return nullptr;
      }
    }
    auto a = constInt(*p.first, ctx);
    auto b = p.last ? constInt(*p.last, ctx) : std::optional<long long>(a ? *a + 1 : 0);
    if (!a || !b) {
      diags_.report(DiagId::not_constant, p.first->range, {"a slice bound"});
      return nullptr;
    }
    if (s->size > 0 && (*a < 0 || *b > s->size || *a >= *b))
      diags_.report(DiagId::slice_range, p.range,
                    {std::to_string(*a), std::to_string(*b), p.name, std::to_string(s->size)});
  }
  return s;
}

void Sema::instantiateSynapse(ModelInfo &syn, const Symbol &pre, const ModelInfo *post,
                              const std::map<std::string, Type> &bindings, const Type *onto) {
  Ctx ctx;
  ctx.inSynapse = true;
  ctx.pre = pre.model;
  if (pre.kind == SymKind::Source) ctx.preSource = &pre.name;
  ctx.post = post;
  ctx.bindings = &bindings;
  ctx.ontoType = onto;
  activeBindings_ = &bindings;
  for (Symbol *s : syn.functions) s->resolved = false;
  checkModelItems(syn, *syn.items, ctx);
  activeBindings_ = nullptr;
}

void Sema::checkConnect(NetItem &it, const Ctx &ctx) {
  std::vector<Symbol *> pres, posts;
  for (PopRef &p : it.pres) pres.push_back(popRef(p, ctx, false));
  for (PopRef &p : it.posts) {
    Symbol *s = popRef(p, ctx, false);
    if (s && s->kind == SymKind::Source) {
      diags_.report(DiagId::not_a_population, p.range, {p.name});
      s = nullptr;
    }
    posts.push_back(s);
  }

  Ctx ectx = ctx;
  ectx.allowRandom = true;
  ectx.allowIndexVars = true;
  ectx.allowPostIndex = true;

  // The synapse and its arguments: generic parameters take the unit of their argument.
  ModelInfo *syn = nullptr;
  std::map<std::string, Type> bindings;
  if (it.synapse.present) {
    // Models are module names: a connect or population of the same name does not hide one.
    Symbol *s = ctx.scope->find(it.synapse.name);
    for (auto *sc = ctx.scope; sc && s && s->kind != SymKind::Synapse && s->kind != SymKind::Neuron; sc = sc->parent)
      if (Symbol *m = sc->findLocal(it.synapse.name); m && (m->kind == SymKind::Synapse || m->kind == SymKind::Neuron))
        s = m;
    if (!s || (s->kind != SymKind::Synapse && s->kind != SymKind::Neuron)) {
      std::vector<std::string> names;
      for (const Scope *sc = ctx.scope; sc; sc = sc->parent)
        for (auto &[n, sym] : sc->names)
          if (sym->kind == SymKind::Synapse) names.push_back(n);
      std::string hint = closest(it.synapse.name, names);
      if (hint.empty()) diags_.report(DiagId::unknown_model, it.synapse.range, {it.synapse.name});
      else diags_.report(DiagId::unknown_model_hint, it.synapse.range, {it.synapse.name, hint});
    } else if (s->kind != SymKind::Synapse) {
      diags_.report(DiagId::wrong_model_kind, it.synapse.range, {it.synapse.name, "neuron", "synapse"});
    } else {
      s->used = true;
      syn = s->model;
      std::set<std::string> given;
      bool named = false;
      for (size_t ai = 0; ai < it.synapse.args.size(); ++ai) {
        Arg &a = it.synapse.args[ai];
        // Positional arguments take the parameters in declaration order: static(1 pA).
        if (a.name.empty()) {
          if (named) {
            diags_.report(DiagId::positional_after_named, a.value->range);
            continue;
          }
          if (ai >= syn->params.size()) {
            diags_.report(DiagId::wrong_arg_count, a.value->range,
                          {it.synapse.name, std::to_string(syn->params.size()), std::to_string(it.synapse.args.size())});
            continue;
          }
          a.name = syn->params[ai]->name;
          a.nameRange = a.value->range;
        } else {
          named = true;
        }
        Symbol *p = syn->scope.findLocal(a.name);
        if (!p || p->kind != SymKind::Param) {
          std::vector<std::string> names;
          for (Symbol *ps : syn->params) names.push_back(ps->name);
          std::string hint = closest(a.name, names);
          if (hint.empty()) diags_.report(DiagId::unknown_argument, a.nameRange, {it.synapse.name, a.name});
          else diags_.report(DiagId::unknown_member_hint, a.nameRange, {it.synapse.name, a.name, hint});
          continue;
        }
        if (!given.insert(a.name).second) {
          diags_.report(DiagId::duplicate_argument, a.nameRange, {a.name});
          continue;
        }
        Type v = check(*a.value, ectx);
        Type pt = typeOf(*p);
        if (p->generic) {
          v.random = false;
          bindings[a.name] = v;
        } else {
          requireAssignable(pt, v, a.value->range, "parameter '" + a.name + "' of '" + it.synapse.name + "'");
        }
      }
      for (Symbol *p : syn->params) {
        if (given.count(p->name)) continue;
        if (!p->init) {
          diags_.report(DiagId::missing_parameter_value, it.synapse.range, {p->name, it.synapse.name});
        } else if (p->generic) {
          Type v = check(*p->init, p->ctx); // the default fixes the unit
          v.random = false;
          bindings[p->name] = v;
        }
      }
    }
  }

  if (it.connector.present) {
    auto spec = connectorSpecs().find(it.connector.name);
    if (spec == connectorSpecs().end()) {
      diags_.report(DiagId::unknown_connector, it.connector.range, {it.connector.name});
    } else {
      checkArgs(it.connector.name, it.connector.args, spec->second, ctx, it.connector.range);
    }
  }

  if (it.delay) {
    if (expectDim(*it.delay, ectx, timeDim(), DiagId::not_time, "a delay")) {
      if (auto v = constValue(*it.delay, ctx); v && *v <= 0)
        diags_.report(DiagId::delay_not_positive, it.delay->range, {exprToString(*it.delay)});
    }
  }

  // onto: a state or input of every target population.
  if (it.synapse.present && !syn) return; // already reported
  if (it.onto.empty() && (!syn || syn->delivers)) {
    if (syn) diags_.report(DiagId::missing_onto, it.range, {it.synapse.name});
    else diags_.report(DiagId::missing_onto_direct, it.range);
    return;
  }
  for (size_t k = 0; k < posts.size(); ++k) {
    Symbol *post = posts[k];
    if (!post || !post->model) continue;
    Type ontoType;
    bool haveOnto = false;
    if (!it.onto.empty()) {
      ModelInfo *target = post->model;
      std::string owner = post->model->name;
      std::string field = it.onto[0];
      if (it.onto.size() == 2) {
        Symbol *seg = target->scope.findLocal(it.onto[0]);
        if (!seg || seg->kind != SymKind::Segment) {
          diags_.report(DiagId::unknown_member, it.ontoRange, {owner, it.onto[0]});
          continue;
        }
        target = seg->model;
        owner = it.onto[0];
        field = it.onto[1];
      }
      Symbol *t = target->scope.findLocal(field);
      if (t && t->kind != SymKind::State && t->kind != SymKind::Port) {
        diags_.report(DiagId::onto_not_input, it.ontoRange, {field, withArticle(kindName(t->kind))});
        continue;
      }
      ontoType = memberOf(*target, field, it.ontoRange, owner, 0);
      if (ontoType.isError()) continue;
      haveOnto = true;
    }
    if (syn) {
      for (Symbol *pre : pres) {
        if (!pre) continue;
        int before = diags_.errorCount();
        instantiateSynapse(*syn, *pre, post->model, bindings, haveOnto ? &ontoType : nullptr);
        if (diags_.errorCount() > before)
          diags_.report(DiagId::note_instantiated, it.synapse.range, {it.synapse.name, post->model->name});
      }
    } else if (haveOnto) {
      for (Symbol *pre : pres)
        if (pre) checkDirectInput(*pre, ontoType, it);
    }
  }
}

/// A connect without a synapse hands its input straight to the target: a current source
/// its amplitude, an analog source its signal, anything that spikes a count of spikes.
void Sema::checkDirectInput(const Symbol &pre, const Type &onto, NetItem &it) {
  Type delivered = Type::real();
  bool spikes = true;
  if (pre.kind == SymKind::Source && pre.item && !pre.item->encoder.present) {
    const std::string &kind = pre.item->source.name;
    const char *argName = kind == "current" ? "amplitude" : kind == "analog" ? "signal" : nullptr;
    if (argName) {
      spikes = false;
      for (Arg &a : pre.item->source.args)
        if (a.name == argName) {
          Ctx c;
          c.scope = pre.ctx.scope;
          c.inNetwork = true;
          c.allowIndexVars = kind == "analog"; // the channel index, as in the source
          delivered = check(*a.value, c);
        }
    }
  }
  if (onto.kind == Type::Bool) {
    if (!spikes) diags_.report(DiagId::type_mismatch, it.ontoRange, {"input of '" + it.onto.back() + "'", "spikes", delivered.str()});
    return;
  }
  delivered.random = false;
  requireAssignable(onto, delivered, it.ontoRange, "input delivered to '" + it.onto.back() + "'");
}

void Sema::checkNetwork(NetworkDef &net, Scope &moduleScope) {
  scopes_.emplace_back();
  Scope &scope = scopes_.back();
  scope.parent = &moduleScope;
  Ctx ctx;
  ctx.scope = &scope;
  ctx.inNetwork = true;
  ctx.container = "network";
  dump_ << "network " << net.name << "\n";

  // Names first, so that items may refer to each other in any order.
  for (NetItem &it : net.items) {
    SymKind kind;
    switch (it.kind) {
    case NetItemKind::Const: kind = SymKind::NetConst; break;
    case NetItemKind::Population: kind = SymKind::Population; break;
    case NetItemKind::Source: kind = SymKind::Source; break;
    case NetItemKind::Connect: kind = SymKind::Projection; break;
    case NetItemKind::Signal: kind = SymKind::Signal; break;
    default: continue;
    }
    if (it.name.empty()) continue;
    Symbol *s = newSymbol(kind, it.name, it.nameRange);
    s->ctx = ctx;
    s->item = &it;
    if (kind == SymKind::NetConst || kind == SymKind::Signal) {
      s->init = it.value.get();
      s->declType = it.type ? &*it.type : nullptr;
    }
    if (kind == SymKind::Population || kind == SymKind::Source) s->resolved = true;
    if (kind == SymKind::Projection && it.synapse.present)
      if (Symbol *syn = moduleScope.find(it.synapse.name); syn && syn->kind == SymKind::Synapse) s->model = syn->model;
    if (kind == SymKind::Population)
      if (Symbol *m = moduleScope.find(it.model); m && m->kind == SymKind::Neuron) s->model = m->model;
    declare(scope, s, "network");
  }
  // Sizes before anything that slices.
  for (NetItem &it : net.items) {
    if (it.kind != NetItemKind::Population && it.kind != NetItemKind::Source) continue;
    Symbol *s = scope.findLocal(it.name);
    if (!it.value) {
      if (s) s->size = 1;
      continue;
    }
    Type t = check(*it.value, ctx);
    auto n = constInt(*it.value, ctx);
    if (t.isError()) continue;
    if (t.kind != Type::Int || !n || *n <= 0 || *n >= (1LL << 31)) {
      std::string shown = exprToString(*it.value);
      if (it.value->kind != ExprKind::Number)
        if (auto v = constValue(*it.value, ctx)) {
          std::ostringstream num;
          num << *v;
          shown += " = " + num.str();
        }
      diags_.report(DiagId::population_size, it.value->range, {shown});
      continue;
    }
    if (s) s->size = static_cast<int>(*n);
  }

  const NetItem *run = nullptr;
  for (NetItem &it : net.items) {
    Symbol *self = it.name.empty() ? nullptr : scope.findLocal(it.name);
    switch (it.kind) {
    case NetItemKind::Const:
    case NetItemKind::Signal: {
      if (!self) break;
      Type t = typeOf(*self);
      dump_ << "  " << (it.kind == NetItemKind::Const ? "const " : "signal ") << it.name << ": " << t.str() << "\n";
      break;
    }
    case NetItemKind::Population: {
      // Models live at module level: a population may share its model's name.
      Symbol *m = moduleScope.find(it.model);
      if (!m || (m->kind != SymKind::Neuron && m->kind != SymKind::Synapse)) {
        std::vector<std::string> names;
        for (const Scope *sc = &scope; sc; sc = sc->parent)
          for (auto &[n, sym] : sc->names)
            if (sym->kind == SymKind::Neuron) names.push_back(n);
        std::string hint = closest(it.model, names);
        if (hint.empty()) diags_.report(DiagId::unknown_model, it.modelRange, {it.model});
        else diags_.report(DiagId::unknown_model_hint, it.modelRange, {it.model, hint});
        break;
      }
      if (m->kind != SymKind::Neuron) {
        diags_.report(DiagId::wrong_model_kind, it.modelRange, {it.model, "synapse", "neuron"});
        break;
      }
      m->used = true;
      if (self) self->model = m->model;
      ModelInfo &model = *m->model;
      std::set<std::string> given;
      Ctx ictx = ctx;
      ictx.allowRandom = true;
      ictx.allowIndexVars = true;
      for (Arg &a : it.inits) {
        Symbol *member = model.scope.findLocal(a.name);
        Type v = check(*a.value, ictx);
        if (!member || (member->kind != SymKind::Param && member->kind != SymKind::State)) {
          std::vector<std::string> names;
          for (Symbol *ms : model.members)
            if (ms->kind == SymKind::Param || ms->kind == SymKind::State) names.push_back(ms->name);
          std::string hint = closest(a.name, names);
          if (hint.empty()) diags_.report(DiagId::unknown_member, a.nameRange, {it.model, a.name});
          else diags_.report(DiagId::unknown_member_hint, a.nameRange, {it.model, a.name, hint});
          continue;
        }
        if (!given.insert(a.name).second) {
          diags_.report(DiagId::duplicate_argument, a.nameRange, {a.name});
          continue;
        }
        Type target = typeOf(*member);
        Type vv = v;
        if (vv.vectorSize == 0) target.vectorSize = 0;
        requireAssignable(target, vv, a.value->range, "initial value of '" + a.name + "'");
      }
      for (Symbol *p : model.params)
        if (!p->init && !given.count(p->name))
          diags_.report(DiagId::missing_parameter_value, it.modelRange, {p->name, it.model});
      dump_ << "  population " << it.name << ": " << it.model << "[" << (self ? self->size : 0) << "]\n";
      break;
    }
    case NetItemKind::Source: {
      auto spec = sourceSpecs().find(it.source.name);
      if (spec == sourceSpecs().end()) {
        diags_.report(DiagId::unknown_source, it.source.range, {it.source.name});
        break;
      }
      {
        // An analog signal may differ per channel: `i` is the channel's index.
        Ctx sctx = ctx;
        sctx.allowIndexVars = it.source.name == "analog";
        checkArgs(it.source.name, it.source.args, spec->second, sctx, it.source.range);
      }
      if (it.encoder.present) {
        if (it.source.name != "analog") {
          diags_.report(DiagId::encoder_needs_analog, it.encoder.range);
        } else if (auto enc = encoderSpecs().find(it.encoder.name); enc == encoderSpecs().end()) {
          diags_.report(DiagId::unknown_encoder, it.encoder.range, {it.encoder.name});
        } else {
          checkArgs(it.encoder.name, it.encoder.args, enc->second, ctx, it.encoder.range);
        }
      }
      dump_ << "  source " << it.name << ": " << it.source.name << "[" << (self ? self->size : 0) << "]"
            << (it.encoder.present ? " encode " + it.encoder.name : "") << "\n";
      break;
    }
    case NetItemKind::Connect: {
      checkConnect(it, ctx);
      dump_ << "  connect " << (it.name.empty() ? "" : it.name + ": ");
      for (size_t i = 0; i < it.pres.size(); ++i) dump_ << (i ? ", " : "") << it.pres[i].name;
      dump_ << " -> ";
      for (size_t i = 0; i < it.posts.size(); ++i) dump_ << (i ? ", " : "") << it.posts[i].name;
      dump_ << " with " << (it.synapse.present ? it.synapse.name : "(direct)");
      for (Arg &a : it.synapse.args)
        if (!a.name.empty()) dump_ << " " << a.name << ": " << a.value->type.str();
      dump_ << " by " << (it.connector.present ? it.connector.name : "all_to_all");
      if (it.delay) dump_ << " delay: " << it.delay->type.str();
      if (!it.onto.empty()) dump_ << " onto " << it.onto.back();
      dump_ << "\n";
      break;
    }
    case NetItemKind::Broadcast: {
      Symbol *sig = scope.find(it.name);
      if (!sig) {
        reportUndeclared(it.name, it.nameRange, scope);
      } else if (sig->kind != SymKind::Signal) {
        diags_.report(DiagId::not_a_signal, it.nameRange, {it.name});
      } else {
        sig->used = true;
      }
      for (LValue &lv : it.targets) {
        Symbol *owner = scope.find(lv.path[0]);
        if (!owner) {
          reportUndeclared(lv.path[0], lv.pathRanges[0], scope);
          continue;
        }
        if ((owner->kind != SymKind::Population && owner->kind != SymKind::Projection) || lv.path.size() != 2) {
          diags_.report(DiagId::not_a_projection_or_population, lv.pathRanges[0], {lv.path[0]});
          continue;
        }
        if (!owner->model) continue;
        Symbol *port = owner->model->scope.findLocal(lv.path[1]);
        if (!port) {
          memberOf(*owner->model, lv.path[1], lv.pathRanges[1], lv.path[0], 0);
          continue;
        }
        if (port->kind != SymKind::Port || port->portKind != "modulator") {
          std::string what = port->kind == SymKind::Port ? port->portKind + " input" : kindName(port->kind);
          diags_.report(DiagId::broadcast_target, lv.pathRanges[1], {lv.path[1], withArticle(what)});
          continue;
        }
        port->used = true;
        if (sig && sig->kind == SymKind::Signal) {
          Type value = typeOf(*sig), target = typeOf(*port);
          // A bool signal is sent as 0 or 1 onto a dimensionless input.
          if (value.kind == Type::Bool && target.kind == Type::Real && target.unit.dim.isDimensionless())
            value.kind = Type::Real;
          // A vector signal goes elementwise onto a population of its size.
          if (value.vectorSize && (owner->kind != SymKind::Population || value.vectorSize != owner->size)) {
            std::string what = owner->kind == SymKind::Population
                                   ? "a population of " + std::to_string(owner->size) + " neurons"
                                   : std::string("a connect");
            diags_.report(DiagId::broadcast_vector, lv.range, {it.name, std::to_string(value.vectorSize), lv.path[0], what});
            continue;
          }
          target.vectorSize = value.vectorSize;
          requireAssignable(target, value, lv.range, "broadcast of '" + it.name + "'");
        }
      }
      break;
    }
    case NetItemKind::Record: {
      for (RecordTarget &rt : it.records) {
        Symbol *s = popRef(rt.pop, ctx, true);
        if (!s) continue;
        if (!s->model) {
          if (rt.member != "spikes") diags_.report(DiagId::unknown_member, rt.memberRange, {rt.pop.name, rt.member});
          continue;
        }
        Type t = memberOf(*s->model, rt.member, rt.memberRange, rt.pop.name, 0);
        if (!t.isError()) dump_ << "  record " << rt.pop.name << "." << rt.member << ": " << t.str() << "\n";
      }
      if (it.every && expectDim(*it.every, ctx, timeDim(), DiagId::not_time, "a recording interval"))
        if (auto v = constValue(*it.every, ctx); v && *v <= 0)
          diags_.report(DiagId::not_positive, it.every->range, {"a recording interval", exprToString(*it.every)});
      bool fromOk = it.from && expectDim(*it.from, ctx, timeDim(), DiagId::not_time, "a recording start");
      bool toOk = it.to && expectDim(*it.to, ctx, timeDim(), DiagId::not_time, "a recording end");
      if (fromOk && it.from->type.isNumeric() && constValue(*it.from, ctx) && *constValue(*it.from, ctx) < 0)
        diags_.report(DiagId::not_positive, it.from->range, {"a recording start", exprToString(*it.from)});
      if (fromOk && toOk && it.from->type.isNumeric() && it.to->type.isNumeric()) {
        auto a = constValue(*it.from, ctx), b = constValue(*it.to, ctx);
        if (a && b && *b <= *a)
          diags_.report(DiagId::record_window, it.to->range, {exprToString(*it.to), exprToString(*it.from)});
      }
      break;
    }
    case NetItemKind::Run: {
      if (run) {
        diags_.report(DiagId::run_repeated, it.range);
        break;
      }
      run = &it;
      if (expectDim(*it.value, ctx, timeDim(), DiagId::not_time, "the run duration"))
        if (auto v = constValue(*it.value, ctx); v && *v <= 0)
          diags_.report(DiagId::not_positive, it.value->range, {"the run duration", exprToString(*it.value)});
      std::set<std::string> seen;
      for (Arg &o : it.options) {
        if (!seen.insert(o.name).second) {
          diags_.report(DiagId::duplicate_argument, o.nameRange, {o.name});
          continue;
        }
        if (o.name == "dt") {
          if (expectDim(*o.value, ctx, timeDim(), DiagId::not_time, "dt"))
            if (auto v = constValue(*o.value, ctx); v && *v <= 0)
              diags_.report(DiagId::not_positive, o.value->range, {"dt", exprToString(*o.value)});
        } else if (o.name == "seed") {
          Type t = check(*o.value, ctx);
          if (!t.isError() && t.kind != Type::Int) diags_.report(DiagId::not_integer, o.value->range, {"seed", t.str()});
        } else if (o.name == "method") {
          std::string list;
          for (size_t i = 0; i < kMethods.size(); ++i) list += (i ? ", " : "") + kMethods[i];
          if (o.value->kind != ExprKind::Name ||
              std::find(kMethods.begin(), kMethods.end(), o.value->text) == kMethods.end())
            diags_.report(DiagId::unknown_method, o.value->range, {exprToString(*o.value), list});
        } else {
          diags_.report(DiagId::unknown_run_option, o.nameRange, {o.name});
        }
      }
      dump_ << "  run: " << it.value->type.str() << "\n";
      break;
    }
    }
  }
}

// ------------------------------------------------------------------ dump

void Sema::dumpModel(const ModelInfo &m) {
  for (const Symbol *s : m.members) {
    dump_ << "  ";
    switch (s->kind) {
    case SymKind::Port: dump_ << "input " << s->portKind << " " << s->name; break;
    case SymKind::Segment: dump_ << "segment " << s->name << "[" << s->size << "]"; break;
    default: dump_ << kindName(s->kind) << " " << s->name; break;
    }
    if (s->kind != SymKind::Segment) {
      dump_ << ": " << (s->generic ? "quantity" : s->type.str());
      if (s->type.kind == Type::Real && !s->type.unit.dim.isDimensionless())
        dump_ << " [" << s->type.unit.canonical() << "]";
    }
    dump_ << "\n";
    if (s->kind == SymKind::Segment && s->model) {
      for (const Symbol *ss : s->model->members)
        dump_ << "    " << kindName(ss->kind) << " " << ss->name << ": " << ss->type.str() << "\n";
    }
  }
  if (!m.items) return;
  for (const ModelItem &it : *m.items) {
    if (it.kind == ItemKind::Dynamics) {
      for (const StmtPtr &st : it.stmts)
        if (st->kind == StmtKind::Ode) {
          dump_ << "  ode " << st->name << "': " << st->value->type.str();
          if (st->value->type.kind == Type::Real) dump_ << " [" << st->value->type.unit.canonical() << "]";
          dump_ << "\n";
        }
    } else if (it.kind == ItemKind::Threshold) {
      dump_ << "  threshold: " << it.expr->type.str() << "\n";
    } else if (it.kind == ItemKind::Refractory) {
      dump_ << "  refractory: " << it.expr->type.str() << "\n";
    } else if (it.kind == ItemKind::Reset) {
      dump_ << "  reset" << (it.word.empty() ? "" : " " + it.word) << "\n";
    } else if (it.kind == ItemKind::On) {
      dump_ << "  on " << it.word << (it.name.empty() ? "" : " " + it.name) << "\n";
    }
  }
  if (m.delivers) dump_ << "  delivers to its target\n";
}

// ------------------------------------------------------------------ driver

SemaResult Sema::run(const std::vector<SemaModuleInput> &modules) {
  std::map<const Module *, Scope *> moduleScopes;
  std::map<const Module *, std::vector<Symbol *>> exported;
  std::vector<std::pair<ModelInfo *, Module *>> models;
  std::vector<std::pair<NetworkDef *, Scope *>> networks;
  std::vector<Symbol *> functions, consts;

  // Check 1 at module level: definitions and imports.
  for (const SemaModuleInput &in : modules) {
    scopes_.emplace_back();
    Scope &scope = scopes_.back();
    scope.parent = &builtins_;
    moduleScopes[in.module] = &scope;
    for (const Module *dep : in.imports)
      for (Symbol *s : exported[dep]) {
        if (Symbol *prev = scope.findLocal(s->name); prev && prev != s) {
          diags_.report(DiagId::duplicate_definition, s->range, {s->name});
          diags_.report(DiagId::note_previous, prev->range, {s->name});
          continue;
        }
        scope.names[s->name] = s;
      }
    Ctx ctx;
    ctx.scope = &scope;
    for (Definition &d : in.module->defs) {
      Symbol *s = nullptr;
      switch (d.kind) {
      case DefKind::Import: continue;
      case DefKind::Neuron:
      case DefKind::Synapse: {
        s = newSymbol(d.kind == DefKind::Neuron ? SymKind::Neuron : SymKind::Synapse, d.model->name, d.model->nameRange);
        models_.emplace_back();
        ModelInfo &info = models_.back();
        info.def = d.model.get();
        info.name = d.model->name;
        info.isSynapse = d.model->isSynapse;
        info.scope.parent = &scope;
        s->model = &info;
        models.push_back({&info, in.module});
        break;
      }
      case DefKind::Network:
        s = newSymbol(SymKind::Network, d.network->name, d.network->nameRange);
        networks.push_back({d.network.get(), &scope});
        break;
      case DefKind::Function:
        s = newSymbol(SymKind::Function, d.function->name, d.function->nameRange);
        s->function = d.function.get();
        s->ctx = ctx;
        functions.push_back(s);
        break;
      case DefKind::Const:
        s = newSymbol(SymKind::Const, d.constant->name, d.constant->nameRange);
        s->init = d.constant->value.get();
        s->declType = d.constant->type ? &*d.constant->type : nullptr;
        s->ctx = ctx;
        consts.push_back(s);
        break;
      }
      if (Symbol *prev = scope.findLocal(s->name)) {
        diags_.report(DiagId::duplicate_definition, s->range, {s->name});
        diags_.report(DiagId::note_previous, prev->range, {s->name});
        continue;
      }
      scope.names[s->name] = s;
      if (s->kind != SymKind::Network) exported[in.module].push_back(s);
    }
  }

  for (Symbol *c : consts) typeOf(*c);
  for (Symbol *f : functions) {
    checkFunction(*f);
    ++result_.functions;
  }
  for (auto &[info, module] : models) declareModel(*info, info->def->items, info->isSynapse ? "synapse" : "neuron");
  for (auto &[info, module] : models) {
    Ctx ctx;
    ctx.inSynapse = info->isSynapse;
    checkModelItems(*info, info->def->items, ctx);
    info->isSynapse ? ++result_.synapses : ++result_.neurons;
  }
  for (auto &[net, scope] : networks) {
    checkNetwork(*net, *scope);
    ++result_.networks;
  }
  for (auto &[info, module] : models) warnUnused(*info);

  // The summary, in source order, models first.
  std::ostringstream head;
  for (Symbol *c : consts) head << "const " << c->name << ": " << c->type.str() << "\n";
  for (Symbol *f : functions) head << "function " << f->name << ": " << f->type.str() << "\n";
  std::string networksText = dump_.str();
  dump_.str("");
  for (auto &[info, module] : models) {
    dump_ << (info->isSynapse ? "synapse " : "neuron ") << info->name << "\n";
    dumpModel(*info);
  }
  result_.summary = head.str() + dump_.str() + networksText;

  // The typed view later stages lower from.
  for (auto &[info, module] : models) {
    ModelSummary ms;
    ms.def = info->def;
    // A segment carries its own members (one level: segments do not nest).
    std::function<void(const ModelInfo &, std::vector<MemberInfo> &)> membersOf =
        [&](const ModelInfo &owner, std::vector<MemberInfo> &out) {
          for (Symbol *s : owner.members) {
            MemberInfo m;
            switch (s->kind) {
            case SymKind::Param: m.kind = MemberInfo::Param; break;
            case SymKind::State: m.kind = MemberInfo::State; break;
            case SymKind::Internal: m.kind = MemberInfo::Internal; break;
            case SymKind::Port: m.kind = MemberInfo::Input; break;
            case SymKind::Alias: m.kind = MemberInfo::Alias; break;
            case SymKind::Segment: m.kind = MemberInfo::Segment; break;
            default: continue;
            }
            m.name = s->name;
            m.type = s->type;
            m.inputKind = s->portKind;
            m.init = s->init;
            m.generic = s->generic;
            m.range = s->range;
            if (s->kind == SymKind::Segment && s->model) {
              m.segmentSize = s->size;
              m.segmentItem = s->model->segmentItem;
              membersOf(*s->model, m.segmentMembers);
            }
            out.push_back(std::move(m));
          }
        };
    membersOf(*info, ms.members);
    for (Symbol *f : info->functions) {
      MemberInfo m;
      m.kind = MemberInfo::Function;
      m.name = f->name;
      m.type = f->type;
      m.function = f->function;
      m.range = f->range;
      ms.members.push_back(std::move(m));
    }
    result_.models.push_back(std::move(ms));
  }
  for (auto &[net, scope] : networks)
    result_.networkDefs.push_back({net, !modules.empty() && scope == moduleScopes[modules.back().module]});
  for (Symbol *c : consts) result_.globals.push_back({c->name, c->type, c->init, nullptr});
  for (Symbol *f : functions) result_.globals.push_back({f->name, f->type, nullptr, f->function});
  return result_;
}

} // namespace

SemaResult analyzeProgram(const std::vector<SemaModuleInput> &modules, DiagnosticEngine &diags) {
  return Sema(diags).run(modules);
}

} // namespace soma
