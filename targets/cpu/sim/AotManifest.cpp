#include "AotManifest.h"

#include <cstring>

namespace soma::sim {

namespace {

constexpr char kMagic[] = "SOMAAOT1";

struct Out {
  std::string bytes;
  template <class T> void pod(const T &v) { bytes.append(reinterpret_cast<const char *>(&v), sizeof v); }
  void str(const std::string &s) {
    pod(uint64_t(s.size()));
    bytes += s;
  }
  template <class T> void opt(const std::optional<T> &v) {
    pod(uint8_t(v.has_value()));
    pod(v.value_or(T{}));
  }
};

struct In {
  std::string_view bytes;
  size_t pos = 0;
  bool ok = true;
  template <class T> T pod() {
    T v{};
    if (!ok || bytes.size() - pos < sizeof v) {
      ok = false;
      return v;
    }
    std::memcpy(&v, bytes.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string str() {
    uint64_t n = pod<uint64_t>();
    if (!ok || n > bytes.size() - pos) {
      ok = false;
      return {};
    }
    std::string s(bytes.substr(pos, n));
    pos += n;
    return s;
  }
  template <class T> std::optional<T> opt() {
    bool has = pod<uint8_t>() != 0;
    T v = pod<T>();
    return has ? std::optional<T>(v) : std::nullopt;
  }
  uint64_t count() {
    uint64_t n = pod<uint64_t>();
    if (n > bytes.size()) ok = false; // every element takes at least a byte
    return ok ? n : 0;
  }
};

} // namespace

std::string encodeAotManifest(const AotManifest &m) {
  Out o;
  o.bytes.append(kMagic, sizeof kMagic);
  o.str(m.somaVersion);
  o.str(m.network);
  o.str(m.mainFile);
  o.str(m.stdlibDir);
  o.pod(uint64_t(m.includeDirs.size()));
  for (const std::string &d : m.includeDirs) o.str(d);
  o.pod(uint64_t(m.files.size()));
  for (const MemoryFile &f : m.files) {
    o.str(f.path);
    o.str(f.key);
    o.str(f.text);
  }
  o.pod(uint64_t(m.pathKeys.size()));
  for (const auto &[path, key] : m.pathKeys) {
    o.str(path);
    o.str(key);
  }
  o.pod(uint64_t(m.sets.size()));
  for (const auto &[name, value] : m.sets) {
    o.str(name);
    o.str(value);
  }
  o.opt(m.dtMs);
  o.opt(m.durationMs);
  o.opt(m.seed);
  return o.bytes;
}

bool decodeAotManifest(std::string_view bytes, AotManifest &m, std::string &error) {
  m = AotManifest{};
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    error = "the embedded model is not in the format of this version of Soma";
    return false;
  }
  In in{bytes, sizeof kMagic};
  m.somaVersion = in.str();
  m.network = in.str();
  m.mainFile = in.str();
  m.stdlibDir = in.str();
  for (uint64_t i = 0, n = in.count(); i < n && in.ok; ++i) m.includeDirs.push_back(in.str());
  for (uint64_t i = 0, n = in.count(); i < n && in.ok; ++i) {
    MemoryFile f;
    f.path = in.str();
    f.key = in.str();
    f.text = in.str();
    m.files.push_back(std::move(f));
  }
  for (uint64_t i = 0, n = in.count(); i < n && in.ok; ++i) {
    std::string path = in.str();
    m.pathKeys[path] = in.str();
  }
  for (uint64_t i = 0, n = in.count(); i < n && in.ok; ++i) {
    std::string name = in.str();
    m.sets.push_back({name, in.str()});
  }
  m.dtMs = in.opt<double>();
  m.durationMs = in.opt<double>();
  m.seed = in.opt<uint64_t>();
  if (!in.ok || in.pos != bytes.size()) {
    error = "the embedded model is truncated or corrupt";
    return false;
  }
  return true;
}

} // namespace soma::sim
