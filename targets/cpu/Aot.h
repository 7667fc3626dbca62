// `somac build`: every population kernel of a network, the table that names them and the
// embedded manifest, in one relocatable object file.
//
//   KernelSpec[] ──generateKernel (one module each, as the JIT)──▶ optimizeModule (each, as
//   the JIT) ──link into one module + table + manifest (AotTable.h)──▶ object file
//
// The target machine is the JIT's (host CPU and features, FP contraction off, no
// fast-math, the same optimisation level), with position-independent code so that the
// object can go into a shared library. Each kernel is optimised in a module of its own,
// exactly as Engine::compile does, so that the instructions are the JIT's.
#pragma once

#include "CodeGen.h"

#include <string>
#include <vector>

namespace soma::cpu {

struct AotKernel {
  std::string function;   // symbol, e.g. "soma_update_P"
  KernelSpec spec;
  std::string specText;   // serializeKernelSpec(spec): stored next to the function
};

struct AotResult {
  std::vector<CodegenError> unsupported;  // constructs the target cannot compile
  std::string error;                      // internal: an LLVM failure, an unwritable file
  bool ok() const { return unsupported.empty() && error.empty(); }
};

/// Writes the object file `path` (ELF relocatable on Linux) with the kernels, the table
/// soma_aot_kernels and the byte array soma_aot_manifest holding `manifest`.
AotResult writeKernelObject(const std::vector<AotKernel> &kernels, const std::string &manifest,
                            const std::string &path);

} // namespace soma::cpu
