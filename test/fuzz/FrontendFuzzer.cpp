// libFuzzer entry point for the Soma front end.
//
// Each input is one source file. It is parsed (soma::parseModule); when it parses, the
// canonical printer runs over it, the printed text is parsed again and must print the
// same (the printer's fixed-point property, which the lit round-trip tests also check),
// and semantic analysis runs over the module on its own (no imports resolved).
//
// Diagnostics are formatted in full (caret lines included) into a stream that discards
// them, so the diagnostic printer is fuzzed too.
//
// Like somac, the work runs on a thread with a large stack: the front end bounds nesting
// (SourceLimits) but relies on more than the default 8 MiB for the deepest inputs it
// accepts, so a stack overflow here means the same input crashes somac.
//
// Build: see test/fuzz/CMakeLists.txt. Run: build-fuzz/bin/soma_fuzz_frontend test/fuzz/corpus
// (scripts/test.sh runs test/fuzz/*.test, which replay the corpus and fuzz with a fixed seed).
#include "ASTPrinter.h"
#include "Diagnostics.h"
#include "Parser.h"
#include "Sema.h"
#include "Source.h"

#include <pthread.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>

namespace {

/// A streambuf that accepts and drops everything.
class NullBuf : public std::streambuf {
protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char *, std::streamsize n) override { return n; }
};

/// Parses `text`; on success prints it canonically into `printed` and returns true.
bool parseAndPrint(const std::string &text, std::string &printed, bool runSema, int &errors) {
  NullBuf buf;
  std::ostream null(&buf);
  soma::SourceManager sm;
  uint32_t id = sm.add("fuzz.soma", text);
  soma::DiagnosticEngine diags(sm, null);
  std::unique_ptr<soma::Module> module = soma::parseModule(sm, id, diags);
  if (!module) {
    diags.finish();
    errors = diags.errorCount();
    return false;
  }
  std::ostringstream out;
  soma::printModule(*module, out);
  printed = out.str();
  if (runSema) soma::analyzeProgram({soma::SemaModuleInput{module.get(), {}}}, diags);
  diags.finish();
  errors = diags.errorCount();
  return true;
}

[[noreturn]] void fail(const char *what, const std::string &a, const std::string &b) {
  std::fprintf(stderr, "soma_fuzz_frontend: %s\n--- first print ---\n%s\n--- second print ---\n%s\n",
               what, a.c_str(), b.c_str());
  std::abort();
}

void fuzzOne(const std::string &text) {
  std::string first;
  int errors = 0;
  if (!parseAndPrint(text, first, /*runSema=*/true, errors)) return;
  // The canonical form parses again, without errors, and is a fixed point.
  std::string second;
  int errors2 = 0;
  if (!parseAndPrint(first, second, /*runSema=*/false, errors2))
    fail("the printed form does not parse", first, "");
  if (first != second) fail("printing is not a fixed point", first, second);
}

struct Job {
  const std::string *text;
};

void *runJob(void *p) {
  fuzzOne(*static_cast<Job *>(p)->text);
  return nullptr;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  Job job{&text};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t(512) << 20);
  pthread_t thread;
  if (pthread_create(&thread, &attr, runJob, &job) != 0) {
    runJob(&job);
  } else {
    pthread_join(thread, nullptr);
  }
  pthread_attr_destroy(&attr);
  return 0;
}
