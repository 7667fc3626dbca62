#include "Signals.h"

#include "Evaluate.h"
#include "Plasticity.h"
#include "Simulation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace soma::sim {

double pairwiseSum(const double *x, size_t n) {
  if (n <= 8) {
    double s = 0;
    for (size_t i = 0; i < n; ++i) s += x[i];
    return s;
  }
  size_t h = n / 2;
  return pairwiseSum(x, h) + pairwiseSum(x + h, n - h);
}

namespace {

// The rewritten expressions mark what they read with PopulationMember leaves: name "m" a
// member (index into Impl::members), "r" the scalar result of a reduction, "v" the vector
// result of top_k (both indices into Impl::slots).
ir::NodeRef mark(char what, int index) {
  return std::make_shared<ir::Node>(ir::Node{ir::Op::PopulationMember, 0, index, std::string(1, what), {}});
}
bool isMark(const ir::Node &n, char what) {
  return n.op == ir::Op::PopulationMember && n.name.size() == 1 && n.name[0] == what;
}

const char *const kReductions[] = {"sum", "mean", "min", "max", "any", "all", "count"};

} // namespace

struct Signals::Impl {
  const graph::NetworkGraph &net;
  std::vector<SignalVertex> vertices;
  double dt;

  struct Member {
    int vertex = -1;
    enum Kind { State, Param, Internal, Spikes } kind = State;
    int index = -1;
    uint32_t size = 0;
    std::vector<double> mask;          // Spikes: 1 where fired at t_{k+1}
    std::vector<uint32_t> set;         // Spikes: the entries of mask that are 1
  };
  std::vector<Member> members;
  std::map<std::string, int> memberIds;

  struct Slot {                        // a reduction (scalar) or top_k (vector), in the
    std::string fn;                    // order they must be computed (inner first)
    ir::NodeRef arg, k;
    uint32_t size = 0;
    double value = 0;
    std::vector<double> vec;           // top_k's mask; scratch of other reductions
  };
  std::vector<Slot> slots;
  std::vector<ir::NodeRef> roots;      // per signal
  std::vector<uint32_t> rootSize;      // per signal: 0 for a scalar, else its length
  std::vector<size_t> offset;          // per signal: where its values start in values_
  std::vector<SourceRange> signalRanges;

  struct PopTarget {
    int vertex, input, signal;
    double factor;
    std::vector<double> held;
  };
  struct SynTarget {
    PlasticSynapses *synapses;
    int input, signal;
    double factor;
  };
  std::vector<PopTarget> popTargets;
  std::vector<SynTarget> synTargets;

  // Evaluation state.
  double t = 0;
  uint32_t element = 0;
  ir::EvalEnv env;

  Impl(const graph::NetworkGraph &g, std::vector<SignalVertex> v, double step) : net(g), vertices(std::move(v)), dt(step) {
    env.other = [this](const ir::Node &n) -> double {
      if (isMark(n, 'm')) return memberValue(members[size_t(n.index)], element);
      if (isMark(n, 'r')) return slots[size_t(n.index)].value;
      if (isMark(n, 'v')) return slots[size_t(n.index)].vec[element];
      if (n.op == ir::Op::Time) return t;
      if (n.op == ir::Op::Dt) return dt;
      throw InternalError("a signal reads an unexpected leaf");
    };
  }

  double memberValue(const Member &m, uint32_t i) const {
    const SignalVertex &v = vertices[size_t(m.vertex)];
    switch (m.kind) {
    case Member::State: return (*v.state)[size_t(m.index)][i];
    case Member::Param: return (*v.param)[size_t(m.index)][i];
    case Member::Internal: return (*v.internal)[size_t(m.index)][i];
    case Member::Spikes: return m.mask[i];
    }
    return 0;
  }
  const double *memberData(const Member &m) const {
    const SignalVertex &v = vertices[size_t(m.vertex)];
    switch (m.kind) {
    case Member::State: return (*v.state)[size_t(m.index)].data();
    case Member::Param: return (*v.param)[size_t(m.index)].data();
    case Member::Internal: return (*v.internal)[size_t(m.index)].data();
    case Member::Spikes: return m.mask.data();
    }
    return nullptr;
  }

  [[noreturn]] static void unsupported(const std::string &what, SourceRange where) {
    throw SimulationError(what + " is not supported by target cpu", where);
  }

  int member(const std::string &qualified, SourceRange where) {
    if (auto it = memberIds.find(qualified); it != memberIds.end()) return it->second;
    auto dot = qualified.find('.');
    std::string owner = qualified.substr(0, dot), name = dot == std::string::npos ? "" : qualified.substr(dot + 1);
    int vx = graph::findVertex(net, owner);
    if (vx < 0) unsupported("reading '" + qualified + "' in a signal (only members of populations and sources)", where);
    const SignalVertex &v = vertices[size_t(vx)];
    Member m;
    m.vertex = vx;
    m.size = v.size;
    if (name == "spikes") {
      m.kind = Member::Spikes;
      m.mask.assign(v.size, 0.0);
    } else {
      auto find = [&](const std::vector<ir::Variable> &vars) {
        for (size_t k = 0; k < vars.size(); ++k)
          if (vars[k].name == name) return int(k);
        return -1;
      };
      if (!v.model) unsupported("reading '" + qualified + "' of a source in a signal (only its spikes)", where);
      if ((m.index = find(v.model->states)) >= 0) m.kind = Member::State;
      else if ((m.index = find(v.model->params)) >= 0) m.kind = Member::Param;
      else if ((m.index = find(v.model->internals)) >= 0) m.kind = Member::Internal;
      else unsupported("reading '" + qualified + "' in a signal (only states, parameters, internal values and spikes)", where);
    }
    members.push_back(std::move(m));
    return memberIds[qualified] = int(members.size() - 1);
  }

  /// `n` with what it reads replaced by marks; reductions and top_k become slots.
  ir::NodeRef rewrite(const ir::NodeRef &n, SourceRange where) {
    switch (n->op) {
    case ir::Op::PopulationMember: return mark('m', member(n->name, where));
    case ir::Op::Const: case ir::Op::Time: case ir::Op::Dt: return n;
    case ir::Op::Random: case ir::Op::Distribution: unsupported("a random draw in a signal", where);
    case ir::Op::Call: {
      bool reduction = std::find(std::begin(kReductions), std::end(kReductions), n->name) != std::end(kReductions) &&
                       !((n->name == "min" || n->name == "max") && n->args.size() > 1);
      if (reduction || n->name == "top_k") {
        Slot s;
        s.fn = n->name;
        s.arg = rewrite(n->args.at(0), where);
        s.size = vectorSize(s.arg, where);
        if (s.size == 0) unsupported("'" + n->name + "' of a value that is not a vector", where);
        if (n->name == "top_k") {
          s.k = rewrite(n->args.at(1), where);
          if (vectorSize(s.k, where)) unsupported("top_k with a vector k", where);
          s.vec.assign(s.size, 0.0);
        }
        slots.push_back(std::move(s));
        return mark(reduction ? 'r' : 'v', int(slots.size() - 1));
      }
      break;
    }
    case ir::Op::Param: case ir::Op::Internal: case ir::Op::State: case ir::Op::Input:
    case ir::Op::PreState: case ir::Op::PostState: case ir::Op::PreIndex: case ir::Op::PostIndex:
      unsupported("this value in a signal", where);
    default: break;
    }
    ir::Node copy = *n;
    for (ir::NodeRef &a : copy.args) a = rewrite(a, where);
    return std::make_shared<ir::Node>(std::move(copy));
  }

  /// The length of the vector a rewritten expression computes, 0 for a scalar.
  uint32_t vectorSize(const ir::NodeRef &n, SourceRange where) const {
    if (isMark(*n, 'm')) return members[size_t(n->index)].size;
    if (isMark(*n, 'v')) return slots[size_t(n->index)].size;
    uint32_t size = 0;
    for (const ir::NodeRef &a : n->args) {
      uint32_t s = vectorSize(a, where);
      if (s && size && s != size) unsupported("vectors of different lengths in a signal", where);
      if (s) size = s;
    }
    return size;
  }

  void compute(Slot &s) {
    const double *x;
    if (isMark(*s.arg, 'm')) {
      x = memberData(members[size_t(s.arg->index)]);
    } else {
      // top_k keeps its result in vec; the other reductions use it as scratch.
      std::vector<double> &out = s.fn == "top_k" ? scratch : s.vec;
      out.resize(s.size);
      for (element = 0; element < s.size; ++element) out[element] = ir::evaluate(s.arg, env);
      x = out.data();
    }
    const size_t n = s.size;
    if (s.fn == "sum" || s.fn == "mean") {
      s.value = pairwiseSum(x, n);
      if (s.fn == "mean") s.value /= double(n);
    } else if (s.fn == "min" || s.fn == "max") {
      double v = x[0];
      for (size_t i = 1; i < n && !std::isnan(v); ++i)
        v = std::isnan(x[i]) ? x[i] : s.fn == "min" ? std::min(v, x[i]) : std::max(v, x[i]);
      s.value = v;
    } else if (s.fn == "any" || s.fn == "all" || s.fn == "count") {
      size_t c = 0;
      for (size_t i = 0; i < n; ++i) c += x[i] != 0;
      s.value = s.fn == "count" ? double(c) : s.fn == "any" ? double(c > 0) : double(c == n);
    } else { // top_k: the k largest, ties toward the lowest index, NaN below everything
      double kv = std::round(ir::evaluate(s.k, env));
      size_t k = kv > 0 ? std::min<size_t>(n, size_t(kv)) : 0;
      order.resize(n);
      std::iota(order.begin(), order.end(), 0u);
      auto key = [&](uint32_t i) { return std::isnan(x[i]) ? -INFINITY : x[i]; };
      std::partial_sort(order.begin(), order.begin() + long(k), order.end(), [&](uint32_t a, uint32_t b) {
        double ka = key(a), kb = key(b);
        return ka > kb || (ka == kb && a < b);
      });
      std::fill(s.vec.begin(), s.vec.end(), 0.0);
      for (size_t q = 0; q < k; ++q) s.vec[order[q]] = 1;
    }
  }
  std::vector<double> scratch;
  std::vector<uint32_t> order;
};

Signals::Signals(const graph::NetworkGraph &net, std::vector<SignalVertex> vertices,
                 const std::function<PlasticSynapses *(int)> &plastic, double dt)
    : impl_(std::make_unique<Impl>(net, std::move(vertices), dt)) {
  Impl &s = *impl_;
  size_t total = 0;
  for (const graph::Signal &sig : net.signals) {
    s.signalRanges.push_back(sig.range);
    ir::NodeRef root = sig.value ? s.rewrite(sig.value, sig.range) : ir::constant(0);
    // A vector signal (an elementwise expression of members or top_k) has one value per
    // element; it is kept as a row of values_ and broadcast elementwise.
    uint32_t size = s.vectorSize(root, sig.range);
    s.roots.push_back(root);
    s.rootSize.push_back(size);
    s.offset.push_back(total);
    total += size ? size : 1;
  }
  values_.assign(total, 0.0);

  // Broadcast targets; one signal per input.
  std::map<std::pair<int, int>, bool> popSeen, edgeSeen;
  for (const graph::Broadcast &b : net.broadcasts)
    for (const graph::Broadcast::Target &t : b.targets) {
      if (b.signalIndex < 0 || t.index < 0) throw InternalError("an unresolved broadcast");
      if (t.edges.empty()) {
        if (t.vertex < 0 || !s.vertices[size_t(t.vertex)].model) throw InternalError("a broadcast onto no population");
        if (popSeen[{t.vertex, t.index}])
          Impl::unsupported("broadcasting two signals onto the input '" + t.owner + "." + t.input + "'", t.range);
        popSeen[{t.vertex, t.index}] = true;
        if (uint32_t n = s.rootSize[size_t(b.signalIndex)]; n && n != s.vertices[size_t(t.vertex)].size)
          Impl::unsupported("broadcasting a vector of " + std::to_string(n) + " values onto '" + t.owner + "' of " +
                                std::to_string(s.vertices[size_t(t.vertex)].size) + " neurons",
                            t.range);
        s.popTargets.push_back({t.vertex, t.index, b.signalIndex, t.factor,
                                std::vector<double>(s.vertices[size_t(t.vertex)].size, 0.0)});
        continue;
      }
      if (s.rootSize[size_t(b.signalIndex)])
        Impl::unsupported("broadcasting a vector signal onto the synapses of '" + t.owner + "'", t.range);
      for (int id : t.edges) {
        PlasticSynapses *ps = plastic(id);
        if (!ps)
          Impl::unsupported("broadcasting onto the synapses of '" + t.owner + "', whose synapse has no state,", t.range);
        if (edgeSeen[{id, t.index}])
          Impl::unsupported("broadcasting two signals onto the input '" + t.owner + "." + t.input + "'", t.range);
        edgeSeen[{id, t.index}] = true;
        s.synTargets.push_back({ps, t.index, b.signalIndex, t.factor});
      }
    }
}

Signals::~Signals() = default;

std::vector<int> Signals::broadcastInputs(const graph::NetworkGraph &net, int vertex) {
  std::vector<int> out;
  for (const graph::Broadcast &b : net.broadcasts)
    for (const graph::Broadcast::Target &t : b.targets)
      if (t.edges.empty() && t.vertex == vertex && t.index >= 0 &&
          std::find(out.begin(), out.end(), t.index) == out.end())
        out.push_back(t.index);
  return out;
}

double *Signals::heldInput(int vertex, int input) {
  for (Impl::PopTarget &p : impl_->popTargets)
    if (p.vertex == vertex && p.input == input) return p.held.data();
  return nullptr;
}

void Signals::update(uint64_t step) {
  Impl &s = *impl_;
  s.t = double(step) * s.dt;
  for (Impl::Member &m : s.members) {
    if (m.kind != Impl::Member::Spikes) continue;
    for (uint32_t i : m.set) m.mask[i] = 0;
    m.set = *s.vertices[size_t(m.vertex)].spikes;
    for (uint32_t i : m.set) m.mask[i] = 1;
  }
  for (Impl::Slot &slot : s.slots) s.compute(slot);
  for (size_t q = 0; q < s.roots.size(); ++q) {
    double *out = values_.data() + s.offset[q];
    if (!s.rootSize[q]) {
      *out = ir::evaluate(s.roots[q], s.env);
      continue;
    }
    for (s.element = 0; s.element < s.rootSize[q]; ++s.element) out[s.element] = ir::evaluate(s.roots[q], s.env);
  }
  restore(values_);
}

void Signals::restore(const std::vector<double> &values) {
  Impl &s = *impl_;
  if (&values != &values_) {
    if (values.size() != values_.size()) throw InternalError("a checkpoint with another number of signals");
    values_ = values;
  }
  for (Impl::PopTarget &p : s.popTargets) {
    const double *v = values_.data() + s.offset[size_t(p.signal)];
    if (s.rootSize[size_t(p.signal)])
      for (size_t i = 0; i < p.held.size(); ++i) p.held[i] = v[i] * p.factor;
    else
      std::fill(p.held.begin(), p.held.end(), *v * p.factor);
  }
  for (Impl::SynTarget &q : s.synTargets)
    q.synapses->inputs()[size_t(q.input)] = values_[s.offset[size_t(q.signal)]] * q.factor;
}

} // namespace soma::sim
