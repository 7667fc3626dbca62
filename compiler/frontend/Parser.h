// Source text to AST: validation, lexing, limits, the ANTLR parse and tree building.
//
//   text ──validate (UTF-8, NUL, size)──▶ tokens ──retype units, check limits──▶
//   ANTLR parse (SLL, then LL on failure) ──▶ parse tree ──build──▶ Module
//
// The ANTLR runtime never sees invalid UTF-8 (its 4.9 C++ runtime throws on it) and never
// sees input that breaks the documented limits (SourceLimits), so recursion is bounded.
#pragma once

#include "AST.h"
#include "Diagnostics.h"

namespace soma {

/// Parses file `file` of `sm`. Returns null when any error was reported.
std::unique_ptr<Module> parseModule(const SourceManager &sm, uint32_t file, DiagnosticEngine &diags);

} // namespace soma
