#include "Diagnostics.h"

#include <algorithm>

namespace soma {

namespace {
struct DiagInfo {
  const char *name;
  Severity severity;
  const char *format;
};
const DiagInfo kDiags[] = {
#define DIAG(id, sev, fmt) {#id, Severity::sev, fmt},
#include "Diagnostics.def"
#undef DIAG
};

std::string substitute(const char *fmt, std::initializer_list<std::string> args) {
  std::string out;
  for (const char *p = fmt; *p; ++p) {
    if (p[0] == '{' && p[1] >= '0' && p[1] <= '9' && p[2] == '}') {
      size_t k = p[1] - '0';
      if (k < args.size()) out += *(args.begin() + k);
      p += 2;
    } else {
      out += *p;
    }
  }
  return out;
}

// Printed ids use dashes, as users type them in searches: undeclared_name -> undeclared-name.
std::string dashed(const char *name) {
  std::string s = name;
  for (char &c : s)
    if (c == '_') c = '-';
  return s;
}
} // namespace

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

const char *DiagnosticEngine::idName(DiagId id) { return kDiags[static_cast<int>(id)].name; }
Severity DiagnosticEngine::defaultSeverity(DiagId id) { return kDiags[static_cast<int>(id)].severity; }

void DiagnosticEngine::report(DiagId id, SourceRange range, std::initializer_list<std::string> args) {
  const DiagInfo &info = kDiags[static_cast<int>(id)];
  std::string message = substitute(info.format, args);
  if (sorting_) {
    held_.push_back({id, info.severity, range, message});
    if (info.severity == Severity::Error) ++heldErrors_;
    return;
  }
  emit(id, info.severity, range, message);
}

void DiagnosticEngine::endSorted() {
  sorting_ = false;
  // Group each error or warning with the notes that follow it, then order the groups.
  std::vector<std::vector<Diagnostic>> groups;
  for (Diagnostic &d : held_) {
    if (d.severity != Severity::Note || groups.empty()) groups.emplace_back();
    groups.back().push_back(std::move(d));
  }
  auto key = [](const std::vector<Diagnostic> &g) {
    const SourceRange &r = g.front().range;
    return std::tuple(r.file, r.line, r.col);
  };
  std::stable_sort(groups.begin(), groups.end(), [&](auto &a, auto &b) { return key(a) < key(b); });
  held_.clear();
  heldErrors_ = 0;
  for (auto &g : groups)
    for (Diagnostic &d : g) emit(d.id, d.severity, d.range, d.message);
}

void DiagnosticEngine::emit(DiagId id, Severity sev, SourceRange range, const std::string &message) {
  if (sev == Severity::Warning) {
    if (nowarn_) { lastPrinted_ = false; return; }
    if (werror_) sev = Severity::Error;
  }
  if (sev != Severity::Note && !seen_.insert({range.file, range.line, range.col, message}).second) {
    lastPrinted_ = false;
    return;
  }
  if (sev == Severity::Note) {
    if (lastPrinted_) print({id, sev, range, message});
    return;
  }
  if (sev == Severity::Error) {
    ++errors_;
    if (errors_ > kMaxErrors) { ++suppressed_; lastPrinted_ = false; return; }
  } else {
    ++warnings_;
  }
  lastPrinted_ = true;
  print({id, sev, range, message});
}

void DiagnosticEngine::print(const Diagnostic &d) {
  const char *bold = color_ ? "\033[1m" : "", *reset = color_ ? "\033[0m" : "";
  const char *sevColor = "";
  const char *sevName = "error";
  switch (d.severity) {
  case Severity::Error: sevColor = color_ ? "\033[1;31m" : ""; sevName = "error"; break;
  case Severity::Warning: sevColor = color_ ? "\033[1;35m" : ""; sevName = "warning"; break;
  case Severity::Note: sevColor = color_ ? "\033[1;36m" : ""; sevName = "note"; break;
  }
  out_ << bold;
  if (d.range.file) {
    out_ << sm_.path(d.range.file) << ':';
    if (d.range.line) out_ << d.range.line << ':' << d.range.col << ':';
    out_ << ' ';
  } else {
    out_ << "somac: ";
  }
  out_ << sevColor << sevName << ':' << reset << bold << ' ' << d.message << reset;
  if (d.severity != Severity::Note) out_ << " [" << dashed(kDiags[static_cast<int>(d.id)].name) << ']';
  out_ << '\n';
  // No excerpt without text (a file too large to load is reported at 1:1).
  if (!d.range.valid() || sm_.text(d.range.file).empty()) return;
  std::string_view line = sm_.line(d.range.file, d.range.line);
  out_ << "  " << line << "\n  ";
  // Walk the line by code points; keep tabs so the caret lines up under them.
  uint32_t col = 1, endCol = d.range.endLine == d.range.line ? d.range.endCol : 0;
  std::string marks;
  for (size_t i = 0; i < line.size(); ++i) {
    if ((line[i] & 0xC0) == 0x80) continue;
    if (col >= d.range.col) break;
    marks += line[i] == '\t' ? '\t' : ' ';
    ++col;
  }
  uint32_t width = 1;
  if (endCol > d.range.col) width = endCol - d.range.col;
  else if (d.range.endLine > d.range.line) {
    uint32_t len = static_cast<uint32_t>(countCodePoints(line));
    width = len >= d.range.col ? len - d.range.col + 1 : 1;
  }
  out_ << marks << (color_ ? "\033[1;32m" : "") << '^' << std::string(width - 1, '~') << reset << '\n';
}

void DiagnosticEngine::finish() {
  if (suppressed_ > 0)
    out_ << "somac: " << suppressed_ << " more error" << (suppressed_ == 1 ? "" : "s") << " not shown\n";
  if (errors_ || warnings_) {
    if (warnings_) out_ << warnings_ << " warning" << (warnings_ == 1 ? "" : "s");
    if (warnings_ && errors_) out_ << " and ";
    if (errors_) out_ << errors_ << " error" << (errors_ == 1 ? "" : "s");
    out_ << " generated.\n";
  }
}

} // namespace soma
