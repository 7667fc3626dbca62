// Model IR -> LLVM IR: one SomaUpdateFn (KernelABI.h) per population specialisation.
//
//   ir::Model + KernelSpec ──generateKernel──▶ llvm::Module with one function
//                                               uint64_t NAME(SomaPopulationData*, begin, end,
//                                                             step, dt, spikes, fault)
//
// A KernelSpec says what is known when the population is compiled: uniform parameters
// become immediates, uniform propagators become constant matrices, dt is a constant (the
// dt argument of the ABI function is ignored). Everything else is loaded per neuron.
//
// Semantics beyond KernelABI.h, fixed here so that JIT and AOT agree bit for bit:
//  * Time: `t` reads t_k + c*dt inside the stage evaluations of a numeric method (c = 0 for
//    euler; 0, 1/2, 1/2, 1 for rk4) and t_{k+1} = (k+1)*dt in `update`, `threshold`,
//    `reset` and the refractory period (they act on the state at t_{k+1}).
//  * a / c with c a compile-time constant (a literal or a folded parameter) is a * (1/c),
//    1/c rounded once, when c and 1/c are finite, nonzero and normal; other divisions
//    divide.
//  * Booleans are 0/1 doubles; a number used as a condition is true when != 0 (NaN is true).
//  * min, max, clip use IEEE 754-2019 minimum/maximum (llvm.minimum/maximum): a NaN operand
//    gives NaN, so a NaN reaches the non-finite check instead of being swallowed, and
//    -0 < +0. clip(x, lo, hi) = min(max(x, lo), hi).
//  * x^2, x^3, x^4 (constant integer exponents) are x*x, (x*x)*x, (x*x)*(x*x); other powers
//    call pow. (Values fixed before the first step — parameters, internals — are computed
//    by ir::evaluate, with std::pow, whether they are folded here or stored per neuron.)
//  * exp, log, sqrt, sin, cos, abs, floor, ceil, round (half away from zero), pow are LLVM
//    intrinsics; tan, tanh, sinh, cosh, asin, acos, atan, atan2, log10, log2, erf call the
//    C library of the process; sigmoid(x) = 1 / (1 + exp(-x)); `%` is fmod.
//  * Refractory steps = floor(q + 0.5 + 1e-9*q) with q = period/dt (round half up with the
//    relative tolerance DESIGN.md uses for delays), at least 1 when period > 0, 0 when the
//    period is not > 0 (or NaN); saturated at INT32_MAX.
//  * Exact subsystems: x_new[r] = sum_c P[r][c]*x[c] + sum_c Q[r][c]*b[c], terms summed
//    left to right; terms whose P/Q entry is a folded 0 (or structurally 0) or whose b is
//    the constant 0 are omitted.
//  * A state whose jump array is NULL at run time (Arrivals::CheckAtRunTime) reads
//    +0.0 instead, the same bits as an array of zeros.
//  * No fast-math flags, no fmuladd, FP contraction off in the target machine.
//  * Neurons are processed in chunks of kChunk: the states of a whole chunk are advanced
//    (a vectorisable loop), then spikes are appended and faults looked for in index order.
//    After a fault, states of later neurons in the same chunk may already be advanced;
//    the run is over then anyway.
#pragma once

#include "KernelSpec.h"
#include "ModelIR.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace soma::cpu {

/// Neurons advanced per chunk before spikes are collected.
constexpr unsigned kChunk = 256;
static_assert(kChunk % 8 == 0, "spike flags are scanned a 64-bit word at a time");

/// A construct the cpu target cannot compile, with where it is.
struct CodegenError {
  std::string what;     // "integration method 'rkf45'", "an 'on spike' block", ...
  SourceRange range;
  /// Not the model's fault: a malformed spec, an unknown CPU, an LLVM failure.
  bool internal = false;
};

struct KernelResult {
  std::unique_ptr<llvm::Module> module;   // null when errors is not empty
  std::vector<CodegenError> errors;
};

/// The internals of a spec after folding (spec.internals when given).
std::vector<std::optional<double>> resolveInternals(const KernelSpec &spec);

/// What the cpu target cannot compile in `m` (empty: everything is supported).
std::vector<CodegenError> checkSupported(const ir::Model &m);

/// Emits `functionName` with the SomaUpdateFn signature. When `tm` is given, the module
/// gets its triple and data layout and the function its target-cpu/features; without one
/// the host's are used.
KernelResult generateKernel(llvm::LLVMContext &ctx, const KernelSpec &spec, const std::string &functionName,
                            llvm::TargetMachine *tm = nullptr);

} // namespace soma::cpu
