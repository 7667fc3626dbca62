#include "Jit.h"

#include "soma/runtime/KernelRuntime.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/SubtargetFeature.h>

#include <mutex>

namespace soma::cpu {

void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

namespace {

constexpr llvm::CodeGenOptLevel kKernelOptLevel = llvm::CodeGenOptLevel::Aggressive;

/// The host's JIT target machine builder with the options every kernel is compiled with.
llvm::Expected<llvm::orc::JITTargetMachineBuilder> kernelTargetBuilder(const std::string &cpu) {
  initializeNativeTarget();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) return jtmb.takeError();
  if (!cpu.empty()) {
    jtmb->setCPU(cpu);
    jtmb->getFeatures() = llvm::SubtargetFeatures(); // the named CPU's own features
  }
  jtmb->setCodeGenOptLevel(kKernelOptLevel);
  // Determinism: never fuse a*b+c into an FMA behind the program's back.
  jtmb->getOptions().AllowFPOpFusion = llvm::FPOpFusion::Strict;
  jtmb->getOptions().UnsafeFPMath = false;
  jtmb->getOptions().NoInfsFPMath = false;
  jtmb->getOptions().NoNaNsFPMath = false;
  jtmb->getOptions().NoSignedZerosFPMath = false;
  jtmb->getOptions().ApproxFuncFPMath = false;
  return jtmb;
}

} // namespace

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const std::string &cpu, std::string &error) {
  if (!cpu.empty() && !isValidCpu(cpu)) {
    error = "unknown CPU '" + cpu + "' for " + llvm::sys::getProcessTriple();
    return nullptr;
  }
  auto jtmb = kernelTargetBuilder(cpu);
  if (!jtmb) {
    error = llvm::toString(jtmb.takeError());
    return nullptr;
  }
  auto tm = jtmb->createTargetMachine();
  if (!tm) {
    error = llvm::toString(tm.takeError());
    return nullptr;
  }
  return std::move(*tm);
}

std::unique_ptr<llvm::TargetMachine> createObjectTargetMachine(std::string &error) {
  auto jtmb = kernelTargetBuilder("");
  if (!jtmb) {
    error = llvm::toString(jtmb.takeError());
    return nullptr;
  }
  std::string lookupError;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(jtmb->getTargetTriple().str(), lookupError);
  if (!target) {
    error = lookupError;
    return nullptr;
  }
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      jtmb->getTargetTriple().str(), jtmb->getCPU(), jtmb->getFeatures().getString(), jtmb->getOptions(),
      llvm::Reloc::PIC_, std::nullopt, kKernelOptLevel, /*JIT=*/false));
  if (!tm) error = "cannot create a target machine for " + jtmb->getTargetTriple().str();
  return tm;
}

bool isValidCpu(const std::string &cpu) {
  auto jtmb = kernelTargetBuilder("");
  if (!jtmb) {
    llvm::consumeError(jtmb.takeError());
    return false;
  }
  auto tm = jtmb->createTargetMachine();
  if (!tm) {
    llvm::consumeError(tm.takeError());
    return false;
  }
  return (*tm)->getMCSubtargetInfo()->isCPUStringValid(cpu);
}

void optimizeModule(llvm::Module &module, llvm::TargetMachine &tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = true;   // as clang -O2
  pto.SLPVectorization = true;
  pto.LoopInterleaving = true;
  pto.LoopUnrolling = true;
  llvm::PassBuilder pb(&tm, pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  mpm.run(module, mam);
}

std::string printModule(const llvm::Module &module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os, nullptr);
  return text;
}

std::string printKernel(const KernelSpec &spec, const std::string &functionName, std::vector<CodegenError> &errors,
                        const std::string &cpu) {
  std::string error;
  auto tm = createTargetMachine(cpu, error);
  if (!tm) {
    errors.push_back({error, spec.model ? spec.model->range : SourceRange{}, true});
    return "";
  }
  llvm::LLVMContext ctx;
  KernelResult r = generateKernel(ctx, spec, functionName, tm.get());
  if (!r.module) {
    errors = std::move(r.errors);
    return "";
  }
  optimizeModule(*r.module, *tm);
  return printModule(*r.module);
}

// ------------------------------------------------------------------ Engine

struct Engine::Impl {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::unique_ptr<llvm::TargetMachine> tm;
};

Engine::Engine() : impl_(std::make_unique<Impl>()) {}
Engine::~Engine() = default;

llvm::TargetMachine &Engine::targetMachine() { return *impl_->tm; }

std::unique_ptr<Engine> Engine::create(std::string &error) {
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine("", error);
  if (!tm) return nullptr;
  auto jtmb = kernelTargetBuilder("");
  if (!jtmb) {
    error = llvm::toString(jtmb.takeError());
    return nullptr;
  }
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(*jtmb).create();
  if (!jit) {
    error = llvm::toString(jit.takeError());
    return nullptr;
  }
  llvm::orc::JITDylib &lib = (*jit)->getMainJITDylib();
  // libm (exp, tanh, ...) from the process.
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!process) {
    error = llvm::toString(process.takeError());
    return nullptr;
  }
  lib.addGenerator(std::move(*process));
  // The runtime's random numbers under their ABI names.
  llvm::orc::SymbolMap symbols;
  auto flags = llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable;
  symbols[(*jit)->mangleAndIntern("soma_rt_uniform")] = {llvm::orc::ExecutorAddr::fromPtr(&soma_rt_uniform), flags};
  symbols[(*jit)->mangleAndIntern("soma_rt_normal")] = {llvm::orc::ExecutorAddr::fromPtr(&soma_rt_normal), flags};
  if (llvm::Error e = lib.define(llvm::orc::absoluteSymbols(std::move(symbols)))) {
    error = llvm::toString(std::move(e));
    return nullptr;
  }
  std::unique_ptr<Engine> engine(new Engine());
  engine->impl_->jit = std::move(*jit);
  engine->impl_->tm = std::move(tm);
  return engine;
}

Engine::Compiled Engine::compile(const KernelSpec &spec, const std::string &functionName) {
  Compiled out;
  auto ctx = std::make_unique<llvm::LLVMContext>();
  KernelResult r = generateKernel(*ctx, spec, functionName, impl_->tm.get());
  if (!r.module) {
    for (CodegenError &e : r.errors) {
      if (!e.internal) out.unsupported.push_back(std::move(e));
      else if (out.error.empty()) out.error = e.what;
    }
    return out;
  }
  optimizeModule(*r.module, *impl_->tm);
  if (keepIR_) lastIR_ = printModule(*r.module);
  if (llvm::Error e = impl_->jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(r.module), std::move(ctx)))) {
    out.error = llvm::toString(std::move(e));
    return out;
  }
  auto addr = impl_->jit->lookup(functionName);
  if (!addr) {
    out.error = llvm::toString(addr.takeError());
    return out;
  }
  out.fn = addr->toPtr<SomaUpdateFn>();
  return out;
}

} // namespace soma::cpu

namespace soma::cpu {

std::vector<void *> Engine::add(std::unique_ptr<llvm::Module> module, std::unique_ptr<llvm::LLVMContext> context,
                                const std::vector<std::string> &functions, std::string &error) {
  optimizeModule(*module, *impl_->tm);
  if (llvm::Error e = impl_->jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(module), std::move(context)))) {
    error = llvm::toString(std::move(e));
    return {};
  }
  std::vector<void *> out;
  for (const std::string &name : functions) {
    auto addr = impl_->jit->lookup(name);
    if (!addr) {
      error = llvm::toString(addr.takeError());
      return {};
    }
    out.push_back(addr->toPtr<void *>());
  }
  return out;
}

} // namespace soma::cpu
