// somac — the Soma compiler driver.
//
// Exit codes: 0 success, 1 errors in a model, 2 command-line misuse, 3 internal compiler
// error. User errors never print a stack trace; internal errors say that they are ours.
#include "ASTPrinter.h"
#include "Frontend.h"
#include "Emit.h"
#include "Lower.h"
#include "FoldConstants.h"
#include "NetworkGraph.h"
#include "PruneState.h"
#include "Simulation.h"
#include "soma/runtime/Error.h"

#include <chrono>
#include <sstream>

#include <pthread.h>
#include <unistd.h>

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
  check FILE...            parse and check models; print what each file defines
  emit --stage=STAGE FILE  print one stage of the pipeline:
                             ast   canonical source, as parsed
                             sema  every definition with resolved types and units
                             model the model IR of each neuron and synapse: units
                                   folded, and how each group of ODEs is integrated
                             graph the network graph IR (--format=dot for Graphviz)
                             llvm  the optimised LLVM IR of each neuron kernel

Options of run:
  --out DIR                output folder (default: out)
  --duration T, --dt T     override the file's run (a time with its unit: 500ms, 1s)
  --seed S                 override the file's seed
  --threads N              worker threads (the spikes do not depend on N)
  --set NAME=VALUE         override a network constant (N=8000, w_e=20pA)
  --save-state FILE        write a checkpoint at the end of the run
  --load-state FILE        continue from a checkpoint (same network, seed and dt): the
                           run then covers the next --duration after the saved time

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
  if (o.command != "check" && o.command != "emit" && o.command != "run")
    usageError("unknown command '" + o.command + "'");
  if (o.command == "run" && o.files.size() != 1) usageError("run takes exactly one file");
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

/// `somac run`: lower, build the graph of the file's network, simulate, write outputs.
int runNetwork(const Options &o, Frontend &fe, const std::string &file) {
  auto t0 = std::chrono::steady_clock::now();
  sim::Timings timings;
  timings.frontEnd = since(fe.startTime());
  fe.diags().beginSorted();
  std::vector<ir::Model> models = lowerModels(fe.sema(), fe.diags());
  const NetworkDef *net = nullptr;
  int count = 0;
  for (const NetworkSummary &n : fe.sema().networkDefs)
    if (n.inMainModule) {
      net = n.def;
      ++count;
    }
  std::optional<graph::NetworkGraph> g;
  if (!fe.diags().hasErrors() && net) {
    g.emplace(graph::buildNetworkGraph(fe.sema(), models, *net, fe.diags()));
    if (!fe.diags().hasErrors()) {
      graph::foldConstants(*g);
      graph::pruneUnreadState(*g, models);
    }
  }
  fe.diags().endSorted();
  if (!net) {
    std::cerr << "somac: error: " << file << " defines no network to run\n";
    return kExitModelError;
  }
  if (count > 1) {
    std::cerr << "somac: error: " << file << " defines " << count << " networks; run needs exactly one\n";
    return kExitModelError;
  }
  if (fe.diags().hasErrors()) {
    fe.diags().finish();
    return kExitModelError;
  }
  timings.lowering = since(t0);

  std::string error;
  std::unique_ptr<cpu::Engine> jit = cpu::Engine::create(error);
  if (!jit) throw InternalError("cannot start the JIT: " + error);
  sim::RunOptions ro = o.run;
  ro.progress = !o.quiet;
  sim::Simulation simulation(*g, models, ro);
  try {
    simulation.build(*jit, timings);
    simulation.run(timings);
    sim::Timings before = timings;
    simulation.writeOutputs(timings, before);
  } catch (const sim::SimulationError &e) {
    std::string msg = e.what();
    const std::string suffix = " is not supported by target cpu";
    if (msg.size() > suffix.size() && msg.compare(msg.size() - suffix.size(), suffix.size(), suffix) == 0)
      fe.diags().report(DiagId::unsupported_by_target, e.range, {msg.substr(0, msg.size() - suffix.size())});
    else
      fe.diags().report(DiagId::simulation_error, e.range, {msg});
    fe.diags().finish();
    return kExitModelError;
  } catch (const runtime::RuntimeError &e) {
    std::cerr << "somac: error: " << e.what() << "\n";
    return kExitModelError;
  }
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

int runFile(const Options &o, const std::string &file) {
  Frontend fe(o.frontend, std::cerr);
  bool color = o.color == "always" || (o.color == "auto" && isatty(STDERR_FILENO) && !std::getenv("NO_COLOR"));
  fe.diags().setColor(color);
  fe.diags().setWarningsAsErrors(o.werror);
  fe.diags().setSuppressWarnings(o.nowarn);

  Module *main = fe.load(file);
  // --set NAME=VALUE replaces the value of a network constant before anything is checked.
  for (const auto &[name, text] : o.sets) {
    if (!main) break;
    bool found = false;
    for (Definition &d : main->defs)
      if (d.kind == DefKind::Network)
        for (NetItem &it : d.network->items)
          if (it.kind == NetItemKind::Const && it.name == name) {
            ExprPtr e = fe.parseExpression(text, "--set " + name);
            if (!e) {
              fe.diags().finish();
              return kExitModelError;
            }
            it.value = std::move(e);
            found = true;
          }
    if (!found) usageError("--set: the network of " + file + " has no constant '" + name + "'");
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

/// Runs `fn` on a thread with a large stack: recursion over the (bounded) nesting of
/// expressions must not depend on the default 8 MiB main-thread stack.
int runWithLargeStack(std::function<int()> fn) {
  struct Job {
    std::function<int()> fn;
    int result = kExitInternal;
  } job{std::move(fn)};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t(512) << 20);
  pthread_t thread;
  auto body = [](void *p) -> void * {
    auto *j = static_cast<Job *>(p);
    j->result = j->fn();
    return nullptr;
  };
  if (pthread_create(&thread, &attr, body, &job) != 0) return job.fn(); // fall back
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  return job.result;
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
