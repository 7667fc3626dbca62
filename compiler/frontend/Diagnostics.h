// The one diagnostic engine: `file:line:col: error: message [id]`, the source line and a
// caret under the span. Errors are collected, not thrown; after kMaxErrors the rest are
// counted and summarised. Colour is applied by the printer, only when asked to.
#pragma once

#include "Source.h"

#include <initializer_list>
#include <set>
#include <tuple>
#include <ostream>
#include <string>
#include <vector>

namespace soma {

enum class DiagId {
#define DIAG(id, sev, fmt) id,
#include "Diagnostics.def"
#undef DIAG
  NumDiags
};

enum class Severity { Note, Warning, Error };

struct Diagnostic {
  DiagId id;
  Severity severity;
  SourceRange range;
  std::string message;
};

class DiagnosticEngine {
public:
  static constexpr int kMaxErrors = 20;

  DiagnosticEngine(const SourceManager &sm, std::ostream &out) : sm_(sm), out_(out) {}

  void setColor(bool on) { color_ = on; }
  void setWarningsAsErrors(bool on) { werror_ = on; }
  void setSuppressWarnings(bool on) { nowarn_ = on; }

  /// Reports diagnostic `id` at `range` with format arguments substituted for {0}, {1}, …
  void report(DiagId id, SourceRange range, std::initializer_list<std::string> args = {});

  /// Between begin and end, diagnostics are held and then emitted in source order
  /// (each note stays with the error it explains). Sema finds problems pass by pass;
  /// people read them top to bottom.
  void beginSorted() { sorting_ = true; }
  void endSorted();

  int errorCount() const { return errors_ + static_cast<int>(heldErrors_); }
  int warningCount() const { return warnings_; }
  bool hasErrors() const { return errors_ > 0; }
  /// Prints "N more errors not shown" and the totals line if anything was reported.
  void finish();

  static const char *idName(DiagId id);
  static Severity defaultSeverity(DiagId id);

private:
  void print(const Diagnostic &d);
  void emit(DiagId id, Severity sev, SourceRange range, const std::string &message);

  bool sorting_ = false;
  std::vector<Diagnostic> held_;
  size_t heldErrors_ = 0;

  const SourceManager &sm_;
  std::ostream &out_;
  bool color_ = false, werror_ = false, nowarn_ = false;
  int errors_ = 0, warnings_ = 0, suppressed_ = 0;
  bool lastPrinted_ = true; // notes follow the fate of the diagnostic they belong to
  // A synapse body is checked once per connect; the same finding is reported once.
  std::set<std::tuple<uint32_t, uint32_t, uint32_t, std::string>> seen_;
};

/// Levenshtein distance in bytes, for "did you mean" suggestions.
size_t editDistance(const std::string &a, const std::string &b);

/// Thrown for conditions that mean a bug in somac, never for bad user input.
struct InternalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace soma
