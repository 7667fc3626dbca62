// Runs a network on the cpu target: `somac run`.
//
//   NetworkGraph + ir::Model[] ──build──▶ per population: SoA arrays, parameters and
//       initial values per neuron, propagators, a KernelSpec (what the kernel is
//       specialised on: uniform parameters, folded propagators, dt) and the kernel a
//       KernelProvider gives for it (JIT-compiled, or looked up in an ahead-of-time
//       library); per projection: a CSR synapse table with weights and delays;
//   ──run──▶ the step loop of docs/simulation.md (kernels in parallel over neurons, spike
//       delivery in the fixed order, sources, recorders);
//   ──writeOutputs──▶ spikes.csv, one CSV per recorded variable, summary.json, raster.svg,
//       each written atomically.
//
// What the target cannot run yet is reported as SimulationError at its source location.
//
// This library (soma_sim_core) does not depend on LLVM: the JIT provider lives in soma_sim
// (JitKernels.h), the ahead-of-time one in soma_aot (AotRuntime.cpp).
#pragma once

#include "KernelABI.h"
#include "KernelSpec.h"
#include "NetworkGraph.h"
#include "Plasticity.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace soma::sim {

struct RunOptions {
  std::string outDir = "out";
  std::optional<double> durationMs, dtMs;  // override the file's `run`
  std::optional<uint64_t> seed;
  unsigned threads = 1;
  bool progress = false;                   // a progress bar on stderr
  bool interpretSynapses = false;          // no compiled synapse event loops
  int lazyPost = -1;                       // lazy `on post`: 1 on, 0 off, -1 large projections
  std::string saveState, loadState;        // checkpoint files (--save-state, --load-state)
  std::string commandLine;                 // provenance
};

/// Seconds spent in each phase, for summary.json and the printed summary.
struct Timings {
  double frontEnd = 0, lowering = 0, jit = 0, construction = 0, simulation = 0, output = 0;
};

/// A problem with the model that only the simulator sees, at a source location.
struct SimulationError : std::runtime_error {
  SimulationError(const std::string &message, SourceRange where) : std::runtime_error(message), range(where) {}
  SourceRange range;
};

/// One population's kernel: what build() asks a KernelProvider for.
struct KernelRequest {
  std::string population;       // the population's name in the network
  std::string function;         // the kernel's symbol: "soma_update_" + population
  cpu::KernelSpec spec;         // spec.model points into the models given to Simulation
};

/// Where Simulation::build gets the kernel of each population.
class KernelProvider {
public:
  virtual ~KernelProvider() = default;
  /// The kernel for `request.spec`, valid while the provider lives. Throws SimulationError
  /// for a construct the target cannot compile (at its location); anything else that
  /// fails throws another std::exception (InternalError when it is the compiler's fault).
  virtual SomaUpdateFn kernel(const KernelRequest &request) = 0;
  /// Compiled event loops for the synapses of one projection (`name`: a unique symbol
  /// prefix), or none (the default): the interpreter runs them, with the same bits.
  virtual SynapseKernels synapseKernels(const PlasticSynapses &synapses, const std::string &name) {
    (void)synapses, (void)name;
    return {};
  }
};

struct PopulationResult {
  std::string name;
  uint32_t size = 0;
  uint64_t spikes = 0;
  double rateHz = 0;
};

struct RunResult {
  double durationMs = 0, dtMs = 0;
  uint64_t steps = 0, seed = 0;
  uint64_t firstStep = 0;                  // > 0 when continued from a saved state
  unsigned threads = 1;
  std::vector<PopulationResult> populations;
  uint64_t synapses = 0, events = 0;       // synapses built, synaptic events delivered
  std::vector<std::string> files;          // written outputs
};

/// The synapse events of one projection with state, as build() would compile them.
struct SynapseCodeRequest {
  std::string connect;          // the connect's name ("#ID" when unnamed)
  std::string synapse;          // the synapse model
  std::string prefix;           // the symbols' prefix: "soma_synapse_" + projection index
  PlasticSynapses::CodeSpec spec; // valid while the Simulation lives
};

class Simulation {
public:
  Simulation(const graph::NetworkGraph &net, const std::vector<ir::Model> &models, RunOptions options);
  ~Simulation();

  /// Allocates and initialises everything and gets the kernels from `kernels`.
  void build(KernelProvider &kernels, Timings &timings);
  /// The kernels build() would ask for, in population order, computed by the same code.
  /// Everything build() checks is built and checked (synapses included: a network that
  /// cannot run fails here too) except the duration; no file is written. For `somac
  /// build`. Call it instead of build(), at most once.
  std::vector<KernelRequest> kernelRequests();
  /// After kernelRequests(): the synapse event loops build() would compile, by projection.
  std::vector<SynapseCodeRequest> synapseCodeRequests() const;
  void run(Timings &timings);
  void writeOutputs(Timings &timings, const Timings &before);
  const RunResult &result() const { return result_; }

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  RunResult result_;
};

} // namespace soma::sim
