// Optimisation and ORC JIT for population kernels.
//
//   KernelSpec ──generateKernel──▶ llvm::Module ──optimizeModule (O2, host TM)──▶
//              ──Engine (LLJIT)──▶ SomaUpdateFn
//
// The target machine is the host's (CPU name and features detected), with FP contraction
// off (FPOpFusion::Strict) and no fast-math: the same options for JIT and for `somac build`.
// Kernels resolve libm from the process and soma_rt_uniform/soma_rt_normal from the
// runtime library (soma/runtime/KernelRuntime.h).
#pragma once

#include "CodeGen.h"
#include "KernelABI.h"

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace soma::cpu {

/// Initialises LLVM's native target, asm printer and parser (once; thread-safe).
void initializeNativeTarget();

/// A target machine for this host (cpu empty) or for the named CPU on the host's triple
/// ("x86-64", "x86-64-v3", "skylake-avx512", ...), with the code-generation options every
/// kernel is built with. Null and `error` set on failure.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const std::string &cpu, std::string &error);

/// The target machine `somac build` emits objects with: createTargetMachine("")'s CPU,
/// features, options and optimisation level, with position-independent code (for shared
/// libraries) and the static code model of ahead-of-time code.
std::unique_ptr<llvm::TargetMachine> createObjectTargetMachine(std::string &error);

/// Whether LLVM knows `cpu` as a processor of the host's architecture.
bool isValidCpu(const std::string &cpu);

/// Runs the new pass manager's default O2 pipeline with `tm`'s analyses (so the loop
/// vectoriser sees the CPU's vector width).
void optimizeModule(llvm::Module &module, llvm::TargetMachine &tm);

/// The module as LLVM assembly text.
std::string printModule(const llvm::Module &module);

/// Generates and optimises one kernel and returns the module text; on errors (unsupported
/// constructs, or internal ones such as an unknown CPU) returns "" and fills `errors`.
std::string printKernel(const KernelSpec &spec, const std::string &functionName,
                        std::vector<CodegenError> &errors, const std::string &cpu = "");

/// An ORC LLJIT instance holding compiled kernels. Kernels stay valid while the Engine lives.
/// Not thread-safe: compile from one thread (calling the compiled kernels concurrently is fine).
class Engine {
public:
  /// Null and `error` set when the host target cannot be set up.
  static std::unique_ptr<Engine> create(std::string &error);
  ~Engine();
  Engine(const Engine &) = delete;
  Engine &operator=(const Engine &) = delete;

  struct Compiled {
    SomaUpdateFn fn = nullptr;
    std::vector<CodegenError> unsupported;  // constructs the target cannot compile
    std::string error;                      // internal: a malformed spec, an LLVM failure
    explicit operator bool() const { return fn != nullptr; }
  };

  /// Generates, optimises, adds and looks up `functionName` (unique within this Engine).
  Compiled compile(const KernelSpec &spec, const std::string &functionName);

  /// Optimises `module` (made in `context`, for targetMachine()), adds it and returns the
  /// addresses of `functions` in order; empty, with `error` set, on failure.
  std::vector<void *> add(std::unique_ptr<llvm::Module> module, std::unique_ptr<llvm::LLVMContext> context,
                          const std::vector<std::string> &functions, std::string &error);

  /// The optimised module text of the last successful compile (for debugging), if kept.
  void keepIR(bool on) { keepIR_ = on; }
  const std::string &lastIR() const { return lastIR_; }

  llvm::TargetMachine &targetMachine();

private:
  Engine();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool keepIR_ = false;
  std::string lastIR_;
};

} // namespace soma::cpu
