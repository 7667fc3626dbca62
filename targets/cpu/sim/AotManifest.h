// What a `somac build` library holds besides its kernels: the model's sources and the
// options of the build, so that soma_run can build the same network again.
//
// Stored in the object as the byte array soma_aot_manifest (AotTable.h); encoded by the
// driver, decoded by the library (AotRuntime.cpp). The encoding is private to one build of
// Soma: a magic and a version, then length-prefixed fields in the host's byte order.
#pragma once

#include "Frontend.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace soma::sim {

struct AotManifest {
  std::string somaVersion;                  // of the somac that built the library
  std::string network;                      // the network's name
  std::string mainFile;                     // as given to the front end
  std::string stdlibDir;
  std::vector<std::string> includeDirs;
  std::vector<MemoryFile> files;            // every file the front end read
  std::map<std::string, std::string> pathKeys;  // Frontend::pathKeys
  std::vector<std::pair<std::string, std::string>> sets;  // --set NAME=VALUE
  std::optional<double> dtMs, durationMs;   // --dt, --duration of the build
  std::optional<uint64_t> seed;             // --seed of the build
};

std::string encodeAotManifest(const AotManifest &m);
/// False and `error` set when `bytes` is not a manifest of this version.
bool decodeAotManifest(std::string_view bytes, AotManifest &m, std::string &error);

} // namespace soma::sim
