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
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace soma {

/// A source file held in memory. `somac build` embeds every file a model loaded
/// (Frontend::loadedFiles) so that its library re-parses them without the filesystem.
struct MemoryFile {
  std::string path;   // as the front end first spelled it (diagnostics name it so)
  std::string key;    // its canonical path: the identity of its module
  std::string text;
};

struct FrontendOptions {
  std::vector<std::string> includeDirs;  // -I, searched after the importing file's folder
  std::string stdlibDir;                 // where `import std.x.y` looks: <stdlibDir>/x/y.soma
  /// When not empty, these are the only files there are and the filesystem is not read:
  /// a path names a file when it is a file's `path`, or a spelling `memoryAliases` maps to
  /// a file's `key`. Import resolution searches the same folders as on disk.
  std::vector<MemoryFile> memoryFiles;
  std::map<std::string, std::string> memoryAliases;
};

/// Runs `fn` on a thread with a 512 MiB stack and returns its result (3 if it could not
/// run): the front end recurses over the (bounded) nesting of expressions, which must not
/// depend on the caller's stack.
int runWithLargeStack(std::function<int()> fn);

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
  /// Every file load() read (the main file and its imports), in the order they were read.
  const std::vector<MemoryFile> &loadedFiles() const { return loaded_; }
  /// Every spelling of a path the front end resolved (to load or to search an import),
  /// mapped to the canonical key of the file it named. With loadedFiles(), what a memory
  /// front end needs to resolve the same paths.
  const std::map<std::string, std::string> &pathKeys() const { return pathKeys_; }
  const SemaResult &sema() const { return sema_; }

private:
  Module *loadFile(const std::string &path, SourceRange importedFrom);
  std::string findImport(const ImportDecl &imp, const std::string &importerDir, std::string &searched);
  /// The canonical key of `path` (on disk: weakly_canonical; in memory: the file it names).
  std::string keyOf(const std::string &path);
  /// In memory mode: the file `path` names, or null.
  const MemoryFile *memoryFile(const std::string &path) const;

  FrontendOptions options_;
  SourceManager sm_;
  DiagnosticEngine diags_;
  std::vector<std::unique_ptr<Module>> modules_;   // dependencies before dependants
  std::map<std::string, Module *> byPath_;         // canonical path -> module
  std::vector<std::string> loading_;               // the import chain being loaded
  std::map<const Module *, std::vector<const Module *>> imports_;
  SemaResult sema_;
  std::vector<MemoryFile> loaded_;
  std::map<std::string, std::string> pathKeys_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

} // namespace soma
