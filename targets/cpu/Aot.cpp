#include "Aot.h"

#include "AotTable.h"
#include "Jit.h"
#include "KernelSpec.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/GlobalVariable.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

namespace soma::cpu {

namespace {

llvm::Constant *cString(llvm::Module &m, const std::string &text, const std::string &name) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Constant *data = llvm::ConstantDataArray::getString(ctx, text, /*AddNull=*/true);
  auto *g = new llvm::GlobalVariable(m, data->getType(), true, llvm::GlobalValue::PrivateLinkage, data, name);
  g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  g->setAlignment(llvm::Align(1));
  return g;
}

void exported(llvm::Module &m, llvm::Constant *value, const std::string &name) {
  auto *g = new llvm::GlobalVariable(m, value->getType(), true, llvm::GlobalValue::ExternalLinkage, value, name);
  (void)g;
}

} // namespace

AotResult writeKernelObject(const std::vector<AotKernel> &kernels, const std::string &manifest, const std::string &path) {
  AotResult out;
  // Kernels are generated and optimised with the JIT's own target machine (the same
  // analyses, so the same IR); only the object is emitted with a PIC one.
  auto tm = createTargetMachine("", out.error);
  if (!tm) return out;
  auto objectTm = createObjectTargetMachine(out.error);
  if (!objectTm) return out;
  llvm::LLVMContext ctx;
  auto module = std::make_unique<llvm::Module>("soma.aot", ctx);
  module->setTargetTriple(tm->getTargetTriple().str());
  module->setDataLayout(tm->createDataLayout());
  llvm::Linker linker(*module);
  for (const AotKernel &k : kernels) {
    KernelResult r = generateKernel(ctx, k.spec, k.function, tm.get());
    if (!r.module) {
      for (CodegenError &e : r.errors) {
        if (!e.internal) out.unsupported.push_back(std::move(e));
        else if (out.error.empty()) out.error = k.function + ": " + e.what;
      }
      continue;
    }
    optimizeModule(*r.module, *tm);  // per kernel, as Engine::compile
    if (linker.linkInModule(std::move(r.module))) {
      out.error = "linking the module of " + k.function + " failed";
      return out;
    }
  }
  if (!out.ok()) return out;

  // The table (AotTable.h): { const char *function; SomaUpdateFn fn; const char *spec; uint64_t specHash; }
  llvm::Type *ptr = llvm::PointerType::get(ctx, 0);
  llvm::Type *i64 = llvm::Type::getInt64Ty(ctx);
  auto *entryTy = llvm::StructType::create(ctx, {ptr, ptr, ptr, i64}, "SomaAotKernel");
  std::vector<llvm::Constant *> entries;
  for (size_t i = 0; i < kernels.size(); ++i) {
    const AotKernel &k = kernels[i];
    llvm::Function *fn = module->getFunction(k.function);
    if (!fn) {
      out.error = "the kernel " + k.function + " is missing after linking";
      return out;
    }
    entries.push_back(llvm::ConstantStruct::get(
        entryTy, {cString(*module, k.function, ".soma.name." + std::to_string(i)), fn,
                  cString(*module, k.specText, ".soma.spec." + std::to_string(i)),
                  llvm::ConstantInt::get(i64, fnv1a64(k.specText))}));
  }
  exported(*module, llvm::ConstantArray::get(llvm::ArrayType::get(entryTy, entries.size()), entries), "soma_aot_kernels");
  exported(*module, llvm::ConstantInt::get(i64, kernels.size()), "soma_aot_kernel_count");
  llvm::Constant *bytes = llvm::ConstantDataArray::get(
      ctx, llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(manifest.data()), manifest.size()));
  exported(*module, bytes, "soma_aot_manifest");
  exported(*module, llvm::ConstantInt::get(i64, manifest.size()), "soma_aot_manifest_size");
  exported(*module, llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), SOMA_AOT_FORMAT), "soma_aot_format");

  std::string verify;
  llvm::raw_string_ostream vs(verify);
  if (llvm::verifyModule(*module, &vs)) {
    out.error = "invalid module: " + vs.str();
    return out;
  }
  std::error_code ec;
  llvm::raw_fd_ostream file(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    out.error = "cannot write " + path + ": " + ec.message();
    return out;
  }
  llvm::legacy::PassManager pm;
  if (objectTm->addPassesToEmitFile(pm, file, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    out.error = "the target cannot emit an object file";
    return out;
  }
  pm.run(*module);
  file.flush();
  if (file.has_error()) {
    out.error = "cannot write " + path + ": " + file.error().message();
    file.clear_error();
  }
  return out;
}

} // namespace soma::cpu
