#include "Plasticity.h"

#include "Evaluate.h"
#include "Simulation.h"
#include "soma/runtime/Expm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>

namespace soma::sim {

namespace {

/// Whether every value of a column is the same (a one-element column is).
bool uniform(const std::vector<double> &column) {
  return std::all_of(column.begin(), column.end(), [&](double x) { return x == column.front(); });
}

void collectDelivers(const ir::StmtList &list, std::vector<SourceRange> &out) {
  for (const ir::Stmt &s : list) {
    if (s.kind == ir::Stmt::Deliver) out.push_back(s.range);
    if (s.kind == ir::Stmt::If) {
      collectDelivers(s.thenBody, out);
      collectDelivers(s.elseBody, out);
    }
  }
}

} // namespace

PlasticSynapses::PlasticSynapses(const ir::Model &model, const runtime::SynapseTable &table, double dt,
                                 std::vector<std::vector<double>> params, std::vector<std::vector<double>> internals,
                                 std::vector<std::vector<double>> states,
                                 const std::vector<std::pair<SourceRange, double>> &deliverFactors, uint32_t ringSlots,
                                 SynapseProgram::Ends ends)
    : m_(model), n_(table.size()), scheme_(ir::synapseScheme(model)), dt_(dt), param_(std::move(params)),
      internal_(std::move(internals)), state_(std::move(states)) {
  std::vector<ProgramError> errors;
  for (const ir::EventBlock &ev : m_.events) {
    if (ev.kind == "pre") onPre_ = SynapseProgram::fromBlock(ev.body, ends, errors);
    else if (ev.kind == "post") onPost_ = SynapseProgram::fromBlock(ev.body, ends, errors);
    else errors.push_back({"an 'on " + ev.kind + "' block in a synapse", ev.range});
  }
  for (const ir::Unsupported &u : m_.unsupported) errors.push_back({u.what, u.range});
  if (!m_.continuous.empty()) continuous_ = SynapseProgram::fromBlock(m_.continuous, ends, errors);
  const uint64_t n = n_;

  // Coefficients of the subsystems, from the (possibly per-synapse) parameters.
  auto evalPerSynapse = [&](const ir::NodeRef &x) {
    std::vector<double> out;
    // Per synapse only when x reads a parameter or internal that varies.
    std::function<bool(const ir::Node &)> varies = [&](const ir::Node &nd) {
      if (nd.op == ir::Op::Param && param_[nd.index].size() > 1) return true;
      if (nd.op == ir::Op::Internal && internal_[nd.index].size() > 1) return true;
      return std::any_of(nd.args.begin(), nd.args.end(), [&](const ir::NodeRef &a) { return varies(*a); });
    };
    uint64_t count = varies(*x) ? n : 1;
    for (uint64_t s = 0; s < count; ++s) {
      ir::EvalEnv env;
      env.param = [&](int q) { return param_[q][param_[q].size() > 1 ? s : 0]; };
      env.internal = [&](int q) { return internal_[q][internal_[q].size() > 1 ? s : 0]; };
      env.other = [&](const ir::Node &node) -> double {
        if (node.op == ir::Op::Dt) return dt_;
        throw SimulationError("a synapse coefficient reads more than parameters", m_.range);
      };
      out.push_back(ir::evaluate(x, env));
    }
    if (out.size() > 1 && uniform(out)) out.resize(1);
    return out;
  };
  for (const ir::Subsystem &sub : m_.subsystems) {
    SourceRange where = m_.range;
    for (const ir::Ode &o : m_.odes)
      if (o.state == sub.states.front()) where = o.range;
    if (scheme_.eventDriven) {
      decays_.push_back({sub.states[0], dt_, evalPerSynapse(sub.A[0][0]), evalPerSynapse(sub.b[0]), {}, {}});
      continue;
    }
    Stepper st;
    st.method = sub.method;
    st.states = sub.states;
    if (sub.method == ir::Method::Exact) {
      size_t sz = sub.states.size();
      runtime::Matrix A(sz);
      for (size_t r = 0; r < sz; ++r)
        for (size_t c = 0; c < sz; ++c) {
          std::vector<double> a = evalPerSynapse(sub.A[r][c]);
          if (a.size() > 1) errors.push_back({"per-synapse coefficients of coupled linear states", where});
          A(r, c) = a[0];
        }
      runtime::InputPropagator ip = runtime::inputPropagator(A, dt_);
      st.P.assign(ip.p.data().begin(), ip.p.data().end());
      st.Q.assign(ip.q.data().begin(), ip.q.data().end());
      st.rhs = SynapseProgram::fromExpressions(sub.b, where, ends, errors);
    } else if (sub.method == ir::Method::Euler || sub.method == ir::Method::RK4) {
      std::vector<ir::NodeRef> rhs;
      for (int s : sub.states)
        for (const ir::Ode &o : m_.odes)
          if (o.state == s) rhs.push_back(o.rhs);
      st.rhs = SynapseProgram::fromExpressions(rhs, where, ends, errors);
    } else {
      errors.push_back({std::string("integration method '") + ir::methodName(sub.method) + "' in a synapse", where});
    }
    steppers_.push_back(std::move(st));
  }
  // The factor of each deliver, by its statement.
  auto factorsOf = [&](const ir::StmtList &body, std::vector<double> &out) {
    std::vector<SourceRange> delivers;
    collectDelivers(body, delivers);
    for (const SourceRange &r : delivers) {
      double f = 1;
      for (const auto &[range, factor] : deliverFactors)
        if (range.file == r.file && range.line == r.line && range.col == r.col) f = factor;
      out.push_back(f);
    }
  };
  for (const ir::EventBlock &ev : m_.events) {
    if (ev.kind == "pre") factorsOf(ev.body, deliverFactor_);
    if (ev.kind == "post") {
      std::vector<SourceRange> post;
      collectDelivers(ev.body, post);
      if (!post.empty()) errors.push_back({"'deliver' in 'on post'", post.front()});
    }
  }
  factorsOf(m_.continuous, continuousFactor_);
  if (!errors.empty()) throw SimulationError(errors.front().what + " is not supported by target cpu", errors.front().range);

  input_.assign(m_.inputs.size(), 0.0);
  // Synapses by post neuron, ascending synapse index within each.
  preOf_.resize(n);
  rows_ = table.preSize;
  for (uint32_t i = 0; i < table.preSize; ++i)
    for (uint64_t syn = table.rowBegin(i); syn < table.rowEnd(i); ++syn) preOf_[syn] = i;
  byPostOffsets_.assign(size_t(table.postSize) + 1, 0);
  for (uint32_t j : table.post) ++byPostOffsets_[size_t(j) + 1];
  for (size_t j = 1; j < byPostOffsets_.size(); ++j) byPostOffsets_[j] += byPostOffsets_[j - 1];
  byPost_.resize(n);
  byPostPre_.resize(n);
  std::vector<uint64_t> next(byPostOffsets_.begin(), byPostOffsets_.end() - 1);
  for (uint64_t syn = 0; syn < n; ++syn) {
    uint64_t q = next[table.post[syn]]++;
    byPost_[q] = syn;
    byPostPre_[q] = preOf_[syn];
  }
  pending_.assign(ringSlots, {});
  // A learned delay (docs/simulation.md, "Learned delays"): the state `learned_delay`, in ms.
  for (size_t k = 0; k < m_.states.size(); ++k)
    if (m_.states[k].name == "learned_delay") {
      delayState_ = int(k);
      static const Unit ms = *lookupUnitWord("ms");
      delayToMs_ = m_.states[k].type.unit.conversionFactorTo(ms);
      if (!std::isfinite(delayToMs_)) throw SimulationError("a learned delay must be a time", m_.states[k].range);
    }
  // Decay tables: most events find their synapse within a few thousand steps of the last
  // (at 5 Hz and dt = 0.1 ms, 16384 steps cover all but e^-8 of the intervals).
  constexpr uint64_t kTable = 16384;
  for (Decay &d : decays_) {
    if (d.a.size() > 1 || d.b.size() > 1) continue;
    double a = d.a[0], b = d.b[0];
    for (uint64_t k = 0; k < kTable && a != 0; ++k) {
      double h = double(k) * dt_;
      d.factor.push_back(std::exp(a * h));
      d.offset.push_back(b == 0 ? 0 : std::expm1(a * h) / a * b);
    }
  }
  hoistTraces(table);

  stateBuf_.assign(m_.states.size(), 0);
  paramBuf_.assign(m_.params.size(), 0);
  internalBuf_.assign(m_.internals.size(), 0);
  for (size_t q = 0; q < param_.size(); ++q) {
    paramBuf_[q] = param_[q].empty() ? 0 : param_[q][0];
    if (param_[q].size() > 1) varyingParams_.push_back(int(q));
  }
  for (size_t q = 0; q < internal_.size(); ++q) {
    internalBuf_[q] = internal_[q].empty() ? 0 : internal_[q][0];
    if (internal_[q].size() > 1) varyingInternals_.push_back(int(q));
  }
  size_t regs = std::max({onPre_.registers(), onPost_.registers(), continuous_.registers()});
  for (const Stepper &st : steppers_) regs = std::max(regs, st.rhs.registers());
  registers_.assign(regs, 0);
  outBuf_.assign(6 * m_.states.size(), 0); // per step: start, four slopes, results
  frame_.state = stateBuf_.data();
  frame_.param = paramBuf_.data();
  frame_.internal = internalBuf_.data();
  frame_.input = input_.data();
  frame_.dt = dt_;
}

namespace {

/// The states assigned in `list`; `nested` gets those assigned under an `if`.
void assignedStates(const ir::StmtList &list, bool underIf, std::vector<const ir::Stmt *> &top,
                    std::vector<int> &nested) {
  for (const ir::Stmt &s : list) {
    if (s.kind == ir::Stmt::Assign && s.targetOp == ir::Op::State) {
      if (underIf) nested.push_back(s.target);
      else top.push_back(&s);
    }
    if (s.kind == ir::Stmt::If) {
      assignedStates(s.thenBody, true, top, nested);
      assignedStates(s.elseBody, true, top, nested);
    }
  }
}

} // namespace

/// Decides which states live on neurons (see the header) and moves them there.
void PlasticSynapses::hoistTraces(const runtime::SynapseTable &table) {
  const size_t ns = m_.states.size();
  owner_.assign(ns, Owner::Synapse);
  bool oneDelay = n_ > 0 && delayState_ < 0 && std::all_of(table.delaySteps.begin(), table.delaySteps.end(),
                                        [&](uint32_t d) { return d == table.delaySteps[0]; });
  if (scheme_.eventDriven) {
    std::vector<const ir::Stmt *> top[2];
    std::vector<int> nested;
    for (const ir::EventBlock &ev : m_.events)
      assignedStates(ev.body, false, top[ev.kind == "post" ? 1 : 0], nested);
    auto uniformParams = [&](const ir::NodeRef &x, int self) {
      std::function<bool(const ir::Node &)> ok = [&](const ir::Node &nd) -> bool {
        switch (nd.op) {
        case ir::Op::State: return nd.index == self;
        case ir::Op::Param: return param_[nd.index].size() == 1;
        case ir::Op::Internal: return internal_[nd.index].size() == 1;
        case ir::Op::Const: case ir::Op::Dt: break;
        case ir::Op::Input: case ir::Op::Time: case ir::Op::Random: case ir::Op::PreState: case ir::Op::PostState:
          return false;
        default: break;
        }
        for (const ir::NodeRef &a : nd.args)
          if (!ok(*a)) return false;
        return true;
      };
      return ok(*x);
    };
    for (size_t x = 0; x < ns; ++x) {
      if (std::find(nested.begin(), nested.end(), int(x)) != nested.end()) continue;
      bool in[2] = {false, false}, simple = true;
      for (int side = 0; side < 2; ++side)
        for (const ir::Stmt *st : top[side])
          if (st->target == int(x)) {
            in[side] = true;
            simple = simple && uniformParams(st->value, int(x));
          }
      if (!simple || in[0] == in[1]) continue; // changed by both blocks, or by neither
      const std::vector<double> &init = state_[x];
      if (!init.empty() && !std::all_of(init.begin(), init.end(), [&](double v) { return v == init[0]; })) continue;
      if (const Decay *d = decayOf(int(x)); d && (d->a.size() > 1 || d->b.size() > 1)) continue;
      if (in[0] && !oneDelay) continue; // pre traces need every synapse of a row to see the arrival
      if (int(x) == delayState_) continue; // read per synapse when a spike is scheduled
      owner_[x] = in[0] ? Owner::Pre : Owner::Post;
    }
  }
  rowArrivals_ = oneDelay;
  for (int side = 0; side < 2; ++side) {
    Side &sd = side ? post_ : pre_;
    uint32_t neurons = side ? table.postSize : table.preSize;
    for (size_t x = 0; x < ns; ++x)
      if (owner_[x] == (side ? Owner::Post : Owner::Pre)) {
        sd.states.push_back(int(x));
        sd.value.emplace_back(neurons, state_[x].empty() ? 0.0 : state_[x][0]);
        state_[x].clear();
        state_[x].shrink_to_fit();
      }
    if (!sd.states.empty()) sd.at.assign(neurons, 0);
  }
  bool ownDecays = false;
  for (size_t x = 0; x < ns; ++x)
    if (owner_[x] == Owner::Synapse) {
      own_.push_back(int(x));
      ownDecays = ownDecays || decayOf(int(x));
    }
  at_.assign(scheme_.eventDriven && ownDecays ? n_ : 0, 0);
}

const PlasticSynapses::Decay *PlasticSynapses::decayOf(int state) const {
  for (const Decay &d : decays_)
    if (d.state == state) return &d;
  return nullptr;
}

void PlasticSynapses::bindNeurons(const std::vector<double *> *preStates, uint64_t preFirst,
                                  const std::vector<double *> *postStates, uint64_t postFirst) {
  frame_.preStates = preStates;
  frame_.postStates = postStates;
  preFirst_ = preFirst;
  postFirst_ = postFirst;
}

void PlasticSynapses::loadParams(uint64_t syn) {
  for (int q : varyingParams_) paramBuf_[q] = param_[q][syn];
  for (int q : varyingInternals_) internalBuf_[q] = internal_[q][syn];
}

void PlasticSynapses::load(uint64_t syn, uint64_t step) {
  for (int s : own_) stateBuf_[s] = state_[s][syn];
  loadParams(syn);
  if (at_.empty() || at_[syn] == step) return;
  uint64_t steps = step - at_[syn];
  for (int s : own_)
    if (const Decay *d = decayOf(s)) stateBuf_[s] = d->at(syn, stateBuf_[s], steps);
  at_[syn] = step;
}

void PlasticSynapses::prefetch(uint64_t syn) const {
  for (int s : own_) __builtin_prefetch(&state_[s][syn], 1);
  if (!at_.empty()) __builtin_prefetch(&at_[syn], 1);
}

void PlasticSynapses::prefetchPost(uint32_t j) const {
  // The first synapses onto j: the loop prefetches the rest ahead of itself.
  constexpr uint64_t kFirst = 16;
  for (uint64_t q = byPostOffsets_[j]; q < std::min(byPostOffsets_[j + 1], byPostOffsets_[j] + kFirst); ++q)
    prefetch(byPost_[q]);
}

void PlasticSynapses::store(uint64_t syn) {
  for (int s : own_) state_[s][syn] = stateBuf_[s];
}

void PlasticSynapses::loadSide(const Side &side, uint32_t neuron, uint64_t step) {
  for (size_t k = 0; k < side.states.size(); ++k) {
    int s = side.states[k];
    const Decay *d = decayOf(s);
    double x = side.value[k][neuron];
    stateBuf_[s] = d ? d->at(0, x, step - side.at[neuron]) : x;
  }
}

void PlasticSynapses::caughtUp(const Side &side, uint32_t neuron, uint64_t step, double *out) const {
  for (size_t k = 0; k < side.states.size(); ++k) {
    const Decay *d = decayOf(side.states[k]);
    double x = side.value[k][neuron];
    out[k] = d ? d->at(0, x, step - side.at[neuron]) : x;
  }
}

void PlasticSynapses::keep(Side &side, uint32_t neuron, uint64_t step, const double *values) {
  if (side.states.empty()) return;
  for (size_t k = 0; k < side.states.size(); ++k) side.value[k][neuron] = values[k];
  side.at[neuron] = step;
}

void PlasticSynapses::catchUpSide(Side &side, uint32_t neuron, uint64_t step) {
  if (side.states.empty()) return;
  loadSide(side, neuron, step);
  storeSide(side, neuron);
  side.at[neuron] = step;
}

void PlasticSynapses::storeSide(Side &side, uint32_t neuron) {
  for (size_t k = 0; k < side.states.size(); ++k) side.value[k][neuron] = stateBuf_[side.states[k]];
}

double PlasticSynapses::Decay::at(uint64_t syn, double x, uint64_t steps) const {
  if (steps == 0) return x;
  if (steps < factor.size()) return offset[steps] == 0 ? factor[steps] * x : factor[steps] * x + offset[steps];
  double a = this->a[this->a.size() > 1 ? syn : 0], b = this->b[this->b.size() > 1 ? syn : 0];
  double h = double(steps) * dt;
  // x(h) = e^{a h} x + (e^{a h} - 1)/a b, and x + b h when a = 0.
  if (a == 0) return x + b * h;
  double e = std::exp(a * h);
  return b == 0 ? e * x : e * x + std::expm1(a * h) / a * b;
}

double PlasticSynapses::valueAt(const runtime::SynapseTable &table, size_t s, uint64_t syn, uint64_t step) const {
  if (lazy_ && histLine_[table.post[syn] * historyStride()])
    throw std::logic_error("PlasticSynapses::valueAt with lazy post events pending (flushPost first)");
  const Decay *d = decayOf(int(s));
  if (owner_[s] != Owner::Synapse) {
    const Side &side = owner_[s] == Owner::Pre ? pre_ : post_;
    uint32_t neuron = owner_[s] == Owner::Pre ? preOf_[syn] : table.post[syn];
    size_t k = size_t(std::find(side.states.begin(), side.states.end(), int(s)) - side.states.begin());
    double x = side.value[k][neuron];
    return d ? d->at(0, x, step - side.at[neuron]) : x;
  }
  double x = state_[s][syn];
  return d && !at_.empty() ? d->at(syn, x, step - at_[syn]) : x;
}

extern "C" double soma_synapse_decayed(const void *decay, uint64_t syn, double x, uint64_t steps) {
  return static_cast<const PlasticSynapses::Decay *>(decay)->at(syn, x, steps);
}

PlasticSynapses::CodeSpec PlasticSynapses::codeSpec() const {
  CodeSpec c;
  c.compilable = delayState_ < 0;
  c.onPre = &onPre_;
  c.onPost = &onPost_;
  c.dt = dt_;
  c.rowArrivals = rowArrivals_;
  c.ownAt = !at_.empty();
  c.lazyPost = lazySpec();
  c.historyCap = kHistory;
  c.postSideStates = post_.states.size();
  c.historyStride = historyStride();
  for (size_t s = 0; s < m_.states.size(); ++s) {
    CodeSpec::StateCode sc;
    sc.owner = int(owner_[s]);
    if (const Decay *d = decayOf(int(s))) {
      // A per-synapse state decays only when its step is kept (at_); one on a neuron always.
      sc.decays = owner_[s] != Owner::Synapse || !at_.empty();
      sc.decay = d;
      if (!d->factor.empty()) {
        sc.factor = d->factor.data();
        sc.offset = d->offset.data();
        sc.tableSize = d->factor.size();
        sc.zeroOffset = std::all_of(d->offset.begin(), d->offset.end(), [](double o) { return o == 0; });
      }
    }
    c.states.push_back(sc);
  }
  for (size_t q = 0; q < param_.size(); ++q) {
    c.paramUniform.push_back(param_[q].size() <= 1);
    c.paramValue.push_back(paramBuf_[q]);
  }
  for (size_t q = 0; q < internal_.size(); ++q) {
    c.internalUniform.push_back(internal_[q].size() <= 1);
    c.internalValue.push_back(internalBuf_[q]);
  }
  c.deliverFactor = deliverFactor_;
  return c;
}

SynapseKernelData PlasticSynapses::kernelData(const uint32_t *post, double *slot) {
  SynapseKernelData k;
  ownColumns_.assign(m_.states.size(), nullptr);
  preColumns_.assign(m_.states.size(), nullptr);
  postColumns_.assign(m_.states.size(), nullptr);
  for (int s : own_) ownColumns_[s] = state_[s].data();
  for (size_t i = 0; i < pre_.states.size(); ++i) preColumns_[pre_.states[i]] = pre_.value[i].data();
  for (size_t i = 0; i < post_.states.size(); ++i) postColumns_[post_.states[i]] = post_.value[i].data();
  paramColumns_.assign(param_.size(), nullptr);
  internalColumns_.assign(internal_.size(), nullptr);
  for (int q : varyingParams_) paramColumns_[q] = param_[q].data();
  for (int q : varyingInternals_) internalColumns_[q] = internal_[q].data();
  k.own = ownColumns_.data();
  k.at = at_.data();
  k.preSide = preColumns_.data();
  k.preAt = pre_.at.data();
  k.postSide = postColumns_.data();
  k.postAt = post_.at.data();
  k.param = paramColumns_.data();
  k.internal = internalColumns_.data();
  k.input = input_.data();
  k.preStates = frame_.preStates ? frame_.preStates->data() : nullptr;
  k.postStates = frame_.postStates ? frame_.postStates->data() : nullptr;
  k.preFirst = preFirst_;
  k.postFirst = postFirst_;
  k.post = post;
  k.preOf = preOf_.data();
  k.byPost = byPost_.data();
  k.byPostPre = byPostPre_.data();
  k.slot = slot;
  k.history = histLine_;
  k.applied = applied_.data();
  return k;
}

bool PlasticSynapses::lazySpec() const {
  if (lazyMode_ == 0 || (lazyMode_ < 0 && n_ < kLazyMin)) return false;
  if (!rowArrivals_ || !scheme_.eventDriven || !steppers_.empty() || !continuous_.empty() || delayState_ >= 0 ||
      onPre_.empty() || onPost_.empty())
    return false;
  // Replayable later: `on post` reads nothing that changes with time but its states.
  for (const SynapseProgram::Ins &i : onPost_.code())
    if (i.op == SynapseProgram::Opc::Input || i.op == SynapseProgram::Opc::PreState ||
        i.op == SynapseProgram::Opc::PostState)
      return false;
  return true;
}

void PlasticSynapses::useKernels(const SynapseKernels &kernels) {
  kernels_ = kernels;
  lazy_ = lazySpec() && kernels_.preRow && kernels_.post && kernels_.postSide && kernels_.flush && kernels_.flushRow;
  if (!lazy_) return;
  const uint64_t posts = byPostOffsets_.size() - 1;
  histStep_.assign(posts * historyStride() + 16, 0);
  // Each neuron's history on cache lines of its own.
  histLine_ = histStep_.data();
  while (uintptr_t(histLine_) % 128) ++histLine_;
  applied_.assign(rows_, 0);
}

void PlasticSynapses::lazySpike(const SynapseKernelData &data, uint32_t j, uint64_t step) {
  const uint64_t first = byPostOffsets_[j], last = byPostOffsets_[j + 1];
  if (first == last) return;
  uint64_t *line = histLine_ + j * historyStride();
  const size_t np = post_.states.size();
  if (line[0] == kHistory) {
    // Full: drop the entries every row onto j has applied; if none, apply all to j's
    // synapses first.
    uint64_t oldest = UINT64_MAX;
    for (uint64_t q = first; q < last; ++q) oldest = std::min(oldest, applied_[byPostPre_[q]]);
    uint64_t done = 0;
    while (done < kHistory && line[1 + done] <= oldest) ++done;
    if (done == 0) {
      kernels_.flush(&data, first, last, j, step);
      line[0] = 0;
    } else {
      const uint64_t keep = kHistory - done;
      std::memmove(line + 1, line + 1 + done, keep * sizeof(uint64_t));
      std::memmove(line + 1 + kHistory, line + 1 + kHistory + done * np, keep * np * sizeof(double));
      line[0] = keep;
    }
  }
  const uint64_t k = line[0]++;
  line[1 + k] = step;
  for (size_t m = 0; m < np; ++m) std::memcpy(line + 1 + kHistory + k * np + m, &post_.value[m][j], sizeof(double));
  kernels_.postSide(&data, first, last, j, step);
}

void PlasticSynapses::flushPost(const runtime::SynapseTable &table) {
  if (!lazy_) return;
  bool pending = false;
  for (uint32_t j = 0; j + 1 < byPostOffsets_.size() && !pending; ++j) pending = histLine_[j * historyStride()] != 0;
  if (!pending) return;
  // Row by row: the synapse table in its order (each synapse replays its post neuron's).
  const SynapseKernelData data = kernelData(table.post.data(), nullptr);
  for (uint32_t i = 0; i < rows_; ++i)
    if (table.rowBegin(i) < table.rowEnd(i)) kernels_.flushRow(&data, table.rowBegin(i), table.rowEnd(i), i, UINT64_MAX);
  for (uint32_t j = 0; j + 1 < byPostOffsets_.size(); ++j) histLine_[j * historyStride()] = 0;
}

void PlasticSynapses::compiledPostSpikes(const SynapseKernelData &data, const uint32_t *from, const uint32_t *to,
                                         uint64_t step, double *side) {
  if (from != to && !lazy_) prefetchPost(*from);
  for (const uint32_t *it = from; it != to; ++it) {
    const uint32_t j = *it;
    caughtUp(post_, j, step, side);
    keep(post_, j, step, side);
    if (lazy_) {
      lazySpike(data, j, step);
      continue;
    }
    if (it + 1 != to) prefetchPost(it[1]);
    kernels_.post(&data, byPostOffsets_[j], byPostOffsets_[j + 1], j, step);
  }
}

void PlasticSynapses::postSpikes(const std::vector<uint32_t> &spiking, uint64_t step) {
  if (onPost_.empty()) return;
  frame_.t = double(step) * dt_;
  if (lazy_ || kernels_.post) {
    postSide_.resize(post_.states.size());
    compiledPostSpikes(kernelData(nullptr, nullptr), spiking.data(), spiking.data() + spiking.size(), step,
                       postSide_.data());
    return;
  }
  for (uint32_t j : spiking) {
    catchUpSide(post_, j, step);
    const uint64_t first = byPostOffsets_[j], last = byPostOffsets_[j + 1];
    // The synapses onto one neuron are scattered over the table (it is stored by pre
    // neuron): ask for their states well ahead, so the cache misses overlap.
    constexpr uint64_t kAhead = 16;
    for (uint64_t q = first; q < std::min(last, first + kAhead); ++q) prefetch(byPost_[q]);
    for (uint64_t q = first; q < last; ++q) {
      if (q + kAhead < last) prefetch(byPost_[q + kAhead]);
      uint64_t syn = byPost_[q];
      frame_.preIndex = preFirst_ + byPostPre_[q];
      frame_.postIndex = postFirst_ + j;
      load(syn, step);
      loadSide(pre_, byPostPre_[q], step);
      loadSide(post_, j, step); // as before this event: every synapse starts from it
      onPost_.run(frame_, registers_.data());
      store(syn);
    }
    if (first != last) storeSide(post_, j); // the same new values in every synapse
  }
}

void PlasticSynapses::checkpointArrays(std::vector<std::vector<double> *> &values,
                                       std::vector<std::vector<uint64_t> *> &steps) {
  for (int s : own_) values.push_back(&state_[s]);
  steps.push_back(&at_);
  for (Side *side : {&pre_, &post_}) {
    for (auto &v : side->value) values.push_back(&v);
    steps.push_back(&side->at);
  }
}

void PlasticSynapses::advance(const runtime::SynapseTable &table, uint64_t step) {
  if (steppers_.empty()) return;
  const uint64_t n = n_;
  const double t0 = double(step) * dt_;
  // Each subsystem reads the others at t_step (as in the neuron kernels): results go to
  // `next` and are applied after all subsystems ran.
  double *x0 = outBuf_.data(), *k = x0 + state_.size(), *next = k + 4 * state_.size();
  for (uint64_t syn = 0; syn < n; ++syn) {
    frame_.preIndex = preFirst_ + preOf_[syn];
    frame_.postIndex = postFirst_ + table.post[syn];
    load(syn, step);
    for (const Stepper &st : steppers_) {
      const size_t sz = st.states.size();
      for (size_t r = 0; r < sz; ++r) x0[r] = stateBuf_[st.states[r]];
      // The right-hand sides at t0 + c dt, at x0 + scale * from (from = null: at x0).
      auto stage = [&](double c, double *slope, const double *from, double scale) {
        for (size_t r = 0; r < sz; ++r) stateBuf_[st.states[r]] = from ? x0[r] + scale * from[r] : x0[r];
        frame_.t = t0 + c * dt_;
        frame_.out = slope;
        st.rhs.run(frame_, registers_.data());
      };
      double *k1 = k, *k2 = k + sz, *k3 = k + 2 * sz, *k4 = k + 3 * sz;
      stage(0, k1, nullptr, 0); // exact: b; numeric: the slope at t0
      for (size_t r = 0; r < sz; ++r) {
        double v;
        if (st.method == ir::Method::Exact) {
          v = 0;
          for (size_t c = 0; c < sz; ++c) v += st.P[r * sz + c] * x0[c];
          for (size_t c = 0; c < sz; ++c) v += st.Q[r * sz + c] * k1[c];
        } else {
          v = x0[r] + dt_ * k1[r]; // euler; rk4 below
        }
        next[r] = v;
      }
      if (st.method == ir::Method::RK4) {
        stage(0.5, k2, k1, dt_ / 2);
        stage(0.5, k3, k2, dt_ / 2);
        stage(1, k4, k3, dt_);
        for (size_t r = 0; r < sz; ++r) next[r] = x0[r] + dt_ / 6 * (k1[r] + 2 * k2[r] + 2 * k3[r] + k4[r]);
      }
      for (size_t r = 0; r < sz; ++r) stateBuf_[st.states[r]] = x0[r];
      next += sz;
    }
    next = k + 4 * state_.size();
    for (const Stepper &st : steppers_)
      for (int s : st.states) stateBuf_[s] = *next++;
    next = k + 4 * state_.size();
    store(syn);
  }
}

void PlasticSynapses::continuous(const runtime::SynapseTable &table, uint64_t step,
                                 const std::function<void(uint32_t, double)> &deliver) {
  if (continuous_.empty()) return;
  frame_.t = double(step) * dt_;
  for (uint64_t syn = 0; syn < n_; ++syn) {
    frame_.preIndex = preFirst_ + preOf_[syn];
    frame_.postIndex = postFirst_ + table.post[syn];
    // The states at t_step without moving them (an event-driven state keeps its own time).
    for (size_t s = 0; s < m_.states.size(); ++s) stateBuf_[s] = valueAt(table, s, syn, step);
    loadParams(syn);
    frame_.deliveredMask = 0;
    continuous_.run(frame_, registers_.data());
    for (unsigned d = 0; d < continuousFactor_.size(); ++d)
      if (frame_.deliveredMask & (1u << d)) deliver(table.post[syn], frame_.delivered[d] * continuousFactor_[d]);
  }
}

void PlasticSynapses::schedule(const runtime::SynapseTable &table, uint32_t pre, uint64_t stampStep, uint32_t count) {
  if (table.rowBegin(pre) == table.rowEnd(pre)) return;
  const size_t slots = pending_.size();
  if (delayState_ >= 0) {
    // Each synapse's learned delay as it stands now, rounded as delays are, within
    // [1, the connect's delay] steps; every copy of a multiple spike gets the same.
    for (uint64_t syn = table.rowBegin(pre); syn < table.rowEnd(pre); ++syn) {
      uint32_t d = learnedSteps(valueAt(table, size_t(delayState_), syn, stampStep), table.delaySteps[syn]);
      for (uint32_t c = 0; c < count; ++c) pending_[(stampStep + d) % slots].push_back(syn);
    }
    return;
  }
  // The spike reaches the synapse after the axonal part of the delay.
  const uint64_t at = stampStep - dendriticSteps_;
  for (uint32_t c = 0; c < count; ++c) {
    if (rowArrivals_) {
      pending_[(at + table.delaySteps[table.rowBegin(pre)]) % slots].push_back(pre);
      continue;
    }
    for (uint64_t syn = table.rowBegin(pre); syn < table.rowEnd(pre); ++syn)
      pending_[(at + table.delaySteps[syn]) % slots].push_back(syn);
  }
}

uint32_t PlasticSynapses::delayStepsAt(const runtime::SynapseTable &table, uint64_t syn, uint64_t step) const {
  if (delayState_ < 0) return table.delaySteps[syn];
  return learnedSteps(valueAt(table, size_t(delayState_), syn, step), table.delaySteps[syn]);
}

uint32_t PlasticSynapses::learnedSteps(double delay, uint32_t bound) const {
  const double q = delay * delayToMs_ / dt_;
  if (std::isnan(q)) return bound;
  const double steps = std::floor(q + 0.5 + 1e-9 * std::fabs(q)); // as runtime::delayToSteps
  return steps < 1 ? 1 : steps > double(bound) ? bound : uint32_t(steps);
}

uint64_t PlasticSynapses::arrivals(const runtime::SynapseTable &table, uint64_t step, double *slot) {
  std::vector<uint64_t> &due = pending_[step % pending_.size()];
  frame_.t = double(step) * dt_;
  uint64_t events = 0;
  auto onPre = [&](uint64_t syn, uint32_t pre) {
    frame_.preIndex = preFirst_ + pre;
    frame_.postIndex = postFirst_ + table.post[syn];
    load(syn, step);
    loadSide(pre_, pre, step);
    loadSide(post_, table.post[syn], step);
    frame_.deliveredMask = 0;
    onPre_.run(frame_, registers_.data());
    store(syn);
    for (unsigned d = 0; d < deliverFactor_.size(); ++d)
      if (frame_.deliveredMask & (1u << d)) slot[table.post[syn]] += frame_.delivered[d] * deliverFactor_[d];
  };
  if (kernels_.preRow && rowArrivals_) {
    const SynapseKernelData data = kernelData(table.post.data(), slot);
    const size_t np = pre_.states.size();
    sideIn_.resize(np);
    sideOut_.resize(np);
    for (uint64_t entry : due) {
      const uint32_t pre = uint32_t(entry);
      caughtUp(pre_, pre, step, sideIn_.data());
      const uint64_t b = table.rowBegin(pre), e = table.rowEnd(pre);
      kernels_.preRow(&data, b, e, pre, step, sideIn_.data(), sideOut_.data());
      keep(pre_, pre, step, b < e ? sideOut_.data() : sideIn_.data());
      if (lazy_) applied_[pre] = step - 1;
      events += e - b;
    }
    due.clear();
    return events;
  }
  if (kernels_.preList && !rowArrivals_) {
    const SynapseKernelData data = kernelData(table.post.data(), slot);
    kernels_.preList(&data, due.data(), due.size(), step);
    events = due.size();
    due.clear();
    return events;
  }
  for (uint64_t entry : due) {
    if (!rowArrivals_) {
      onPre(entry, preOf_[entry]);
      ++events;
      continue;
    }
    // A whole row: its pre traces move once, from the same start for every synapse.
    const uint32_t pre = uint32_t(entry);
    catchUpSide(pre_, pre, step);
    for (uint64_t syn = table.rowBegin(pre); syn < table.rowEnd(pre); ++syn) onPre(syn, pre);
    storeSide(pre_, pre);
    events += table.rowEnd(pre) - table.rowBegin(pre);
  }
  due.clear();
  return events;
}

void PlasticSynapses::setDendriticSteps(uint32_t steps) {
  dendriticSteps_ = steps;
  postPending_.assign(steps ? size_t(steps) + 1 : 0, {});
}

const std::vector<uint32_t> &PlasticSynapses::postArrivals(const std::vector<uint32_t> &spiking, uint64_t step) {
  if (!dendriticSteps_) return spiking;
  const size_t slots = postPending_.size();
  std::vector<uint64_t> &due = postPending_[step % slots];
  postDue_.assign(due.begin(), due.end());
  due.clear();
  postPending_[(step + dendriticSteps_) % slots].assign(spiking.begin(), spiking.end());
  return postDue_;
}

bool PlasticSynapses::splittable() const {
  return delayState_ < 0 && steppers_.empty() && continuous_.empty() &&
         (onPre_.empty() || kernels_.preRow || kernels_.preList) && (onPost_.empty() || kernels_.post);
}

bool PlasticSynapses::prepare(const runtime::SynapseTable &table, uint64_t arrival, double *slot, unsigned threads) {
  const std::vector<uint64_t> &due = pending_[arrival % pending_.size()];
  const size_t np = pre_.states.size();
  if (rowArrivals_ && (np || lazy_)) {
    // Each row's traces start where the row before left them, and lazy post events are
    // applied to a row up to its last arrival: a row due twice must wait.
    seen_.resize(rows_, 0);
    for (uint64_t entry : due) {
      if (seen_[entry] == arrival + 1) return false;
      seen_[entry] = arrival + 1;
    }
  }
  if (rowArrivals_ && np) {
    rowStart_.resize(due.size() * np);
    rowEnd_.resize(due.size() * np);
    for (size_t i = 0; i < due.size(); ++i) caughtUp(pre_, uint32_t(due[i]), arrival, &rowStart_[i * np]);
  }
  split_ = kernelData(table.post.data(), slot);
  splitArrival_ = arrival;
  threadSide_.resize(threads);
  threadList_.resize(threads);
  for (auto &side : threadSide_) side.resize(post_.states.size());
  return true;
}

uint64_t PlasticSynapses::part(const runtime::SynapseTable &table, const std::vector<uint32_t> &spiking, uint64_t stamp,
                               uint32_t lo, uint32_t hi, unsigned thread) {
  if (lazy_ || kernels_.post) {
    // This thread's neurons in `spiking` (ascending): [from, to).
    const uint32_t *from = std::lower_bound(spiking.data(), spiking.data() + spiking.size(), lo);
    const uint32_t *to = std::lower_bound(from, spiking.data() + spiking.size(), hi);
    compiledPostSpikes(split_, from, to, stamp, threadSide_[thread].data());
  }
  const std::vector<uint64_t> &due = pending_[splitArrival_ % pending_.size()];
  uint64_t events = 0;
  if (kernels_.preRow && rowArrivals_) {
    const size_t np = pre_.states.size();
    const uint32_t *post = table.post.data();
    for (size_t i = 0; i < due.size(); ++i) {
      const uint32_t pre = uint32_t(due[i]);
      const uint64_t first = table.rowBegin(pre);
      // Rows are sorted by post index: this thread's synapses are one run of the row.
      const uint64_t b = uint64_t(std::lower_bound(post + first, post + table.rowEnd(pre), lo) - post);
      const uint64_t e = uint64_t(std::lower_bound(post + b, post + table.rowEnd(pre), hi) - post);
      if (b == e) continue;
      kernels_.preRow(&split_, b, e, pre, splitArrival_, np ? &rowStart_[i * np] : nullptr,
                      np && b == first ? &rowEnd_[i * np] : nullptr);
      events += e - b;
    }
  } else if (kernels_.preList) {
    std::vector<uint64_t> &mine = threadList_[thread];
    mine.clear();
    for (uint64_t syn : due)
      if (table.post[syn] >= lo && table.post[syn] < hi) mine.push_back(syn);
    kernels_.preList(&split_, mine.data(), mine.size(), splitArrival_);
    events = mine.size();
  }
  return events;
}

void PlasticSynapses::finish(const runtime::SynapseTable &table) {
  std::vector<uint64_t> &due = pending_[splitArrival_ % pending_.size()];
  const size_t np = pre_.states.size();
  if (rowArrivals_ && np)
    for (size_t i = 0; i < due.size(); ++i) {
      const uint32_t pre = uint32_t(due[i]);
      keep(pre_, pre, splitArrival_, table.rowBegin(pre) < table.rowEnd(pre) ? &rowEnd_[i * np] : &rowStart_[i * np]);
    }
  if (lazy_)
    for (uint64_t entry : due) applied_[entry] = splitArrival_ - 1;
  due.clear();
}

} // namespace soma::sim
