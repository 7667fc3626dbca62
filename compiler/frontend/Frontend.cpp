#include "Frontend.h"

#include "Parser.h"

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
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  return "";
}

Module *Frontend::loadFile(const std::string &path, SourceRange importedFrom) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(fs::path(path), ec);
  std::string key = ec ? path : canonical.string();
  if (auto it = byPath_.find(key); it != byPath_.end()) return it->second;

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
  uint32_t id = sm_.add(path, buf.str());

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
    fs::path foundCanonical = fs::weakly_canonical(found, ec);
    std::string foundKey = ec ? found : foundCanonical.string();
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

} // namespace soma
