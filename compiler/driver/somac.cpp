// somac — the Soma compiler driver.
//
// Exit codes: 0 success, 1 errors in a model, 2 command-line misuse, 3 internal compiler
// error. User errors never print a stack trace; internal errors say that they are ours.
#include "ASTPrinter.h"
#include "Frontend.h"
#include "Lower.h"

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
  check FILE...            parse and check models; print what each file defines
  emit --stage=STAGE FILE  print one stage of the pipeline:
                             ast   canonical source, as parsed
                             sema  every definition with resolved types and units
                             model the model IR of each neuron and synapse: units
                                   folded, and how each group of ODEs is integrated

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
};

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
  if (o.command != "check" && o.command != "emit") usageError("unknown command '" + o.command + "'");
  if (o.files.empty()) usageError("no input file");
  if (o.command == "emit") {
    if (o.stage.empty()) usageError("emit needs --stage=ast|sema|model");
    if (o.stage != "ast" && o.stage != "sema" && o.stage != "model")
      usageError("unknown stage '" + o.stage + "' (available: ast, sema, model)");
    if (o.files.size() != 1) usageError("emit takes exactly one file");
  } else if (!o.stage.empty()) {
    usageError("--stage is only for 'emit'");
  }
  return o;
}

std::string plural(int n, const char *word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

int runFile(const Options &o, const std::string &file) {
  Frontend fe(o.frontend, std::cerr);
  bool color = o.color == "always" || (o.color == "auto" && isatty(STDERR_FILENO) && !std::getenv("NO_COLOR"));
  fe.diags().setColor(color);
  fe.diags().setWarningsAsErrors(o.werror);
  fe.diags().setSuppressWarnings(o.nowarn);

  Module *main = fe.load(file);
  if (main && o.command == "emit" && o.stage == "ast") {
    printModule(*main, std::cout);
    fe.diags().finish();
    return fe.diags().hasErrors() ? kExitModelError : kExitOk;
  }
  bool ok = main && fe.analyze();
  fe.diags().finish();
  if (!ok) return kExitModelError;
  if (o.command == "emit" && o.stage == "model") {
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
