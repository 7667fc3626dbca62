// somac — the Soma compiler driver.
//
// Exit codes: 0 success, 1 errors in a model, 2 command-line misuse, 3 internal compiler
// error. User errors never print a stack trace; internal errors say that they are ours.
#include "ASTPrinter.h"
#include "Aot.h"
#include "AotConfig.h"
#include "AotManifest.h"
#include "Frontend.h"
#include "Emit.h"
#include "JitKernels.h"
#include "JitSynapses.h"
#include "KernelSpec.h"
#include "Lower.h"
#include "NetworkGraph.h"
#include "Pipeline.h"
#include "Simulation.h"
#include "soma/runtime/Error.h"
#include "soma/runtime/Format.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

using namespace soma;

namespace {

constexpr int kExitOk = 0, kExitModelError = 1, kExitUsage = 2, kExitInternal = 3;

const char *kUsage = R"(usage: somac <command> [options] FILE...

Commands:
  run FILE                 compile and simulate the network of FILE on the cpu; write
                           spikes.csv, recorded states, summary.json and raster.svg
  build FILE -o OUT        compile the network of FILE ahead of time: OUT.so is a shared
                           library (no LLVM needed to run it), OUT.o an object file
                           (link the runtime libraries yourself: somac prints how); both
                           come with a C header OUT.h declaring soma_run
  check FILE...            parse and check models; print what each file defines
  emit --stage=STAGE FILE  print one stage of the pipeline:
                             ast   canonical source, as parsed
                             sema  every definition with resolved types and units
                             model the model IR of each neuron and synapse: units
                                   folded, and how each group of ODEs is integrated
                             graph the network graph IR (--format=dot for Graphviz)
                             llvm  the optimised LLVM IR of each neuron kernel (and, for
                                   a network, of each connect's synapse event loops)

Options of run:
  --out DIR                output folder (default: out)
  --duration T, --dt T     override the file's run (a time with its unit: 500ms, 1s)
  --seed S                 override the file's seed
  --threads N              worker threads (the spikes do not depend on N)
  --set NAME=VALUE         override a network constant (N=8000, w_e=20pA)
  --interpret-synapses     run synapse events on the interpreter instead of compiled
                           loops (the same bits, slower; for comparison)
  --lazy-post=on|off|auto  compiled `on post` applied lazily at the row's next spike
                           (the same bits; auto: projections of 2^20 synapses or more)
  --save-state FILE        write a checkpoint at the end of the run
  --load-state FILE        continue from a checkpoint (same network, seed and dt): the
                           run then covers the next --duration after the saved time

Options of build:
  -o OUT                   the library to write: NAME.so or NAME.o (and NAME.h)
  --duration T, --dt T, --seed S, --set NAME=VALUE
                           as for run, fixed in the library (soma_run may still override
                           the duration and the seed; the kernels are compiled for dt)

Options:
  -I DIR                   add DIR to the import search path (also -IDIR)
  --stdlib DIR             standard library folder (default: $SOMA_STDLIB or the built-in)
  -Werror                  treat warnings as errors
  -w                       suppress warnings
  --color=auto|always|never  colour diagnostics (auto: only on a terminal)
  -q, --quiet              check: print nothing on success
  -h, --help               show this help
  --version                show the version

Exit status: 0 ok, 1 errors in a model, 2 command-line misuse, 3 internal compiler error.
)";

struct Options {
  std::string command;
  std::string stage;
  std::vector<std::string> files;
  FrontendOptions frontend;
  bool werror = false, nowarn = false, quiet = false;
  std::string color = "auto";
  std::string format = "text";
  std::string output;                       // build -o
  sim::RunOptions run;
  std::vector<std::pair<std::string, std::string>> sets;
};

/// "500ms", "1 s", "0.1" (ms) -> milliseconds; nullopt when not a time.
std::optional<double> parseTime(const std::string &text) {
  size_t pos = 0;
  double v;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    return std::nullopt;
  }
  std::string unit = text.substr(pos);
  unit.erase(0, unit.find_first_not_of(' '));
  if (unit.empty()) return v;
  auto u = lookupUnitWord(unit);
  if (!u || u->dim != Dimension::of(Dimension::Time)) return std::nullopt;
  return v * u->conversionFactorTo(*lookupUnitWord("ms"));
}

[[noreturn]] void usageError(const std::string &msg) {
  std::cerr << "somac: error: " << msg << "\n(run 'somac --help' for usage)\n";
  std::exit(kExitUsage);
}

Options parseArgs(int argc, char **argv) {
  Options o;
  o.frontend.stdlibDir = defaultStdlibDir();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) usageError("no command given");
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    auto value = [&](const std::string &flag) -> std::string {
      if (i + 1 >= args.size()) usageError("'" + flag + "' needs a value");
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(kExitOk);
    } else if (a == "--version") {
      std::cout << "somac " << SOMA_VERSION << "\n";
      std::exit(kExitOk);
    } else if (a == "-I") {
      o.frontend.includeDirs.push_back(value(a));
    } else if (a.rfind("-I", 0) == 0) {
      o.frontend.includeDirs.push_back(a.substr(2));
    } else if (a == "--stdlib") {
      o.frontend.stdlibDir = value(a);
    } else if (a.rfind("--stage=", 0) == 0) {
      o.stage = a.substr(8);
    } else if (a == "--stage") {
      o.stage = value(a);
    } else if (a == "-Werror") {
      o.werror = true;
    } else if (a == "-w") {
      o.nowarn = true;
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else if (a == "-o") {
      o.output = value(a);
    } else if (a == "--out") {
      o.run.outDir = value(a);
    } else if (a == "--duration" || a == "--dt") {
      auto t = parseTime(value(a));
      if (!t || !(*t > 0)) usageError(a + " needs a positive time, e.g. 500ms");
      (a == "--dt" ? o.run.dtMs : o.run.durationMs) = *t;
    } else if (a == "--save-state") {
      o.run.saveState = value(a);
    } else if (a == "--load-state") {
      o.run.loadState = value(a);
    } else if (a == "--seed") {
      std::string v = value(a);
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) usageError("--seed needs a non-negative integer");
      o.run.seed = std::stoull(v);
    } else if (a == "--interpret-synapses") {
      o.run.interpretSynapses = true;
    } else if (a.rfind("--lazy-post=", 0) == 0) {
      std::string v = a.substr(12);
      if (v != "on" && v != "off" && v != "auto") usageError("--lazy-post needs on, off or auto");
      o.run.lazyPost = v == "on" ? 1 : v == "off" ? 0 : -1;
    } else if (a == "--threads") {
      std::string v = value(a);
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) == 0 || std::stoul(v) > 256)
        usageError("--threads needs an integer from 1 to 256");
      o.run.threads = unsigned(std::stoul(v));
    } else if (a == "--set") {
      std::string v = value(a);
      size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0) usageError("--set needs NAME=VALUE");
      o.sets.push_back({v.substr(0, eq), v.substr(eq + 1)});
    } else if (a.rfind("--format=", 0) == 0) {
      o.format = a.substr(9);
      if (o.format != "text" && o.format != "dot") usageError("--format must be text or dot");
    } else if (a.rfind("--color=", 0) == 0) {
      o.color = a.substr(8);
      if (o.color != "auto" && o.color != "always" && o.color != "never")
        usageError("--color must be auto, always or never");
    } else if (a.size() > 1 && a[0] == '-') {
      usageError("unknown option '" + a + "'");
    } else if (o.command.empty()) {
      o.command = a;
    } else {
      o.files.push_back(a);
    }
  }
  if (o.command.empty()) usageError("no command given");
  if (o.command != "check" && o.command != "emit" && o.command != "run" && o.command != "build")
    usageError("unknown command '" + o.command + "'");
  if (o.command == "run" && o.files.size() != 1) usageError("run takes exactly one file");
  if (o.command == "build") {
    if (o.files.size() != 1) usageError("build takes exactly one file");
    if (o.output.empty()) usageError("build needs -o OUT.so or -o OUT.o");
    std::filesystem::path out(o.output);
    std::string ext = out.extension().string();
    if ((ext != ".so" && ext != ".o") || out.stem().empty())
      usageError("build writes a shared library or an object file: -o NAME.so or -o NAME.o, not '" + o.output + "'");
  } else if (!o.output.empty()) {
    usageError("-o is only for 'build'");
  }
  if (o.files.empty()) usageError("no input file");
  if (o.command == "emit") {
    if (o.stage.empty()) usageError("emit needs --stage=ast|sema|model|graph|llvm");
    if (o.stage != "ast" && o.stage != "sema" && o.stage != "model" && o.stage != "graph" && o.stage != "llvm")
      usageError("unknown stage '" + o.stage + "' (available: ast, sema, model, graph, llvm)");
    if (o.files.size() != 1) usageError("emit takes exactly one file");
  } else if (!o.stage.empty()) {
    usageError("--stage is only for 'emit'");
  }
  return o;
}

std::string plural(int n, const char *word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}


/// Runs a simulator step; reports a model problem it finds (at its source location, or as
/// a runtime message) and returns false.
bool simulatorSucceeds(Frontend &fe, const std::function<void()> &step) {
  try {
    step();
    return true;
  } catch (const sim::SimulationError &e) {
    sim::reportSimulationError(fe, e);
  } catch (const runtime::RuntimeError &e) {
    std::cerr << "somac: error: " << e.what() << "\n";
  }
  return false;
}

/// `somac run`: lower, build the graph of the file's network, simulate, write outputs.
int runNetwork(const Options &o, Frontend &fe, const std::string &file) {
  auto t0 = std::chrono::steady_clock::now();
  sim::Timings timings;
  timings.frontEnd = since(fe.startTime());
  sim::LoweredNetwork lowered;
  if (int status = sim::lowerNetwork(fe, file, lowered, std::cerr)) return status;
  const std::optional<graph::NetworkGraph> &g = lowered.graph;
  timings.lowering = since(t0);

  std::string error;
  std::unique_ptr<cpu::Engine> jit = cpu::Engine::create(error);
  if (!jit) throw InternalError("cannot start the JIT: " + error);
  sim::JitKernelProvider kernels(*jit);
  sim::RunOptions ro = o.run;
  ro.progress = !o.quiet;
  sim::Simulation simulation(*g, lowered.models, ro);
  if (!simulatorSucceeds(fe, [&] {
        simulation.build(kernels, timings);
        simulation.run(timings);
        sim::Timings before = timings;
        simulation.writeOutputs(timings, before);
      }))
    return kExitModelError;
  const sim::RunResult &r = simulation.result();
  if (!o.quiet) {
    std::printf("%s: %s simulated for %g ms (dt %g ms, %llu steps, seed %llu, %u thread%s)\n", file.c_str(),
                g->name.c_str(), r.durationMs, r.dtMs, (unsigned long long)r.steps, (unsigned long long)r.seed,
                r.threads, r.threads == 1 ? "" : "s");
    if (r.firstStep) std::printf("  continued from a checkpoint at t = %g ms\n", double(r.firstStep) * r.dtMs);
    for (const sim::PopulationResult &p : r.populations)
      std::printf("  %-16s %8u neurons %10llu spikes %9.2f Hz\n", p.name.c_str(), p.size, (unsigned long long)p.spikes,
                  p.rateHz);
    std::printf("  %llu synapses, %llu synaptic events\n", (unsigned long long)r.synapses, (unsigned long long)r.events);
    std::printf("  time: front end %.3f s, lowering %.3f s, JIT %.3f s, construction %.3f s, simulation %.3f s, output %.3f s\n",
                timings.frontEnd, timings.lowering, timings.jit, timings.construction, timings.simulation, timings.output);
    std::printf("  wrote:");
    for (const std::string &f : r.files) std::printf(" %s", f.c_str());
    std::printf("\n");
  }
  return kExitOk;
}

/// Runs `argv` (argv[0] looked up on PATH) and waits; its output goes to ours. Returns its
/// exit status, or -1 with `error` set when it could not be started or was killed.
int runProgram(const std::vector<std::string> &argv, std::string &error) {
  std::vector<char *> args;
  for (const std::string &a : argv) args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  std::cout.flush();
  std::fflush(nullptr);
  pid_t pid;
  if (int e = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), ::environ)) {
    error = "cannot run '" + argv[0] + "': " + std::strerror(e);
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      error = std::string("waiting for '") + argv[0] + "': " + std::strerror(errno);
      return -1;
    }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  error = "'" + argv[0] + "' was killed by signal " + std::to_string(WTERMSIG(status));
  return -1;
}

std::string shellQuote(const std::string &s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=,+:@") == std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// The libraries a program or shared library linking `somac build`'s kernels needs, in
/// link order (the entry points, in whole, first).
std::vector<std::string> runtimeLinkArgs() {
  std::vector<std::string> args = {"-Wl,--whole-archive", SOMA_AOT_ENTRY_LIBRARY, "-Wl,--no-whole-archive",
                                   "-Wl,--start-group"};
  for (const char *const *l = kSomaAotLibraries; *l; ++l) args.push_back(*l);
  args.push_back("-Wl,--end-group");
  args.push_back("-lpthread");
  args.push_back("-lm");
  for (const char *const *f = kSomaAotLinkFlags; *f; ++f) args.push_back(*f);
  return args;
}

/// The C header next to a library: declarations of its entry points.
std::string cHeader(const std::string &library, const std::string &source, const std::string &network,
                    const Options &o, size_t kernels, double dt) {
  // Text that goes into C comments and string literals.
  auto safe = [](std::string t) {
    for (size_t p; (p = t.find("*/")) != std::string::npos;) t.replace(p, 2, "* /");
    for (char &c : t)
      if (c == '\n' || c == '\r' || c == '"' || c == '\\') c = '_';
    return t;
  };
  std::string stem = std::filesystem::path(library).stem().string();
  std::string guard = "SOMA_";
  for (char c : stem) guard += std::isalnum(static_cast<unsigned char>(c)) ? char(std::toupper(static_cast<unsigned char>(c))) : '_';
  guard += "_H";
  std::ostringstream h;
  h << "/* " << safe(std::filesystem::path(library).stem().string()) << ".h: the C interface of "
    << safe(std::filesystem::path(library).filename().string()) << ", generated by somac " << SOMA_VERSION << "\n"
    << " * from " << safe(source) << " (network " << safe(network) << ", " << kernels << " population kernel"
    << (kernels == 1 ? "" : "s") << ", dt " << runtime::formatDouble(dt) << " ms).\n"
    << " * Do not edit: run `somac build` again. */\n"
    << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stdint.h>\n\n"
    << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
    << "/* Builds the network and simulates it as `somac run` does, with the same spikes bit for\n"
    << " * bit, and writes spikes.csv, the recorded states, summary.json and raster.svg into\n"
    << " * out_dir (created when missing).\n"
    << " *   duration_ms  simulated time in ms; <= 0: the model's";
  if (o.run.durationMs) h << " (" << runtime::formatDouble(*o.run.durationMs) << " ms, given to somac build)";
  h << "\n *   seed         the run's seed; 0: the model's";
  if (o.run.seed) h << " (" << *o.run.seed << ", given to somac build)";
  h << "\n"
    << " *   threads      worker threads, 0 to 256 (0: one); the spikes do not depend on it\n"
    << " * Returns 0 on success. Otherwise it prints why on stderr and returns 1 (an error of the\n"
    << " * model or of the run, e.g. a state that became NaN, or kernels compiled for another\n"
    << " * specialisation than the run needs), 2 (bad arguments) or 3 (an internal error).\n"
    << " * The kernels are compiled for dt = " << runtime::formatDouble(dt) << " ms and for the CPU of the machine that\n"
    << " * built the library (they may use all of its instruction set extensions). */\n"
    << "int soma_run(const char *out_dir, double duration_ms, uint64_t seed, unsigned threads);\n\n"
    << "/* The name of the network: \"" << safe(network) << "\". */\n"
    << "const char *soma_model_name(void);\n\n"
    << "/* The version of somac that built the library: \"" << SOMA_VERSION << "\". */\n"
    << "const char *soma_version(void);\n\n"
    << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return h.str();
}

/// Writes `text` to `path` through a temporary name and a rename.
bool writeFileAtomically(const std::string &path, const std::string &text, std::string &error) {
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out.flush()) {
      error = "cannot write " + tmp;
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  return true;
}

bool hasMainNetwork(Frontend &fe) {
  for (const NetworkSummary &n : fe.sema().networkDefs)
    if (n.inMainModule) return true;
  return false;
}

/// `somac emit --stage=llvm` for a file with a network: each population's kernel as `somac
/// run` compiles it (its uniform parameters, propagators and arrivals folded in).
int emitNetworkLLVM(const Options &o, Frontend &fe, const std::string &file) {
  sim::LoweredNetwork lowered;
  if (int status = sim::lowerNetwork(fe, file, lowered, std::cerr)) return status;
  sim::RunOptions ro;
  ro.dtMs = o.run.dtMs;
  ro.durationMs = o.run.durationMs;
  ro.seed = o.run.seed;
  sim::Simulation simulation(*lowered.graph, lowered.models, ro);
  std::vector<sim::KernelRequest> requests;
  if (!simulatorSucceeds(fe, [&] { requests = simulation.kernelRequests(); })) return kExitModelError;
  std::ostringstream text;
  for (size_t k = 0; k < requests.size(); ++k) {
    const sim::KernelRequest &r = requests[k];
    std::vector<cpu::CodegenError> errors;
    std::string module = cpu::printKernel(r.spec, r.function, errors);
    for (const cpu::CodegenError &e : errors) {
      if (e.internal) throw InternalError(r.population + ": " + e.what);
      fe.diags().report(DiagId::unsupported_by_target, e.range, {e.what});
    }
    if (k) text << '\n';
    text << "; population " << r.population << ": neuron " << r.spec.model->name << '\n' << module;
  }
  // The synapse event loops of projections with state (the interpreter runs what has none).
  for (const sim::SynapseCodeRequest &r : simulation.synapseCodeRequests()) {
    std::string error;
    std::string module = sim::printSynapseKernels(r.spec, r.prefix, error);
    if (!error.empty()) throw InternalError("connect " + r.connect + ": " + error);
    text << "\n; connect " << r.connect << ": synapse " << r.synapse << ", "
         << (module.empty() ? "events run by the interpreter\n" : "event loops\n") << module;
  }
  fe.diags().finish();
  if (fe.diags().hasErrors()) return kExitModelError;
  std::cout << text.str();
  return kExitOk;
}

/// `somac build FILE -o OUT.so|OUT.o`: every population kernel, computed as `somac run`
/// would for the same options, compiled ahead of time into one object with the model's
/// sources; for .so linked with the runtime into a shared library. Writes OUT.h too.
int buildLibrary(const Options &o, Frontend &fe, const std::string &file) {
  namespace fs = std::filesystem;
  sim::LoweredNetwork lowered;
  if (int status = sim::lowerNetwork(fe, file, lowered, std::cerr)) return status;
  const graph::NetworkGraph &g = *lowered.graph;

  // The specs, by the code build() uses: the options of a run (dt, seed, --set) decide them.
  sim::RunOptions ro;
  ro.dtMs = o.run.dtMs;
  ro.durationMs = o.run.durationMs;
  ro.seed = o.run.seed;
  sim::Simulation simulation(g, lowered.models, ro);
  std::vector<sim::KernelRequest> requests;
  if (!simulatorSucceeds(fe, [&] { requests = simulation.kernelRequests(); })) return kExitModelError;
  double dt = o.run.dtMs.value_or(g.run.dt);
  std::vector<cpu::AotKernel> kernels;
  for (sim::KernelRequest &r : requests)
    kernels.push_back({r.function, r.spec, cpu::serializeKernelSpec(r.spec)});

  sim::AotManifest m;
  m.somaVersion = SOMA_VERSION;
  m.network = g.name;
  m.mainFile = file;
  m.stdlibDir = o.frontend.stdlibDir;
  m.includeDirs = o.frontend.includeDirs;
  m.files = fe.loadedFiles();
  m.pathKeys = fe.pathKeys();
  m.sets = o.sets;
  m.dtMs = o.run.dtMs;
  m.durationMs = o.run.durationMs;
  m.seed = o.run.seed;

  const fs::path out(o.output);
  const bool shared = out.extension() == ".so";
  fs::path header = out;
  header.replace_extension(".h");
  std::error_code ec;
  fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  std::string tmpTemplate = (dir / (".somac-build-XXXXXX")).string();
  std::vector<char> tmpl(tmpTemplate.begin(), tmpTemplate.end());
  tmpl.push_back('\0');
  if (!mkdtemp(tmpl.data())) {
    std::cerr << "somac: error: cannot create a temporary folder in " << dir.string() << ": " << std::strerror(errno) << "\n";
    return kExitModelError;
  }
  fs::path tmp(tmpl.data());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{tmp};

  fs::path object = shared ? tmp / "kernels.o" : tmp / out.filename();
  cpu::AotResult r = cpu::writeKernelObject(kernels, sim::encodeAotManifest(m), object.string());
  if (!r.unsupported.empty()) {
    for (const cpu::CodegenError &e : r.unsupported) fe.diags().report(DiagId::unsupported_by_target, e.range, {e.what});
    fe.diags().finish();
    return kExitModelError;
  }
  if (!r.error.empty()) throw InternalError("compiling the kernels of " + file + ": " + r.error);

  std::string error;
  if (shared) {
    fs::path script = tmp / "exports.map";
    if (!writeFileAtomically(script.string(),
                             "{\n  global:\n    soma_run;\n    soma_model_name;\n    soma_version;\n"
                             "    soma_rt_uniform;\n    soma_rt_normal;\n  local: *;\n};\n",
                             error)) {
      std::cerr << "somac: error: " << error << "\n";
      return kExitModelError;
    }
    const char *cxx = std::getenv("SOMA_CXX");
    std::vector<std::string> argv = {cxx && *cxx ? cxx : SOMA_AOT_CXX, "-shared", "-o", (tmp / "lib.so").string(),
                                     object.string()};
    for (const std::string &a : runtimeLinkArgs()) argv.push_back(a);
    argv.push_back("-Wl,--version-script=" + script.string());
    argv.push_back("-Wl,--no-undefined");
    int status = runProgram(argv, error);
    if (status != 0) {
      std::string cmd;
      for (const std::string &a : argv) cmd += (cmd.empty() ? "" : " ") + shellQuote(a);
      std::cerr << "somac: error: linking " << out.string() << " failed: "
                << (status < 0 ? error : "the C++ compiler exited with status " + std::to_string(status)) << "\n  "
                << cmd << "\n";
      return kExitModelError;
    }
    object = tmp / "lib.so";
  }
  fs::rename(object, out, ec);
  if (ec) {
    std::cerr << "somac: error: cannot write " << out.string() << ": " << ec.message() << "\n";
    return kExitModelError;
  }
  if (!writeFileAtomically(header.string(), cHeader(out.string(), file, g.name, o, kernels.size(), dt), error)) {
    std::cerr << "somac: error: " << error << "\n";
    return kExitModelError;
  }
  if (!o.quiet) {
    std::printf("%s: %s compiled ahead of time (%zu population kernel%s, dt %g ms)\n", file.c_str(), g.name.c_str(),
                kernels.size(), kernels.size() == 1 ? "" : "s", dt);
    std::printf("  wrote: %s %s\n", out.string().c_str(), header.string().c_str());
    if (!shared) {
      std::string cmd = "c++ -o PROGRAM YOUR_OBJECTS " + shellQuote(out.string());
      for (const std::string &a : runtimeLinkArgs()) cmd += " " + shellQuote(a);
      std::printf("  link with: %s\n", cmd.c_str());
    }
  }
  return kExitOk;
}

int runFile(const Options &o, const std::string &file) {
  Frontend fe(o.frontend, std::cerr);
  bool color = o.color == "always" || (o.color == "auto" && isatty(STDERR_FILENO) && !std::getenv("NO_COLOR"));
  fe.diags().setColor(color);
  fe.diags().setWarningsAsErrors(o.werror);
  fe.diags().setSuppressWarnings(o.nowarn);

  Module *main = fe.load(file);
  // --set NAME=VALUE replaces the value of a network constant before anything is checked.
  if (main) {
    std::string unknown;
    switch (sim::applyConstantOverrides(fe, *main, o.sets, unknown)) {
    case sim::OverrideStatus::Ok: break;
    case sim::OverrideStatus::BadValue: fe.diags().finish(); return kExitModelError;
    case sim::OverrideStatus::UnknownName:
      usageError("--set: the network of " + file + " has no constant '" + unknown + "'");
    }
  }
  if (main && o.command == "emit" && o.stage == "ast") {
    printModule(*main, std::cout);
    fe.diags().finish();
    return fe.diags().hasErrors() ? kExitModelError : kExitOk;
  }
  bool ok = main && fe.analyze();
  fe.diags().finish();
  if (!ok) return kExitModelError;
  if (o.command == "run") return runNetwork(o, fe, file);
  if (o.command == "build") return buildLibrary(o, fe, file);
  if (o.command == "emit" && o.stage == "llvm" && hasMainNetwork(fe)) return emitNetworkLLVM(o, fe, file);
  if (o.command == "emit" && (o.stage == "graph" || o.stage == "llvm")) {
    fe.diags().beginSorted();
    std::vector<ir::Model> models = lowerModels(fe.sema(), fe.diags());
    std::ostringstream text;
    std::string internal;
    if (!fe.diags().hasErrors()) {
      if (o.stage == "graph") graph::emitGraph(fe.sema(), models, fe.diags(), text, o.format == "dot");
      else cpu::emitLLVMForModels(models, text, fe.diags(), {}, &internal);
    }
    fe.diags().endSorted();
    fe.diags().finish();
    if (!internal.empty()) throw InternalError(internal);
    if (fe.diags().hasErrors()) return kExitModelError;
    std::cout << text.str();
  } else if (o.command == "emit" && o.stage == "model") {
    fe.diags().beginSorted();
    std::vector<ir::Model> models = lowerModels(fe.sema(), fe.diags());
    fe.diags().endSorted();
    fe.diags().finish();
    if (fe.diags().hasErrors()) return kExitModelError;
    for (size_t i = 0; i < models.size(); ++i) {
      if (i) std::cout << '\n';
      ir::printModel(models[i], std::cout);
    }
  } else if (o.command == "emit") {
    std::cout << fe.sema().summary;
  } else if (!o.quiet) {
    const SemaResult &r = fe.sema();
    std::cout << file << ": ok (" << plural(r.neurons, "neuron") << ", " << plural(r.synapses, "synapse")
              << ", " << plural(r.networks, "network") << ", " << plural(r.functions, "function") << ")\n";
  }
  return kExitOk;
}

extern "C" void onFatalSignal(int sig) {
  const char msg[] = "somac: internal compiler error: crashed (signal ";
  [[maybe_unused]] ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
  char num[4] = {char('0' + sig / 10 % 10), char('0' + sig % 10), ')', '\n'};
  w = write(STDERR_FILENO, num, 4);
  _exit(kExitInternal);
}


} // namespace

int main(int argc, char **argv) {
#if !defined(__SANITIZE_ADDRESS__) && !defined(SOMA_SANITIZED)
  // Under the sanitizers their own reports are worth more than ours.
  std::signal(SIGSEGV, onFatalSignal);
  std::signal(SIGBUS, onFatalSignal);
  std::signal(SIGFPE, onFatalSignal);
  std::signal(SIGILL, onFatalSignal);
#endif
  Options o = parseArgs(argc, argv);
  for (int i = 0; i < argc; ++i) o.run.commandLine += (i ? " " : "") + std::string(argv[i]);
  return runWithLargeStack([&]() -> int {
    try {
      int status = kExitOk;
      for (const std::string &f : o.files) status = std::max(status, runFile(o, f));
      return status;
    } catch (const std::bad_alloc &) {
      std::cerr << "somac: error: out of memory\n";
      return kExitInternal;
    } catch (const std::exception &e) {
      std::cerr << "somac: internal compiler error: " << e.what() << "\n";
      return kExitInternal;
    } catch (...) {
      std::cerr << "somac: internal compiler error: unknown exception\n";
      return kExitInternal;
    }
  });
}
