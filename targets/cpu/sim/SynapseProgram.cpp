#include "SynapseProgram.h"

#include <cmath>
#include <map>
#include <unordered_map>

namespace soma::sim {

namespace {

using ir::Node;
using ir::NodeRef;
using ir::Op;
using ir::Stmt;

enum Fn1 : uint8_t { Exp, Log, Sqrt, Abs, Sin, Cos, Tan, Tanh, Sinh, Cosh, Asin, Acos, Atan, Log10, Log2, Erf, Floor,
                     Ceil, Round, Sigmoid };
enum Fn2 : uint8_t { Min, Max, Atan2, PowFn };

const std::map<std::string, uint8_t> &unaryFunctions() {
  static const std::map<std::string, uint8_t> table = {
      {"exp", Exp},     {"log", Log},     {"sqrt", Sqrt},   {"abs", Abs},     {"sin", Sin},       {"cos", Cos},
      {"tan", Tan},     {"tanh", Tanh},   {"sinh", Sinh},   {"cosh", Cosh},   {"asin", Asin},     {"acos", Acos},
      {"atan", Atan},   {"log10", Log10}, {"log2", Log2},   {"erf", Erf},     {"floor", Floor},   {"ceil", Ceil},
      {"round", Round}, {"sigmoid", Sigmoid},
  };
  return table;
}

/// IEEE 754-2019 minimum/maximum, as llvm.minimum/maximum: NaN wins, -0 < +0.
double ieeeMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
double ieeeMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

double unary(uint8_t fn, double x) {
  switch (fn) {
  case Exp: return std::exp(x);
  case Log: return std::log(x);
  case Sqrt: return std::sqrt(x);
  case Abs: return std::fabs(x);
  case Sin: return std::sin(x);
  case Cos: return std::cos(x);
  case Tan: return std::tan(x);
  case Tanh: return std::tanh(x);
  case Sinh: return std::sinh(x);
  case Cosh: return std::cosh(x);
  case Asin: return std::asin(x);
  case Acos: return std::acos(x);
  case Atan: return std::atan(x);
  case Log10: return std::log10(x);
  case Log2: return std::log2(x);
  case Erf: return std::erf(x);
  case Floor: return std::floor(x);
  case Ceil: return std::ceil(x);
  case Round: return std::round(x);
  case Sigmoid: return 1 / (1 + std::exp(-x));
  }
  return NAN;
}

double binary(uint8_t fn, double a, double b) {
  switch (fn) {
  case Min: return ieeeMin(a, b);
  case Max: return ieeeMax(a, b);
  case Atan2: return std::atan2(a, b);
  case PowFn: return std::pow(a, b);
  }
  return NAN;
}

} // namespace

/// Lowers IR to instructions; one register per node, shared between uses of one node.
class ProgramBuilder {
public:
  ProgramBuilder(const SynapseProgram::Ends &ends, std::vector<ProgramError> &errors) : ends_(ends), errors_(errors) {}
  using Ins = SynapseProgram::Ins;
  using Opc = SynapseProgram::Opc;

  int32_t expr(const NodeRef &n, SourceRange where) {
    if (auto it = done_.find(n.get()); it != done_.end()) return it->second;
    int32_t r = exprUncached(*n, where);
    done_[n.get()] = r;
    return r;
  }

  int32_t emit(Ins ins) {
    ins.dst = int32_t(p.registers_++);
    p.code_.push_back(ins);
    return ins.dst;
  }

  void stmts(const ir::StmtList &list) {
    for (const Stmt &s : list) {
      switch (s.kind) {
      case Stmt::Assign: {
        if (s.targetOp != Op::State) {
          errors_.push_back({"assignment to '" + std::string(s.targetOp == Op::PreState ? "pre." : "post.") +
                                 s.targetName + "' in a synapse",
                             s.range});
          break;
        }
        int32_t v = expr(s.value, s.range);
        p.code_.push_back({Opc::Store, 0, 0, v, s.target, 0, 0});
        // The state changed: later reads must load it again.
        done_.clear();
        break;
      }
      case Stmt::Deliver: {
        if (deliveries_ == 4) {
          errors_.push_back({"more than four deliver statements in one block", s.range});
          break;
        }
        int32_t v = expr(s.value, s.range);
        p.code_.push_back({Opc::Deliver, 0, 0, v, int32_t(deliveries_++), 0, 0});
        break;
      }
      case Stmt::If: {
        int32_t c = expr(s.value, s.range);
        size_t jumpElse = p.code_.size();
        p.code_.push_back({Opc::JumpIfFalse, 0, 0, c, 0, 0, 0});
        done_.clear();
        stmts(s.thenBody);
        size_t jumpEnd = p.code_.size();
        p.code_.push_back({Opc::Jump, 0, 0, 0, 0, 0, 0});
        p.code_[jumpElse].b = int32_t(p.code_.size());
        done_.clear();
        stmts(s.elseBody);
        p.code_[jumpEnd].b = int32_t(p.code_.size());
        done_.clear();
        break;
      }
      }
    }
  }

  SynapseProgram p;

private:
  int32_t exprUncached(const Node &n, SourceRange where) {
    auto arg = [&](size_t k) { return expr(n.args[k], where); };
    switch (n.op) {
    case Op::Const: return emit({Opc::Const, 0, 0, 0, 0, 0, n.value});
    case Op::Param: return emit({Opc::Param, 0, 0, n.index, 0, 0, 0});
    case Op::Internal: return emit({Opc::Internal, 0, 0, n.index, 0, 0, 0});
    case Op::State: return emit({Opc::State, 0, 0, n.index, 0, 0, 0});
    case Op::Input: return emit({Opc::Input, 0, 0, n.index, 0, 0, 0});
    case Op::Time: return emit({Opc::Time, 0, 0, 0, 0, 0, 0});
    case Op::Dt: return emit({Opc::Dt, 0, 0, 0, 0, 0, 0});
    case Op::Neg: return emit({Opc::Neg, 0, 0, arg(0), 0, 0, 0});
    case Op::Not: return emit({Opc::Not, 0, 0, arg(0), 0, 0, 0});
    case Op::Add: case Op::Sub: case Op::Mul: case Op::Div: case Op::Mod: case Op::Lt: case Op::Le: case Op::Gt:
    case Op::Ge: case Op::Eq: case Op::Ne: case Op::And: case Op::Or: {
      static const std::map<Op, Opc> ops = {{Op::Add, Opc::Add}, {Op::Sub, Opc::Sub}, {Op::Mul, Opc::Mul},
                                            {Op::Div, Opc::Div}, {Op::Mod, Opc::Mod}, {Op::Lt, Opc::Lt},
                                            {Op::Le, Opc::Le},   {Op::Gt, Opc::Gt},   {Op::Ge, Opc::Ge},
                                            {Op::Eq, Opc::Eq},   {Op::Ne, Opc::Ne},   {Op::And, Opc::And},
                                            {Op::Or, Opc::Or}};
      int32_t a = arg(0), b = arg(1);
      return emit({ops.at(n.op), 0, 0, a, b, 0, 0});
    }
    case Op::Pow: {
      int32_t x = arg(0);
      // x^2, x^3, x^4 as the kernels compute them.
      if (n.args[1]->op == Op::Const) {
        double y = n.args[1]->value;
        if (y == 2) return emit({Opc::Mul, 0, 0, x, x, 0, 0});
        if (y == 3) return emit({Opc::Mul, 0, 0, emit({Opc::Mul, 0, 0, x, x, 0, 0}), x, 0, 0});
        if (y == 4) {
          int32_t x2 = emit({Opc::Mul, 0, 0, x, x, 0, 0});
          return emit({Opc::Mul, 0, 0, x2, x2, 0, 0});
        }
      }
      return emit({Opc::Pow, 0, 0, x, arg(1), 0, 0});
    }
    case Op::Select: {
      int32_t c = arg(0), a = arg(1), b = arg(2);
      return emit({Opc::Select, 0, 0, c, a, b, 0});
    }
    case Op::Call: {
      if (auto it = unaryFunctions().find(n.name); it != unaryFunctions().end() && n.args.size() == 1)
        return emit({Opc::Call1, it->second, 0, arg(0), 0, 0, 0});
      static const std::map<std::string, uint8_t> binaries = {
          {"min", Min}, {"max", Max}, {"atan2", Atan2}, {"pow", PowFn}};
      if (auto it = binaries.find(n.name); it != binaries.end() && n.args.size() == 2) {
        int32_t a = arg(0), b = arg(1);
        return emit({Opc::Call2, it->second, 0, a, b, 0, 0});
      }
      if (n.name == "clip" && n.args.size() == 3) {
        int32_t x = arg(0), lo = arg(1), hi = arg(2);
        return emit({Opc::Clip, 0, 0, x, lo, hi, 0});
      }
      errors_.push_back({"function '" + n.name + "' in a synapse", where});
      return emit({Opc::Const, 0, 0, 0, 0, 0, NAN});
    }
    case Op::PreState: case Op::PostState: {
      const bool pre = n.op == Op::PreState;
      const ir::Model *end = pre ? ends_.pre : ends_.post;
      int index = -1;
      for (size_t k = 0; end && k < end->states.size(); ++k)
        if (end->states[k].name == n.name) index = int(k);
      if (index < 0) {
        errors_.push_back({std::string("reading '") + (pre ? "pre." : "post.") + n.name + "' (" +
                               (end ? "not a state of neuron '" + end->name + "'" : "the presynaptic side is a source") + ")",
                           where});
        return emit({Opc::Const, 0, 0, 0, 0, 0, NAN});
      }
      return emit({pre ? Opc::PreState : Opc::PostState, 0, 0, index, 0, 0, 0});
    }
    case Op::Random:
      errors_.push_back({"a random draw in a synapse", where});
      return emit({Opc::Const, 0, 0, 0, 0, 0, NAN});
    default:
      errors_.push_back({"this expression in a synapse", where});
      return emit({Opc::Const, 0, 0, 0, 0, 0, NAN});
    }
  }

  const SynapseProgram::Ends &ends_;
  std::vector<ProgramError> &errors_;
  std::unordered_map<const Node *, int32_t> done_;
  unsigned deliveries_ = 0;
};

SynapseProgram SynapseProgram::fromBlock(const ir::StmtList &body, const Ends &ends, std::vector<ProgramError> &errors) {
  ProgramBuilder b(ends, errors);
  b.stmts(body);
  return std::move(b.p);
}

SynapseProgram SynapseProgram::fromExpressions(const std::vector<ir::NodeRef> &values, SourceRange range,
                                               const Ends &ends, std::vector<ProgramError> &errors) {
  ProgramBuilder b(ends, errors);
  for (size_t k = 0; k < values.size(); ++k) {
    int32_t r = b.expr(values[k], range);
    b.p.code_.push_back({Opc::Out, 0, 0, r, int32_t(k), 0, 0});
  }
  return std::move(b.p);
}

namespace {
constexpr int kBinaryBase = 64, kClip = 128;
} // namespace

int synapseFunctionCode(const std::string &name, size_t arity) {
  if (auto it = unaryFunctions().find(name); it != unaryFunctions().end() && arity == 1) return it->second;
  static const std::map<std::string, uint8_t> binaries = {{"min", Min}, {"max", Max}, {"atan2", Atan2}, {"pow", PowFn}};
  if (auto it = binaries.find(name); it != binaries.end() && arity == 2) return kBinaryBase + it->second;
  if (name == "clip" && arity == 3) return kClip;
  return -1;
}

double synapseFunction(int code, const double *a) {
  if (code == kClip) return ieeeMin(ieeeMax(a[0], a[1]), a[2]);
  if (code >= kBinaryBase) return binary(uint8_t(code - kBinaryBase), a[0], a[1]);
  return unary(uint8_t(code), a[0]);
}

int SynapseProgram::functionCode(const Ins &ins) {
  switch (ins.op) {
  case Opc::Call1: return ins.fn;
  case Opc::Call2: return kBinaryBase + ins.fn;
  case Opc::Pow: return kBinaryBase + PowFn;
  default: return -1;
  }
}

void SynapseProgram::run(SynapseFrame &f, double *r) const {
  const Ins *code = code_.data();
  const size_t n = code_.size();
  for (size_t pc = 0; pc < n; ++pc) {
    const Ins &i = code[pc];
    switch (i.op) {
    case Opc::Const: r[i.dst] = i.k; break;
    case Opc::Param: r[i.dst] = f.param[i.a]; break;
    case Opc::Internal: r[i.dst] = f.internal[i.a]; break;
    case Opc::State: r[i.dst] = f.state[i.a]; break;
    case Opc::Input: r[i.dst] = f.input[i.a]; break;
    case Opc::PreState: r[i.dst] = (*f.preStates)[i.a][f.preIndex]; break;
    case Opc::PostState: r[i.dst] = (*f.postStates)[i.a][f.postIndex]; break;
    case Opc::Time: r[i.dst] = f.t; break;
    case Opc::Dt: r[i.dst] = f.dt; break;
    case Opc::Neg: r[i.dst] = -r[i.a]; break;
    case Opc::Not: r[i.dst] = r[i.a] != 0 ? 0 : 1; break;
    case Opc::Add: r[i.dst] = r[i.a] + r[i.b]; break;
    case Opc::Sub: r[i.dst] = r[i.a] - r[i.b]; break;
    case Opc::Mul: r[i.dst] = r[i.a] * r[i.b]; break;
    case Opc::Div: r[i.dst] = r[i.a] / r[i.b]; break;
    case Opc::Mod: r[i.dst] = std::fmod(r[i.a], r[i.b]); break;
    case Opc::Pow: r[i.dst] = std::pow(r[i.a], r[i.b]); break;
    case Opc::Lt: r[i.dst] = r[i.a] < r[i.b]; break;
    case Opc::Le: r[i.dst] = r[i.a] <= r[i.b]; break;
    case Opc::Gt: r[i.dst] = r[i.a] > r[i.b]; break;
    case Opc::Ge: r[i.dst] = r[i.a] >= r[i.b]; break;
    case Opc::Eq: r[i.dst] = r[i.a] == r[i.b]; break;
    case Opc::Ne: r[i.dst] = r[i.a] != r[i.b]; break;
    case Opc::And: r[i.dst] = (r[i.a] != 0) && (r[i.b] != 0); break;
    case Opc::Or: r[i.dst] = (r[i.a] != 0) || (r[i.b] != 0); break;
    case Opc::Select: r[i.dst] = r[i.a] != 0 ? r[i.b] : r[i.c]; break;
    case Opc::Call1: r[i.dst] = unary(i.fn, r[i.a]); break;
    case Opc::Call2: r[i.dst] = binary(i.fn, r[i.a], r[i.b]); break;
    case Opc::Clip: r[i.dst] = ieeeMin(ieeeMax(r[i.a], r[i.b]), r[i.c]); break;
    case Opc::Store: f.state[i.b] = r[i.a]; break;
    case Opc::Deliver:
      f.delivered[i.b] = r[i.a];
      f.deliveredMask |= 1u << i.b;
      break;
    case Opc::Out: f.out[i.b] = r[i.a]; break;
    case Opc::JumpIfFalse:
      if (!(r[i.a] != 0)) pc = size_t(i.b) - 1;
      break;
    case Opc::Jump: pc = size_t(i.b) - 1; break;
    }
  }
}

} // namespace soma::sim
