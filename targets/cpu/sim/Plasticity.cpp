#include "Plasticity.h"

#include "Evaluate.h"
#include "Simulation.h"
#include "soma/runtime/Expm.h"

#include <algorithm>
#include <cmath>

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
                                 std::vector<std::vector<double>> states, std::vector<double> deliverFactors,
                                 uint32_t ringSlots)
    : m_(model), n_(table.size()), scheme_(ir::synapseScheme(model)), dt_(dt), param_(std::move(params)),
      internal_(std::move(internals)), state_(std::move(states)), deliverFactor_(std::move(deliverFactors)) {
  std::vector<ProgramError> errors;
  for (const ir::EventBlock &ev : m_.events) {
    if (ev.kind == "pre") onPre_ = SynapseProgram::fromBlock(ev.body, errors);
    else if (ev.kind == "post") onPost_ = SynapseProgram::fromBlock(ev.body, errors);
    else errors.push_back({"an 'on " + ev.kind + "' block in a synapse", ev.range});
  }
  for (const ir::Unsupported &u : m_.unsupported) errors.push_back({u.what, u.range});
  if (!m_.continuous.empty()) errors.push_back({"a 'continuous' block", m_.continuous.front().range});
  const uint64_t n = n_;

  // Coefficients of the subsystems, from the (possibly per-synapse) parameters.
  auto evalPerSynapse = [&](const ir::NodeRef &x) {
    std::vector<double> out;
    bool varies = false;
    for (auto &col : param_) varies = varies || col.size() > 1;
    for (auto &col : internal_) varies = varies || col.size() > 1;
    uint64_t count = varies ? n : 1;
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
      decays_.push_back({sub.states[0], evalPerSynapse(sub.A[0][0]), evalPerSynapse(sub.b[0])});
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
      st.rhs = SynapseProgram::fromExpressions(sub.b, where, errors);
    } else if (sub.method == ir::Method::Euler || sub.method == ir::Method::RK4) {
      std::vector<ir::NodeRef> rhs;
      for (int s : sub.states)
        for (const ir::Ode &o : m_.odes)
          if (o.state == s) rhs.push_back(o.rhs);
      st.rhs = SynapseProgram::fromExpressions(rhs, where, errors);
    } else {
      errors.push_back({std::string("integration method '") + ir::methodName(sub.method) + "' in a synapse", where});
    }
    steppers_.push_back(std::move(st));
  }
  std::vector<SourceRange> delivers;
  for (const ir::EventBlock &ev : m_.events)
    if (ev.kind == "pre") collectDelivers(ev.body, delivers);
  for (const ir::EventBlock &ev : m_.events)
    if (ev.kind == "post") {
      std::vector<SourceRange> post;
      collectDelivers(ev.body, post);
      if (!post.empty()) errors.push_back({"'deliver' in 'on post'", post.front()});
    }
  deliverFactor_.resize(delivers.size(), 1.0);
  if (!errors.empty()) throw SimulationError(errors.front().what + " is not supported by target cpu", errors.front().range);

  at_.assign(scheme_.eventDriven && !decays_.empty() ? n : 0, 0);
  input_.assign(m_.inputs.size(), 0.0);
  // Synapses by post neuron, ascending synapse index within each.
  byPostOffsets_.assign(size_t(table.postSize) + 1, 0);
  for (uint32_t j : table.post) ++byPostOffsets_[size_t(j) + 1];
  for (size_t j = 1; j < byPostOffsets_.size(); ++j) byPostOffsets_[j] += byPostOffsets_[j - 1];
  byPost_.resize(n);
  std::vector<uint64_t> next(byPostOffsets_.begin(), byPostOffsets_.end() - 1);
  for (uint64_t s = 0; s < n; ++s) byPost_[next[table.post[s]]++] = s;
  pending_.assign(ringSlots, {});

  stateBuf_.assign(m_.states.size(), 0);
  paramBuf_.assign(m_.params.size(), 0);
  internalBuf_.assign(m_.internals.size(), 0);
  for (size_t q = 0; q < param_.size(); ++q) paramBuf_[q] = param_[q].empty() ? 0 : param_[q][0];
  for (size_t q = 0; q < internal_.size(); ++q) internalBuf_[q] = internal_[q].empty() ? 0 : internal_[q][0];
  size_t regs = std::max(onPre_.registers(), onPost_.registers());
  for (const Stepper &st : steppers_) regs = std::max(regs, st.rhs.registers());
  registers_.assign(regs, 0);
  outBuf_.assign(6 * m_.states.size(), 0); // per step: start, four slopes, results
  frame_.state = stateBuf_.data();
  frame_.param = paramBuf_.data();
  frame_.internal = internalBuf_.data();
  frame_.input = input_.data();
  frame_.dt = dt_;
}

void PlasticSynapses::load(uint64_t syn) {
  for (size_t s = 0; s < state_.size(); ++s) stateBuf_[s] = state_[s][syn];
  for (size_t q = 0; q < param_.size(); ++q)
    if (param_[q].size() > 1) paramBuf_[q] = param_[q][syn];
  for (size_t q = 0; q < internal_.size(); ++q)
    if (internal_[q].size() > 1) internalBuf_[q] = internal_[q][syn];
}

void PlasticSynapses::store(uint64_t syn) {
  for (size_t s = 0; s < state_.size(); ++s) state_[s][syn] = stateBuf_[s];
}

double PlasticSynapses::decayed(const Decay &d, uint64_t syn, double x, uint64_t steps) const {
  if (steps == 0) return x;
  double a = d.a[d.a.size() > 1 ? syn : 0], b = d.b[d.b.size() > 1 ? syn : 0];
  double h = double(steps) * dt_;
  // x(h) = e^{a h} x + (e^{a h} - 1)/a b, and x + b h when a = 0.
  if (a == 0) return x + b * h;
  double e = std::exp(a * h);
  return b == 0 ? e * x : e * x + std::expm1(a * h) / a * b;
}

void PlasticSynapses::catchUp(uint64_t syn, uint64_t step) {
  if (at_.empty() || at_[syn] == step) return;
  uint64_t steps = step - at_[syn];
  for (const Decay &d : decays_) stateBuf_[d.state] = decayed(d, syn, stateBuf_[d.state], steps);
  at_[syn] = step;
}

double PlasticSynapses::valueAt(size_t s, uint64_t syn, uint64_t step) const {
  double x = state_[s][syn];
  if (at_.empty()) return x;
  for (const Decay &d : decays_)
    if (size_t(d.state) == s) return decayed(d, syn, x, step - at_[syn]);
  return x;
}

void PlasticSynapses::postSpikes(const std::vector<uint32_t> &spiking, uint64_t step) {
  if (onPost_.empty()) return;
  frame_.t = double(step) * dt_;
  for (uint32_t j : spiking)
    for (uint64_t q = byPostOffsets_[j]; q < byPostOffsets_[j + 1]; ++q) {
      uint64_t syn = byPost_[q];
      load(syn);
      catchUp(syn, step);
      onPost_.run(frame_, registers_.data());
      store(syn);
    }
}

void PlasticSynapses::advance(uint64_t step) {
  if (steppers_.empty()) return;
  const uint64_t n = n_;
  const double t0 = double(step) * dt_;
  // Each subsystem reads the others at t_step (as in the neuron kernels): results go to
  // `next` and are applied after all subsystems ran.
  double *x0 = outBuf_.data(), *k = x0 + state_.size(), *next = k + 4 * state_.size();
  for (uint64_t syn = 0; syn < n; ++syn) {
    load(syn);
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

void PlasticSynapses::schedule(const runtime::SynapseTable &table, uint32_t pre, uint64_t stampStep, uint32_t count) {
  const size_t slots = pending_.size();
  for (uint32_t c = 0; c < count; ++c)
    for (uint64_t s = table.rowBegin(pre); s < table.rowEnd(pre); ++s)
      pending_[(stampStep + table.delaySteps[s]) % slots].push_back(s);
}

uint64_t PlasticSynapses::arrivals(const runtime::SynapseTable &table, uint64_t step,
                                   const std::function<void(uint32_t, double)> &deliver) {
  std::vector<uint64_t> &due = pending_[step % pending_.size()];
  frame_.t = double(step) * dt_;
  for (uint64_t syn : due) {
    load(syn);
    catchUp(syn, step);
    frame_.deliveredMask = 0;
    onPre_.run(frame_, registers_.data());
    store(syn);
    for (unsigned d = 0; d < deliverFactor_.size(); ++d)
      if (frame_.deliveredMask & (1u << d)) deliver(table.post[syn], frame_.delivered[d] * deliverFactor_[d]);
  }
  uint64_t events = due.size();
  due.clear();
  return events;
}

} // namespace soma::sim
