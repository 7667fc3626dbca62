// Synapses with state: `on pre` at each spike's arrival, `on post` when the postsynaptic
// neuron fires, and the synapse's own dynamics (docs/simulation.md, "Synapses with state").
//
// One PlasticSynapses per projection whose synapse model has state. Per-synapse states are
// columns (structure of arrays) in the order of the projection's synapse table. A trace
// that only its postsynaptic neuron's spikes change (`on post { x_post += 1 }`, uniform
// parameters and initial value) is the same in every synapse onto that neuron, so it is
// kept once per post neuron; likewise a trace only `on pre` changes is kept once per pre
// neuron when every synapse of the projection has the same delay. The state advances by
// the model's scheme (ir::synapseScheme):
//  - event-driven: each synapse remembers the step its state belongs to and is advanced
//    exactly to an event's time when the event reaches it (x' = a x + b per state);
//  - per step: every synapse is advanced every step (exact propagators or the numeric
//    method of each subsystem).
//
// Within step k (t_k -> t_{k+1}), after the neuron kernels, Simulation calls, in order:
//  1. postSpikes: `on post` for the post neurons that spiked (stamped t_{k+1});
//  2. (recorders read states at t_{k+1} through valueAt)
//  3. advance: per-step synapses t_{k+1} -> t_{k+2}, modulator inputs held at their t_{k+1}
//     values (they run one step ahead of the neurons: before step 0 they go t_0 -> t_1);
//  4. schedule: each pre spike stamped t_{k+1} becomes a pending arrival at
//     t_{k+1} + D dt for each of its synapses; a synapse with a state `learned_delay`
//     takes D from it as it stands then (rounded to steps, within [1, the table's delay],
//     so the table's delays size the rings);
//  5. arrivals(k + 2): `on pre` for the arrivals at t_{k+2}, in the order they were
//     scheduled; what they deliver goes to the target's arrival slot for t_{k+2}, which
//     the kernels of step k+1 read. So at equal times `on pre` runs before `on post`.
// A projection whose events all run on compiled loops (splittable()) may instead run 4,
// then 1 and 5 split by post neuron over threads (prepare, part, finish): the same bits.
// With lazy post events (lazyPost()), 1 only records the spike in the post neuron's
// history and moves its post traces; 5 replays, per synapse, the history entries after
// its row's last arrival before `on pre`; flushPost() before anything reads the states.
#pragma once

#include "ModelIR.h"
#include "SynapseProgram.h"
#include "SynapseScheme.h"
#include "soma/runtime/SynapseTable.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace soma::sim {

/// What compiled event loops (JitSynapses.h) read and write: pointers into a
/// PlasticSynapses and the populations at its ends, refreshed before each call. Every field
/// is 8 bytes; the generated code reads field k at offset 8 k.
struct SynapseKernelData {
  double *const *own = nullptr;        // per model state: its column (per synapse) or null
  uint64_t *at = nullptr;              // per synapse: the step its own states belong to
  double *const *preSide = nullptr;    // per model state: values per pre neuron, or null
  uint64_t *preAt = nullptr;
  double *const *postSide = nullptr;   // per model state: values per post neuron, or null
  uint64_t *postAt = nullptr;
  const double *const *param = nullptr;    // per model parameter: its column, or null (uniform)
  const double *const *internal = nullptr; // likewise
  const double *input = nullptr;       // modulator inputs
  double *const *preStates = nullptr;  // the pre population's state arrays (null: a source)
  double *const *postStates = nullptr;
  uint64_t preFirst = 0, postFirst = 0;
  const uint32_t *post = nullptr;      // the table's post index per synapse
  const uint32_t *preOf = nullptr;     // the pre index per synapse
  const uint64_t *byPost = nullptr;    // synapses by post neuron
  const uint32_t *byPostPre = nullptr; // and their pre index
  double *slot = nullptr;              // arrivals: what `deliver` adds to, by post index
  // Lazy `on post` (PlasticSynapses::lazyPost()): per post neuron j, its history, W words
  // (whole cache lines) from history + j W: the count n <= C of its post spikes kept, then
  // C steps S_k (k < n, ascending), then C times the P post-side values before spike k
  // (doubles). Per pre neuron i, applied[i]: every entry with step <= applied[i] has been
  // applied to row i.
  const uint64_t *history = nullptr;
  const uint64_t *applied = nullptr;
};

/// Compiled event loops of one projection; null ones are run by the interpreter.
/// preRow: `on pre` for synapses [begin, end) of row `pre`, its pre traces starting from
/// sideIn (caught up to `step`; the k-th value for the k-th state kept per pre neuron) and
/// their values after the last synapse written to sideOut when it is not null; preList:
/// for the synapses entries[0..n); post: `on post` for the synapses byPost[first..last)
/// onto post neuron `j` (its post traces caught up, and kept there).
/// Lazy `on post` only: postSide applies the effect of `on post` on j's post-side states
/// once (the synapses byPost[first..last) onto j, first < last: parameters are read from
/// the first); flush replays j's history entries with applied[pre] < S < step on each
/// synapse onto j. With lazy post events preRow replays, per synapse, the entries of its
/// post neuron with applied[pre] < S < step before `on pre`.
struct SynapseKernels {
  void (*preRow)(const SynapseKernelData *, uint64_t begin, uint64_t end, uint64_t pre, uint64_t step,
                 const double *sideIn, double *sideOut) = nullptr;
  void (*preList)(const SynapseKernelData *, const uint64_t *entries, uint64_t n, uint64_t step) = nullptr;
  void (*post)(const SynapseKernelData *, uint64_t first, uint64_t last, uint64_t j, uint64_t step) = nullptr;
  void (*postSide)(const SynapseKernelData *, uint64_t first, uint64_t last, uint64_t j, uint64_t step) = nullptr;
  void (*flush)(const SynapseKernelData *, uint64_t first, uint64_t last, uint64_t j, uint64_t step) = nullptr;
  // flush for the synapses [begin, end) of row `pre` (each onto its own post neuron).
  void (*flushRow)(const SynapseKernelData *, uint64_t begin, uint64_t end, uint64_t pre, uint64_t step) = nullptr;
};

class PlasticSynapses {
public:
  /// `params` and `internals`: per model parameter/internal, one value (uniform) or one per
  /// synapse. `states`: per model state, one initial value per synapse. `deliverFactors`:
  /// each `deliver` statement (its source range) with its factor into the target's unit.
  /// Throws SimulationError for what this target cannot run.
  /// `ends`: the neuron models at either end (pre is null for a source), which `pre.x` and
  /// `post.x` resolve against.
  PlasticSynapses(const ir::Model &model, const runtime::SynapseTable &table, double dt,
                  std::vector<std::vector<double>> params, std::vector<std::vector<double>> internals,
                  std::vector<std::vector<double>> states,
                  const std::vector<std::pair<SourceRange, double>> &deliverFactors, uint32_t ringSlots,
                  SynapseProgram::Ends ends);
  /// Where `pre.x` and `post.x` are read: the populations' state arrays (kept up to date
  /// by the caller) and the first neuron of each slice.
  void bindNeurons(const std::vector<double *> *preStates, uint64_t preFirst, const std::vector<double *> *postStates,
                   uint64_t postFirst);

  const ir::SynapseScheme &scheme() const { return scheme_; }

  /// What a compiler of event loops needs to give the interpreter's bits: the programs,
  /// where each state lives, how it decays, the uniform parameters and the deliver
  /// factors. `compilable` is false when the interpreter must run the events (a learned
  /// delay is read per synapse while scheduling).
  struct CodeSpec {
    bool compilable = false;
    const SynapseProgram *onPre = nullptr, *onPost = nullptr;
    double dt = 0;
    bool rowArrivals = false, ownAt = false;
    // Lazy `on post` events (PlasticSynapses::lazyPost()): the row loop replays the post
    // history; postSide and flush are generated too. History capacity per post neuron.
    bool lazyPost = false;
    uint64_t historyCap = 0, postSideStates = 0, historyStride = 0;
    struct StateCode {
      int owner = 0;                    // Owner as int
      bool decays = false;
      const double *factor = nullptr, *offset = nullptr; // the uniform table, if any
      uint64_t tableSize = 0;
      bool zeroOffset = true;           // every offset is 0
      const void *decay = nullptr;      // for soma_synapse_decayed
    };
    std::vector<StateCode> states;
    std::vector<bool> paramUniform, internalUniform;
    std::vector<double> paramValue, internalValue; // the uniform values
    std::vector<double> deliverFactor;
  };
  CodeSpec codeSpec() const;
  void useKernels(const SynapseKernels &kernels);
  /// Lazy `on post` (before codeSpec() for the kernels): 1 wherever lazyPost() can be, 0
  /// never, -1 for projections of kLazyMin synapses or more (smaller ones stay in cache,
  /// where the eager loop is cheaper).
  void setLazyPost(int mode) { lazyMode_ = mode; }
  static constexpr uint64_t kLazyMin = uint64_t(1) << 20;
  /// Whether `on post` runs lazily (NEST-style): a post spike only records its step and
  /// the post-side values in its neuron's history and updates the post side; each synapse
  /// replays the entries at its row's next arrival (before `on pre`), or when the history
  /// is full, or at flushPost(). The same bits as the eager loops.
  bool lazyPost() const { return lazy_; }
  /// Lazy post events: applies every pending history entry to its synapses (before
  /// anything reads synapse states: valueAt, checkpoints). Serial.
  void flushPost(const runtime::SynapseTable &table);
  /// Whether compiled loops run all of this projection's events and nothing else runs per
  /// synapse (no per-step dynamics, `continuous` block or learned delay): then a step's
  /// events can be split over threads by post neuron, which own all that the events of
  /// their synapses change (Simulation's delivery phase; docs/simulation.md).
  bool splittable() const;
  /// Split events of one step. prepare (serial, after schedule): takes the arrivals due at
  /// `arrival` and the pre traces each row starts from; false, with nothing changed, when
  /// a row with pre traces arrives twice (run postSpikes and arrivals instead). part (thread
  /// `thread` of `threads`, post indices [lo, hi)): `on post` for its neurons in `spiking`,
  /// stamped `stamp`, then its share of every arrival, in the order arrivals() runs them;
  /// returns its events. finish (serial): keeps the rows' new pre traces, clears the
  /// arrivals. The bits are those of postSpikes + arrivals, for any number of threads.
  bool prepare(const runtime::SynapseTable &table, uint64_t arrival, double *slot, unsigned threads);
  uint64_t part(const runtime::SynapseTable &table, const std::vector<uint32_t> &spiking, uint64_t stamp,
                uint32_t lo, uint32_t hi, unsigned thread);
  void finish(const runtime::SynapseTable &table);

  /// The event blocks (`on pre`, `on post`) that compiled loops run.
  int compiledLoops() const { return int(kernels_.preRow || kernels_.preList) + int(kernels_.post != nullptr); }
  /// Modulator inputs (per model input), held until set again.
  std::vector<double> &inputs() { return input_; }

  /// Where each state lives: per synapse, per presynaptic or per postsynaptic neuron.
  enum class Owner { Synapse, Pre, Post };
  Owner owner(size_t state) const { return owner_[state]; }

  /// 0. The post neurons whose spikes reach their synapses at `step`, given those that
  ///    fired at `step` (`spiking` itself without a dendritic delay; else those that fired
  ///    dendriticSteps() earlier). Call once per step, in order.
  const std::vector<uint32_t> &postArrivals(const std::vector<uint32_t> &spiking, uint64_t step);
  /// The dendritic delay in steps: `on pre` runs this much before what it delivers arrives,
  /// `on post` this much after the post neuron fired.
  uint32_t dendriticSteps() const { return dendriticSteps_; }
  /// Sets it (before the run; below every synapse's delay, checked by the caller).
  void setDendriticSteps(uint32_t steps);
  /// Post spikes on their way to the synapses (per step of the ring, post indices).
  std::vector<std::vector<uint64_t>> &pendingPost() { return postPending_; }
  /// 1. `on post` for every synapse onto the post neurons `spiking` (indices within the
  ///    projection's post slice, ascending), stamped `step`.
  void postSpikes(const std::vector<uint32_t> &spiking, uint64_t step);
  /// 3. Per-step synapses: from t_{step} to t_{step+1}.
  void advance(const runtime::SynapseTable &table, uint64_t step);
  /// 4. The synapses of row `pre` get an arrival at stamp + their delay, `count` times
  ///    (a learned delay: its value now, within [1, the table's delay] steps).
  ///    `table` is the projection's (the one given at construction, wherever it lives now).
  void schedule(const runtime::SynapseTable &table, uint32_t pre, uint64_t stampStep, uint32_t count);
  /// 2b. A `continuous` block: run for every synapse on its states at t_step; deliver(post
  ///     index in the slice, value in the target's unit) for what it delivers, to be held
  ///     over step `step` (t_step -> t_{step+1}) as input.
  void continuous(const runtime::SynapseTable &table, uint64_t step,
                  const std::function<void(uint32_t, double)> &deliver);
  bool hasContinuous() const { return !continuous_.empty(); }
  /// 5. Runs `on pre` for the arrivals at `step`; every deliver executed adds its value (in
  ///    the target's unit) to slot[post index in the slice]. Returns the number of events.
  uint64_t arrivals(const runtime::SynapseTable &table, uint64_t step, double *slot);

  /// State `s` of synapse `syn` at t_step (event-driven states advanced to it on the fly;
  /// per-step states must be at `step`).
  double valueAt(const runtime::SynapseTable &table, size_t s, uint64_t syn, uint64_t step) const;

  /// The delay in steps a spike of synapse `syn` stamped `step` would take: its learned
  /// delay then (within [1, the table's delay]), or the table's.
  uint32_t delayStepsAt(const runtime::SynapseTable &table, uint64_t syn, uint64_t step) const;

  /// Checkpoints: every array a continuation needs (state values, the steps they belong
  /// to, pending arrivals), in a fixed order; a loaded array must keep its size.
  void checkpointArrays(std::vector<std::vector<double> *> &values, std::vector<std::vector<uint64_t> *> &steps);
  uint64_t size() const { return n_; }
  /// Pending arrivals per ring slot, and the bound every entry is below (rows or synapses).
  std::vector<std::vector<uint64_t>> &pending() { return pending_; }
  uint64_t pendingLimit() const { return rowArrivals_ ? rows_ : n_; }

private:
public:
  struct Decay {             // event-driven: x' = a x + b for one state
    int state;
    double dt;
    std::vector<double> a, b; // one value, or one per synapse
    // With uniform a and b: e^{a D dt} and (e^{a D dt} - 1)/a b for D < table size.
    std::vector<double> factor, offset;
    /// x after `steps` steps from x, for synapse `syn`.
    double at(uint64_t syn, double x, uint64_t steps) const;
  };

private:
  struct Side {              // states kept once per neuron of one side
    std::vector<int> states;
    std::vector<std::vector<double>> value; // [k][neuron], k indexing `states`
    std::vector<uint64_t> at;               // the step each neuron's values belong to
  };
  struct Stepper {           // per step: one subsystem
    ir::Method method;
    std::vector<int> states;
    std::vector<double> P, Q; // exact: exp(A dt) and its integral, row-major
    SynapseProgram rhs;       // numeric: the right-hand sides; exact: b
  };

  void load(uint64_t syn, uint64_t step);   // the synapse's own states (at t_step), params, internals
  void store(uint64_t syn);
  void loadParams(uint64_t syn);           // the synapse's own parameters and internals
  void prefetch(uint64_t syn) const;       // the synapse's own states, for a later load
  void prefetchPost(uint32_t j) const;     // the own states of the first synapses onto j
  // `on post` on compiled loops (eager or lazy) for the post neurons [from, to), their
  // post traces caught up through `side` (one value per post-side state; no shared scratch,
  // so threads may run it on their own neurons).
  void compiledPostSpikes(const SynapseKernelData &data, const uint32_t *from, const uint32_t *to, uint64_t step,
                          double *side);
  void loadSide(const Side &side, uint32_t neuron, uint64_t step); // values at t_step, not kept
  void catchUpSide(Side &side, uint32_t neuron, uint64_t step);    // values brought to t_step
  // The values of a side at t_step into out[k] (k-th state of the side), nothing changed;
  // and values kept as the side's at t_step. Neither touches shared scratch.
  void caughtUp(const Side &side, uint32_t neuron, uint64_t step, double *out) const;
  void keep(Side &side, uint32_t neuron, uint64_t step, const double *values);
  void storeSide(Side &side, uint32_t neuron);
  const Decay *decayOf(int state) const;
  void hoistTraces(const runtime::SynapseTable &table);
  uint32_t learnedSteps(double delay, uint32_t bound) const;

  const ir::Model &m_;
  uint64_t n_;                         // synapses
  uint32_t rows_ = 0;                  // presynaptic neurons
  ir::SynapseScheme scheme_;
  double dt_;
  std::vector<std::vector<double>> param_, internal_, state_;
  std::vector<int> varyingParams_, varyingInternals_; // those with a value per synapse
  std::vector<Owner> owner_;
  std::vector<int> own_;               // the states kept per synapse
  std::vector<uint64_t> at_;           // event-driven: the step of each synapse's own states
  Side pre_, post_;
  bool rowArrivals_ = false;           // pending entries are rows (one delay), else synapses
  int delayState_ = -1;                // the state `learned_delay`, if any
  double delayToMs_ = 1;               // its unit in ms
  std::vector<Decay> decays_;
  std::vector<Stepper> steppers_;
  SynapseProgram onPre_, onPost_, continuous_;
  std::vector<double> deliverFactor_, continuousFactor_; // per deliver of on pre / continuous
  std::vector<double> input_;
  uint64_t preFirst_ = 0, postFirst_ = 0;
  // Synapses by post index (ascending synapse index within each), with their pre index.
  std::vector<uint64_t> byPostOffsets_, byPost_;
  std::vector<uint32_t> byPostPre_, preOf_;
  // Pending arrivals: ring over steps of synapse indices, in scheduling order.
  std::vector<std::vector<uint64_t>> pending_;
  // A dendritic delay: post spikes wait dendriticSteps_ steps for their synapses.
  uint32_t dendriticSteps_ = 0;
  std::vector<std::vector<uint64_t>> postPending_;
  std::vector<uint32_t> postDue_;
  // Scratch.
  std::vector<double> stateBuf_, paramBuf_, internalBuf_, registers_, outBuf_;
  SynapseFrame frame_;
  SynapseKernels kernels_;
  SynapseKernelData kernelData(const uint32_t *post, double *slot);
  std::vector<double *> ownColumns_, preColumns_, postColumns_;
  std::vector<const double *> paramColumns_, internalColumns_;
  std::vector<double> sideIn_, sideOut_, postSide_;
  // Split steps: what prepare() fixed for the parts.
  SynapseKernelData split_;
  uint64_t splitArrival_ = 0;
  std::vector<double> rowStart_, rowEnd_;       // per due row, its pre traces before and after
  std::vector<uint64_t> seen_;                  // per row: the arrival step it was last due + 1
  std::vector<std::vector<double>> threadSide_; // per thread: post traces being caught up
  std::vector<std::vector<uint64_t>> threadList_; // per thread: its arrivals (several delays)
  // Lazy post events (SynapseKernelData's histories).
  static constexpr uint64_t kHistory = 7; // with its count, one cache line of steps
  uint64_t historyStride() const { return (1 + kHistory * (1 + post_.states.size()) + 7) / 8 * 8; }
  bool lazy_ = false;
  int lazyMode_ = -1;
  bool lazySpec() const;
  std::vector<uint64_t> histStep_, applied_;
  uint64_t *histLine_ = nullptr;           // histStep_ aligned to a cache line
  void lazySpike(const SynapseKernelData &data, uint32_t j, uint64_t step);
};

/// Decay::at for compiled code (`decay` is a const PlasticSynapses::Decay *).
extern "C" double soma_synapse_decayed(const void *decay, uint64_t syn, double x, uint64_t steps);

} // namespace soma::sim
