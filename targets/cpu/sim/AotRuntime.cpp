// The C entry points of a library written by `somac build` (library soma_aot; no LLVM).
//
//   soma_run ── decode the embedded manifest ── front end over the embedded sources (no
//   filesystem) ── the build's --set overrides ── lowerNetwork (as `somac run`) ──
//   Simulation::build with AotKernelProvider: each population's kernel comes from the
//   table compiled into the library, after checking that the spec computed now is the one
//   it was compiled for ── run ── outputs, as `somac run` writes them.
//
// The declarations users see are in the header `somac build` generates next to the library.
#include "AotManifest.h"
#include "AotTable.h"
#include "Pipeline.h"
#include "Simulation.h"
#include "soma/runtime/Error.h"

#include <pthread.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>

extern "C" {
int soma_run(const char *out_dir, double duration_ms, uint64_t seed, unsigned threads);
const char *soma_model_name(void);
const char *soma_version(void);
}

namespace soma::sim {
namespace {

constexpr int kOk = 0, kModelError = 1, kUsage = 2, kInternal = 3;

/// A kernel the library does not have, or one compiled for another spec.
struct AotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class AotKernelProvider : public KernelProvider {
public:
  SomaUpdateFn kernel(const KernelRequest &request) override {
    for (uint64_t i = 0; i < soma_aot_kernel_count; ++i) {
      const SomaAotKernel &k = soma_aot_kernels[i];
      if (request.function != k.function) continue;
      std::string now = cpu::serializeKernelSpec(request.spec);
      if (cpu::fnv1a64(now) == k.specHash && now == k.spec) return k.fn;
      throw AotError("population '" + request.population +
                     "': the library's kernel was compiled for another specialisation than this run "
                     "needs (a different dt, model, or values that depend on the seed); build the "
                     "library again with the options of this run\n  " +
                     cpu::describeSpecDifference(k.spec, now));
    }
    throw AotError("population '" + request.population + "': the library has no kernel " + request.function);
  }
};


/// The manifest, decoded once.
const AotManifest *manifest(std::string &error) {
  static AotManifest m;
  static std::string decodeError;
  static std::once_flag once;
  std::call_once(once, [] {
    if (soma_aot_format != SOMA_AOT_FORMAT) {
      decodeError = "the library was written by another version of somac (format " +
                    std::to_string(soma_aot_format) + ", expected " + std::to_string(SOMA_AOT_FORMAT) + ")";
      return;
    }
    std::string_view bytes(reinterpret_cast<const char *>(soma_aot_manifest), soma_aot_manifest_size);
    decodeAotManifest(bytes, m, decodeError);
  });
  error = decodeError;
  return error.empty() ? &m : nullptr;
}

int run(const char *outDir, double durationMs, uint64_t seed, unsigned threads) {
  std::ostream &err = std::cerr;
  const char *prog = "soma_run: error: ";
  std::string error;
  const AotManifest *m = manifest(error);
  if (!m) {
    err << prog << error << "\n";
    return kInternal;
  }
  if (!outDir || !*outDir) {
    err << prog << "no output folder given\n";
    return kUsage;
  }
  if (std::isnan(durationMs) || std::isinf(durationMs)) {
    err << prog << "the duration must be a finite number of milliseconds (<= 0: the model's)\n";
    return kUsage;
  }
  if (threads > 256) {
    err << prog << "threads must be from 1 to 256 (0: 1)\n";
    return kUsage;
  }

  FrontendOptions fo;
  fo.includeDirs = m->includeDirs;
  fo.stdlibDir = m->stdlibDir;
  fo.memoryFiles = m->files;
  fo.memoryAliases = m->pathKeys;
  if (fo.memoryFiles.empty()) {
    err << prog << "the library holds no model source\n";
    return kInternal;
  }
  Frontend fe(fo, err);
  fe.diags().setColor(false);
  fe.diags().setSuppressWarnings(true);  // `somac build` showed them
  Module *main = fe.load(m->mainFile);
  if (main) {
    std::string unknown;
    OverrideStatus st = applyConstantOverrides(fe, *main, m->sets, unknown);
    if (st == OverrideStatus::UnknownName) {
      err << prog << "the network has no constant '" << unknown << "'\n";
      return kInternal;
    }
    if (st != OverrideStatus::Ok) main = nullptr;
  }
  bool ok = main && fe.analyze();
  fe.diags().finish();
  if (!ok) return kModelError;
  using Clock = std::chrono::steady_clock;
  Timings timings;
  timings.frontEnd = std::chrono::duration<double>(Clock::now() - fe.startTime()).count();
  auto t0 = Clock::now();
  LoweredNetwork net;
  if (int status = lowerNetwork(fe, m->mainFile, net, err)) return status;
  timings.lowering = std::chrono::duration<double>(Clock::now() - t0).count();

  RunOptions ro;
  ro.outDir = outDir;
  ro.dtMs = m->dtMs;
  ro.durationMs = durationMs > 0 ? std::optional<double>(durationMs) : m->durationMs;
  ro.seed = seed != 0 ? std::optional<uint64_t>(seed) : m->seed;
  ro.threads = threads ? threads : 1;
  ro.progress = false;
  std::ostringstream cmd;
  cmd.precision(17);
  cmd << "soma_run(\"" << outDir << "\", " << durationMs << ", " << seed << ", " << threads << ") of a library of "
      << m->mainFile << " built by somac " << m->somaVersion;
  ro.commandLine = cmd.str();

  Simulation simulation(*net.graph, net.models, ro);
  AotKernelProvider kernels;
  try {
    simulation.build(kernels, timings);
    simulation.run(timings);
    Timings before = timings;
    simulation.writeOutputs(timings, before);
  } catch (const SimulationError &e) {
    reportSimulationError(fe, e);
    return kModelError;
  } catch (const AotError &e) {
    err << prog << e.what() << "\n";
    return kModelError;
  } catch (const runtime::RuntimeError &e) {
    err << prog << e.what() << "\n";
    return kModelError;
  }
  return kOk;
}


} // namespace
} // namespace soma::sim

extern "C" int soma_run(const char *out_dir, double duration_ms, uint64_t seed, unsigned threads) {
  using namespace soma::sim;
  return soma::runWithLargeStack([&]() -> int {
    try {
      return run(out_dir, duration_ms, seed, threads);
    } catch (const std::bad_alloc &) {
      std::cerr << "soma_run: error: out of memory\n";
      return kInternal;
    } catch (const std::exception &e) {
      std::cerr << "soma_run: internal error: " << e.what() << "\n";
      return kInternal;
    } catch (...) {
      std::cerr << "soma_run: internal error: unknown exception\n";
      return kInternal;
    }
  });
}

extern "C" const char *soma_model_name(void) {
  std::string error;
  const soma::sim::AotManifest *m = soma::sim::manifest(error);
  return m ? m->network.c_str() : "";
}

extern "C" const char *soma_version(void) {
  std::string error;
  const soma::sim::AotManifest *m = soma::sim::manifest(error);
  return m ? m->somaVersion.c_str() : "";
}
