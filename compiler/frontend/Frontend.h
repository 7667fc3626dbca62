// The front-end pipeline: load a file and its imports, parse, analyse.
//
//   load(path) ── read + parse (Parser) ── resolve imports (recursively, cycles rejected)
//              ── analyze (Sema) ── Program
//
// The Frontend owns the sources, the diagnostics and every module of one compilation.
#pragma once

#include "AST.h"
#include "Diagnostics.h"
#include "Sema.h"

#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace soma {

struct FrontendOptions {
  std::vector<std::string> includeDirs;  // -I, searched after the importing file's folder
  std::string stdlibDir;                 // where `import std.x.y` looks: <stdlibDir>/x/y.soma
};

/// Default stdlib folder: $SOMA_STDLIB, else the source tree's stdlib/ baked in at build.
std::string defaultStdlibDir();

class Frontend {
public:
  Frontend(FrontendOptions options, std::ostream &diagOut);

  DiagnosticEngine &diags() { return diags_; }
  /// When this Frontend was made: the front-end phase is timed from here.
  std::chrono::steady_clock::time_point startTime() const { return start_; }
  const SourceManager &sources() const { return sm_; }

  /// Parses `path` and everything it imports. Returns the main module, or null if the
  /// file could not be read or parsed. Modules are kept in dependency order.
  Module *load(const std::string &path);
  /// Parses `text` as one expression (for command-line overrides); the diagnostics name
  /// `label` as its file. Null on a syntax error.
  ExprPtr parseExpression(const std::string &text, const std::string &label);
  /// Runs semantic analysis over every loaded module. Returns false on errors.
  bool analyze();

  const std::vector<std::unique_ptr<Module>> &modules() const { return modules_; }
  const SemaResult &sema() const { return sema_; }

private:
  Module *loadFile(const std::string &path, SourceRange importedFrom);
  std::string findImport(const ImportDecl &imp, const std::string &importerDir, std::string &searched);

  FrontendOptions options_;
  SourceManager sm_;
  DiagnosticEngine diags_;
  std::vector<std::unique_ptr<Module>> modules_;   // dependencies before dependants
  std::map<std::string, Module *> byPath_;         // canonical path -> module
  std::vector<std::string> loading_;               // the import chain being loaded
  std::map<const Module *, std::vector<const Module *>> imports_;
  SemaResult sema_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

} // namespace soma
