// Helpers for the cpu target's unit tests: the real front end on a source string, a shared
// JIT engine, and a population in structure-of-arrays form that drives a kernel directly.
#pragma once

#include "CodeGen.h"
#include "Jit.h"
#include "KernelABI.h"
#include "ModelIR.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace soma::cpu::test {

/// Parses, checks and lowers `source` (written to a temporary file); fails the test (and
/// returns an empty list) if the front end reports errors. `diagnostics` gets its output.
std::vector<ir::Model> lowerSource(const std::string &source, std::string *diagnostics = nullptr);
/// Writes `source` to a new temporary .soma file and returns its path.
std::string writeTemp(const std::string &source);
/// Same for a file on disk.
std::vector<ir::Model> lowerFile(const std::string &path, std::string *diagnostics = nullptr);

const ir::Model *findModel(const std::vector<ir::Model> &models, const std::string &name);
int stateIndex(const ir::Model &m, const std::string &name);
int paramIndex(const ir::Model &m, const std::string &name);

/// One engine for the whole test binary.
Engine &engine();
/// Compiles with a fresh unique function name; fails the test on errors.
SomaUpdateFn compile(const KernelSpec &spec);

/// Spec with every parameter uniform at its constant default (or per neuron without one).
KernelSpec uniformSpec(const ir::Model &m, double dt);

/// SoA storage for one population and the SomaPopulationData that points into it.
struct Population {
  Population(const ir::Model &m, size_t n);
  Population(const Population &) = delete;

  std::vector<std::vector<double>> state, param, internal, input, jump, propagator;
  std::vector<int32_t> refractory;
  std::vector<uint8_t> propagatorPerNeuron;
  std::vector<double *> statePtr, paramPtr, internalPtr, inputPtr, jumpPtr, propagatorPtr;
  SomaPopulationData data{};
  size_t n;

  /// Re-points `data` at the vectors (after resizing one or nulling a jump).
  void bind();
  void withoutJump(size_t s);   // jump[s] = NULL
  uint64_t run(SomaUpdateFn fn, uint64_t step, uint64_t begin, uint64_t end, std::vector<uint32_t> &spikes,
               SomaFault &fault);
  uint64_t run(SomaUpdateFn fn, uint64_t step, std::vector<uint32_t> &spikes, SomaFault &fault) {
    return run(fn, step, 0, n, spikes, fault);
  }
};

} // namespace soma::cpu::test
