#include "Frontend.h"

#include "Parser.h"

#include <pthread.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace soma {

std::string defaultStdlibDir() {
  if (const char *env = std::getenv("SOMA_STDLIB"); env && *env) return env;
  return SOMA_STDLIB_DIR;
}

Frontend::Frontend(FrontendOptions options, std::ostream &diagOut)
    : options_(std::move(options)), diags_(sm_, diagOut) {}

Module *Frontend::load(const std::string &path) { return loadFile(path, SourceRange{}); }

std::string Frontend::findImport(const ImportDecl &imp, const std::string &importerDir,
                                 std::string &searched) {
  std::vector<std::string> dirs;
  std::vector<std::string> parts = imp.path;
  if (parts.size() > 1 && parts[0] == "std") {
    dirs.push_back(options_.stdlibDir);
    parts.erase(parts.begin());
  } else {
    dirs.push_back(importerDir.empty() ? "." : importerDir);
    dirs.insert(dirs.end(), options_.includeDirs.begin(), options_.includeDirs.end());
  }
  std::string rel;
  for (size_t i = 0; i < parts.size(); ++i) rel += (i ? "/" : "") + parts[i];
  rel += ".soma";
  for (const std::string &d : dirs) {
    fs::path candidate = fs::path(d) / rel;
    searched += (searched.empty() ? "" : ", ") + candidate.string();
    if (!options_.memoryFiles.empty()) {
      if (memoryFile(candidate.string())) return candidate.string();
      continue;
    }
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  return "";
}

const MemoryFile *Frontend::memoryFile(const std::string &path) const {
  for (const MemoryFile &f : options_.memoryFiles)
    if (f.path == path) return &f;
  if (auto it = options_.memoryAliases.find(path); it != options_.memoryAliases.end())
    for (const MemoryFile &f : options_.memoryFiles)
      if (f.key == it->second) return &f;
  return nullptr;
}

std::string Frontend::keyOf(const std::string &path) {
  std::string key = path;
  if (!options_.memoryFiles.empty()) {
    if (const MemoryFile *f = memoryFile(path)) key = f->key;
  } else {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(fs::path(path), ec);
    if (!ec) key = canonical.string();
  }
  pathKeys_[path] = key;
  return key;
}

Module *Frontend::loadFile(const std::string &path, SourceRange importedFrom) {
  std::error_code ec;
  std::string key = keyOf(path);
  if (auto it = byPath_.find(key); it != byPath_.end()) return it->second;

  std::string text;
  if (!options_.memoryFiles.empty()) {
    const MemoryFile *f = memoryFile(path);
    if (!f) {
      diags_.report(DiagId::file_not_found, importedFrom, {path, "not among the files held in memory"});
      return nullptr;
    }
    text = f->text;
  } else {
    // Check the size before reading: a huge file is rejected without loading it.
    auto size = fs::file_size(path, ec);
    if (!ec && fs::is_directory(path)) ec = std::make_error_code(std::errc::is_a_directory);
    if (ec) {
      diags_.report(DiagId::file_not_found, importedFrom, {path, ec.message()});
      return nullptr;
    }
    if (size > SourceLimits::kMaxFileBytes) {
      uint32_t id = sm_.add(path, "");
      diags_.report(DiagId::file_too_large, SourceRange{id, 1, 1, 1, 2},
                    {std::to_string(size), std::to_string(SourceLimits::kMaxFileBytes)});
      return nullptr;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      diags_.report(DiagId::file_not_found, importedFrom, {path, std::strerror(errno)});
      return nullptr;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  loaded_.push_back({path, key, text});
  uint32_t id = sm_.add(path, std::move(text));

  std::unique_ptr<Module> module = parseModule(sm_, id, diags_);
  if (!module) return nullptr;

  loading_.push_back(key);
  std::vector<const Module *> deps;
  std::string importerDir = fs::path(path).parent_path().string();
  for (const Definition &d : module->defs) {
    if (d.kind != DefKind::Import) continue;
    std::string searched;
    std::string found = findImport(d.import, importerDir, searched);
    std::string dotted;
    for (size_t i = 0; i < d.import.path.size(); ++i) dotted += (i ? "." : "") + d.import.path[i];
    if (found.empty()) {
      diags_.report(DiagId::import_not_found, d.import.range, {dotted, searched});
      continue;
    }
    std::string foundKey = keyOf(found);
    auto cycleStart = std::find(loading_.begin(), loading_.end(), foundKey);
    if (cycleStart != loading_.end()) {
      std::string chain;
      for (auto it = cycleStart; it != loading_.end(); ++it)
        chain += fs::path(*it).filename().string() + " -> ";
      chain += fs::path(foundKey).filename().string();
      diags_.report(DiagId::import_cycle, d.import.range, {chain});
      continue;
    }
    if (Module *dep = loadFile(found, d.import.range)) {
      dep->name = dotted;
      deps.push_back(dep);
    }
  }
  loading_.pop_back();

  Module *raw = module.get();
  imports_[raw] = std::move(deps);
  byPath_[key] = raw;
  modules_.push_back(std::move(module)); // after its imports: dependency order
  return raw;
}

ExprPtr Frontend::parseExpression(const std::string &text, const std::string &label) {
  uint32_t id = sm_.add(label, "const __value = " + text + "\n");
  std::unique_ptr<Module> m = parseModule(sm_, id, diags_);
  if (!m || m->defs.size() != 1 || m->defs[0].kind != DefKind::Const) return nullptr;
  return std::move(m->defs[0].constant->value);
}

bool Frontend::analyze() {
  if (diags_.hasErrors()) return false;
  std::vector<SemaModuleInput> inputs;
  for (const auto &m : modules_) inputs.push_back({m.get(), imports_[m.get()]});
  diags_.beginSorted();
  sema_ = analyzeProgram(inputs, diags_);
  diags_.endSorted();
  return !diags_.hasErrors();
}

/// Runs `fn` on a thread with a large stack: recursion over the (bounded) nesting of
/// expressions must not depend on the default 8 MiB main-thread stack.
int runWithLargeStack(std::function<int()> fn) {
  struct Job {
    std::function<int()> fn;
    int result = 3;
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

} // namespace soma
