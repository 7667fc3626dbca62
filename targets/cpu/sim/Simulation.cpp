#include "Simulation.h"

#include "Analog.h"
#include "Coupling.h"
#include "Evaluate.h"
#include "Plasticity.h"
#include "Signals.h"
#include "KernelABI.h"
#include "soma/runtime/AtomicFile.h"
#include "soma/runtime/Connectivity.h"
#include "soma/runtime/Csv.h"
#include "soma/runtime/Error.h"
#include "soma/runtime/Expm.h"
#include "soma/runtime/Format.h"
#include "soma/runtime/Output.h"
#include "soma/runtime/Random.h"
#include "soma/runtime/RasterSvg.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace soma::sim {

namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// t_k in ms for messages: k / (1/dt) when 1/dt is a whole number, so step 3 at 0.1 ms
/// reads 0.3, not 0.30000000000000004.
std::string formatTime(uint64_t step, double dt) {
  double perMs = std::round(1 / dt);
  bool whole = perMs > 0 && std::fabs(perMs * dt - 1) < 1e-12;
  return runtime::formatDouble(whole ? double(step) / perMs : double(step) * dt);
}

/// Draws a network distribution: uniform(a, b), normal(mean, sd), lognormal(mu, sigma),
/// exponential(mean); one Philox block per draw.
/// Values read by from_file("x.csv"), by path, each read once per run.
using FileValues = std::map<std::string, std::vector<double>>;

double drawDistribution(const ir::Node &n, const std::vector<double> &args, const runtime::RandomStream &rng,
                        uint64_t entity, FileValues *files, uint64_t elements) {
  if (n.name.starts_with("from_file:")) {
    // One value per element (neuron, or synapse in table order), in file order.
    std::string path = n.name.substr(10);
    if (!files) throw InternalError("from_file without its table");
    auto it = files->find(path);
    if (it == files->end()) it = files->emplace(path, runtime::readValuesFile(path)).first;
    if (it->second.size() != elements)
      throw runtime::RuntimeError(path + ": " + std::to_string(it->second.size()) + " values, but " +
                                  std::to_string(elements) + " are needed (one per element)");
    return it->second[entity];
  }
  uint32_t draw = static_cast<uint32_t>(n.index);
  if (n.name == "uniform") return args[0] + (args[1] - args[0]) * rng.uniform01(entity, 0, draw);
  if (n.name == "normal") return args[0] + args[1] * rng.normal(entity, 0, draw);
  if (n.name == "lognormal") return std::exp(args[0] + args[1] * rng.normal(entity, 0, draw));
  if (n.name == "exponential") return -args[0] * std::log1p(-rng.uniform01(entity, 0, draw));
  throw InternalError("unknown distribution " + n.name);
}

/// An internal value of one neuron or synapse: its initial expression over parameters,
/// earlier internals and dt (null: 0).
double internalValue(const ir::NodeRef &init, const std::function<double(int)> &param,
                     const std::function<double(int)> &internal, double dt) {
  if (!init) return 0;
  ir::EvalEnv env;
  env.param = param;
  env.internal = internal;
  env.other = [&](const ir::Node &node) -> double {
    if (node.op == ir::Op::Dt) return dt;
    throw InternalError("an internal value reads " + std::to_string(int(node.op)));
  };
  return ir::evaluate(init, env);
}

/// Evaluates a network value for one element (neuron or synapse).
struct ElementEval {
  const runtime::RandomStream *rng = nullptr;
  FileValues *files = nullptr;   // from_file tables
  uint64_t elements = 0;         // how many elements the value is for (from_file checks it)
  uint64_t entity = 0;
  double i = 0, j = 0;
  ir::EvalEnv env;

  double operator()(const ir::NodeRef &n) {
    env.other = [this](const ir::Node &node) -> double {
      switch (node.op) {
      case ir::Op::PreIndex: return i;
      case ir::Op::PostIndex: return j;
      case ir::Op::Distribution: {
        std::vector<double> args;
        for (const ir::NodeRef &a : node.args) args.push_back(ir::evaluate(a, env));
        if (!rng) throw InternalError("a distribution without a random stream");
        return drawDistribution(node, args, *rng, entity, files, elements);
      }
      default: throw InternalError("evaluate: unexpected leaf in a network value");
      }
    };
    return ir::evaluate(n, env);
  }
};

struct Population {
  const graph::Vertex *vertex = nullptr;
  const ir::Model *model = nullptr;
  uint32_t index = 0;           // among populations and sources (output order)
  uint32_t n = 0;
  std::vector<std::vector<double>> state, param, internal;
  std::vector<bool> paramUniform, internalUniform;
  std::vector<std::vector<double>> propagator;
  std::vector<uint8_t> propagatorPerNeuron;
  std::vector<int32_t> refractory;
  // Arrivals: per target state (jumps) and per input, a ring of slots [slot][neuron], for
  // the states and inputs some projection targets (the kernel is compiled knowing which).
  // The kernel consumes what it reads (stores +0.0), so a slot is clean when it comes round.
  // A segment input has `width` entries per neuron (its segments, [i * width + s]).
  struct Ring {
    std::vector<double> data;
    uint32_t width = 1;
    bool used() const { return !data.empty(); }
    double *slot(uint64_t k, uint32_t n) { return data.data() + k * n * width; }
  };
  std::vector<Ring> jumpRing, inputRing;
  std::vector<double *> statePtr, paramPtr, internalPtr, inputPtr, jumpPtr, propPtr;
  SomaPopulationData data{};
  SomaUpdateFn fn = nullptr;
  std::vector<std::vector<uint32_t>> threadSpikes;
  std::vector<uint64_t> threadCounts;
  std::vector<SomaFault> threadFaults;
  std::vector<uint32_t> spikes;  // this step, ascending
  uint64_t spikeCount = 0;
};

struct Source {
  const graph::Vertex *vertex = nullptr;
  uint32_t index = 0;
  uint32_t n = 0;
  runtime::RandomStream rng{0, 0};
  double rateHz = 0, startMs = 0, stopMs = INFINITY;
  double amplitude = 0;          // current sources
  std::vector<std::vector<uint64_t>> spikeSteps; // spike_array: per channel, sorted steps
  std::vector<size_t> cursor;
  std::vector<uint32_t> spikes;  // this step
  std::vector<int32_t> multiplicity; // per spike: events; negative for down events (Analog.h)
  std::unique_ptr<AnalogSource> analog; // analog sources: the signal and the encoder
  uint64_t spikeCount = 0;
};

/// One projection as the delivery loop sees it.
struct Projection {
  const graph::Edge *edge = nullptr;
  bool fromSource = false;
  uint32_t pre = 0, post = 0;    // population or source index
  uint32_t preFirst = 0, postFirst = 0;
  runtime::SynapseTable table;
  bool toInput = false;          // onto an input port (else a state)
  int target = -1;
  // Onto a segment input: targets per post neuron (its segments); post indices and
  // postFirst count (neuron, segment) targets, neuron * width + segment.
  uint32_t width = 1;
  bool continuous = false;       // a current source (every step it is on) or an analog
                                 // source without encoder (every step): not spikes
  // Delivery's fast paths: one delay (in steps) or one weight for every synapse.
  std::optional<uint32_t> uniformDelay;
  std::optional<double> uniformWeight;
  // table.post in 16 bits where the post slice is small enough: rows are read per spike,
  // and half the bytes is about half the cache misses.
  std::vector<uint16_t> post16;
  // A synapse model with state: run by PlasticSynapses in the serial part of a step.
  std::unique_ptr<PlasticSynapses> plastic;
  std::vector<uint32_t> spiking;         // a split step's spiking post neurons (slice indices)
  // A synapse model with a `continuous` block (Coupling.h): onto its input every step.
  std::unique_ptr<ContinuousSynapses> coupling;
};

struct Recorder {
  const graph::Record *record = nullptr;
  uint32_t population = 0;
  int projection = -1;           // a synapse state: the projection (else a population's state)
  int state = -1;
  uint64_t everySteps = 1, fromStep = 0, toStep = UINT64_MAX;
  std::unique_ptr<runtime::StateCsvWriter> writer;
  std::string path;
};

/// A sense-reversing barrier that spins: a step lasts microseconds, and waking a thread
/// from a futex takes about as long as the step itself.
class SpinBarrier {
public:
  explicit SpinBarrier(unsigned n) : n_(n), left_(n) {}
  void arriveAndWait() {
    bool sense = sense_.load(std::memory_order_relaxed);
    if (left_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      left_.store(n_, std::memory_order_relaxed);
      sense_.store(!sense, std::memory_order_release);
      return;
    }
    for (unsigned spins = 0; sense_.load(std::memory_order_acquire) == sense; ++spins)
      if (spins > 4096) std::this_thread::yield(); // more threads than cores: let others run
  }

private:
  const unsigned n_;
  std::atomic<unsigned> left_;
  std::atomic<bool> sense_{false};
};

} // namespace

struct Simulation::Impl {
  const graph::NetworkGraph &net;
  const std::vector<ir::Model> &models;
  RunOptions options;
  double dt = 0.1, duration = 0;
  uint64_t steps = 0, seed = 0;
  uint64_t firstStep = 0;                // continued from a saved state
  std::vector<Population> pops;          // by population index
  std::vector<Source> sources;
  std::vector<int> vertexPop, vertexSource; // vertex -> index, -1
  std::vector<Projection> projections;
  std::vector<Recorder> recorders;
  std::vector<runtime::SpikeEvent> spikeLog;
  std::vector<bool> spikesRecorded;      // per output index
  uint32_t ringSlots = 2;
  std::vector<runtime::PopulationInfo> outputs; // every population and source, in vertex order

  Impl(const graph::NetworkGraph &g, const std::vector<ir::Model> &m, RunOptions o)
      : net(g), models(m), options(std::move(o)) {}

  std::string qualified(const std::string &a, const std::string &b = "") const {
    return net.name + "." + a + (b.empty() ? "" : "." + b);
  }

  void setup(bool needDuration = true);
  cpu::KernelSpec buildPopulation(Population &p);
  static KernelRequest request(const Population &p, cpu::KernelSpec spec) {
    return {p.vertex->name, "soma_update_" + p.vertex->name, std::move(spec)};
  }
  void buildSource(Source &s);
  void primeAnalogInputs();
  void buildProjection(const graph::Edge &e);
  uint32_t dendriticSteps(const graph::Edge &e, const ir::Model &syn, const std::vector<std::vector<double>> &params,
                          const runtime::SynapseTable &table) const;
  void buildRecorders(bool openFiles = true);
  void saveState(const std::string &path) const;
  void loadState(const std::string &path);
  void prepare(uint64_t k, unsigned threads);
  void kernels(uint64_t k, unsigned t, unsigned threads);
  void collect(uint64_t k, unsigned threads);
  void deliver(uint64_t k, unsigned t, unsigned threads);
  void couple(uint64_t k, unsigned t, unsigned threads);
  bool coupled = false;                  // some projection is a ContinuousSynapses
  void plasticity(uint64_t k);
  // Synapse events split over threads (plasticity()): whether every projection with state
  // allows it, whether this step does, and the helpers.
  bool splitPlasticity = false, splitStep = false;
  void postSpiking(const Projection &pr, std::vector<uint32_t> &out) const;
  void schedule(Projection &pr, uint64_t k);
  double *deliverySlot(const Projection &pr, uint64_t step);
  uint64_t plasticPart(uint64_t k, unsigned t, unsigned threads);
  void finishPlasticity();
  bool samplesAt(const Recorder &r, uint64_t k) const;
  void sample(Recorder &r, uint64_t k);
  void buildSynapseRecorders(const graph::Record &r, bool openFiles);
  void schedule(Recorder &rec, const graph::Record &r) const;
  std::vector<double> row;                       // sample()'s scratch
  std::vector<std::pair<std::string, std::string>> synapseMaps; // path, contents
  std::vector<uint32_t> postScratch;
  FileValues fileValues;                 // from_file tables, read once per run
  template <class Index>
  uint64_t deliverProjection(const Projection &pr, const Index *postIdx, uint64_t k, unsigned t, unsigned threads);
  void record(uint64_t k);
  std::string fault;                     // a non-finite state found in this step
  std::unique_ptr<Signals> signals;      // evaluated in collect(), before plasticity()
  void buildSignals();
  std::vector<uint64_t> threadEvents;
};

Simulation::Simulation(const graph::NetworkGraph &net, const std::vector<ir::Model> &models, RunOptions options)
    : impl_(std::make_unique<Impl>(net, models, std::move(options))) {}

Simulation::~Simulation() = default;

// ------------------------------------------------------------------ construction

/// A population's arrays and the spec of its kernel. Everything the spec depends on is
/// computed here, so that `somac build` (kernelRequests) and build() agree by construction.
cpu::KernelSpec Simulation::Impl::buildPopulation(Population &p) {
  const graph::Vertex &v = *p.vertex;
  const ir::Model &m = *p.model;
  uint32_t n = p.n;
  for (const ir::Unsupported &u : m.unsupported) throw SimulationError(u.what + " is not supported by target cpu", u.range);

  // Parameters: uniform when the value is a constant, else one value per neuron.
  size_t np = m.params.size();
  p.param.assign(np, {});
  p.paramUniform.assign(np, false);
  std::vector<double> uniformParam(np, 0);
  for (size_t k = 0; k < np; ++k) {
    const graph::Value &val = v.params[k];
    if (!val.node) throw SimulationError("parameter '" + m.params[k].name + "' has no value", v.range);
    if (val.isConstant()) {
      p.paramUniform[k] = true;
      uniformParam[k] = val.number();
      p.param[k].assign(n, val.number());
    }
  }
  // A per-neuron value of neuron i: i and its own random draws.
  auto element = [&](const runtime::RandomStream &rng, uint32_t i) {
    ElementEval ev;
    ev.rng = &rng;
    ev.files = &fileValues;
    ev.elements = n;
    ev.entity = i;
    ev.i = i;
    return ev;
  };
  // Per-neuron parameters may read other parameters (a model default like V_reset = E_L).
  for (size_t k = 0; k < np; ++k) {
    if (p.paramUniform[k]) continue;
    const graph::Value &val = v.params[k];
    runtime::RandomStream rng(seed, runtime::streamId(val.stream.empty() ? qualified(v.name, m.params[k].name) : val.stream));
    p.param[k].resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      ElementEval ev = element(rng, i);
      ev.env.param = [&](int q) {
        if (!p.paramUniform[q] && p.param[q].size() != n) throw SimulationError("parameters defined in terms of each other", v.range);
        return p.param[q][i];
      };
      p.param[k][i] = ev(val.node);
    }
  }
  // Internals: from the parameters of each neuron, uniform when those are.
  size_t ni = m.internals.size();
  p.internal.assign(ni, std::vector<double>(n, 0));
  p.internalUniform.assign(ni, true);
  for (size_t k = 0; k < ni; ++k) {
    for (uint32_t i = 0; i < n; ++i) {
      p.internal[k][i] = internalValue(m.internals[k].init, [&](int q) { return p.param[q][i]; },
                                       [&](int q) { return p.internal[q][i]; }, dt);
      if (i && p.internal[k][i] != p.internal[k][0]) p.internalUniform[k] = false;
    }
  }
  // Initial states, in declaration order (a state may start from another's value).
  size_t ns = m.states.size();
  p.state.assign(ns, std::vector<double>(n, 0));
  for (size_t k = 0; k < ns; ++k) {
    const graph::Value &val = v.states[k];
    if (!val.node) continue;
    runtime::RandomStream rng(seed, runtime::streamId(val.stream.empty() ? qualified(v.name, m.states[k].name) : val.stream));
    for (uint32_t i = 0; i < n; ++i) {
      ElementEval ev = element(rng, i);
      ev.env.param = [&](int q) { return p.param[q][i]; };
      ev.env.internal = [&](int q) { return p.internal[q][i]; };
      ev.env.state = [&](int q) { return p.state[q][i]; };
      p.state[k][i] = ev(val.node);
    }
  }
  p.refractory.assign(n, 0);

  // Propagators of exact subsystems: exp(A dt) and its input integral, once when A reads
  // only uniform values, else per neuron.
  cpu::KernelSpec spec;
  spec.model = &m;
  spec.dt = dt;
  for (size_t k = 0; k < np; ++k) spec.params.push_back(p.paramUniform[k] ? std::optional<double>(uniformParam[k]) : std::nullopt);
  for (size_t k = 0; k < ni; ++k)
    spec.internals.push_back(p.internalUniform[k] && n ? std::optional<double>(p.internal[k][0]) : std::nullopt);
  for (const ir::Subsystem &s : m.subsystems) {
    cpu::PropagatorSpec ps;
    std::vector<double> storage;
    bool perNeuron = false;
    if (s.linear) {
      size_t sz = s.states.size();
      auto reads = [&](const ir::NodeRef &x) {
        return ir::reads(x, [](const ir::Node &nd) { return nd.op == ir::Op::Param || nd.op == ir::Op::Internal; });
      };
      bool varies = false;
      for (auto &row : s.A)
        for (auto &a : row)
          if (reads(a)) {
            // A reads a parameter: per neuron unless every one it reads is uniform.
            std::function<bool(const ir::NodeRef &)> uniform = [&](const ir::NodeRef &x) -> bool {
              if (x->op == ir::Op::Param) return p.paramUniform[x->index];
              if (x->op == ir::Op::Internal) return p.internalUniform[x->index];
              for (auto &c : x->args)
                if (!uniform(c)) return false;
              return true;
            };
            if (!uniform(a)) varies = true;
          }
      perNeuron = varies;
      uint32_t count = perNeuron ? n : 1;
      storage.resize(size_t(count) * 2 * sz * sz);
      for (uint32_t i = 0; i < count; ++i) {
        runtime::Matrix A(sz);
        ir::EvalEnv env;
        env.param = [&](int q) { return p.param[q][i]; };
        env.internal = [&](int q) { return p.internal[q][i]; };
        for (size_t r = 0; r < sz; ++r)
          for (size_t c = 0; c < sz; ++c) A(r, c) = ir::evaluate(s.A[r][c], env);
        runtime::InputPropagator ip = runtime::inputPropagator(A, dt);
        double *out = storage.data() + size_t(i) * 2 * sz * sz;
        std::copy(ip.p.data().begin(), ip.p.data().end(), out);
        std::copy(ip.q.data().begin(), ip.q.data().end(), out + sz * sz);
      }
      if (perNeuron) {
        ps.kind = cpu::PropagatorSpec::PerNeuron;
      } else {
        ps.kind = cpu::PropagatorSpec::Folded;
        ps.P.assign(storage.begin(), storage.begin() + sz * sz);
        ps.Q.assign(storage.begin() + sz * sz, storage.end());
      }
    }
    spec.propagators.push_back(ps);
    p.propagator.push_back(std::move(storage));
    p.propagatorPerNeuron.push_back(perNeuron ? 1 : 0);
  }

  // The states and inputs that receive arrivals: those some projection targets (the
  // projections are built first).
  spec.jumps.assign(ns, cpu::Arrivals::Absent);
  spec.inputs.assign(m.inputs.size(), cpu::Arrivals::Absent);
  for (const Projection &pr : projections)
    if (&pops[pr.post] == &p) (pr.toInput ? spec.inputs : spec.jumps)[size_t(pr.target)] = cpu::Arrivals::Present;
  // Modulator inputs that a signal is broadcast onto: a held array, read and left as it is.
  for (int j : Signals::broadcastInputs(net, int(p.index))) spec.inputs[size_t(j)] = cpu::Arrivals::CheckAtRunTime;
  p.jumpRing.assign(ns, {});
  p.inputRing.assign(m.inputs.size(), {});
  for (size_t k = 0; k < m.inputs.size(); ++k)
    if (m.inputs[k].segment >= 0) p.inputRing[k].width = uint32_t(m.segments[size_t(m.inputs[k].segment)].size);
  return spec;
}

void Simulation::Impl::buildSource(Source &s) {
  const graph::Vertex &v = *s.vertex;
  s.rng = runtime::RandomStream(seed, runtime::streamId(qualified(v.name)));
  auto arg = [&](const char *name, double fallback) {
    for (const graph::NamedValue &a : v.args)
      if (a.name == name && a.value.node) {
        if (!a.value.isConstant()) throw SimulationError(std::string("a per-channel '") + name + "' is not supported by target cpu", a.value.range);
        return a.value.number();
      }
    return fallback;
  };
  switch (v.kind) {
  case graph::VertexKind::Poisson:
    s.rateHz = arg("rate", 0);
    s.startMs = arg("start", 0);
    s.stopMs = arg("stop", INFINITY);
    break;
  case graph::VertexKind::SpikeArray: {
    // Inline times, or a file of `channel,t_ms` lines (runtime/.../Csv.h).
    std::vector<std::vector<double>> fromFile;
    if (!v.file.empty()) fromFile = runtime::readSpikeTimesFile(v.file, s.n);
    s.spikeSteps.assign(s.n, {});
    for (uint32_t c = 0; c < s.n; ++c) {
      const std::vector<double> &times = !v.file.empty() ? fromFile[c] : v.times.size() == 1 ? v.times[0] : v.times.at(c);
      for (double t : times) {
        // A spike at time t is stamped t_k with k = round(t/dt); it is emitted by step k-1.
        double q = t / dt;
        auto k = static_cast<uint64_t>(std::floor(q + 0.5 + 1e-9 * q));
        if (k == 0) throw SimulationError("a spike time must be at least one step (" + runtime::formatDouble(dt) + " ms)", v.range);
        s.spikeSteps[c].push_back(k - 1);
      }
      std::sort(s.spikeSteps[c].begin(), s.spikeSteps[c].end());
    }
    s.cursor.assign(s.n, 0);
    break;
  }
  case graph::VertexKind::Current:
    s.amplitude = arg("amplitude", 0);
    s.startMs = arg("start", 0);
    s.stopMs = arg("stop", INFINITY);
    break;
  case graph::VertexKind::Analog:
    s.analog = std::make_unique<AnalogSource>(v, s.n, dt, s.rng);
    break;
  default:
    throw SimulationError(std::string("a source of kind '") + graph::vertexKindName(v.kind) + "' is not supported by target cpu", v.range);
  }
}

/// The input of step 0 from the analog sources without encoder, x(t_0): later steps get
/// theirs from the step before (deliverProjection), this one has no step before it.
void Simulation::Impl::primeAnalogInputs() {
  for (Source &src : sources)
    if (src.analog && src.analog->encoding() == AnalogSource::Encoding::None) src.analog->sample(0);
  for (const Projection &pr : projections) {
    if (!pr.continuous || !sources[pr.pre].analog) continue;
    Population &post = pops[pr.post];
    double *slot = post.inputRing[pr.target].slot(0, post.n) + pr.postFirst;
    const double *x = sources[pr.pre].analog->values().data() + pr.preFirst;
    const runtime::SynapseTable &t = pr.table;
    for (uint32_t i = 0; i < t.preSize; ++i)
      for (uint64_t q = t.rowBegin(i); q < t.rowEnd(i); ++q) slot[t.post[q]] += x[i] * t.weight[q];
  }
}

// A dendritic delay (docs/simulation.md, "Dendritic delays"): the synapse parameter
// `dendritic_delay`, one time per connect, shorter than every synapse's delay by a step.
uint32_t Simulation::Impl::dendriticSteps(const graph::Edge &e, const ir::Model &syn,
                                          const std::vector<std::vector<double>> &params,
                                          const runtime::SynapseTable &table) const {
  for (size_t k = 0; k < syn.params.size(); ++k) {
    if (syn.params[k].name != "dendritic_delay") continue;
    const SourceRange where = k < e.args.size() && e.args[k].given ? e.args[k].range : syn.params[k].range;
    static const Unit ms = *lookupUnitWord("ms");
    const double toMs = syn.params[k].type.unit.conversionFactorTo(ms);
    if (!std::isfinite(toMs)) throw SimulationError("a dendritic delay must be a time", syn.params[k].range);
    if (params[k].size() > 1)
      throw SimulationError("a dendritic delay that differs between the synapses of a connect is not supported by target cpu",
                            where);
    const double value = params[k].empty() ? 0 : params[k][0] * toMs;
    if (value == 0) return 0;
    uint32_t steps = 0;
    try {
      steps = runtime::delayToSteps(value, dt);
    } catch (const runtime::RuntimeError &err) {
      throw SimulationError(std::string("dendritic delay: ") + err.what(), where);
    }
    for (uint32_t d : table.delaySteps)
      if (d <= steps)
        throw SimulationError("the dendritic delay (" + formatTime(steps, dt) + " ms) must be shorter than the connect's delay (" +
                                  formatTime(d, dt) + " ms) by a step at least",
                              where);
    if (std::any_of(syn.states.begin(), syn.states.end(), [](const ir::Variable &v) { return v.name == "learned_delay"; }))
      throw SimulationError("a dendritic delay together with a learned delay is not supported by target cpu", where);
    return steps;
  }
  return 0;
}

void Simulation::Impl::buildProjection(const graph::Edge &e) {
  Projection pr;
  pr.edge = &e;
  for (const ir::Unsupported &u : e.unsupported) throw SimulationError(u.what + " is not supported by target cpu", u.range);
  const graph::Vertex &preV = net.g[e.preVertex], &postV = net.g[e.postVertex];
  pr.fromSource = vertexSource[e.preVertex] >= 0;
  pr.pre = pr.fromSource ? vertexSource[e.preVertex] : vertexPop[e.preVertex];
  pr.post = vertexPop[e.postVertex];
  pr.preFirst = e.pre.first;
  pr.postFirst = e.post.first;
  for (const graph::Conversion &c : e.conversions)
    if (c.kind != graph::Conversion::Deliver)
      throw SimulationError("writing '" + c.target + "' of a neuron from a synapse is not supported by target cpu", c.range);
  if (e.onto.kind == graph::Onto::State) {
    pr.target = e.onto.index;
  } else if (e.onto.kind == graph::Onto::Input) {
    pr.toInput = true;
    pr.target = e.onto.index;
    if (e.onto.inputKind != "current" && e.onto.inputKind != "conductance" && e.onto.inputKind != "continuous")
      throw SimulationError("delivering onto a '" + e.onto.inputKind + "' input is not supported by target cpu", e.onto.range);
  } else if (e.onto.kind == graph::Onto::SegmentMember && e.onto.index >= 0 && e.onto.segments > 0) {
    pr.toInput = true;
    pr.target = e.onto.index;
    pr.width = uint32_t(e.onto.segments);
    pr.postFirst = e.post.first * pr.width;
  } else {
    throw SimulationError("this 'onto' target is not supported by target cpu", e.onto.range.valid() ? e.onto.range : e.range);
  }
  pr.continuous = pr.fromSource && (preV.kind == graph::VertexKind::Current ||
                                    (preV.kind == graph::VertexKind::Analog && !preV.encoder));
  if (pr.continuous && !pr.toInput)
    throw SimulationError(std::string("a") + (preV.kind == graph::VertexKind::Current ? " current" : "n analog") +
                              " source onto a state (not an input) is not supported by target cpu",
                          e.onto.range);

  // The weight every synapse delivers: a static synapse's `deliver` of its parameters.
  const ir::Model *syn = e.synapse >= 0 ? &models[e.synapse] : nullptr;
  // Continuous coupling (Coupling.h): a `continuous` block and nothing else that runs.
  const bool coupling = syn && isContinuousSynapse(*syn);
  if (coupling && (pr.fromSource || !pr.toInput))
    throw SimulationError(pr.fromSource ? "a continuous synapse from a source (it reads the neurons at both ends) is not supported by target cpu"
                                        : "a continuous synapse onto a state (not an input) is not supported by target cpu",
                          pr.fromSource ? e.range : e.onto.range);
  const bool plastic = syn && !coupling && (!syn->states.empty() || !syn->odes.empty() || !syn->continuous.empty());
  if (plastic && pr.fromSource && preV.encoder && (preV.encoder->name == "delta" || preV.encoder->name == "sigma_delta"))
    throw SimulationError("a synapse with state from a " + preV.encoder->name +
                              " encoder (its down events have no meaning for the synapse's rule) is not supported by target cpu",
                          e.range);
  if ((plastic || coupling) && e.onto.kind == graph::Onto::SegmentMember)
    throw SimulationError(std::string(plastic ? "a synapse with state" : "a continuous synapse") +
                              " onto a segment is not supported by target cpu",
                          e.onto.range);
  ir::NodeRef deliver;
  if (syn && !plastic && !coupling) {
    for (const ir::EventBlock &ev : syn->events) {
      if (ev.kind != "pre" || ev.body.size() != 1 || ev.body[0].kind != ir::Stmt::Deliver)
        throw SimulationError("synapse '" + syn->name + "': only `on pre { deliver ... }` is supported by target cpu yet", ev.range);
      deliver = ev.body[0].value;
    }
    if (!deliver) throw SimulationError("synapse '" + syn->name + "' delivers nothing", syn->range);
  }

  runtime::ConnectorSpec cs;
  switch (e.connector.kind) {
  case graph::ConnectorKind::AllToAll: cs.kind = runtime::ConnectorKind::AllToAll; break;
  case graph::ConnectorKind::OneToOne: cs.kind = runtime::ConnectorKind::OneToOne; break;
  case graph::ConnectorKind::FixedProbability: cs.kind = runtime::ConnectorKind::FixedProbability; break;
  case graph::ConnectorKind::FixedIndegree: cs.kind = runtime::ConnectorKind::FixedIndegree; break;
  case graph::ConnectorKind::FixedOutdegree: cs.kind = runtime::ConnectorKind::FixedOutdegree; break;
  case graph::ConnectorKind::FromFile: cs.kind = runtime::ConnectorKind::FromFile; break;
  }
  cs.probability = e.connector.p;
  cs.degree = static_cast<uint32_t>(e.connector.k);
  cs.path = e.connector.file;
  if (e.connector.allowSelfGiven) cs.allowSelf = e.connector.allowSelf;
  if (e.connector.allowMultipleGiven) cs.allowMultiple = e.connector.allowMultiple;
  runtime::ProjectionSpec ps;
  std::string qname = qualified(preV.name + "->" + postV.name + "#" + std::to_string(e.id));
  ps.name = net.name + ": " + preV.name + " -> " + postV.name;
  ps.preSize = e.pre.size();
  ps.postSize = e.post.size() * pr.width;
  ps.segments = e.onto.kind == graph::Onto::SegmentMember ? pr.width : 0;
  ps.samePopulation = e.connector.samePopulation;
  ps.selfOffset = int64_t(e.pre.first) - int64_t(e.post.first);
  ps.seed = seed;
  ps.stream = runtime::streamId(qname);
  ps.dtMs = dt;
  ps.weight = 1;
  ps.delayMs = e.delay.isConstant() ? e.delay.number() : dt;
  pr.table = runtime::buildSynapses(cs, ps);

  // A connection file's `weight` column sets, per synapse, the synapse's state `w` (its
  // initial value) or else its parameter `w`; without a synapse, the value delivered.
  std::vector<double> fileWeight;
  int fileParam = -1, fileState = -1;
  if (pr.table.weightsFromFile) {
    fileWeight = pr.table.weight;
    if (syn) {
      for (size_t k = 0; k < syn->states.size() && plastic; ++k)
        if (syn->states[k].name == "w") fileState = int(k);
      for (size_t a = 0; a < syn->params.size() && fileState < 0; ++a)
        if (syn->params[a].name == "w") fileParam = int(a);
      if (fileState < 0 && fileParam < 0)
        throw SimulationError("the connection file gives weights, but synapse '" + syn->name +
                                  "' has no state or parameter 'w' for them",
                              e.connector.range);
    }
  }
  // Per-synapse weights and delays when they vary.
  runtime::RandomStream drng(seed, runtime::streamId(e.delay.stream.empty() ? qname + ".delay" : e.delay.stream));
  std::vector<bool> argUniform(e.args.size(), true);
  std::vector<double> argValue(e.args.size(), 0);
  for (size_t a = 0; a < e.args.size(); ++a) {
    argUniform[a] = e.args[a].isConstant() && int(a) != fileParam;
    if (argUniform[a]) argValue[a] = e.args[a].number();
  }
  // A plastic synapse's columns: parameters and internals (one value when uniform) and
  // the initial value of every state, per synapse.
  std::vector<std::vector<double>> synParams(e.args.size()), synInternals, synStates;
  if (plastic || coupling) {
    for (size_t a = 0; a < e.args.size(); ++a)
      if (argUniform[a]) synParams[a] = {argValue[a]};
    synInternals.assign(syn->internals.size(), {});
    synStates.assign(syn->states.size(), std::vector<double>(pr.table.size()));
  }
  std::vector<runtime::RandomStream> argRng, stateRng;
  for (size_t a = 0; a < e.args.size(); ++a)
    argRng.emplace_back(seed, runtime::streamId(e.args[a].stream.empty() ? qname + "." + (syn ? syn->params[a].name : "arg") : e.args[a].stream));
  for (size_t k = 0; plastic && k < e.states.size(); ++k)
    stateRng.emplace_back(seed, runtime::streamId(e.states[k].stream.empty() ? qname + "." + syn->states[k].name : e.states[k].stream));
  // A per-synapse value of synapse s (row i): i, j and its own random draws.
  auto element = [&](const runtime::RandomStream &rng, uint64_t s, uint32_t i) {
    ElementEval ev;
    ev.rng = &rng;
    ev.files = &fileValues;
    ev.elements = pr.table.size();
    ev.entity = s;
    ev.i = i;
    ev.j = pr.table.post[s] / pr.width; // the neuron, also onto segments
    return ev;
  };
  for (uint32_t i = 0; i < ps.preSize; ++i) {
    for (uint64_t s = pr.table.rowBegin(i); s < pr.table.rowEnd(i); ++s) {
      double w = syn || fileWeight.empty() ? 1 : fileWeight[s];
      if (deliver || plastic || coupling) {
        std::vector<double> args(e.args.size());
        for (size_t a = 0; a < e.args.size(); ++a) {
          if (argUniform[a]) {
            args[a] = argValue[a];
            continue;
          }
          ElementEval ev = element(argRng[a], s, i);
          ev.env.param = [&](int q) { return args[q]; };
          args[a] = int(a) == fileParam ? fileWeight[s] : ev(e.args[a].node);
          if (plastic || coupling) synParams[a].push_back(args[a]);
        }
        if (plastic || coupling) {
          std::vector<double> internals(syn->internals.size());
          for (size_t q = 0; q < internals.size(); ++q) {
            internals[q] = internalValue(syn->internals[q].init, [&](int x) { return args[x]; },
                                         [&](int x) { return internals[x]; }, dt);
            synInternals[q].push_back(internals[q]);
          }
          for (size_t k = 0; k < syn->states.size(); ++k) {
            if (!e.states[k].node) continue;
            if (e.states[k].isConstant()) {
              synStates[k][s] = e.states[k].number();
              continue;
            }
            ElementEval ev = element(stateRng[k], s, i);
            ev.env.param = [&](int q) { return args[q]; };
            ev.env.internal = [&](int q) { return internals[q]; };
            ev.env.state = [&](int q) { return synStates[q][s]; };
            synStates[k][s] = ev(e.states[k].node);
          }
          if (fileState >= 0) synStates[fileState][s] = fileWeight[s];
        } else {
          ir::EvalEnv env;
          env.param = [&](int q) { return args[q]; };
          w = ir::evaluate(deliver, env);
        }
      }
      pr.table.weight[s] = w * e.factor;
      if (!e.delay.isConstant()) pr.table.delaySteps[s] = runtime::delayToSteps(element(drng, s, i)(e.delay.node), dt);
    }
  }
  ringSlots = std::max(ringSlots, pr.table.maxDelaySteps() + 2);
  if (plastic || coupling)
    for (auto *cols : {&synParams, &synInternals})
      for (std::vector<double> &c : *cols)
        if (c.size() > 1 && std::all_of(c.begin(), c.end(), [&](double x) { return x == c[0]; })) c.resize(1);
  if (coupling) {
    std::vector<double> factors;
    for (const graph::Conversion &c : e.conversions)
      if (c.kind == graph::Conversion::Deliver) factors.push_back(c.factor);
    auto end = [&](uint32_t p, uint32_t first) {
      return CouplingEnd{pops[p].model, &pops[p].state, &pops[p].param, &pops[p].internal, first};
    };
    pr.coupling = std::make_unique<ContinuousSynapses>(*syn, dt, std::move(synParams), std::move(synInternals),
                                                       std::move(factors), end(pr.pre, pr.preFirst),
                                                       end(pr.post, pr.postFirst));
    coupled = true;
  }
  if (plastic) {
    // The factor of each `deliver` into the target, by statement.
    if (!syn->continuous.empty() && !pr.toInput)
      throw SimulationError("a synapse's continuous block onto a state (not an input) is not supported by target cpu",
                            e.onto.range.valid() ? e.onto.range : e.range);
    std::vector<std::pair<SourceRange, double>> factors;
    for (const graph::Conversion &c : e.conversions)
      if (c.kind == graph::Conversion::Deliver) factors.emplace_back(c.range, c.factor);
    SynapseProgram::Ends ends{pr.fromSource ? nullptr : &models[preV.model], &models[postV.model]};
    const uint32_t dendritic = dendriticSteps(e, *syn, synParams, pr.table);
    pr.plastic = std::make_unique<PlasticSynapses>(*syn, pr.table, dt, std::move(synParams), std::move(synInternals),
                                                   std::move(synStates), factors, pr.table.maxDelaySteps() + 2,
                                                   ends);
    pr.plastic->setDendriticSteps(dendritic);
  }
  const runtime::SynapseTable &t = pr.table;
  if (t.size() && std::all_of(t.delaySteps.begin(), t.delaySteps.end(), [&](uint32_t d) { return d == t.delaySteps[0]; }))
    pr.uniformDelay = t.delaySteps[0];
  // Equal bits (not ==, which would merge -0.0 and +0.0).
  auto sameBits = [&](double w) { return std::memcmp(&w, &t.weight[0], sizeof w) == 0; };
  if (t.size() && std::all_of(t.weight.begin(), t.weight.end(), sameBits)) pr.uniformWeight = t.weight[0];
  if (t.postSize <= 65536) pr.post16.assign(t.post.begin(), t.post.end());
  projections.push_back(std::move(pr));
}

void Simulation::Impl::buildRecorders(bool openFiles) {
  spikesRecorded.assign(outputs.size(), false);
  bool anySpikeRecord = false;
  for (const graph::Record &r : net.records) {
    if (r.memberKind != graph::Record::Spikes) continue;
    anySpikeRecord = true;
    if (r.vertex < 0) throw SimulationError("recording the spikes of a connect is not supported by target cpu", r.range);
    spikesRecorded[r.vertex] = true;
  }
  // Without any spike record, every population's spikes are written.
  if (!anySpikeRecord) spikesRecorded.assign(outputs.size(), true);
  for (const graph::Record &r : net.records) {
    if (r.memberKind == graph::Record::Spikes) continue;
    if (r.vertex < 0 && r.memberKind == graph::Record::State) {
      buildSynapseRecorders(r, openFiles);
      continue;
    }
    if (r.vertex < 0 || vertexPop[r.vertex] < 0 || r.memberKind != graph::Record::State)
      throw SimulationError("recording '" + r.owner + "." + r.member + "' (only states of populations can be recorded yet) is not supported by target cpu", r.range);
    Recorder rec;
    rec.record = &r;
    rec.population = vertexPop[r.vertex];
    rec.state = r.index;
    schedule(rec, r);
    std::vector<runtime::StateColumn> cols;
    const Population &p = pops[rec.population];
    for (int i = r.slice.first; i < r.slice.last; ++i)
      cols.push_back({p.vertex->name, uint32_t(i), r.member, r.unit.isDimensionless() ? "1" : r.unit.str()});
    std::string file = p.vertex->name + "." + r.member + ".csv";
    for (const Recorder &other : recorders)
      if (other.path == options.outDir + "/" + file) file = p.vertex->name + "." + r.member + "." + std::to_string(recorders.size()) + ".csv";
    rec.path = options.outDir + "/" + file;
    if (openFiles) rec.writer = std::make_unique<runtime::StateCsvWriter>(rec.path, std::move(cols), dt);
    recorders.push_back(std::move(rec));
  }
}

/// When a recorder samples: its interval, start and end in steps.
void Simulation::Impl::schedule(Recorder &rec, const graph::Record &r) const {
  rec.everySteps = r.every > 0 ? std::max<uint64_t>(1, uint64_t(std::llround(r.every / dt))) : 1;
  rec.fromStep = uint64_t(std::llround(r.from / dt));
  rec.toStep = r.to < 0 ? UINT64_MAX : uint64_t(std::llround(r.to / dt));
}

/// `record NAME.x` of a named connect whose synapses have state x: one CSV per projection of
/// the connect, a column per synapse (`NAME[s].x`, s = the synapse index of the
/// projection), and NAME.synapses.csv mapping synapse indices to neurons.
void Simulation::Impl::buildSynapseRecorders(const graph::Record &r, bool openFiles) {
  for (int id : r.edges) {
    auto it = std::find_if(projections.begin(), projections.end(), [&](const Projection &p) { return p.edge->id == id; });
    if (it == projections.end()) throw InternalError("a recorded connect without its projection");
    if (!it->plastic)
      throw SimulationError("recording '" + r.owner + "." + r.member + "': the synapse has no state (record a plastic synapse's state)", r.range);
    const runtime::SynapseTable &t = it->table;
    Recorder rec;
    rec.record = &r;
    rec.projection = int(it - projections.begin());
    rec.state = r.index;
    schedule(rec, r);
    std::string stem = r.owner + (r.edges.size() > 1 ? "#" + std::to_string(id) : "");
    rec.path = options.outDir + "/" + stem + "." + r.member + ".csv";
    if (openFiles) {
      std::vector<runtime::StateColumn> cols;
      for (uint64_t syn = 0; syn < t.size(); ++syn)
        cols.push_back({stem, uint32_t(syn), r.member, r.unit.isDimensionless() ? "1" : r.unit.str()});
      rec.writer = std::make_unique<runtime::StateCsvWriter>(rec.path, std::move(cols), dt);
      std::string map = "synapse,pre,post,delay_ms\n";
      for (uint32_t i = 0; i < t.preSize; ++i)
        for (uint64_t syn = t.rowBegin(i); syn < t.rowEnd(i); ++syn)
          map += std::to_string(syn) + "," + std::to_string(it->preFirst + i) + "," +
                 std::to_string(it->postFirst + t.post[syn]) + "," + runtime::formatDouble(t.delaySteps[syn] * dt) + "\n";
      std::string mapPath = options.outDir + "/" + stem + ".synapses.csv";
      if (std::none_of(synapseMaps.begin(), synapseMaps.end(), [&](const auto &m) { return m.first == mapPath; }))
        synapseMaps.emplace_back(mapPath, std::move(map));
    }
    recorders.push_back(std::move(rec));
  }
}

/// The run's dt, duration, seed and steps; populations and sources, in vertex order (the
/// order of outputs). Kernels do not depend on the duration: kernelRequests does not need one.
void Simulation::Impl::setup(bool needDuration) {
  const graph::Run &run = net.run;
  dt = options.dtMs.value_or(run.dt);
  duration = options.durationMs.value_or(run.duration);
  seed = options.seed.value_or(run.seedGiven ? uint64_t(run.seed) : 0);
  if (!(dt > 0)) throw SimulationError("dt must be positive", run.range);
  if (needDuration && !(duration > 0)) throw SimulationError("the run duration must be positive (give `run T` or --duration)", run.range);
  double q = duration / dt;
  steps = uint64_t(std::floor(q + 0.5 + 1e-9 * q));

  size_t nv = boost::num_vertices(net.g);
  vertexPop.assign(nv, -1);
  vertexSource.assign(nv, -1);
  for (size_t v = 0; v < nv; ++v) {
    const graph::Vertex &vx = net.g[v];
    outputs.push_back({vx.name, uint32_t(vx.size)});
    if (vx.kind == graph::VertexKind::Population) {
      vertexPop[v] = int(pops.size());
      Population p;
      p.vertex = &vx;
      p.model = &models[vx.model];
      p.index = uint32_t(v);
      p.n = uint32_t(vx.size);
      pops.push_back(std::move(p));
    } else {
      vertexSource[v] = int(sources.size());
      Source src;
      src.vertex = &vx;
      src.index = uint32_t(v);
      src.n = uint32_t(vx.size);
      sources.push_back(std::move(src));
    }
  }
}

std::vector<KernelRequest> Simulation::kernelRequests() {
  Impl &s = *impl_;
  s.setup(false);
  // Everything build() checks, in its order, so that `somac build` fails where a run would.
  for (const graph::EdgeId &e : graph::edgesInOrder(s.net)) s.buildProjection(s.net.g[e]);
  for (Source &src : s.sources) s.buildSource(src);
  std::vector<KernelRequest> out;
  for (Population &p : s.pops) out.push_back(Impl::request(p, s.buildPopulation(p)));
  s.buildRecorders(/*openFiles=*/false);
  s.buildSignals();
  return out;
}

std::vector<SynapseCodeRequest> Simulation::synapseCodeRequests() const {
  const Impl &s = *impl_;
  std::vector<SynapseCodeRequest> out;
  for (size_t q = 0; q < s.projections.size(); ++q)
    if (const Projection &pr = s.projections[q]; pr.plastic)
      out.push_back({pr.edge->name.empty() ? "#" + std::to_string(pr.edge->id) : pr.edge->name,
                     s.models[pr.edge->synapse].name, "soma_synapse_" + std::to_string(q), pr.plastic->codeSpec()});
  return out;
}

void Simulation::build(KernelProvider &kernels, Timings &timings) {
  Impl &s = *impl_;
  s.setup();
  std::filesystem::create_directories(s.options.outDir);
  auto t0 = Clock::now();
  double jitSeconds = 0;
  for (const graph::EdgeId &e : graph::edgesInOrder(s.net)) s.buildProjection(s.net.g[e]);
  for (Source &src : s.sources) s.buildSource(src);
  for (Population &p : s.pops) {
    auto tj = Clock::now();
    p.fn = kernels.kernel(Impl::request(p, s.buildPopulation(p)));
    if (!p.fn) throw InternalError("no kernel for population '" + p.vertex->name + "'");
    jitSeconds += secondsSince(tj);
  }
  if (!s.options.interpretSynapses)
    for (size_t q = 0; q < s.projections.size(); ++q)
      if (s.projections[q].plastic) {
        auto tj = Clock::now();
        s.projections[q].plastic->setLazyPost(s.options.lazyPost);
        s.projections[q].plastic->useKernels(kernels.synapseKernels(*s.projections[q].plastic,
                                                                     "soma_synapse_" + std::to_string(q)));
        jitSeconds += secondsSince(tj);
      }
  s.splitPlasticity = std::any_of(s.projections.begin(), s.projections.end(), [](const Projection &pr) { return pr.plastic != nullptr; }) &&
                      std::all_of(s.projections.begin(), s.projections.end(),
                                  [](const Projection &pr) { return !pr.plastic || pr.plastic->splittable(); });
  // Rings for the states and inputs that projections target.
  for (const Projection &pr : s.projections) {
    Population &p = s.pops[pr.post];
    Population::Ring &r = pr.toInput ? p.inputRing[pr.target] : p.jumpRing[pr.target];
    if (!r.used()) r.data.assign(size_t(s.ringSlots) * p.n * r.width, 0);
  }
  for (Population &p : s.pops) {
    p.statePtr.clear();
    for (auto &x : p.state) p.statePtr.push_back(x.data());
    for (auto &x : p.param) p.paramPtr.push_back(x.data());
    for (auto &x : p.internal) p.internalPtr.push_back(x.data());
    for (auto &x : p.propagator) p.propPtr.push_back(x.data());
    p.inputPtr.assign(p.inputRing.size(), nullptr);
    p.jumpPtr.assign(p.jumpRing.size(), nullptr);
    p.data.size = p.n;
    p.data.state = p.statePtr.data();
    p.data.param = p.paramPtr.data();
    p.data.internal = p.internalPtr.data();
    p.data.input = p.inputPtr.data();
    p.data.jump = p.jumpPtr.data();
    p.data.refractory = p.refractory.data();
    p.data.propagator = p.propPtr.data();
    p.data.propagatorPerNeuron = p.propagatorPerNeuron.data();
    p.data.seed = s.seed;
    p.data.stream = runtime::streamId(s.qualified(p.vertex->name));
  }
  for (Projection &pr : s.projections)
    if (pr.plastic)
      pr.plastic->bindNeurons(pr.fromSource ? nullptr : &s.pops[pr.pre].statePtr, pr.preFirst, &s.pops[pr.post].statePtr,
                              pr.postFirst);
  s.primeAnalogInputs();
  s.buildRecorders();
  s.buildSignals();
  if (!s.options.loadState.empty()) s.loadState(s.options.loadState);
  double total = secondsSince(t0);
  timings.jit = jitSeconds;
  timings.construction = total - jitSeconds;
  for (const Projection &pr : s.projections) result_.synapses += pr.table.size();
}

/// The network's signals (Signals.h), evaluated once at t_{firstStep} for step 0, and the
/// kernels' view of the populations' broadcast inputs.
void Simulation::Impl::buildSignals() {
  if (net.signals.empty()) return;
  std::vector<SignalVertex> views(outputs.size());
  for (Population &p : pops) views[p.index] = {p.n, p.model, &p.state, &p.param, &p.internal, &p.spikes};
  for (Source &src : sources) views[src.index] = {src.n, nullptr, nullptr, nullptr, nullptr, &src.spikes};
  signals = std::make_unique<Signals>(net, std::move(views), [&](int id) -> PlasticSynapses * {
    for (Projection &pr : projections)
      if (pr.edge->id == id) return pr.plastic.get();
    return nullptr;
  }, dt);
  for (Population &p : pops)
    for (size_t j = 0; j < p.inputPtr.size(); ++j)
      if (double *held = signals->heldInput(int(p.index), int(j))) p.inputPtr[j] = held;
  signals->update(firstStep);
}

// ------------------------------------------------------------------ the step loop

// 1-5 (docs/simulation.md) run in the kernels, every population in parallel chunks of
// neurons; the rest of a step is serial, in the fixed order that makes it deterministic.
void Simulation::Impl::prepare(uint64_t k, unsigned threads) {
  uint64_t slotNow = k % ringSlots, slotNext = (k + 1) % ringSlots;
  for (Population &p : pops) {
    for (size_t j = 0; j < p.inputRing.size(); ++j)  // else null, or a broadcast's held array
      if (p.inputRing[j].used()) p.inputPtr[j] = p.inputRing[j].slot(slotNow, p.n);
    for (size_t j = 0; j < p.jumpRing.size(); ++j)
      p.jumpPtr[j] = p.jumpRing[j].used() ? p.jumpRing[j].slot(slotNext, p.n) : nullptr;
    p.threadSpikes.resize(threads);
    p.threadCounts.assign(threads, 0);
    p.threadFaults.assign(threads, SomaFault{});
  }
}

void Simulation::Impl::kernels(uint64_t k, unsigned t, unsigned threads) {
  for (Population &p : pops) {
    uint64_t begin = uint64_t(p.n) * t / threads, end = uint64_t(p.n) * (t + 1) / threads;
    p.threadSpikes[t].resize(end - begin);
    p.threadCounts[t] = p.fn(&p.data, begin, end, k, dt, p.threadSpikes[t].data(), &p.threadFaults[t]);
  }
}

// Serial: spikes of the step in index order, freed ring slots, source spikes.
void Simulation::Impl::collect(uint64_t k, unsigned threads) {
  for (Population &p : pops) {
    for (unsigned t = 0; t < threads && fault.empty(); ++t)
      if (p.threadFaults[t].found) {
        const SomaFault &f = p.threadFaults[t];
        // Reported once the step's barriers are passed (workers must not be left waiting).
        fault = "non-finite value: population '" + p.vertex->name + "', neuron " + std::to_string(f.neuron) +
                ", state '" + p.model->states[f.state].name + "', at t = " + formatTime(k + 1, dt) +
                " ms";
      }
    p.spikes.clear();
    for (unsigned t = 0; t < threads; ++t)
      p.spikes.insert(p.spikes.end(), p.threadSpikes[t].begin(), p.threadSpikes[t].begin() + p.threadCounts[t]);
    p.spikeCount += p.spikes.size();
  }
  // Sources emit the spikes stamped t_{k+1}.
  double tNext = double(k + 1) * dt;
  for (Source &s : sources) {
    s.spikes.clear();
    s.multiplicity.clear();
    const graph::VertexKind kind = s.vertex->kind;
    if (kind == graph::VertexKind::Poisson) {
      if (tNext > s.startMs && tNext <= s.stopMs + 1e-12) {
        double lambda = s.rateHz * dt * 1e-3;
        // Most channels draw no spike: for lambda < 10 poisson() inverts the CDF from the
        // same uniform, giving 0 exactly when u < e^-lambda, so test that first (same bits,
        // one exp per step instead of one per channel).
        const double none = lambda < 10 ? std::exp(-lambda) : 0;
        for (uint32_t c = 0; c < s.n; ++c)
          if (lambda < 10 && s.rng.uniform01(c, k, 0) < none) continue;
          else if (uint64_t m = s.rng.poisson(c, k, 0, lambda)) {
            s.spikes.push_back(c);
            s.multiplicity.push_back(int32_t(std::min<uint64_t>(m, INT32_MAX)));
          }
      }
    } else if (kind == graph::VertexKind::SpikeArray) {
      for (uint32_t c = 0; c < s.n; ++c) {
        uint32_t m = 0;
        while (s.cursor[c] < s.spikeSteps[c].size() && s.spikeSteps[c][s.cursor[c]] == k) {
          ++m;
          ++s.cursor[c];
        }
        if (m) {
          s.spikes.push_back(c);
          s.multiplicity.push_back(int32_t(m));
        }
      }
    } else if (s.analog) {
      // Samples t_{k+1}: the encoder's spikes, or the value a direct connect delivers.
      s.analog->step(k, s.spikes, s.multiplicity);
    }
    for (int32_t m : s.multiplicity) s.spikeCount += uint64_t(std::abs(int64_t(m)));
  }
  if (signals) signals->update(k + 1);  // at t_{k+1}, for the synapses and step k+1
  plasticity(k);
}

// Serial: synapses with state (Plasticity.h has the order and why). When every projection
// with state is splittable and no synapse recorder samples this step, only the schedules
// and the preparation run here: the events themselves run in the delivery phase, each
// thread for its own post neurons (splitStep), and finishPlasticity closes the step.
void Simulation::Impl::plasticity(uint64_t k) {
  splitStep = false;
  if (splitPlasticity && std::none_of(recorders.begin(), recorders.end(), [&](const Recorder &r) {
        return r.projection >= 0 && samplesAt(r, k);
      })) {
    bool ready = true;
    for (Projection &pr : projections)
      if (pr.plastic) {
        postSpiking(pr, postScratch);
        pr.spiking = pr.plastic->postArrivals(postScratch, k + 1);
        schedule(pr, k);
        ready = pr.plastic->prepare(pr.table, k + 2, deliverySlot(pr, k + 2), threadEvents.size()) && ready;
      }
    if (ready) {
      splitStep = true;
      return;
    }
    // A row arrived twice: run the events here, in the order below.
    for (Projection &pr : projections)
      if (pr.plastic) {
        pr.plastic->postSpikes(pr.spiking, k + 1);
        threadEvents[0] += pr.plastic->arrivals(pr.table, k + 2, deliverySlot(pr, k + 2));
      }
    return;
  }
  for (size_t q = 0; q < projections.size(); ++q) {
    Projection &pr = projections[q];
    if (!pr.plastic) continue;
    PlasticSynapses &ps = *pr.plastic;
    const runtime::SynapseTable &table = pr.table;
    // 1. on post for the post neurons that spiked, as indices in the post slice.
    postSpiking(pr, postScratch);
    ps.postSpikes(ps.postArrivals(postScratch, k + 1), k + 1);
    // 2. synapse recorders sample t_{k+1}; a continuous block delivers from the states at
    // t_{k+1} into the input held over step k+1.
    for (Recorder &r : recorders)
      if (r.projection == int(q)) sample(r, k);
    if (ps.hasContinuous()) {
      double *next = pops[pr.post].inputRing[pr.target].slot((k + 1) % ringSlots, pops[pr.post].n) + pr.postFirst;
      ps.continuous(table, k + 1, [next](uint32_t j, double v) { next[j] += v; });
    }
    // 3.-5.
    ps.advance(table, k + 1);
    schedule(pr, k);
    double *slot = deliverySlot(pr, k + 2);
    threadEvents[0] += ps.arrivals(table, k + 2, slot);
  }
}

void Simulation::Impl::postSpiking(const Projection &pr, std::vector<uint32_t> &out) const {
  out.clear();
  for (uint32_t g : pops[pr.post].spikes)
    if (g >= pr.postFirst && g < pr.postFirst + pr.table.postSize) out.push_back(g - pr.postFirst);
}

void Simulation::Impl::schedule(Projection &pr, uint64_t k) {
  const std::vector<uint32_t> &spikes = pr.fromSource ? sources[pr.pre].spikes : pops[pr.pre].spikes;
  for (size_t sp = 0; sp < spikes.size(); ++sp) {
    uint32_t pre = spikes[sp];
    if (pre < pr.preFirst || pre >= pr.preFirst + pr.table.preSize) continue;
    pr.plastic->schedule(pr.table, pre - pr.preFirst, k + 1,
                         pr.fromSource ? uint32_t(sources[pr.pre].multiplicity[sp]) : 1);
  }
}

// Where `on pre` for the arrivals at `step` delivers: a dendritic delay later.
double *Simulation::Impl::deliverySlot(const Projection &pr, uint64_t step) {
  Population &post = pops[pr.post];
  Population::Ring &ring = pr.toInput ? post.inputRing[pr.target] : post.jumpRing[pr.target];
  return ring.slot((step + pr.plastic->dendriticSteps()) % ringSlots, post.n) + pr.postFirst;
}

// A split step's synapse events, thread t's share: before its static deliveries, so each
// target sums what arrives in the serial order.
uint64_t Simulation::Impl::plasticPart(uint64_t k, unsigned t, unsigned threads) {
  uint64_t events = 0;
  for (Projection &pr : projections)
    if (pr.plastic) {
      const uint32_t n = pops[pr.post].n;
      int64_t lo = int64_t(uint64_t(n) * t / threads * pr.width) - pr.postFirst;
      int64_t hi = int64_t(uint64_t(n) * (t + 1) / threads * pr.width) - pr.postFirst;
      lo = std::clamp<int64_t>(lo, 0, pr.table.postSize);
      hi = std::clamp<int64_t>(hi, 0, pr.table.postSize);
      if (lo < hi) events += pr.plastic->part(pr.table, pr.spiking, k + 1, uint32_t(lo), uint32_t(hi), t);
    }
  return events;
}

void Simulation::Impl::finishPlasticity() {
  if (!splitStep) return;
  for (Projection &pr : projections)
    if (pr.plastic) pr.plastic->finish(pr.table);
}

// Continuous coupling for step k (Coupling.h), before the kernels: thread t adds the
// delivers onto its own neurons into their input slot for t_k, projection by projection.
void Simulation::Impl::couple(uint64_t k, unsigned t, unsigned threads) {
  for (const Projection &pr : projections)
    if (pr.coupling) {
      Population &post = pops[pr.post];
      pr.coupling->accumulate(pr.table, k, post.n, t, threads, post.inputRing[pr.target].slot(k % ringSlots, post.n));
    }
}

// 7: schedule arrivals in the fixed order (source population, source index, synapse).
// Thread t owns the targets [n t/T, n (t+1)/T) of every population, so each target's sum
// is formed by one thread in the same order whatever T is.
void Simulation::Impl::deliver(uint64_t k, unsigned t, unsigned threads) {
  uint64_t events = splitStep ? plasticPart(k, t, threads) : 0;
  for (const Projection &pr : projections)
    if (pr.plastic || pr.coupling) continue;
    else events += pr.post16.empty() ? deliverProjection(pr, pr.table.post.data(), k, t, threads)
                                : deliverProjection(pr, pr.post16.data(), k, t, threads);
  threadEvents[t] += events;
}

/// One projection's arrivals for thread t; `postIdx` is the table's post column (16 or 32
/// bits). Returns the number of synaptic events.
template <class Index>
uint64_t Simulation::Impl::deliverProjection(const Projection &pr, const Index *postIdx, uint64_t k, unsigned t,
                                             unsigned threads) {
  Population &post = pops[pr.post];
  Population::Ring &ring = pr.toInput ? post.inputRing[pr.target] : post.jumpRing[pr.target];
  const runtime::SynapseTable &table = pr.table;
  // This thread's targets as post indices of the projection: [lo, hi). Rows are sorted by
  // post index, so they are a contiguous part of each row.
  int64_t lo = int64_t(uint64_t(post.n) * t / threads * pr.width) - pr.postFirst;
  int64_t hi = int64_t(uint64_t(post.n) * (t + 1) / threads * pr.width) - pr.postFirst;
  lo = std::clamp<int64_t>(lo, 0, table.postSize);
  hi = std::clamp<int64_t>(hi, 0, table.postSize);
  if (lo >= hi) return 0;
  auto below = [](Index x, int64_t v) { return int64_t(x) < v; };
  auto part = [&](uint32_t row, uint64_t &b, uint64_t &e) {
    b = table.rowBegin(row);
    e = table.rowEnd(row);
    if (threads == 1) return;
    b = uint64_t(std::lower_bound(postIdx + b, postIdx + e, lo, below) - postIdx);
    e = uint64_t(std::lower_bound(postIdx + b, postIdx + e, hi, below) - postIdx);
  };
  if (pr.continuous) {
    const Source &src = sources[pr.pre];
    double *slot = ring.slot((k + 1) % ringSlots, post.n) + pr.postFirst;
    if (src.analog) {
      // An analog source's x_c(t_{k+1}) (collect sampled it) is the input of step k+1.
      const double *x = src.analog->values().data() + pr.preFirst;
      for (uint32_t i = 0; i < table.preSize; ++i) {
        uint64_t b, e;
        part(i, b, e);
        for (uint64_t q = b; q < e; ++q) slot[postIdx[q]] += x[i] * table.weight[q];
      }
      return 0;
    }
    // A current source holds its amplitude onto its targets while it is on: as input for
    // the next step.
    double tNext = double(k + 1) * dt;
    if (tNext >= src.startMs && tNext < src.stopMs) {
      for (uint32_t i = 0; i < table.preSize; ++i) {
        uint64_t b, e;
        part(i, b, e);
        for (uint64_t q = b; q < e; ++q) slot[postIdx[q]] += src.amplitude * table.weight[q];
      }
    }
    return 0;
  }
  const std::vector<uint32_t> &spikes = pr.fromSource ? sources[pr.pre].spikes : pops[pr.pre].spikes;
  const std::vector<int32_t> *mult = pr.fromSource ? &sources[pr.pre].multiplicity : nullptr;
  uint64_t events = 0;
  // Arrival = stamp (k+1) + D; a state target reads it in step arrival-1, an input in step
  // arrival.
  for (size_t sp = 0; sp < spikes.size(); ++sp) {
    uint32_t pre = spikes[sp];
    if (pre < pr.preFirst || pre >= pr.preFirst + table.preSize) continue;
    double m = mult ? double((*mult)[sp]) : 1.0;
    uint64_t b, e;
    part(pre - pr.preFirst, b, e);
    events += e - b;
    if (!pr.uniformDelay) {
      for (uint64_t q = b; q < e; ++q)
        ring.slot((k + 1 + table.delaySteps[q]) % ringSlots, post.n)[pr.postFirst + postIdx[q]] += m * table.weight[q];
      continue;
    }
    double *slot = ring.slot((k + 1 + *pr.uniformDelay) % ringSlots, post.n) + pr.postFirst;
    if (pr.uniformWeight) {
      const double w = m * *pr.uniformWeight;
      for (uint64_t q = b; q < e; ++q) slot[postIdx[q]] += w;
    } else {
      for (uint64_t q = b; q < e; ++q) slot[postIdx[q]] += m * table.weight[q];
    }
  }
  return events;
}

// Serial: the spike log and the recorders (8).
void Simulation::Impl::record(uint64_t k) {
  for (const Population &p : pops)
    if (spikesRecorded[p.index])
      for (uint32_t i : p.spikes) spikeLog.push_back({k + 1, p.index, i});
  for (const Source &s : sources)
    if (spikesRecorded[s.index])
      for (size_t q = 0; q < s.spikes.size(); ++q)
        for (int64_t m = std::abs(int64_t(s.multiplicity[q])); m > 0; --m) spikeLog.push_back({k + 1, s.index, s.spikes[q]});
  // 8: recorders sample the state at t_{k+1} (synapse recorders sampled in plasticity()).
  for (Recorder &r : recorders)
    if (r.projection < 0) sample(r, k);
}

bool Simulation::Impl::samplesAt(const Recorder &r, uint64_t k) const {
  uint64_t stepNow = k + 1;
  return stepNow >= r.fromStep && stepNow <= r.toStep && (stepNow - r.fromStep) % r.everySteps == 0;
}

void Simulation::Impl::sample(Recorder &r, uint64_t k) {
  if (!samplesAt(r, k)) return;
  uint64_t stepNow = k + 1;
  row.clear();
  if (r.projection >= 0) {
    PlasticSynapses &ps = *projections[r.projection].plastic;
    ps.flushPost(projections[r.projection].table); // lazy post events reach every synapse
    for (uint64_t syn = 0; syn < projections[r.projection].table.size(); ++syn) row.push_back(ps.valueAt(projections[r.projection].table, r.state, syn, stepNow));
  } else {
    const std::vector<double> &x = pops[r.population].state[r.state];
    row.assign(x.begin() + r.record->slice.first, x.begin() + r.record->slice.last);
  }
  r.writer->addRow(stepNow, row);
}

// ------------------------------------------------------------------ checkpoints
//
// A checkpoint holds everything a continuation needs that is not rebuilt identically from
// the model and the seed: the step reached, every state, refractory counters, pending
// arrivals in the delay rings, the position of spike-array sources and the state of analog
// encoders (delta's counts, sigma-delta's integrals and thresholds). Weights are static
// here and rebuilt from the seed, so a checkpoint is only valid for the same network, seed
// and dt (checked). The format is this build's native binary layout, version 1.

namespace {
constexpr char kMagic[] = "SOMASTATE1";

struct Writer {
  std::string out;
  template <class T> void pod(const T &v) { out.append(reinterpret_cast<const char *>(&v), sizeof v); }
  void str(const std::string &s) {
    pod(uint64_t(s.size()));
    out += s;
  }
  template <class T> void vec(const std::vector<T> &v) {
    pod(uint64_t(v.size()));
    out.append(reinterpret_cast<const char *>(v.data()), v.size() * sizeof(T));
  }
};

struct Reader {
  std::string data;
  size_t pos = 0;
  std::string path;
  [[noreturn]] void bad() const { throw runtime::RuntimeError(path + ": not a checkpoint of this build, or truncated"); }
  template <class T> T pod() {
    if (pos + sizeof(T) > data.size()) bad();
    T v;
    std::memcpy(&v, data.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string str() {
    uint64_t n = pod<uint64_t>();
    if (n > data.size() - pos) bad();
    std::string s = data.substr(pos, n);
    pos += n;
    return s;
  }
  template <class T> std::vector<T> vec() {
    uint64_t n = pod<uint64_t>();
    if (n > (data.size() - pos) / sizeof(T)) bad();
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), data.data() + pos, n * sizeof(T)); // an empty vector's data() may be null
    pos += n * sizeof(T);
    return v;
  }
};
} // namespace

void Simulation::Impl::saveState(const std::string &path) const {
  Writer w;
  w.out.append(kMagic, sizeof kMagic);
  w.str(net.name);
  w.pod(seed);
  w.pod(dt);
  w.pod(firstStep + steps);
  w.pod(ringSlots);
  w.pod(uint64_t(pops.size()));
  for (const Population &p : pops) {
    w.str(p.vertex->name);
    w.pod(p.n);
    w.pod(uint64_t(p.state.size()));
    for (const auto &x : p.state) w.vec(x);
    w.vec(p.refractory);
    for (const auto *rings : {&p.inputRing, &p.jumpRing})
      for (const Population::Ring &r : *rings) w.vec(r.data);
  }
  w.pod(uint64_t(sources.size()));
  for (const Source &src : sources) w.vec(std::vector<uint64_t>(src.cursor.begin(), src.cursor.end()));
  for (const Source &src : sources)
    if (src.analog)
      for (const std::vector<double> *v : src.analog->checkpointArrays()) w.vec(*v);
  for (const Projection &pr : projections) {
    if (!pr.plastic) continue;
    std::vector<std::vector<double> *> values;
    std::vector<std::vector<uint64_t> *> steps;
    pr.plastic->checkpointArrays(values, steps);
    for (const auto *v : values) w.vec(*v);
    for (const auto *v : steps) w.vec(*v);
    for (const auto &slot : pr.plastic->pending()) w.vec(slot);
    for (const auto &slot : pr.plastic->pendingPost()) w.vec(slot);
  }
  if (signals) w.vec(signals->values());
  runtime::writeFileAtomically(path, w.out);
}

void Simulation::Impl::loadState(const std::string &path) {
  Reader r;
  r.path = path;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw runtime::RuntimeError("cannot read the checkpoint '" + path + "'");
    std::ostringstream buf;
    buf << in.rdbuf();
    r.data = buf.str();
  }
  if (r.data.size() < sizeof kMagic || r.data.compare(0, sizeof kMagic, std::string(kMagic, sizeof kMagic)) != 0) r.bad();
  r.pos = sizeof kMagic;
  auto mismatch = [&](const std::string &what) {
    throw runtime::RuntimeError(path + ": the checkpoint was made with a different " + what);
  };
  if (r.str() != net.name) mismatch("network");
  if (r.pod<uint64_t>() != seed) mismatch("seed (weights and connectivity depend on it)");
  if (r.pod<double>() != dt) mismatch("dt");
  firstStep = r.pod<uint64_t>();
  if (r.pod<uint32_t>() != ringSlots) mismatch("set of delays");
  if (r.pod<uint64_t>() != pops.size()) mismatch("set of populations");
  for (Population &p : pops) {
    if (r.str() != p.vertex->name || r.pod<uint32_t>() != p.n || r.pod<uint64_t>() != p.state.size())
      mismatch("population '" + p.vertex->name + "'");
    for (auto &x : p.state) {
      x = r.vec<double>();
      if (x.size() != p.n) r.bad();
    }
    p.refractory = r.vec<int32_t>();
    if (p.refractory.size() != p.n) r.bad();
    for (auto *rings : {&p.inputRing, &p.jumpRing})
      for (Population::Ring &ring : *rings) {
        std::vector<double> data = r.vec<double>();
        if (data.size() != ring.data.size()) mismatch("set of connections onto '" + p.vertex->name + "'");
        ring.data = std::move(data);
      }
    // The arrays moved: re-point the kernel's view of them.
    for (size_t k = 0; k < p.state.size(); ++k) p.statePtr[k] = p.state[k].data();
    p.data.refractory = p.refractory.data();
  }
  if (r.pod<uint64_t>() != sources.size()) mismatch("set of sources");
  for (Source &src : sources) {
    std::vector<uint64_t> c = r.vec<uint64_t>();
    if (c.size() != src.cursor.size()) mismatch("source '" + src.vertex->name + "'");
    src.cursor.assign(c.begin(), c.end());
  }
  for (Source &src : sources)
    if (src.analog)
      for (std::vector<double> *v : src.analog->checkpointArrays()) {
        std::vector<double> x = r.vec<double>();
        if (x.size() != v->size()) mismatch("source '" + src.vertex->name + "'");
        *v = std::move(x);
      }
  for (Projection &pr : projections) {
    if (!pr.plastic) continue;
    auto same = [&](auto &to, auto from) {
      if (from.size() != to.size()) mismatch("set of synapses of '" + pr.edge->name + "'");
      to = std::move(from);
    };
    std::vector<std::vector<double> *> values;
    std::vector<std::vector<uint64_t> *> steps;
    pr.plastic->checkpointArrays(values, steps);
    for (auto *v : values) same(*v, r.vec<double>());
    for (auto *v : steps) same(*v, r.vec<uint64_t>());
    for (auto &slot : pr.plastic->pending()) {
      slot = r.vec<uint64_t>();
      for (uint64_t entry : slot)
        if (entry >= pr.plastic->pendingLimit()) r.bad();
    }
    for (auto &slot : pr.plastic->pendingPost()) {
      slot = r.vec<uint64_t>();
      for (uint64_t entry : slot)
        if (entry >= pr.table.postSize) r.bad();
    }
  }
  if (signals) {
    std::vector<double> values = r.vec<double>();
    if (values.size() != signals->values().size()) mismatch("set of signals");
    signals->restore(values);
  }
  if (r.pos != r.data.size()) r.bad();
}

void Simulation::run(Timings &timings) {
  Impl &s = *impl_;
  auto t0 = Clock::now();
  unsigned threads = std::max(1u, s.options.threads);
  bool bar = s.options.progress && isatty(STDERR_FILENO);
  uint64_t tick = std::max<uint64_t>(1, s.steps / 50);
  // Workers live for the whole run; two barrier phases per step hand the kernels to them.
  SpinBarrier sync(threads);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> current{0};
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (;;) {
        sync.arriveAndWait();
        if (stop.load()) return;
        if (s.coupled) {
          s.couple(current.load(), t, threads);
          sync.arriveAndWait();
        }
        s.kernels(current.load(), t, threads);
        sync.arriveAndWait();
        sync.arriveAndWait();
        s.deliver(current.load(), t, threads);
        sync.arriveAndWait();
      }
    });
  struct Joiner {
    std::vector<std::thread> &w;
    SpinBarrier &b;
    std::atomic<bool> &stop;
    unsigned threads;
    ~Joiner() {
      if (threads > 1) {
        stop = true;
        b.arriveAndWait();
      }
      for (auto &th : w) th.join();
    }
  } joiner{workers, sync, stop, threads};
  s.threadEvents.assign(threads, 0);
  // Synapses advanced per step run one step ahead of the neurons (Plasticity.h): before
  // step 0 they go from t_0 to t_1. A continued run's checkpoint holds them there already.
  if (s.firstStep == 0 && s.options.loadState.empty())
    for (Projection &pr : s.projections)
      if (pr.plastic) pr.plastic->advance(pr.table, 0);
  for (uint64_t k = s.firstStep; k < s.firstStep + s.steps; ++k) {
    s.prepare(k, threads);
    current = k;
    if (threads > 1) sync.arriveAndWait();   // kernels start
    if (s.coupled) {
      s.couple(k, 0, threads);
      if (threads > 1) sync.arriveAndWait(); // coupling done: states may change
    }
    s.kernels(k, 0, threads);
    if (threads > 1) sync.arriveAndWait();   // kernels done
    s.collect(k, threads);
    if (threads > 1) sync.arriveAndWait();   // delivery starts
    s.deliver(k, 0, threads);
    if (threads > 1) sync.arriveAndWait();   // delivery done
    s.finishPlasticity();
    if (!s.fault.empty()) throw runtime::RuntimeError(s.fault);
    s.record(k);
    if (bar && (k + 1 - s.firstStep) % tick == 0) {
      uint64_t doneSteps = k + 1 - s.firstStep;
      int done = int(50 * doneSteps / s.steps);
      std::cerr << "\r[" << std::string(done, '#') << std::string(50 - done, ' ') << "] " << doneSteps * 100 / s.steps << "%"
                << std::flush;
    }
  }
  if (bar) std::cerr << "\r" << std::string(60, ' ') << "\r";
  // Lazy post events still pending reach their synapses: the weights written and the
  // checkpoint hold every event up to the end.
  for (Projection &pr : s.projections)
    if (pr.plastic) pr.plastic->flushPost(pr.table);
  timings.simulation = secondsSince(t0);
  if (!s.options.saveState.empty()) s.saveState(s.options.saveState);
  result_.firstStep = s.firstStep;
  result_.durationMs = s.duration;
  result_.dtMs = s.dt;
  result_.steps = s.steps;
  result_.seed = s.seed;
  result_.threads = threads;
  result_.events = 0;
  for (uint64_t e : s.threadEvents) result_.events += e;
  for (const Population &p : s.pops)
    result_.populations.push_back({p.vertex->name, p.n, p.spikeCount, p.n ? p.spikeCount / (p.n * s.duration * 1e-3) : 0});
  for (const Source &src : s.sources)
    result_.populations.push_back({src.vertex->name, src.n, src.spikeCount, src.n ? src.spikeCount / (src.n * s.duration * 1e-3) : 0});
}

void Simulation::writeOutputs(Timings &timings, const Timings &before) {
  Impl &s = *impl_;
  auto t0 = Clock::now();
  std::sort(s.spikeLog.begin(), s.spikeLog.end(), runtime::spikeOrder);
  std::string spikes = s.options.outDir + "/spikes.csv";
  runtime::writeSpikesCsv(spikes, s.outputs, s.spikeLog, s.dt);
  result_.files.push_back(spikes);
  for (Recorder &r : s.recorders) {
    r.writer->commit();
    result_.files.push_back(r.path);
  }
  // Learned weights and delays, in the connection-file format that from_file reads back
  // (indices within the connect's slices): NAME.weights.csv per named connect whose
  // synapse has a state w or learned_delay. delay_ms is the delay a spike would take now:
  // the learned one (in steps, within [1, the connect's delay]) or the connect's.
  for (const Projection &pr : s.projections) {
    if (!pr.plastic || pr.edge->name.empty()) continue;
    const ir::Model &syn = s.models[pr.edge->synapse];
    auto stateNamed = [&](const char *name) {
      auto it = std::find_if(syn.states.begin(), syn.states.end(), [&](const ir::Variable &v) { return v.name == name; });
      return it == syn.states.end() ? -1 : int(it - syn.states.begin());
    };
    const int k = stateNamed("w");
    if (k < 0 && stateNamed("learned_delay") < 0) continue;
    const uint64_t end = s.firstStep + s.steps;
    bool several = std::count_if(s.projections.begin(), s.projections.end(),
                                 [&](const Projection &o) { return o.edge->name == pr.edge->name; }) > 1;
    std::string path = s.options.outDir + "/" + pr.edge->name + (several ? "#" + std::to_string(pr.edge->id) : "") +
                       ".weights.csv";
    std::string text = k >= 0 ? "pre,post,weight,delay_ms\n" : "pre,post,delay_ms\n";
    const runtime::SynapseTable &t = pr.table;
    for (uint32_t i = 0; i < t.preSize; ++i)
      for (uint64_t q = t.rowBegin(i); q < t.rowEnd(i); ++q) {
        text += std::to_string(i) + "," + std::to_string(t.post[q]) + ",";
        if (k >= 0) {
          runtime::appendDouble(text, pr.plastic->valueAt(t, size_t(k), q, end));
          text += ",";
        }
        runtime::appendDouble(text, pr.plastic->delayStepsAt(t, q, end) * s.dt);
        text += "\n";
      }
    runtime::writeFileAtomically(path, text);
    result_.files.push_back(path);
  }
  for (const auto &[path, contents] : s.synapseMaps) {
    runtime::writeFileAtomically(path, contents);
    result_.files.push_back(path);
  }
  std::string raster = s.options.outDir + "/raster.svg";
  runtime::RasterOptions ro;
  ro.title = s.net.name + ": spike raster";
  runtime::writeRasterSvg(raster, s.outputs, s.spikeLog, s.dt, s.steps, ro);
  result_.files.push_back(raster);
  timings.output = secondsSince(t0);

  runtime::RunSummary sum;
  sum.model = s.net.name;
  sum.dtMs = s.dt;
  sum.steps = s.steps;
  sum.seed = s.seed;
  for (const PopulationResult &p : result_.populations) sum.populations.push_back({p.name, p.size, p.spikes});
  sum.metrics = {{"duration_ms", s.duration},
                 {"threads", double(result_.threads)},
                 {"synapses", double(result_.synapses)},
                 {"synaptic_events", double(result_.events)},
                 {"time_front_end_s", before.frontEnd},
                 {"time_lowering_s", before.lowering},
                 {"time_jit_s", timings.jit},
                 {"time_construction_s", timings.construction},
                 {"time_simulation_s", timings.simulation},
                 {"time_output_s", timings.output}};
  for (const PopulationResult &p : result_.populations) sum.metrics.push_back({"rate_hz." + p.name, p.rateHz});
  // How the synapse events of each named projection with state ran: the number of its
  // event blocks run by compiled loops (the rest by the interpreter).
  for (const Projection &pr : s.projections)
    if (pr.plastic && !pr.edge->name.empty())
      sum.metrics.push_back({"compiled_event_loops." + pr.edge->name, double(pr.plastic->compiledLoops())});
  std::string summary = s.options.outDir + "/summary.json";
  for (const std::string &f : result_.files) sum.files.push_back({std::filesystem::path(f).filename().string(), f});
  sum.files.push_back({"command", s.options.commandLine});
  sum.files.push_back({"rng", "philox4x32-10 keyed by (seed, stream, entity, step, draw)"});
  runtime::writeSummaryJson(summary, sum);
  result_.files.push_back(summary);
}

} // namespace soma::sim
