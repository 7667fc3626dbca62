#include "Coupling.h"

#include "Simulation.h"
#include "SynapseProgram.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace soma::sim {

bool isContinuousSynapse(const ir::Model &m) {
  return !m.continuous.empty() && m.states.empty() && m.odes.empty() && m.events.empty();
}

/// Lowers the continuous block to the three instruction lists; one register per IR node.
class CouplingBuilder {
public:
  using C = ContinuousSynapses;
  using Opc = C::Opc;
  using Ins = C::Ins;
  using Level = C::Level;

  explicit CouplingBuilder(C &c, const ir::Model &syn) : c_(c), syn_(syn) {}

  void stmts(const ir::StmtList &list, const ir::NodeRef &cond) {
    for (const ir::Stmt &s : list) {
      switch (s.kind) {
      case ir::Stmt::Assign:
        error(s.targetOp == ir::Op::State ? "assigning a synapse state in a 'continuous' block"
                                          : std::string("writing '") + (s.targetOp == ir::Op::PreState ? "pre." : "post.") +
                                                s.targetName + "' of a neuron from a synapse",
              s.range);
        break;
      case ir::Stmt::Deliver: {
        C::Deliver d;
        d.cond = cond ? expr(cond, s.range) : -1;
        d.value = expr(s.value, s.range);
        c_.delivers_.push_back(d);
        break;
      }
      case ir::Stmt::If: {
        ir::NodeRef yes = cond ? ir::binary(ir::Op::And, cond, s.value) : s.value;
        ir::NodeRef no = ir::unary(ir::Op::Not, s.value);
        if (cond) no = ir::binary(ir::Op::And, cond, no);
        keep_.push_back(yes);
        keep_.push_back(no);
        stmts(s.thenBody, yes);
        stmts(s.elseBody, no);
        break;
      }
      }
    }
  }

  std::vector<ProgramError> errors;

private:
  void error(std::string what, SourceRange where) { errors.push_back({std::move(what), where}); }

  int32_t expr(const ir::NodeRef &n, SourceRange where) {
    if (auto it = done_.find(n.get()); it != done_.end()) return it->second;
    keep_.push_back(n); // the cache is keyed by address: keep every node alive
    int32_t r = uncached(*n, where);
    done_[n.get()] = r;
    return r;
  }

  int32_t emit(Ins ins, Level level) {
    ins.level = level;
    ins.dst = int32_t(c_.level_.size());
    c_.level_.push_back(level);
    (level == C::Constant ? c_.constCode_ : level == C::Row ? c_.rowCode_ : c_.laneCode_).push_back(ins);
    return ins.dst;
  }
  int32_t constant(double v) {
    Ins i{Opc::Const, C::Constant};
    i.k = v;
    return emit(i, C::Constant);
  }
  /// An operation on registers: its level is the highest of its operands'.
  int32_t op(Opc o, int32_t a, int32_t b = -1, int32_t c = -1, int fn = -1) {
    Level level = C::Constant;
    for (int32_t r : {a, b, c})
      if (r >= 0) level = std::max(level, c_.level_[r]);
    Ins i{o, level};
    i.a = a;
    i.b = b;
    i.c = c;
    i.fn = fn;
    return emit(i, level);
  }

  /// pre.NAME / post.NAME: a state, parameter or internal of the neuron at that end.
  int32_t endpoint(const ir::Node &n, SourceRange where) {
    bool pre = n.op == ir::Op::PreState;
    const CouplingEnd &end = pre ? c_.pre_ : c_.post_;
    const ir::Model &m = *end.model;
    C::Column col{nullptr, -1};
    auto find = [&](const std::vector<ir::Variable> &vars, const std::vector<std::vector<double>> *kind) {
      for (size_t k = 0; k < vars.size() && !col.kind; ++k)
        if (vars[k].name == n.name) col = {kind, int(k)};
    };
    find(m.states, end.state);
    find(m.params, end.param);
    find(m.internals, end.internal);
    if (!col.kind) {
      std::string what = std::string(pre ? "pre." : "post.") + n.name;
      bool input = std::any_of(m.inputs.begin(), m.inputs.end(), [&](const ir::Variable &v) { return v.name == n.name; });
      error("reading '" + what + "' (" + (input ? "an input" : "an alias") + " of '" + m.name +
                "'; a continuous synapse reads states, parameters and internals)",
            where);
      return constant(NAN);
    }
    std::vector<C::Column> &cols = pre ? c_.preCols_ : c_.postCols_;
    int32_t index = int32_t(cols.size());
    for (size_t k = 0; k < cols.size(); ++k)
      if (cols[k].kind == col.kind && cols[k].index == col.index) index = int32_t(k);
    if (index == int32_t(cols.size())) cols.push_back(col);
    Ins i{pre ? Opc::PreVar : Opc::PostVar, pre ? C::Row : C::Lane};
    i.a = index;
    return emit(i, pre ? C::Row : C::Lane);
  }

  int32_t uncached(const ir::Node &n, SourceRange where) {
    auto arg = [&](size_t k) { return expr(n.args[k], where); };
    switch (n.op) {
    case ir::Op::Const: return constant(n.value);
    case ir::Op::Dt: return constant(c_.dt_);
    case ir::Op::Param:
    case ir::Op::Internal: {
      size_t q = size_t(n.index) + (n.op == ir::Op::Internal ? syn_.params.size() : 0);
      const std::vector<double> &column = c_.param_.at(q);
      if (column.size() == 1) return constant(column[0]);
      Ins i{Opc::SynParam, C::Lane};
      i.a = int32_t(q);
      return emit(i, C::Lane);
    }
    case ir::Op::Time: return emit(Ins{Opc::Time, C::Row}, C::Row);
    case ir::Op::PreState:
    case ir::Op::PostState: return endpoint(n, where);
    case ir::Op::Neg: return op(Opc::Neg, arg(0));
    case ir::Op::Not: return op(Opc::Not, arg(0));
    case ir::Op::Add: case ir::Op::Sub: case ir::Op::Mul: case ir::Op::Div: case ir::Op::Mod: case ir::Op::Lt:
    case ir::Op::Le: case ir::Op::Gt: case ir::Op::Ge: case ir::Op::Eq: case ir::Op::Ne: case ir::Op::And:
    case ir::Op::Or: {
      static const std::map<ir::Op, Opc> ops = {
          {ir::Op::Add, Opc::Add}, {ir::Op::Sub, Opc::Sub}, {ir::Op::Mul, Opc::Mul}, {ir::Op::Div, Opc::Div},
          {ir::Op::Mod, Opc::Mod}, {ir::Op::Lt, Opc::Lt},   {ir::Op::Le, Opc::Le},   {ir::Op::Gt, Opc::Gt},
          {ir::Op::Ge, Opc::Ge},   {ir::Op::Eq, Opc::Eq},   {ir::Op::Ne, Opc::Ne},   {ir::Op::And, Opc::And},
          {ir::Op::Or, Opc::Or}};
      int32_t a = arg(0), b = arg(1);
      return op(ops.at(n.op), a, b);
    }
    case ir::Op::Pow: {
      int32_t x = arg(0);
      // x^2, x^3, x^4 as products, as the kernels and SynapseProgram compute them.
      if (n.args[1]->op == ir::Op::Const) {
        double y = n.args[1]->value;
        if (y == 2) return op(Opc::Mul, x, x);
        if (y == 3) return op(Opc::Mul, op(Opc::Mul, x, x), x);
        if (y == 4) {
          int32_t x2 = op(Opc::Mul, x, x);
          return op(Opc::Mul, x2, x2);
        }
      }
      return op(Opc::Pow, x, arg(1));
    }
    case ir::Op::Select: {
      int32_t c = arg(0), a = arg(1), b = arg(2);
      return op(Opc::Select, c, a, b);
    }
    case ir::Op::Call: {
      int fn = synapseFunctionCode(n.name, n.args.size());
      if (fn < 0) {
        error("function '" + n.name + "' in a synapse", where);
        return constant(NAN);
      }
      int32_t r[3] = {-1, -1, -1};
      for (size_t k = 0; k < n.args.size(); ++k) r[k] = arg(k);
      return op(Opc::Call, r[0], r[1], r[2], fn);
    }
    case ir::Op::Random: error("a random draw in a synapse", where); return constant(NAN);
    case ir::Op::Input: error("reading a synapse's input in a 'continuous' block", where); return constant(NAN);
    default: error("this expression in a synapse", where); return constant(NAN);
    }
  }

  C &c_;
  const ir::Model &syn_;
  std::unordered_map<const ir::Node *, int32_t> done_;
  std::vector<ir::NodeRef> keep_;
};

ContinuousSynapses::ContinuousSynapses(const ir::Model &synapse, double dt, std::vector<std::vector<double>> params,
                                       std::vector<std::vector<double>> internals, std::vector<double> deliverFactors,
                                       CouplingEnd pre, CouplingEnd post)
    : dt_(dt), pre_(pre), post_(post), param_(std::move(params)) {
  for (std::vector<double> &col : internals) param_.push_back(std::move(col));
  CouplingBuilder b(*this, synapse);
  for (const ir::Unsupported &u : synapse.unsupported) b.errors.push_back({u.what, u.range});
  b.stmts(synapse.continuous, nullptr);
  if (!b.errors.empty()) throw SimulationError(b.errors.front().what + " is not supported by target cpu", b.errors.front().range);
  if (deliverFactors.size() != delivers_.size())
    throw SimulationError("synapse '" + synapse.name + "': the units of its delivers", synapse.range);
  for (size_t d = 0; d < delivers_.size(); ++d) delivers_[d].factor = deliverFactors[d];
  // The constant registers, once.
  std::vector<double> regs(level_.size() * kChunk, 0);
  run(constCode_, regs.data(), 1, nullptr, 0, nullptr, nullptr, 0, 0);
  constRegs_.assign(level_.size(), 0);
  for (size_t r = 0; r < level_.size(); ++r)
    if (level_[r] == Constant) constRegs_[r] = regs[r * kChunk];
}

void ContinuousSynapses::run(const std::vector<Ins> &code, double *R, uint32_t n, const double *const *pre,
                             uint32_t preNeuron, const double *const *post, const uint32_t *postIdx, uint64_t syn,
                             double t) const {
  for (const Ins &i : code) {
    double *d = R + size_t(i.dst) * kChunk;
    const uint32_t m = i.level == Lane ? n : 1;
    // Operands: a lane register is read per lane, a constant or row register is one value.
    auto reg = [&](int32_t r) { return R + size_t(r) * kChunk; };
    auto stride = [&](int32_t r) -> uint32_t { return level_[r] == Lane ? 1 : 0; };
    const double *a = i.a >= 0 ? reg(i.a) : nullptr, *b = i.b >= 0 ? reg(i.b) : nullptr;
    const uint32_t sa = i.a >= 0 ? stride(i.a) : 0, sb = i.b >= 0 ? stride(i.b) : 0;
    auto unary = [&](auto f) {
      for (uint32_t l = 0; l < m; ++l) d[l] = f(a[l * sa]);
    };
    auto binary = [&](auto f) {
      for (uint32_t l = 0; l < m; ++l) d[l] = f(a[l * sa], b[l * sb]);
    };
    switch (i.op) {
    case Opc::Const: d[0] = i.k; break;
    case Opc::SynParam: {
      const double *col = param_[i.a].data() + syn;
      for (uint32_t l = 0; l < m; ++l) d[l] = col[l];
      break;
    }
    case Opc::PreVar: d[0] = pre[i.a][preNeuron]; break;
    case Opc::PostVar: {
      const double *col = post[i.a] + post_.first;
      for (uint32_t l = 0; l < m; ++l) d[l] = col[postIdx[l]];
      break;
    }
    case Opc::Time: d[0] = t; break;
    case Opc::Neg: unary([](double x) { return -x; }); break;
    case Opc::Not: unary([](double x) { return x != 0 ? 0.0 : 1.0; }); break;
    case Opc::Add: binary([](double x, double y) { return x + y; }); break;
    case Opc::Sub: binary([](double x, double y) { return x - y; }); break;
    case Opc::Mul: binary([](double x, double y) { return x * y; }); break;
    case Opc::Div: binary([](double x, double y) { return x / y; }); break;
    case Opc::Mod: binary([](double x, double y) { return std::fmod(x, y); }); break;
    case Opc::Pow: binary([](double x, double y) { return std::pow(x, y); }); break;
    case Opc::Lt: binary([](double x, double y) { return double(x < y); }); break;
    case Opc::Le: binary([](double x, double y) { return double(x <= y); }); break;
    case Opc::Gt: binary([](double x, double y) { return double(x > y); }); break;
    case Opc::Ge: binary([](double x, double y) { return double(x >= y); }); break;
    case Opc::Eq: binary([](double x, double y) { return double(x == y); }); break;
    case Opc::Ne: binary([](double x, double y) { return double(x != y); }); break;
    case Opc::And: binary([](double x, double y) { return double(x != 0 && y != 0); }); break;
    case Opc::Or: binary([](double x, double y) { return double(x != 0 || y != 0); }); break;
    case Opc::Select: {
      const double *c = reg(i.c);
      const uint32_t sc = stride(i.c);
      for (uint32_t l = 0; l < m; ++l) d[l] = a[l * sa] != 0 ? b[l * sb] : c[l * sc];
      break;
    }
    case Opc::Call: {
      const double *c = i.c >= 0 ? reg(i.c) : nullptr;
      const uint32_t sc = i.c >= 0 ? stride(i.c) : 0;
      double args[3] = {0, 0, 0};
      for (uint32_t l = 0; l < m; ++l) {
        args[0] = a[l * sa];
        if (b) args[1] = b[l * sb];
        if (c) args[2] = c[l * sc];
        d[l] = synapseFunction(i.fn, args);
      }
      break;
    }
    }
  }
}

void ContinuousSynapses::accumulate(const runtime::SynapseTable &table, uint64_t k, uint32_t postPopulationSize,
                                    unsigned thread, unsigned threads, double *input) const {
  // This thread's targets as post indices of the projection: [lo, hi).
  int64_t lo = int64_t(uint64_t(postPopulationSize) * thread / threads) - post_.first;
  int64_t hi = int64_t(uint64_t(postPopulationSize) * (thread + 1) / threads) - post_.first;
  lo = std::clamp<int64_t>(lo, 0, table.postSize);
  hi = std::clamp<int64_t>(hi, 0, table.postSize);
  if (lo >= hi) return;
  const bool whole = lo == 0 && hi == int64_t(table.postSize);

  thread_local std::vector<double> R;
  thread_local std::vector<const double *> preCols, postCols;
  if (R.size() < level_.size() * kChunk) R.resize(level_.size() * kChunk);
  for (size_t r = 0; r < level_.size(); ++r)
    if (level_[r] == Constant) R[r * kChunk] = constRegs_[r];
  preCols.clear();
  for (const Column &c : preCols_) preCols.push_back((*c.kind)[c.index].data());
  postCols.clear();
  for (const Column &c : postCols_) postCols.push_back((*c.kind)[c.index].data());

  const double t = double(k) * dt_;
  const uint32_t *post = table.post.data();
  double *out = input + post_.first;
  for (uint32_t row = 0; row < table.preSize; ++row) {
    uint64_t b = table.rowBegin(row), e = table.rowEnd(row);
    if (!whole) {
      // Rows are sorted by post index: this thread's part is contiguous.
      auto below = [](uint32_t x, int64_t v) { return int64_t(x) < v; };
      b = uint64_t(std::lower_bound(post + b, post + e, lo, below) - post);
      e = uint64_t(std::lower_bound(post + b, post + e, hi, below) - post);
    }
    if (b >= e) continue;
    run(rowCode_, R.data(), 1, preCols.data(), pre_.first + row, postCols.data(), nullptr, 0, t);
    for (uint64_t q0 = b; q0 < e; q0 += kChunk) {
      const uint32_t n = uint32_t(std::min<uint64_t>(kChunk, e - q0));
      run(laneCode_, R.data(), n, preCols.data(), pre_.first + row, postCols.data(), post + q0, q0, t);
      // Each synapse's delivers in source order, the synapses in index order.
      for (uint32_t l = 0; l < n; ++l) {
        double &target = out[post[q0 + l]];
        for (const Deliver &d : delivers_) {
          if (d.cond >= 0 && !(R[size_t(d.cond) * kChunk + (level_[d.cond] == Lane ? l : 0)] != 0)) continue;
          target += R[size_t(d.value) * kChunk + (level_[d.value] == Lane ? l : 0)] * d.factor;
        }
      }
    }
  }
}

} // namespace soma::sim
