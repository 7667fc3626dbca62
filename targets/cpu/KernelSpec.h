// What a population kernel is specialised on, and a canonical text of it.
//
// The JIT compiles a kernel from a KernelSpec when a network is built; `somac build`
// compiles the same specs ahead of time and stores serializeKernelSpec(spec) next to each
// function, so that a library can check, when it builds the network again, that the spec
// it computes now is the one its kernel was compiled for (docs/simulation.md, "Ahead of
// time"). This header and KernelSpec.cpp do not depend on LLVM.
#pragma once

#include "ModelIR.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace soma::cpu {

/// How an exact subsystem's propagator reaches the kernel.
struct PropagatorSpec {
  enum Kind {
    Folded,     // P and Q below are the values for every neuron: folded into the code
    Shared,     // one P,Q for all neurons, read at run time from propagator[s][0 .. 2n^2)
    PerNeuron,  // read at run time from propagator[s] + i*2*n*n
  } kind = Shared;
  std::vector<double> P, Q;   // Folded: n*n each, row-major, in the subsystem's state order
};

/// Whether a state has a jump array (synaptic arrivals at t_{k+1}), or an input an input
/// array (arrivals at t_k).
///  - Absent: not read; the value is +0.0 (an input) or nothing is added (a jump).
///  - Present: the array is given; the kernel consumes it: it stores +0.0 into every entry
///    it read, so the runtime need not clear a ring slot before reusing it.
///  - CheckAtRunTime: a NULL array reads as +0.0; a given array is read and left as it is.
enum class Arrivals { Absent, Present, CheckAtRunTime };

struct KernelSpec {
  const ir::Model *model = nullptr;
  double dt = 0.1;                                  // ms
  /// One per parameter: a value (uniform, folded) or nullopt (per neuron: param[p][i]).
  std::vector<std::optional<double>> params;
  /// One per internal, or empty: then an internal is folded when its initial expression
  /// can be evaluated from uniform parameters (and folded internals), else loaded.
  std::vector<std::optional<double>> internals;
  /// One per subsystem of the model (numeric subsystems: ignored). Empty: every exact
  /// subsystem is Shared.
  std::vector<PropagatorSpec> propagators;
  /// One per state, or empty: every state CheckAtRunTime.
  std::vector<Arrivals> jumps;
  /// One per input port, or empty: every input CheckAtRunTime.
  std::vector<Arrivals> inputs;
};

/// A canonical text of everything a kernel compiled from `spec` depends on, one item per
/// line: the kernel ABI version, the model (its name and a 64-bit FNV-1a fingerprint of its
/// printed IR), dt, every parameter and internal (folded value or "per-neuron"), every
/// propagator (kind, and the P and Q values of a folded one), every jump presence. Doubles
/// are written as their IEEE bits in hex followed by the shortest decimal that reads back
/// to them, so equal texts mean bit-identical specs. The model must be set.
std::string serializeKernelSpec(const KernelSpec &spec);

/// 64-bit FNV-1a of `bytes`.
uint64_t fnv1a64(std::string_view bytes);

/// The first line where two serializations differ, as "compiled for: LINE\n  now: LINE"
/// ("" when they are equal).
std::string describeSpecDifference(const std::string &compiledFor, const std::string &now);

} // namespace soma::cpu
