#include "CodeGen.h"

#include "ConstEval.h"
#include "Jit.h"
#include "KernelABI.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

namespace soma::cpu {

using ir::EventBlock;
using ir::Method;
using ir::Model;
using ir::Node;
using ir::NodeRef;
using ir::Ode;
using ir::Op;
using ir::Stmt;
using ir::StmtList;
using ir::Subsystem;
using ir::Unsupported;
using ir::isConst;

// ------------------------------------------------------------------ what is supported

namespace {

struct BuiltinInfo {
  unsigned arity;
};

const std::map<std::string, BuiltinInfo> &builtins() {
  static const std::map<std::string, BuiltinInfo> table = {
      {"exp", {1}},   {"log", {1}},   {"sqrt", {1}},  {"abs", {1}},     {"sin", {1}},   {"cos", {1}},
      {"tan", {1}},   {"tanh", {1}},  {"sinh", {1}},  {"cosh", {1}},    {"asin", {1}},  {"acos", {1}},
      {"atan", {1}},  {"log10", {1}}, {"log2", {1}},  {"erf", {1}},     {"floor", {1}}, {"ceil", {1}},
      {"round", {1}}, {"sigmoid", {1}}, {"min", {2}}, {"max", {2}},     {"atan2", {2}}, {"pow", {2}},
      {"clip", {3}},
  };
  return table;
}

/// First problem inside an expression (endpoints, unknown calls), or "".
std::string unsupportedIn(const NodeRef &n) {
  if (n->op == Op::PreState || n->op == Op::PostState)
    return std::string("'") + (n->op == Op::PreState ? "pre." : "post.") + n->name + "' in a neuron";
  if (n->op == Op::Call) {
    auto it = builtins().find(n->name);
    if (it == builtins().end() || it->second.arity != n->args.size()) return "function '" + n->name + "'";
  }
  if (n->op == Op::PreIndex || n->op == Op::PostIndex || n->op == Op::Distribution || n->op == Op::PopulationMember)
    return "a network expression in a neuron";
  if (n->op == Op::Random && n->name != "random_uniform" && n->name != "random_normal")
    return "random draw '" + n->name + "'";
  for (const NodeRef &a : n->args) {
    std::string w = unsupportedIn(a);
    if (!w.empty()) return w;
  }
  return "";
}

/// What one segment's value (a segment threshold, the element of a reduction over segment
/// array g) reads that the cpu target cannot: anything but g's inputs and values fixed
/// before the run. "" when fine.
std::string unsupportedInSegment(const NodeRef &n, const Model &m, int g) {
  switch (n->op) {
  case Op::State: return "the state '" + m.states[size_t(n->index)].name + "' in a segment's value";
  case Op::Time: return "'t' in a segment's value";
  case Op::Random: return "a random draw in a segment's value";
  case Op::Input:
    if (m.inputs[size_t(n->index)].segment != g)
      return "the input '" + m.inputs[size_t(n->index)].name + "' in a value of segment '" + m.segments[size_t(g)].name + "'";
    return "";
  case Op::SegmentReduce: return "a reduction over segments inside a segment's value";
  default: break;
  }
  for (const NodeRef &a : n->args)
    if (std::string w = unsupportedInSegment(a, m, g); !w.empty()) return w;
  return "";
}

/// Segment values in an expression of the neuron: reductions whose element is fine, and no
/// segment input outside one.
std::string unsupportedSegments(const NodeRef &n, const Model &m) {
  if (n->op == Op::SegmentReduce) {
    static const std::set<std::string> fns = {"any", "all", "count", "sum", "mean", "min", "max"};
    if (!fns.count(n->name)) return "reduction '" + n->name + "' over segments";
    return unsupportedInSegment(n->args[0], m, n->index);
  }
  if (n->op == Op::Input && m.inputs[size_t(n->index)].segment >= 0)
    return "the segment input '" + m.inputs[size_t(n->index)].name + "' outside a reduction";
  for (const NodeRef &a : n->args)
    if (std::string w = unsupportedSegments(a, m); !w.empty()) return w;
  return "";
}

void checkStmts(const StmtList &list, const Model &m, std::vector<CodegenError> &out) {
  for (const Stmt &s : list) {
    switch (s.kind) {
    case Stmt::Deliver: out.push_back({"'deliver'", s.range}); break;
    case Stmt::Assign:
      if (s.targetOp != Op::State || s.target < 0 || size_t(s.target) >= m.states.size())
        out.push_back({"assignment to '" + std::string(s.targetOp == Op::PreState ? "pre." : "post.") +
                           s.targetName + "'",
                       s.range});
      else if (std::string w = unsupportedIn(s.value); !w.empty())
        out.push_back({w, s.range});
      else if (std::string v = unsupportedSegments(s.value, m); !v.empty())
        out.push_back({v, s.range});
      break;
    case Stmt::If:
      if (std::string w = unsupportedIn(s.value); !w.empty()) out.push_back({w, s.range});
      else if (std::string v = unsupportedSegments(s.value, m); !v.empty()) out.push_back({v, s.range});
      checkStmts(s.thenBody, m, out);
      checkStmts(s.elseBody, m, out);
      break;
    }
  }
}

SourceRange odeRange(const Model &m, int state) {
  for (const Ode &o : m.odes)
    if (o.state == state) return o.range;
  return m.range;
}

} // namespace

std::vector<CodegenError> checkSupported(const Model &m) {
  std::vector<CodegenError> out;
  if (m.isSynapse) {
    out.push_back({"synapse '" + m.name + "'", m.range});
    return out;
  }
  for (const Unsupported &u : m.unsupported) out.push_back({u.what, u.range});
  for (const Subsystem &s : m.subsystems) {
    bool known = s.method == Method::Exact || s.method == Method::Euler || s.method == Method::RK4 ||
                 s.method == Method::RKF45 || s.method == Method::ExpEuler || s.method == Method::Implicit;
    if (known) continue;
    out.push_back({std::string("integration method '") + methodName(s.method) + "'",
                   s.states.empty() ? m.range : odeRange(m, s.states[0])});
  }
  for (const Ode &o : m.odes)
    if (std::string w = unsupportedIn(o.rhs); !w.empty()) out.push_back({w, o.range});
    else if (std::string v = unsupportedSegments(o.rhs, m); !v.empty()) out.push_back({v, o.range});
  if (m.threshold)
    if (std::string w = unsupportedIn(m.threshold) + unsupportedSegments(m.threshold, m); !w.empty())
      out.push_back({w + " in the threshold", m.range});
  if (m.refractory)
    if (std::string w = unsupportedIn(m.refractory) + unsupportedSegments(m.refractory, m); !w.empty())
      out.push_back({w + " in the refractory period", m.range});
  for (size_t g = 0; g < m.segments.size(); ++g) {
    const ir::Segment &sg = m.segments[g];
    if (sg.size <= 0) out.push_back({"segment '" + sg.name + "' without a size", sg.range});
    if (sg.threshold)
      if (std::string w = unsupportedIn(sg.threshold) + unsupportedInSegment(sg.threshold, m, int(g)); !w.empty())
        out.push_back({w + " in the threshold of segment '" + sg.name + "'", sg.range});
  }
  checkStmts(m.reset, m, out);
  checkStmts(m.update, m, out);
  if (!m.continuous.empty()) out.push_back({"a 'continuous' block", m.continuous.front().range});
  for (const EventBlock &e : m.events) out.push_back({"an 'on " + e.kind + "' block", e.range});
  return out;
}

std::vector<std::optional<double>> resolveInternals(const KernelSpec &spec) {
  if (!spec.internals.empty()) return spec.internals;
  const Model &m = *spec.model;
  std::vector<std::optional<double>> params = spec.params;
  params.resize(m.params.size());
  return evaluateInternals(m, params, spec.dt);
}

// ------------------------------------------------------------------ code generation

namespace {

using llvm::BasicBlock;
using llvm::ConstantFP;
using llvm::Value;

class KernelBuilder {
public:
  KernelBuilder(llvm::LLVMContext &ctx, llvm::Module &mod, const KernelSpec &spec)
      : C(ctx), M(mod), B(ctx), spec(spec), m(*spec.model) {
    f64 = B.getDoubleTy();
    i64 = B.getInt64Ty();
    i32 = B.getInt32Ty();
    i8 = B.getInt8Ty();
    i1 = B.getInt1Ty();
    ptr = B.getPtrTy();
  }

  std::vector<CodegenError> build(const std::string &name, llvm::TargetMachine &tm);

private:
  // ---- environment of one expression evaluation
  struct Env {
    std::vector<Value *> states;   // bound SSA values; null: read the state's slot
    Value *time = nullptr;
    std::unordered_map<const Node *, Value *> values, conds;
  };

  Value *num(double v) { return ConstantFP::get(f64, v); }
  Value *value(const NodeRef &n, Env &env);
  Value *cond(const NodeRef &n, Env &env);
  Value *valueUncached(const NodeRef &n, Env &env);
  Value *callBuiltin(const std::string &fn, std::vector<Value *> args);
  Value *libm(const char *name, std::vector<Value *> args);
  Value *powValue(Value *x, const NodeRef &exponent, Env &env);
  Value *random(const Node &n);

  // ---- per-neuron loads (emitted at the top of the neuron's body, on first use)
  Value *perNeuronLoad(Value *base, llvm::MDNode *scope, const char *name);
  Value *paramValue(int p);
  Value *internalValue(int k);
  Value *inputValue(int k);
  void segments(Value *jInChunk);

  // ---- noalias scopes: one per array the neuron loop touches
  llvm::MDNode *newScope(const std::string &name);
  void tag(llvm::Instruction *inst, llvm::MDNode *scope);
  llvm::MDNode *noaliasFor(llvm::MDNode *scope);

  // ---- the parts of one neuron's step
  Env stateEnv(Value *time) {
    Env e;
    e.states.assign(m.states.size(), nullptr);
    e.time = time;
    return e;
  }
  void emitStmts(const StmtList &list);
  void propagate(std::vector<Value *> &old, std::vector<Value *> &result);
  void exactSubsystem(size_t s, const Subsystem &sub, std::vector<Value *> &old, std::vector<Value *> &result);
  void numericSubsystem(const Subsystem &sub, std::vector<Value *> &old, std::vector<Value *> &result);
  using Vec = std::vector<Value *>;
  using RhsFn = std::function<Vec(Value *time, const Vec &x)>;
  Vec expEuler(const Subsystem &sub, const std::vector<const Ode *> &odes, const Vec &old, const Vec &x0);
  Vec rosenbrock(const Subsystem &sub, const Vec &old, const Vec &x0, const RhsFn &rhs);
  Vec dormandPrince(const Vec &x0, const RhsFn &rhs);
  Value *refractorySteps();
  void consume(Value *p, Value *loaded, llvm::MDNode *scope);
  Value *readInput(Value *base, Value *index, size_t k);
  Value *loadField(Value *base, size_t offset, llvm::Type *ty, const char *name);

  llvm::LLVMContext &C;
  llvm::Module &M;
  llvm::IRBuilder<> B;
  const KernelSpec &spec;
  const Model &m;
  llvm::Type *f64, *i64, *i32, *i8, *i1, *ptr;
  llvm::Function *F = nullptr;

  std::vector<std::optional<double>> params, internals;
  std::vector<Arrivals> jumps, inputs;
  std::vector<PropagatorSpec> props;

  // function-level values
  Value *pop = nullptr, *stepArg = nullptr, *seed = nullptr, *stream = nullptr;
  std::vector<Value *> stateBase, paramBase, internalBase, inputBase, jumpBase, propBase;
  Value *refrBase = nullptr;
  std::vector<Value *> jumpChunkBase;   // per chunk: jump array + cb, or the +0.0 buffer
  std::vector<Value *> inputChunkBase;  // likewise for inputs
  llvm::GlobalVariable *noJumps = nullptr;
  llvm::GlobalVariable *noSegments = nullptr;  // a row of +0.0 for a NULL segment input

  // alias scopes
  llvm::MDNode *domain = nullptr;
  std::vector<llvm::MDNode *> allScopes;
  std::vector<llvm::MDNode *> stateScope, paramScope, internalScope, inputScope, jumpScope, propScope;
  llvm::MDNode *refrScope = nullptr;
  std::map<llvm::MDNode *, llvm::MDNode *> noaliasCache;

  // per-neuron values
  Value *idx = nullptr;                 // global neuron index i (i64)
  BasicBlock *neuronEntry = nullptr;    // first block of the neuron's body (loads go here)
  std::vector<Value *> paramVals, internalVals, inputVals;
  std::vector<Value *> segmentElement;  // per input: one segment's value, inside a segment loop
  std::vector<std::pair<const Node *, Value *>> segmentValues; // reductions, computed first
  std::vector<llvm::AllocaInst *> slots; // one per state
  Value *tk = nullptr, *tk1 = nullptr;
  std::vector<CodegenError> errors;
};

llvm::MDNode *KernelBuilder::newScope(const std::string &name) {
  llvm::MDBuilder mdb(C);
  llvm::MDNode *s = mdb.createAnonymousAliasScope(domain, name);
  allScopes.push_back(s);
  return s;
}

llvm::MDNode *KernelBuilder::noaliasFor(llvm::MDNode *scope) {
  auto &cached = noaliasCache[scope];
  if (!cached) {
    std::vector<llvm::Metadata *> others;
    for (llvm::MDNode *s : allScopes)
      if (s != scope) others.push_back(s);
    cached = llvm::MDNode::get(C, others);
  }
  return cached;
}

void KernelBuilder::tag(llvm::Instruction *inst, llvm::MDNode *scope) {
  inst->setMetadata(llvm::LLVMContext::MD_alias_scope, llvm::MDNode::get(C, {scope}));
  inst->setMetadata(llvm::LLVMContext::MD_noalias, noaliasFor(scope));
}

Value *KernelBuilder::loadField(Value *base, size_t offset, llvm::Type *ty, const char *name) {
  Value *p = B.CreateConstInBoundsGEP1_64(i8, base, offset);
  return B.CreateLoad(ty, p, name);
}

Value *KernelBuilder::perNeuronLoad(Value *base, llvm::MDNode *scope, const char *name) {
  llvm::IRBuilder<> pre(neuronEntry->getTerminator());
  Value *p = pre.CreateInBoundsGEP(f64, base, idx);
  llvm::LoadInst *l = pre.CreateLoad(f64, p, name);
  tag(l, scope);
  return l;
}

Value *KernelBuilder::paramValue(int p) {
  if (params[p]) return num(*params[p]);
  if (!paramVals[p]) paramVals[p] = perNeuronLoad(paramBase[p], paramScope[p], m.params[p].name.c_str());
  return paramVals[p];
}

Value *KernelBuilder::internalValue(int k) {
  if (internals[k]) return num(*internals[k]);
  if (!internalVals[k])
    internalVals[k] = perNeuronLoad(internalBase[k], internalScope[k], m.internals[k].name.c_str());
  return internalVals[k];
}

Value *KernelBuilder::inputValue(int k) {
  if (m.inputs[k].segment >= 0) return segmentElement[k] ? segmentElement[k] : num(0.0);
  if (!inputChunkBase[k]) return num(0.0); // absent: no arrivals
  return inputVals[k]; // loaded (and consumed) at the top of the neuron's body
}

Value *KernelBuilder::libm(const char *name, std::vector<Value *> args) {
  std::vector<llvm::Type *> types(args.size(), f64);
  llvm::FunctionCallee callee = M.getOrInsertFunction(name, llvm::FunctionType::get(f64, types, false));
  if (auto *fn = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    // Pure for our purposes: errno is never read, so calls may be hoisted and merged.
    fn->setDoesNotAccessMemory();
    fn->setDoesNotThrow();
    fn->setWillReturn();
  }
  return B.CreateCall(callee, args);
}

Value *KernelBuilder::callBuiltin(const std::string &fn, std::vector<Value *> a) {
  using llvm::Intrinsic::ID;
  static const std::map<std::string, ID> unaryIntrinsics = {
      {"exp", llvm::Intrinsic::exp},     {"log", llvm::Intrinsic::log},     {"sqrt", llvm::Intrinsic::sqrt},
      {"sin", llvm::Intrinsic::sin},     {"cos", llvm::Intrinsic::cos},     {"abs", llvm::Intrinsic::fabs},
      {"floor", llvm::Intrinsic::floor}, {"ceil", llvm::Intrinsic::ceil},   {"round", llvm::Intrinsic::round},
  };
  if (auto it = unaryIntrinsics.find(fn); it != unaryIntrinsics.end()) return B.CreateUnaryIntrinsic(it->second, a[0]);
  if (fn == "sigmoid") {
    Value *e = B.CreateUnaryIntrinsic(llvm::Intrinsic::exp, B.CreateFNeg(a[0]));
    return B.CreateFDiv(num(1), B.CreateFAdd(num(1), e));
  }
  if (fn == "min") return B.CreateBinaryIntrinsic(llvm::Intrinsic::minimum, a[0], a[1]);
  if (fn == "max") return B.CreateBinaryIntrinsic(llvm::Intrinsic::maximum, a[0], a[1]);
  if (fn == "clip")
    return B.CreateBinaryIntrinsic(llvm::Intrinsic::minimum,
                                   B.CreateBinaryIntrinsic(llvm::Intrinsic::maximum, a[0], a[1]), a[2]);
  if (fn == "pow") return B.CreateBinaryIntrinsic(llvm::Intrinsic::pow, a[0], a[1]);
  // tan tanh sinh cosh asin acos atan log10 log2 erf atan2: the C library.
  return libm(fn.c_str(), std::move(a));
}

Value *KernelBuilder::powValue(Value *x, const NodeRef &e, Env &env) {
  if (e->op == Op::Const) {
    double y = e->value;
    if (y == 2) return B.CreateFMul(x, x);
    if (y == 3) return B.CreateFMul(B.CreateFMul(x, x), x);
    if (y == 4) {
      Value *x2 = B.CreateFMul(x, x);
      return B.CreateFMul(x2, x2);
    }
  }
  return B.CreateBinaryIntrinsic(llvm::Intrinsic::pow, x, value(e, env));
}

Value *KernelBuilder::random(const Node &n) {
  const char *name = n.name == "random_normal" ? "soma_rt_normal" : "soma_rt_uniform";
  llvm::FunctionCallee callee =
      M.getOrInsertFunction(name, llvm::FunctionType::get(f64, {i64, i64, i64, i64, i32}, false));
  if (auto *fn = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    // A pure function of its arguments (counter-based generator).
    fn->setDoesNotAccessMemory();
    fn->setDoesNotThrow();
    fn->setWillReturn();
  }
  return B.CreateCall(callee, {seed, stream, idx, stepArg, B.getInt32(uint32_t(n.index))}, n.name);
}

Value *KernelBuilder::value(const NodeRef &n, Env &env) {
  auto it = env.values.find(n.get());
  if (it != env.values.end()) return it->second;
  Value *v = valueUncached(n, env);
  env.values[n.get()] = v;
  return v;
}

Value *KernelBuilder::valueUncached(const NodeRef &n, Env &env) {
  switch (n->op) {
  case Op::Const: return num(n->value);
  case Op::Param: return paramValue(n->index);
  case Op::Internal: return internalValue(n->index);
  case Op::Input: return inputValue(n->index);
  case Op::State:
    if (env.states[n->index]) return env.states[n->index];
    return B.CreateLoad(f64, slots[n->index], m.states[n->index].name);
  case Op::Time: return env.time;
  case Op::Dt: return num(spec.dt);
  case Op::PreState: case Op::PostState: return num(NAN); // rejected by checkSupported
  case Op::Random: return random(*n);
  case Op::Neg: return B.CreateFNeg(value(n->args[0], env));
  case Op::Add: return B.CreateFAdd(value(n->args[0], env), value(n->args[1], env));
  case Op::Sub: return B.CreateFSub(value(n->args[0], env), value(n->args[1], env));
  case Op::Mul: return B.CreateFMul(value(n->args[0], env), value(n->args[1], env));
  case Op::Div: {
    Value *a = value(n->args[0], env), *b = value(n->args[1], env);
    // By a constant: times its reciprocal (a division costs ~10 multiplications in a
    // vector loop; the result may differ in the last bit).
    if (auto *c = llvm::dyn_cast<llvm::ConstantFP>(b)) {
      double d = c->getValueAPF().convertToDouble(), r = 1 / d;
      if (std::isfinite(d) && d != 0 && std::isnormal(r)) return B.CreateFMul(a, num(r));
    }
    return B.CreateFDiv(a, b);
  }
  case Op::Mod: return B.CreateFRem(value(n->args[0], env), value(n->args[1], env));
  case Op::Pow: return powValue(value(n->args[0], env), n->args[1], env);
  case Op::Not: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: case Op::Eq: case Op::Ne: case Op::And:
  case Op::Or:
    return B.CreateSelect(cond(n, env), num(1), num(0));
  case Op::Select: {
    Value *c = cond(n->args[0], env);
    Value *a = value(n->args[1], env), *b = value(n->args[2], env);
    return B.CreateSelect(c, a, b);
  }
  case Op::Call: {
    std::vector<Value *> args;
    for (auto &a : n->args) args.push_back(value(a, env));
    return callBuiltin(n->name, std::move(args));
  }
  case Op::SegmentReduce: {
    // Computed at the top of the neuron's body (segments()); an equal copy made by a later
    // rewrite (substitute, derivative) finds its original by structure.
    std::function<bool(const Node &, const Node &)> same = [&](const Node &a, const Node &b) {
      if (&a == &b) return true;
      if (a.op != b.op || a.index != b.index || a.name != b.name || a.args.size() != b.args.size()) return false;
      if (a.op == Op::Const && !(a.value == b.value || (std::isnan(a.value) && std::isnan(b.value)))) return false;
      for (size_t q = 0; q < a.args.size(); ++q)
        if (!same(*a.args[q], *b.args[q])) return false;
      return true;
    };
    for (auto &[node, v] : segmentValues)
      if (same(*node, *n)) return v;
    return num(NAN); // not reached: segments() collects every reduction
  }
  default: break; // network expressions: rejected by checkSupported
  }
  return num(NAN);
}

/// Every segment array some reduction reads, or whose arrivals must be consumed: one loop
/// over its segments s = 0 .. size-1, in order, that loads each input entry [i*size + s]
/// (consuming it), evaluates the element of each reduction and folds it in. The reductions
/// are then values of the neuron for the rest of its step.
void KernelBuilder::segments(Value *) {
  // The reductions, in the order the model's expressions are walked.
  std::vector<std::vector<NodeRef>> reduces(m.segments.size());
  std::set<const Node *> seen;
  std::function<void(const NodeRef &)> walk = [&](const NodeRef &n) {
    if (!n) return;
    if (n->op == Op::SegmentReduce) {
      if (seen.insert(n.get()).second) reduces[size_t(n->index)].push_back(n);
      return;
    }
    for (const NodeRef &a : n->args) walk(a);
  };
  std::function<void(const StmtList &)> walkStmts = [&](const StmtList &list) {
    for (const Stmt &st : list) {
      walk(st.value);
      walkStmts(st.thenBody);
      walkStmts(st.elseBody);
    }
  };
  for (const Ode &o : m.odes) walk(o.rhs);
  for (const Subsystem &sub : m.subsystems) {
    for (auto &row : sub.A) for (auto &x : row) walk(x);
    for (auto &x : sub.b) walk(x);
    for (auto &row : sub.J) for (auto &x : row) walk(x);
    for (auto &x : sub.Jt) walk(x);
  }
  walk(m.threshold);
  walk(m.refractory);
  walkStmts(m.update);
  walkStmts(m.reset);

  segmentElement.assign(m.inputs.size(), nullptr);
  for (size_t g = 0; g < m.segments.size(); ++g) {
    const ir::Segment &sg = m.segments[g];
    bool consumes = false;
    for (int k : sg.inputs) consumes = consumes || inputs[size_t(k)] == Arrivals::Present;
    if (reduces[g].empty() && !consumes) continue;
    const uint64_t size = uint64_t(sg.size);
    // This neuron's row of each input array: [i*size, (i+1)*size); a NULL array checked at
    // run time reads a row of +0.0.
    std::vector<Value *> row(sg.inputs.size(), nullptr);
    for (size_t q = 0; q < sg.inputs.size(); ++q) {
      size_t k = size_t(sg.inputs[q]);
      if (!inputBase[k]) continue;
      Value *r = B.CreateInBoundsGEP(f64, inputBase[k], B.CreateMul(idx, B.getInt64(size)), m.inputs[k].name + ".row");
      if (inputs[k] == Arrivals::CheckAtRunTime) {
        if (!noSegments) {
          uint64_t most = 1;
          for (const ir::Segment &x : m.segments) most = std::max<uint64_t>(most, uint64_t(x.size));
          llvm::ArrayType *zt = llvm::ArrayType::get(f64, most);
          noSegments = new llvm::GlobalVariable(M, zt, true, llvm::GlobalValue::PrivateLinkage,
                                                llvm::ConstantAggregateZero::get(zt), "soma.no_segments");
        }
        r = B.CreateSelect(B.CreateIsNull(inputBase[k]), noSegments, r);
      }
      row[q] = r;
    }
    struct Acc {
      const Node *node;
      llvm::PHINode *phi;
      Value *next = nullptr;
    };
    BasicBlock *pre = B.GetInsertBlock();
    BasicBlock *loop = BasicBlock::Create(C, "segment." + sg.name, F);
    BasicBlock *after = BasicBlock::Create(C, "segment." + sg.name + ".end", F);
    B.CreateBr(loop);
    B.SetInsertPoint(loop);
    llvm::PHINode *s = B.CreatePHI(i64, 2, "s");
    s->addIncoming(B.getInt64(0), pre);
    std::vector<Acc> accs;
    for (const NodeRef &r : reduces[g]) {
      const std::string &fn = r->name;
      double init = fn == "all" ? 1 : fn == "min" ? std::numeric_limits<double>::infinity()
                    : fn == "max" ? -std::numeric_limits<double>::infinity() : 0;
      llvm::PHINode *phi = B.CreatePHI(f64, 2, fn + "." + sg.name);
      phi->addIncoming(num(init), pre);
      accs.push_back({r.get(), phi});
    }
    for (size_t q = 0; q < sg.inputs.size(); ++q) {
      size_t k = size_t(sg.inputs[q]);
      if (!row[q]) continue;
      segmentElement[k] = readInput(row[q], s, k);
    }
    for (size_t a = 0; a < accs.size(); ++a) {
      const NodeRef &r = reduces[g][a];
      Env env = stateEnv(tk1);
      const std::string &fn = r->name;
      Value *acc = accs[a].phi, *next;
      if (fn == "any") next = B.CreateSelect(cond(r->args[0], env), num(1), acc);
      else if (fn == "all") next = B.CreateSelect(cond(r->args[0], env), acc, num(0));
      else if (fn == "count") next = B.CreateFAdd(acc, B.CreateSelect(cond(r->args[0], env), num(1), num(0)));
      else if (fn == "min") next = B.CreateBinaryIntrinsic(llvm::Intrinsic::minimum, acc, value(r->args[0], env));
      else if (fn == "max") next = B.CreateBinaryIntrinsic(llvm::Intrinsic::maximum, acc, value(r->args[0], env));
      else next = B.CreateFAdd(acc, value(r->args[0], env)); // sum, mean
      accs[a].next = next;
    }
    Value *sNext = B.CreateAdd(s, B.getInt64(1), "s.next", true, true);
    BasicBlock *last = B.GetInsertBlock();
    s->addIncoming(sNext, last);
    for (Acc &a : accs) a.phi->addIncoming(a.next, last);
    B.CreateCondBr(B.CreateICmpULT(sNext, B.getInt64(size)), loop, after);
    B.SetInsertPoint(after);
    for (size_t q = 0; q < sg.inputs.size(); ++q) segmentElement[size_t(sg.inputs[q])] = nullptr;
    for (size_t a = 0; a < accs.size(); ++a) {
      Value *v = accs[a].next;
      if (reduces[g][a]->name == "mean") v = B.CreateFDiv(v, num(double(size)));
      segmentValues.push_back({accs[a].node, v});
    }
  }
}

Value *KernelBuilder::cond(const NodeRef &n, Env &env) {
  auto it = env.conds.find(n.get());
  if (it != env.conds.end()) return it->second;
  Value *c = nullptr;
  auto cmp = [&](llvm::CmpInst::Predicate p) {
    return B.CreateFCmp(p, value(n->args[0], env), value(n->args[1], env));
  };
  switch (n->op) {
  case Op::Const: c = B.getInt1(n->value != 0); break;
  case Op::Lt: c = cmp(llvm::CmpInst::FCMP_OLT); break;
  case Op::Le: c = cmp(llvm::CmpInst::FCMP_OLE); break;
  case Op::Gt: c = cmp(llvm::CmpInst::FCMP_OGT); break;
  case Op::Ge: c = cmp(llvm::CmpInst::FCMP_OGE); break;
  case Op::Eq: c = cmp(llvm::CmpInst::FCMP_OEQ); break;
  case Op::Ne: c = cmp(llvm::CmpInst::FCMP_UNE); break;
  case Op::And: c = B.CreateAnd(cond(n->args[0], env), cond(n->args[1], env)); break;
  case Op::Or: c = B.CreateOr(cond(n->args[0], env), cond(n->args[1], env)); break;
  case Op::Not: c = B.CreateNot(cond(n->args[0], env)); break;
  default: c = B.CreateFCmpUNE(value(n, env), num(0)); break; // C: NaN is true
  }
  env.conds[n.get()] = c;
  return c;
}

void KernelBuilder::emitStmts(const StmtList &list) {
  for (const Stmt &s : list) {
    if (s.kind == Stmt::Assign) {
      Env env = stateEnv(tk1);
      Value *v = value(s.value, env);
      B.CreateStore(v, slots[s.target]);
    } else if (s.kind == Stmt::If) {
      Env env = stateEnv(tk1);
      Value *c = cond(s.value, env);
      BasicBlock *thenBB = BasicBlock::Create(C, "if.then", F);
      BasicBlock *elseBB = s.elseBody.empty() ? nullptr : BasicBlock::Create(C, "if.else", F);
      BasicBlock *joinBB = BasicBlock::Create(C, "if.end", F);
      B.CreateCondBr(c, thenBB, elseBB ? elseBB : joinBB);
      B.SetInsertPoint(thenBB);
      emitStmts(s.thenBody);
      B.CreateBr(joinBB);
      if (elseBB) {
        B.SetInsertPoint(elseBB);
        emitStmts(s.elseBody);
        B.CreateBr(joinBB);
      }
      B.SetInsertPoint(joinBB);
    }
  }
}

void KernelBuilder::exactSubsystem(size_t s, const Subsystem &sub, std::vector<Value *> &old,
                                   std::vector<Value *> &result) {
  size_t n = sub.states.size();
  const PropagatorSpec &ps = props[s];
  // Which entries can be non-zero: P and Q follow the transitive closure of A's pattern.
  std::vector<std::vector<char>> reach(n, std::vector<char>(n, 0));
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < n; ++c) reach[r][c] = r == c || !isConst(sub.A[r][c], 0);
  for (size_t k = 0; k < n; ++k)
    for (size_t r = 0; r < n; ++r)
      for (size_t c = 0; c < n; ++c)
        if (reach[r][k] && reach[k][c]) reach[r][c] = 1;

  auto entry = [&](bool q, size_t r, size_t c) -> Value * {
    size_t k = r * n + c;
    if (ps.kind == PropagatorSpec::Folded) {
      double v = q ? ps.Q[k] : ps.P[k];
      return v == 0 ? nullptr : num(v);
    }
    if (!reach[r][c]) return nullptr;
    size_t offset = (q ? n * n : 0) + k;
    std::string entryName(q ? "Q" : "P");
    entryName += std::to_string(r);
    entryName += std::to_string(c);
    if (ps.kind == PropagatorSpec::Shared) {
      // Loop-invariant: loaded once, in the function's entry block.
      llvm::IRBuilder<> entryB(F->getEntryBlock().getTerminator());
      llvm::LoadInst *l = entryB.CreateLoad(f64, entryB.CreateConstInBoundsGEP1_64(f64, propBase[s], offset),
                                            entryName);
      tag(l, propScope[s]);
      return l;
    }
    llvm::IRBuilder<> pre(neuronEntry->getTerminator());
    Value *base = pre.CreateInBoundsGEP(f64, propBase[s], pre.CreateMul(idx, pre.getInt64(2 * n * n)));
    llvm::LoadInst *l = pre.CreateLoad(f64, pre.CreateConstInBoundsGEP1_64(f64, base, offset),
                                       entryName);
    tag(l, propScope[s]);
    return l;
  };

  Env env = stateEnv(tk);
  for (size_t k = 0; k < m.states.size(); ++k) env.states[k] = old[k];
  std::vector<Value *> b(n, nullptr);
  for (size_t c = 0; c < n; ++c)
    if (!isConst(sub.b[c], 0)) b[c] = value(sub.b[c], env);
  for (size_t r = 0; r < n; ++r) {
    Value *acc = nullptr;
    auto add = [&](Value *term) { acc = acc ? B.CreateFAdd(acc, term) : term; };
    for (size_t c = 0; c < n; ++c)
      if (Value *p = entry(false, r, c)) add(B.CreateFMul(p, old[sub.states[c]]));
    for (size_t c = 0; c < n; ++c)
      if (b[c])
        if (Value *q = entry(true, r, c)) add(B.CreateFMul(q, b[c]));
    result[sub.states[r]] = acc ? acc : num(0);
  }
}

void KernelBuilder::numericSubsystem(const Subsystem &sub, std::vector<Value *> &old, std::vector<Value *> &result) {
  size_t n = sub.states.size();
  std::vector<const Ode *> odes(n, nullptr);
  for (size_t r = 0; r < n; ++r)
    for (const Ode &o : m.odes)
      if (o.state == sub.states[r]) odes[r] = &o;
  const double h = spec.dt;
  // f(t, x): other states stay at their t_k values.
  RhsFn rhsAt = [&](Value *time, const Vec &x) {
    Env env = stateEnv(time);
    for (size_t k = 0; k < m.states.size(); ++k) env.states[k] = old[k];
    for (size_t r = 0; r < n; ++r) env.states[sub.states[r]] = x[r];
    Vec out(n);
    for (size_t r = 0; r < n; ++r) out[r] = odes[r] ? value(odes[r]->rhs, env) : num(0);
    return out;
  };
  // f(t_k + c h, x)
  auto rhs = [&](double c, const Vec &x) { return rhsAt(c == 0 ? tk : B.CreateFAdd(tk, num(c * h)), x); };
  Vec x0(n);
  for (size_t r = 0; r < n; ++r) x0[r] = old[sub.states[r]];
  auto axpy = [&](const Vec &x, double a, const Vec &k) {
    Vec y(n);
    for (size_t r = 0; r < n; ++r) y[r] = B.CreateFAdd(x[r], B.CreateFMul(num(a), k[r]));
    return y;
  };
  Vec x1;
  switch (sub.method) {
  case Method::Euler: x1 = axpy(x0, h, rhs(0, x0)); break;
  case Method::ExpEuler: x1 = expEuler(sub, odes, old, x0); break;
  case Method::Implicit: x1 = rosenbrock(sub, old, x0, rhsAt); break;
  case Method::RKF45: x1 = dormandPrince(x0, rhsAt); break;
  default: {
    // Classical RK4.
    Vec k1 = rhs(0, x0);
    Vec k2 = rhs(0.5, axpy(x0, h / 2, k1));
    Vec k3 = rhs(0.5, axpy(x0, h / 2, k2));
    Vec k4 = rhs(1, axpy(x0, h, k3));
    x1.resize(n);
    for (size_t r = 0; r < n; ++r) {
      Value *sum = B.CreateFAdd(B.CreateFAdd(B.CreateFAdd(k1[r], B.CreateFMul(num(2), k2[r])),
                                             B.CreateFMul(num(2), k3[r])),
                                k4[r]);
      x1[r] = B.CreateFAdd(x0[r], B.CreateFMul(num(h / 6), sum));
    }
  }
  }
  for (size_t r = 0; r < n; ++r) result[sub.states[r]] = x1[r];
}

// Exponential Euler (NEURON's cnexp, Brian's exponential_euler): each state on its own, with
// the others at t_k, x <- x + f * (exp(a h) - 1) / a where f = x' and a = d x'/d x at t_k.
// Exact for x' = a x + b with a, b constant over the step; first order otherwise. For
// |a h| < 1e-10, (exp(a h) - 1)/a = h (1 + a h / 2) to rounding; a state whose a is unknown
// or identically 0 takes an Euler step.
KernelBuilder::Vec KernelBuilder::expEuler(const Subsystem &sub, const std::vector<const Ode *> &odes,
                                           const Vec &old, const Vec &x0) {
  size_t n = sub.states.size();
  const double h = spec.dt;
  Env env = stateEnv(tk);
  for (size_t k = 0; k < m.states.size(); ++k) env.states[k] = old[k];
  Vec x1(n);
  for (size_t r = 0; r < n; ++r) {
    if (!odes[r]) {
      x1[r] = x0[r];
      continue;
    }
    Value *f = value(odes[r]->rhs, env);
    NodeRef a = r < sub.J.size() ? sub.J[r][r] : nullptr;
    if (!a || isConst(a, 0)) {
      x1[r] = B.CreateFAdd(x0[r], B.CreateFMul(num(h), f));
      continue;
    }
    Value *av = value(a, env);
    Value *z = B.CreateFMul(av, num(h), "a.dt");
    Value *phi = B.CreateFDiv(libm("expm1", {z}), av);          // (exp(a h) - 1) / a
    Value *near0 = B.CreateFMul(num(h), B.CreateFAdd(num(1), B.CreateFMul(num(0.5), z)));
    Value *tiny = B.CreateFCmpOLT(B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, z), num(1e-10));
    x1[r] = B.CreateFAdd(x0[r], B.CreateFMul(f, B.CreateSelect(tiny, near0, phi)),
                         m.states[sub.states[r]].name + ".expeuler");
  }
  return x1;
}

// Linearly implicit: the two-stage Rosenbrock method ROS2 (Verwer, Spee, Blom & Hundsdorfer
// 1999), gamma = 1 + 1/sqrt(2), with W = I - gamma h J, J the symbolic Jacobian at (t_k, x_k)
// and f_t the explicit time derivative of f there:
//   W k1 = f(t_k, x_k) + gamma h f_t
//   W k2 = f(t_k + h, x_k + h k1) - 2 k1 - gamma h f_t
//   x_{k+1} = x_k + 3/2 h k1 + 1/2 h k2
// L-stable and of order 2 for any J (a W-method), so an unknown Jacobian entry taken as 0
// costs stability, not order. W is factorised once per step (LU with partial pivoting,
// unrolled; structural zeros of J are skipped) and solved twice.
KernelBuilder::Vec KernelBuilder::rosenbrock(const Subsystem &sub, const Vec &old, const Vec &x0, const RhsFn &rhs) {
  size_t n = sub.states.size();
  const double h = spec.dt;
  const double gamma = 1 + 1 / std::sqrt(2.0);
  Env env = stateEnv(tk);
  for (size_t k = 0; k < m.states.size(); ++k) env.states[k] = old[k];
  // W = I - gamma h J; null: a structural zero.
  std::vector<Vec> W(n, Vec(n, nullptr));
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < n; ++c) {
      NodeRef j = r < sub.J.size() ? sub.J[r][c] : nullptr;
      bool zero = !j || isConst(j, 0);
      if (zero) {
        if (r == c) W[r][c] = num(1);
        continue;
      }
      Value *t = B.CreateFMul(num(-gamma * h), value(j, env));
      W[r][c] = r == c ? B.CreateFAdd(num(1), t) : t;
    }
  auto orZero = [&](Value *v) { return v ? v : num(0); };
  auto sel = [&](Value *c, Value *a, Value *b) -> Value * {
    if (!a && !b) return nullptr;
    return B.CreateSelect(c, orZero(a), orZero(b));
  };
  // Factorise in place: W = P^-1 L U; pivots[k][r] (r > k): row r was swapped with row k.
  std::vector<std::vector<Value *>> pivots(n, Vec(n, nullptr));
  std::vector<Vec> L(n, Vec(n, nullptr));
  for (size_t k = 0; k < n; ++k) {
    bool anyBelow = false;
    for (size_t r = k + 1; r < n; ++r) anyBelow = anyBelow || W[r][k];
    if (!anyBelow) continue;
    // the first row with the largest |W[r][k]|
    Value *best = B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, W[k][k]);
    Value *p = B.getInt32(int32_t(k));
    for (size_t r = k + 1; r < n; ++r) {
      if (!W[r][k]) continue;
      Value *mag = B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, W[r][k]);
      Value *gt = B.CreateFCmpOGT(mag, best);
      best = B.CreateSelect(gt, mag, best);
      p = B.CreateSelect(gt, B.getInt32(int32_t(r)), p);
    }
    for (size_t r = k + 1; r < n; ++r)
      if (W[r][k]) pivots[k][r] = B.CreateICmpEQ(p, B.getInt32(int32_t(r)));
    Vec rowK = W[k];
    for (size_t c = k; c < n; ++c) {
      Value *v = rowK[c];
      for (size_t r = k + 1; r < n; ++r)
        if (pivots[k][r]) v = sel(pivots[k][r], W[r][c], v);
      W[k][c] = v;
    }
    for (size_t r = k + 1; r < n; ++r)
      if (pivots[k][r])
        for (size_t c = k; c < n; ++c) W[r][c] = sel(pivots[k][r], rowK[c], W[r][c]);
    // eliminate below the pivot
    for (size_t r = k + 1; r < n; ++r) {
      if (!W[r][k]) continue;
      Value *l = B.CreateFDiv(W[r][k], W[k][k]);
      L[r][k] = l;
      for (size_t c = k + 1; c < n; ++c)
        if (W[k][c]) W[r][c] = W[r][c] ? B.CreateFSub(W[r][c], B.CreateFMul(l, W[k][c])) : B.CreateFNeg(B.CreateFMul(l, W[k][c]));
    }
  }
  auto solve = [&](Vec b) {
    for (size_t k = 0; k < n; ++k) {
      Value *bk = b[k];
      for (size_t r = k + 1; r < n; ++r)
        if (pivots[k][r]) bk = B.CreateSelect(pivots[k][r], b[r], bk);
      for (size_t r = k + 1; r < n; ++r)
        if (pivots[k][r]) b[r] = B.CreateSelect(pivots[k][r], b[k], b[r]);
      b[k] = bk;
      for (size_t r = k + 1; r < n; ++r)
        if (L[r][k]) b[r] = B.CreateFSub(b[r], B.CreateFMul(L[r][k], b[k]));
    }
    Vec x(n);
    for (size_t k = n; k-- > 0;) {
      Value *acc = b[k];
      for (size_t c = k + 1; c < n; ++c)
        if (W[k][c]) acc = B.CreateFSub(acc, B.CreateFMul(W[k][c], x[c]));
      x[k] = B.CreateFDiv(acc, W[k][k]);
    }
    return x;
  };
  // Explicit time dependence (t as a state with t' = 1): + gamma h f_t in the first stage,
  // - gamma h f_t in the second; without it the method drops to first order on stiff
  // time-driven equations.
  Vec ft(n, nullptr);
  for (size_t r = 0; r < n && r < sub.Jt.size(); ++r)
    if (sub.Jt[r] && !isConst(sub.Jt[r], 0)) ft[r] = B.CreateFMul(num(gamma * h), value(sub.Jt[r], env));
  Vec f0 = rhs(tk, x0);
  for (size_t r = 0; r < n; ++r)
    if (ft[r]) f0[r] = B.CreateFAdd(f0[r], ft[r]);
  Vec k1 = solve(f0);
  Vec y(n);
  for (size_t r = 0; r < n; ++r) y[r] = B.CreateFAdd(x0[r], B.CreateFMul(num(h), k1[r]));
  Vec f1 = rhs(tk1, y);
  Vec b2(n);
  for (size_t r = 0; r < n; ++r) {
    b2[r] = B.CreateFSub(f1[r], B.CreateFMul(num(2), k1[r]));
    if (ft[r]) b2[r] = B.CreateFSub(b2[r], ft[r]);
  }
  Vec k2 = solve(b2);
  Vec x1(n);
  for (size_t r = 0; r < n; ++r)
    x1[r] = B.CreateFAdd(x0[r], B.CreateFAdd(B.CreateFMul(num(1.5 * h), k1[r]), B.CreateFMul(num(0.5 * h), k2[r])),
                         m.states[sub.states[r]].name + ".ros2");
  return x1;
}

// Adaptive Dormand-Prince 5(4) (Hairer, Norsett & Wanner, Solving ODEs I, II.4-5) inside one
// step, per neuron: the first sub-step tries the whole dt; a sub-step is accepted when the
// RMS over the subsystem of err_i / (atol + rtol max(|x_i|, |x_i new|)) is <= 1 (NaN
// rejects); the next sub-step is h * clamp(0.9 err^(-1/5), 0.2, 5). The fifth-order solution
// is kept (local extrapolation; first-same-as-last reuses the last stage). After
// kRkf45MaxAttempts attempts without reaching t_{k+1} the subsystem's states become NaN, so
// the run stops with the non-finite-value error naming the neuron. Per neuron only, no
// state carried across steps: the result does not depend on the thread split.
KernelBuilder::Vec KernelBuilder::dormandPrince(const Vec &x0, const RhsFn &rhs) {
  size_t n = x0.size();
  const double dt = spec.dt;
  static const double a[7][6] = {
      {},
      {1.0 / 5},
      {3.0 / 40, 9.0 / 40},
      {44.0 / 45, -56.0 / 15, 32.0 / 9},
      {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
      {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
      {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
  };
  static const double c[7] = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
  // fifth minus fourth order weights
  static const double e[7] = {71.0 / 57600,     0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200,
                              22.0 / 525, -1.0 / 40};
  Vec k1First = rhs(tk, x0);
  BasicBlock *pre = B.GetInsertBlock();
  BasicBlock *loop = BasicBlock::Create(C, "rkf45.step", F);
  BasicBlock *exit = BasicBlock::Create(C, "rkf45.done", F);
  B.CreateBr(loop);
  B.SetInsertPoint(loop);
  llvm::PHINode *s = B.CreatePHI(f64, 2, "rkf45.s");          // time done within the step
  llvm::PHINode *h = B.CreatePHI(f64, 2, "rkf45.h");          // proposed sub-step
  llvm::PHINode *attempts = B.CreatePHI(i32, 2, "rkf45.attempts");
  std::vector<llvm::PHINode *> x(n), k1(n);
  for (size_t r = 0; r < n; ++r) {
    x[r] = B.CreatePHI(f64, 2, "rkf45.x");
    k1[r] = B.CreatePHI(f64, 2, "rkf45.k1");
  }
  s->addIncoming(num(0), pre);
  h->addIncoming(num(dt), pre);
  attempts->addIncoming(B.getInt32(0), pre);
  for (size_t r = 0; r < n; ++r) {
    x[r]->addIncoming(x0[r], pre);
    k1[r]->addIncoming(k1First[r], pre);
  }
  // Take the rest of the step when it is within 1 % of h (no sliver of a last sub-step).
  Value *rest = B.CreateFSub(num(dt), s, "rkf45.rest");
  Value *last = B.CreateFCmpOGE(B.CreateFMul(h, num(1.01)), rest, "rkf45.last");
  Value *hh = B.CreateSelect(last, rest, h, "rkf45.hh");
  Value *t0 = B.CreateFAdd(tk, s);
  std::vector<Vec> k(7);
  k[0].assign(k1.begin(), k1.end());
  Vec x5;
  for (int stage = 1; stage < 7; ++stage) {
    Vec y(n);
    for (size_t r = 0; r < n; ++r) {
      Value *acc = nullptr;
      for (int j = 0; j < stage; ++j) {
        if (a[stage][j] == 0) continue;
        Value *term = B.CreateFMul(num(a[stage][j]), k[j][r]);
        acc = acc ? B.CreateFAdd(acc, term) : term;
      }
      y[r] = B.CreateFAdd(x[r], B.CreateFMul(hh, acc));
    }
    if (stage == 6) x5 = y;
    Value *ts = c[stage] == 1 ? B.CreateFAdd(t0, hh) : B.CreateFAdd(t0, B.CreateFMul(num(c[stage]), hh));
    k[stage] = rhs(ts, y);
  }
  Value *sumSq = num(0);
  for (size_t r = 0; r < n; ++r) {
    Value *acc = nullptr;
    for (int j = 0; j < 7; ++j) {
      if (e[j] == 0) continue;
      Value *term = B.CreateFMul(num(e[j]), k[j][r]);
      acc = acc ? B.CreateFAdd(acc, term) : term;
    }
    Value *err = B.CreateFMul(hh, acc);
    Value *mag = B.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x[r]),
                                         B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x5[r]));
    Value *scale = B.CreateFAdd(num(ir::kRkf45Atol), B.CreateFMul(num(ir::kRkf45Rtol), mag));
    Value *q = B.CreateFDiv(err, scale);
    sumSq = B.CreateFAdd(sumSq, B.CreateFMul(q, q));
  }
  Value *errNorm = B.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, B.CreateFMul(sumSq, num(1.0 / double(n))), nullptr, "rkf45.err");
  Value *accept = B.CreateFCmpOLE(errNorm, num(1), "rkf45.accept");
  Value *fac = B.CreateFMul(num(0.9), B.CreateBinaryIntrinsic(llvm::Intrinsic::pow, errNorm, num(-0.2)));
  fac = B.CreateSelect(B.CreateFCmpOGE(fac, num(0.2)), fac, num(0.2)); // NaN: shrink
  fac = B.CreateSelect(B.CreateFCmpOGT(fac, num(5)), num(5), fac);
  Value *done = B.CreateAnd(accept, last, "rkf45.reached");
  Value *attemptsNext = B.CreateAdd(attempts, B.getInt32(1));
  Value *giveUp = B.CreateICmpSGE(attemptsNext, B.getInt32(ir::kRkf45MaxAttempts));
  BasicBlock *latch = B.GetInsertBlock();
  s->addIncoming(B.CreateSelect(accept, B.CreateFAdd(s, hh), s), latch);
  h->addIncoming(B.CreateFMul(hh, fac), latch);
  attempts->addIncoming(attemptsNext, latch);
  for (size_t r = 0; r < n; ++r) {
    x[r]->addIncoming(B.CreateSelect(accept, x5[r], x[r]), latch);
    k1[r]->addIncoming(B.CreateSelect(accept, k[6][r], k1[r]), latch);
  }
  B.CreateCondBr(B.CreateOr(done, giveUp), exit, loop);
  B.SetInsertPoint(exit);
  Vec out(n);
  for (size_t r = 0; r < n; ++r) out[r] = B.CreateSelect(done, x5[r], num(NAN), "rkf45.x.new");
  return out;
}

void KernelBuilder::propagate(std::vector<Value *> &old, std::vector<Value *> &result) {
  result = old;
  for (size_t s = 0; s < m.subsystems.size(); ++s) {
    const Subsystem &sub = m.subsystems[s];
    if (sub.method == Method::Exact) exactSubsystem(s, sub, old, result);
    else numericSubsystem(sub, old, result);
  }
}

Value *KernelBuilder::refractorySteps() {
  Env env = stateEnv(tk1);
  Value *period = value(m.refractory, env);
  Value *q = B.CreateFDiv(period, num(spec.dt));
  // round half up with a 1e-9 relative tolerance, as delays are rounded
  Value *rounded = B.CreateUnaryIntrinsic(
      llvm::Intrinsic::floor, B.CreateFAdd(B.CreateFAdd(q, num(0.5)), B.CreateFMul(num(1e-9), q)));
  Value *steps = B.CreateIntrinsic(llvm::Intrinsic::fptosi_sat, {i32, f64}, {rounded});
  Value *positive = B.CreateFCmpOGT(period, num(0));
  Value *atLeastOne = B.CreateSelect(B.CreateICmpSLT(steps, B.getInt32(1)), B.getInt32(1), steps);
  return B.CreateSelect(positive, atLeastOne, B.getInt32(0), "refractory.steps");
}

/// Clears an arrival entry that was read. Only nonzero bits are written back (a masked
/// store once vectorised): most entries hold no arrival, and their cache lines stay clean.
void KernelBuilder::consume(Value *p, Value *loaded, llvm::MDNode *scope) {
  BasicBlock *clearBB = BasicBlock::Create(C, "consume", F);
  BasicBlock *afterBB = BasicBlock::Create(C, "consumed", F);
  B.CreateCondBr(B.CreateICmpNE(B.CreateBitCast(loaded, i64), B.getInt64(0)), clearBB, afterBB);
  B.SetInsertPoint(clearBB);
  tag(B.CreateStore(num(0.0), p), scope);
  B.CreateBr(afterBB);
  B.SetInsertPoint(afterBB);
}

/// Input k's entry base[index], read (and consumed when arrivals are present).
Value *KernelBuilder::readInput(Value *base, Value *index, size_t k) {
  Value *p = B.CreateInBoundsGEP(f64, base, index);
  llvm::LoadInst *l = B.CreateLoad(f64, p, m.inputs[k].name);
  tag(l, inputScope[k]);
  if (inputs[k] == Arrivals::Present) consume(p, l, inputScope[k]);
  return l;
}

std::vector<CodegenError> KernelBuilder::build(const std::string &name, llvm::TargetMachine &tm) {
  // ---- resolve the spec
  params = spec.params;
  if (params.empty()) params.assign(m.params.size(), std::nullopt);
  if (params.size() != m.params.size())
    errors.push_back({"a kernel spec with " + std::to_string(params.size()) + " parameter values for " +
                          std::to_string(m.params.size()) + " parameters",
                      m.range, true});
  internals = resolveInternals(spec);
  if (internals.size() != m.internals.size())
    errors.push_back({"a kernel spec with a wrong number of internals", m.range, true});
  jumps = spec.jumps;
  if (jumps.empty()) jumps.assign(m.states.size(), Arrivals::CheckAtRunTime);
  if (jumps.size() != m.states.size()) errors.push_back({"a kernel spec with a wrong number of jump entries", m.range, true});
  inputs = spec.inputs;
  if (inputs.empty()) inputs.assign(m.inputs.size(), Arrivals::CheckAtRunTime);
  if (inputs.size() != m.inputs.size()) errors.push_back({"a kernel spec with a wrong number of input entries", m.range, true});
  props = spec.propagators;
  if (props.empty()) props.assign(m.subsystems.size(), PropagatorSpec{});
  if (props.size() != m.subsystems.size())
    errors.push_back({"a kernel spec with a wrong number of propagators", m.range, true});
  else
    for (size_t s = 0; s < m.subsystems.size(); ++s) {
      size_t n = m.subsystems[s].states.size();
      if (m.subsystems[s].method == Method::Exact && props[s].kind == PropagatorSpec::Folded &&
          (props[s].P.size() != n * n || props[s].Q.size() != n * n))
        errors.push_back({"a folded propagator of the wrong size for subsystem " + std::to_string(s), m.range, true});
    }
  if (!(spec.dt > 0) || !std::isfinite(spec.dt))
    errors.push_back({"a time step of " + std::to_string(spec.dt) + " ms", m.range, true});
  if (!errors.empty()) return errors;

  const size_t NS = m.states.size();
  const bool hasThreshold = m.threshold != nullptr;
  const bool hasRefractory = hasThreshold && m.refractory != nullptr;

  // ---- the function
  llvm::FunctionType *fty = llvm::FunctionType::get(i64, {ptr, i64, i64, i64, f64, ptr, ptr}, false);
  F = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, M);
  F->setDoesNotThrow();
  F->addFnAttr("target-cpu", tm.getTargetCPU());
  F->addFnAttr("target-features", tm.getTargetFeatureString());
  F->addFnAttr("no-infs-fp-math", "false");
  F->addFnAttr("no-nans-fp-math", "false");
  F->addFnAttr("no-signed-zeros-fp-math", "false");
  F->addFnAttr("unsafe-fp-math", "false");
  F->addFnAttr("approx-func-fp-math", "false");
  const char *argNames[] = {"pop", "begin", "end", "step", "dt", "spikes", "fault"};
  for (unsigned a = 0; a < 7; ++a) F->getArg(a)->setName(argNames[a]);
  pop = F->getArg(0);
  Value *begin = F->getArg(1), *end = F->getArg(2);
  stepArg = F->getArg(3);
  Value *spikes = F->getArg(5), *fault = F->getArg(6);
  F->addParamAttr(5, llvm::Attribute::NoAlias);
  F->addParamAttr(6, llvm::Attribute::NoAlias);

  llvm::MDBuilder mdb(C);
  domain = mdb.createAnonymousAliasScopeDomain("soma.population");
  for (size_t k = 0; k < NS; ++k) stateScope.push_back(newScope("state." + m.states[k].name));
  for (size_t k = 0; k < NS; ++k) jumpScope.push_back(newScope("jump." + m.states[k].name));
  for (size_t k = 0; k < m.params.size(); ++k) paramScope.push_back(newScope("param." + m.params[k].name));
  for (size_t k = 0; k < m.internals.size(); ++k) internalScope.push_back(newScope("internal." + m.internals[k].name));
  for (size_t k = 0; k < m.inputs.size(); ++k) inputScope.push_back(newScope("input." + m.inputs[k].name));
  for (size_t k = 0; k < m.subsystems.size(); ++k) propScope.push_back(newScope("propagator." + std::to_string(k)));
  refrScope = newScope("refractory");

  BasicBlock *entryBB = BasicBlock::Create(C, "entry", F);
  B.SetInsertPoint(entryBB);
  // Per-state slots; SROA turns them into SSA values.
  for (size_t k = 0; k < NS; ++k) slots.push_back(B.CreateAlloca(f64, nullptr, m.states[k].name + ".slot"));
  llvm::ArrayType *flagsTy = llvm::ArrayType::get(i8, kChunk);
  llvm::AllocaInst *flags = B.CreateAlloca(flagsTy, nullptr, "flags");

  // Array bases, loaded once.
  auto arrayOf = [&](size_t fieldOffset, size_t k, const std::string &nm) {
    Value *table = loadField(pop, fieldOffset, ptr, "");
    return B.CreateLoad(ptr, B.CreateConstInBoundsGEP1_64(ptr, table, k), nm);
  };
  for (size_t k = 0; k < NS; ++k) stateBase.push_back(arrayOf(offsetof(SomaPopulationData, state), k, m.states[k].name + ".array"));
  for (size_t k = 0; k < m.params.size(); ++k)
    paramBase.push_back(params[k] ? nullptr : arrayOf(offsetof(SomaPopulationData, param), k, m.params[k].name + ".array"));
  for (size_t k = 0; k < m.internals.size(); ++k)
    internalBase.push_back(internals[k] ? nullptr
                                        : arrayOf(offsetof(SomaPopulationData, internal), k, m.internals[k].name + ".array"));
  for (size_t k = 0; k < m.inputs.size(); ++k)
    inputBase.push_back(inputs[k] == Arrivals::Absent
                            ? nullptr
                            : arrayOf(offsetof(SomaPopulationData, input), k, m.inputs[k].name + ".array"));
  for (size_t k = 0; k < NS; ++k)
    jumpBase.push_back(jumps[k] == Arrivals::Absent
                           ? nullptr
                           : arrayOf(offsetof(SomaPopulationData, jump), k, "jump." + m.states[k].name + ".array"));
  for (size_t s = 0; s < m.subsystems.size(); ++s)
    propBase.push_back(m.subsystems[s].method == Method::Exact && props[s].kind != PropagatorSpec::Folded
                           ? arrayOf(offsetof(SomaPopulationData, propagator), s, "propagator." + std::to_string(s))
                           : nullptr);
  if (hasRefractory) refrBase = loadField(pop, offsetof(SomaPopulationData, refractory), ptr, "refractory.array");
  seed = loadField(pop, offsetof(SomaPopulationData, seed), i64, "seed");
  stream = loadField(pop, offsetof(SomaPopulationData, stream), i64, "stream");
  bool anyChecked = false;
  for (Arrivals a : jumps) anyChecked = anyChecked || a == Arrivals::CheckAtRunTime;
  for (Arrivals a : inputs) anyChecked = anyChecked || a == Arrivals::CheckAtRunTime;
  if (anyChecked) {
    // Read instead of a missing jump array: +0.0, so that a NULL array and an array of zeros
    // give the same bits (x + 0.0 turns a -0.0 state into +0.0 either way).
    llvm::ArrayType *zt = llvm::ArrayType::get(f64, kChunk);
    noJumps = new llvm::GlobalVariable(M, zt, true, llvm::GlobalValue::PrivateLinkage,
                                        llvm::ConstantAggregateZero::get(zt), "soma.no_jumps");
    noJumps->setAlignment(llvm::Align(64));
  }
  tk = B.CreateFMul(B.CreateUIToFP(stepArg, f64), num(spec.dt), "t");
  tk1 = B.CreateFMul(B.CreateUIToFP(B.CreateAdd(stepArg, B.getInt64(1)), f64), num(spec.dt), "t.next");

  BasicBlock *chunkHead = BasicBlock::Create(C, "chunk", F);
  BasicBlock *chunkBody = BasicBlock::Create(C, "chunk.body", F);
  BasicBlock *neuronBB = BasicBlock::Create(C, "neuron", F);
  BasicBlock *exitBB = BasicBlock::Create(C, "exit", F);
  B.CreateBr(chunkHead);

  // ---- chunk loop: cb from begin in steps of kChunk
  B.SetInsertPoint(chunkHead);
  llvm::PHINode *cb = B.CreatePHI(i64, 2, "chunk.begin");
  llvm::PHINode *count = B.CreatePHI(i64, 2, "count");
  cb->addIncoming(begin, entryBB);
  count->addIncoming(B.getInt64(0), entryBB);
  B.CreateCondBr(B.CreateICmpULT(cb, end), chunkBody, exitBB);

  B.SetInsertPoint(chunkBody);
  Value *remaining = B.CreateSub(end, cb);
  Value *len = B.CreateSelect(B.CreateICmpULT(remaining, B.getInt64(kChunk)), remaining, B.getInt64(kChunk), "len");
  auto chunkBase = [&](Value *base, Arrivals a) -> Value * {
    if (!base) return nullptr;
    Value *here = B.CreateInBoundsGEP(f64, base, cb);
    return a == Arrivals::CheckAtRunTime ? B.CreateSelect(B.CreateIsNull(base), noJumps, here) : here;
  };
  jumpChunkBase.assign(NS, nullptr);
  for (size_t k = 0; k < NS; ++k) jumpChunkBase[k] = chunkBase(jumpBase[k], jumps[k]);
  inputChunkBase.assign(m.inputs.size(), nullptr);
  for (size_t k = 0; k < m.inputs.size(); ++k)
    if (m.inputs[k].segment < 0) inputChunkBase[k] = chunkBase(inputBase[k], inputs[k]); // segments: segments()
  B.CreateBr(neuronBB);

  // ---- loop A: advance every neuron of the chunk
  B.SetInsertPoint(neuronBB);
  llvm::PHINode *j = B.CreatePHI(i64, 2, "j");
  j->addIncoming(B.getInt64(0), chunkBody);
  idx = B.CreateAdd(cb, j, "i");
  neuronEntry = neuronBB;
  BasicBlock *mainBB = BasicBlock::Create(C, "neuron.main", F);
  B.CreateBr(mainBB);
  B.SetInsertPoint(mainBB);
  paramVals.assign(m.params.size(), nullptr);
  internalVals.assign(m.internals.size(), nullptr);
  inputVals.assign(m.inputs.size(), nullptr);
  // Inputs: the arrivals at t_k, read once (and consumed) whether or not the code reads them.
  for (size_t k = 0; k < m.inputs.size(); ++k) {
    if (!inputChunkBase[k]) continue;
    inputVals[k] = readInput(inputChunkBase[k], j, k);
  }
  // Segments: their arrivals at t_k, counted and consumed likewise.
  segments(j);

  // 1. load the states
  std::vector<Value *> old(NS), statePtr(NS);
  for (size_t k = 0; k < NS; ++k) {
    statePtr[k] = B.CreateInBoundsGEP(f64, stateBase[k], idx);
    llvm::LoadInst *l = B.CreateLoad(f64, statePtr[k], m.states[k].name + ".old");
    tag(l, stateScope[k]);
    old[k] = l;
  }
  Value *refr = nullptr, *refrPtr = nullptr, *isRefractory = nullptr;
  if (hasRefractory) {
    refrPtr = B.CreateInBoundsGEP(i32, refrBase, idx);
    llvm::LoadInst *l = B.CreateLoad(i32, refrPtr, "refractory");
    tag(l, refrScope);
    refr = l;
    isRefractory = B.CreateICmpSGT(refr, B.getInt32(0), "is.refractory");
  }
  // 2. propagate
  std::vector<Value *> next;
  propagate(old, next);
  // 3. restore the clamped states of a refractory neuron
  if (hasRefractory)
    for (int c : m.clamps) next[c] = B.CreateSelect(isRefractory, old[c], next[c]);
  for (size_t k = 0; k < NS; ++k) B.CreateStore(next[k], slots[k]);
  // 4. update
  emitStmts(m.update);
  // 5. jumps arriving at t_{k+1}
  for (size_t k = 0; k < NS; ++k) {
    if (!jumpChunkBase[k]) continue;
    Value *p = B.CreateInBoundsGEP(f64, jumpChunkBase[k], j);
    llvm::LoadInst *jv = B.CreateLoad(f64, p, "jump." + m.states[k].name);
    tag(jv, jumpScope[k]);
    if (jumps[k] == Arrivals::Present) consume(p, jv, jumpScope[k]);
    B.CreateStore(B.CreateFAdd(B.CreateLoad(f64, slots[k]), jv), slots[k]);
  }
  // 6. threshold, reset, refractoriness
  Value *spiked = B.getFalse();
  if (hasThreshold) {
    Env env = stateEnv(tk1);
    Value *fire = cond(m.threshold, env);
    if (hasRefractory) fire = B.CreateAnd(B.CreateNot(isRefractory), fire);
    if (llvm::isa<llvm::Instruction>(fire)) fire->setName("spike");
    spiked = fire;
    llvm::AllocaInst *refrSlot = nullptr;
    if (hasRefractory) {
      // default: count a refractory step down
      llvm::IRBuilder<> entryB(&F->getEntryBlock(), F->getEntryBlock().getFirstInsertionPt());
      refrSlot = entryB.CreateAlloca(i32, nullptr, "refractory.slot");
      B.CreateStore(B.CreateSelect(isRefractory, B.CreateSub(refr, B.getInt32(1)), refr), refrSlot);
    }
    if (!m.reset.empty() || hasRefractory) {
      BasicBlock *resetBB = BasicBlock::Create(C, "reset", F);
      BasicBlock *afterBB = BasicBlock::Create(C, "reset.end", F);
      B.CreateCondBr(fire, resetBB, afterBB);
      B.SetInsertPoint(resetBB);
      emitStmts(m.reset);
      if (hasRefractory) B.CreateStore(refractorySteps(), refrSlot);
      B.CreateBr(afterBB);
      B.SetInsertPoint(afterBB);
    }
    if (hasRefractory) {
      llvm::StoreInst *st = B.CreateStore(B.CreateLoad(i32, refrSlot), refrPtr);
      tag(st, refrScope);
    }
  }
  // 7. store the states; flag non-finite ones. One test of their sum: it is infinite or
  // NaN if any state is (or, rarely, when finite states overflow it; the fault block
  // looks at each state and lets such a neuron pass).
  Value *sum = nullptr;
  for (size_t k = 0; k < NS; ++k) {
    Value *x = B.CreateLoad(f64, slots[k], m.states[k].name + ".new");
    llvm::StoreInst *st = B.CreateStore(x, statePtr[k]);
    tag(st, stateScope[k]);
    sum = sum ? B.CreateFAdd(sum, x) : x;
  }
  Value *bad = sum ? B.CreateFCmpUEQ(B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, sum),
                                     num(std::numeric_limits<double>::infinity()))
                   : B.getFalse();
  Value *flag = B.CreateOr(B.CreateZExt(spiked, i8), B.CreateShl(B.CreateZExt(bad, i8), 1), "flag");
  B.CreateStore(flag, B.CreateInBoundsGEP(flagsTy, flags, {B.getInt64(0), j}));
  Value *jNext = B.CreateAdd(j, B.getInt64(1), "j.next", true, true);
  BasicBlock *collectPre = BasicBlock::Create(C, "collect.pre", F);
  B.CreateCondBr(B.CreateICmpULT(jNext, len), neuronBB, collectPre);
  j->addIncoming(jNext, B.GetInsertBlock());

  // ---- loop B: append spikes in index order, stop at the first fault. The flags are
  // scanned a word of 8 at a time (little-endian: byte b of a word is neuron 8w + b);
  // most words are zero.
  B.SetInsertPoint(collectPre);
  BasicBlock *collect = BasicBlock::Create(C, "collect", F);
  BasicBlock *flagged = BasicBlock::Create(C, "collect.flagged", F);
  BasicBlock *append = BasicBlock::Create(C, "collect.spike", F);
  BasicBlock *checkBad = BasicBlock::Create(C, "collect.check", F);
  BasicBlock *faultBB = BasicBlock::Create(C, "fault", F);
  BasicBlock *collectLatch = BasicBlock::Create(C, "collect.next", F);
  BasicBlock *chunkLatch = BasicBlock::Create(C, "chunk.next", F);
  B.CreateBr(collect);

  B.SetInsertPoint(collect);
  llvm::PHINode *wb = B.CreatePHI(i64, 2, "wb");
  llvm::PHINode *cnt = B.CreatePHI(i64, 2, "cnt");
  wb->addIncoming(B.getInt64(0), collectPre);
  cnt->addIncoming(count, collectPre);
  Value *word = B.CreateLoad(i64, B.CreateInBoundsGEP(flagsTy, flags, {B.getInt64(0), B.CreateShl(wb, 3)}), "word");
  // The last word of a short chunk: drop the bytes past len (flags of an earlier chunk).
  Value *valid = B.CreateSub(len, B.CreateShl(wb, 3));
  Value *mask = B.CreateSelect(B.CreateICmpUGE(valid, B.getInt64(8)), B.getInt64(-1),
                               B.CreateSub(B.CreateShl(B.getInt64(1), B.CreateShl(valid, 3)), B.getInt64(1)));
  word = B.CreateAnd(word, mask);
  B.CreateCondBr(B.CreateICmpEQ(word, B.getInt64(0)), collectLatch, flagged);

  // One nonzero byte per iteration, lowest first.
  B.SetInsertPoint(flagged);
  llvm::PHINode *rest = B.CreatePHI(i64, 2, "rest");
  llvm::PHINode *cntIn = B.CreatePHI(i64, 2, "cnt.in");
  rest->addIncoming(word, collect);
  cntIn->addIncoming(cnt, collect);
  Value *bit = B.CreateBinaryIntrinsic(llvm::Intrinsic::cttz, rest, B.getTrue());
  Value *byteShift = B.CreateAnd(bit, B.getInt64(~uint64_t(7)));
  Value *f = B.CreateTrunc(B.CreateLShr(rest, byteShift), i8, "f");
  Value *ib = B.CreateAdd(cb, B.CreateAdd(B.CreateShl(wb, 3), B.CreateLShr(byteShift, 3)), "ib");
  Value *restNext = B.CreateAnd(rest, B.CreateNot(B.CreateShl(B.getInt64(0xff), byteShift)));
  B.CreateCondBr(B.CreateTrunc(f, i1), append, checkBad);
  B.SetInsertPoint(append);
  B.CreateStore(B.CreateTrunc(ib, i32), B.CreateInBoundsGEP(i32, spikes, cntIn));
  Value *cntPlus = B.CreateAdd(cntIn, B.getInt64(1));
  B.CreateBr(checkBad);
  B.SetInsertPoint(checkBad);
  llvm::PHINode *cntAfter = B.CreatePHI(i64, 2, "cnt.after");
  cntAfter->addIncoming(cntIn, flagged);
  cntAfter->addIncoming(cntPlus, append);
  BasicBlock *moreBB = BasicBlock::Create(C, "collect.more", F);
  B.CreateCondBr(B.CreateICmpNE(B.CreateAnd(f, B.getInt8(2)), B.getInt8(0)), faultBB, moreBB);
  B.SetInsertPoint(moreBB);
  rest->addIncoming(restNext, moreBB);
  cntIn->addIncoming(cntAfter, moreBB);
  B.CreateCondBr(B.CreateICmpEQ(restNext, B.getInt64(0)), collectLatch, flagged);

  B.SetInsertPoint(collectLatch);
  llvm::PHINode *cntNext = B.CreatePHI(i64, 2, "cnt.next");
  cntNext->addIncoming(cnt, collect);
  cntNext->addIncoming(cntAfter, moreBB);
  Value *wbNext = B.CreateAdd(wb, B.getInt64(1), "wb.next", true, true);
  wb->addIncoming(wbNext, collectLatch);
  cnt->addIncoming(cntNext, collectLatch);
  B.CreateCondBr(B.CreateICmpULT(B.CreateShl(wbNext, 3), len), collect, chunkLatch);

  B.SetInsertPoint(chunkLatch);
  cb->addIncoming(B.CreateAdd(cb, len), chunkLatch);
  count->addIncoming(cntNext, chunkLatch);
  B.CreateBr(chunkHead);

  // The first non-finite state of neuron ib.
  B.SetInsertPoint(faultBB);
  Value *which = B.getInt32(-1);
  for (size_t k = NS; k-- > 0;) {
    Value *x = B.CreateLoad(f64, B.CreateInBoundsGEP(f64, stateBase[k], ib));
    Value *inf = B.CreateFCmpUEQ(B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x),
                                 num(std::numeric_limits<double>::infinity()));
    which = B.CreateSelect(inf, B.getInt32(int32_t(k)), which);
  }
  BasicBlock *reportBB = BasicBlock::Create(C, "fault.report", F);
  B.CreateCondBr(B.CreateICmpEQ(which, B.getInt32(-1)), moreBB, reportBB); // only the sum overflowed
  B.SetInsertPoint(reportBB);
  B.CreateStore(B.getInt32(1), B.CreateConstInBoundsGEP1_64(i8, fault, offsetof(SomaFault, found)));
  B.CreateStore(which, B.CreateConstInBoundsGEP1_64(i8, fault, offsetof(SomaFault, state)));
  B.CreateStore(ib, B.CreateConstInBoundsGEP1_64(i8, fault, offsetof(SomaFault, neuron)));
  B.CreateRet(cntAfter);

  B.SetInsertPoint(exitBB);
  B.CreateRet(count);

  std::string message;
  llvm::raw_string_ostream os(message);
  if (llvm::verifyFunction(*F, &os)) errors.push_back({"invalid kernel: " + os.str(), m.range, true});
  return errors;
}

} // namespace

KernelResult generateKernel(llvm::LLVMContext &ctx, const KernelSpec &spec, const std::string &functionName,
                            llvm::TargetMachine *tm) {
  KernelResult result;
  if (!spec.model) {
    result.errors.push_back({"a kernel spec without a model", {}, true});
    return result;
  }
  result.errors = checkSupported(*spec.model);
  if (!result.errors.empty()) return result;
  std::unique_ptr<llvm::TargetMachine> host;
  if (!tm) {
    std::string error;
    host = createTargetMachine("", error);
    if (!host) {
      result.errors.push_back({error, spec.model->range, true});
      return result;
    }
    tm = host.get();
  }
  auto mod = std::make_unique<llvm::Module>("soma." + spec.model->name, ctx);
  mod->setTargetTriple(tm->getTargetTriple().str());
  mod->setDataLayout(tm->createDataLayout());
  KernelBuilder kb(ctx, *mod, spec);
  result.errors = kb.build(functionName, *tm);
  if (result.errors.empty()) result.module = std::move(mod);
  return result;
}

} // namespace soma::cpu
