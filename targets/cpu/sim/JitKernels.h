// The JIT kernel provider of `somac run`: compiles each population's kernel with ORC
// (cpu::Engine). The only part of the simulator that links LLVM (library soma_sim).
#pragma once

#include "Jit.h"
#include "Simulation.h"

namespace soma::sim {

class JitKernelProvider : public KernelProvider {
public:
  explicit JitKernelProvider(cpu::Engine &engine) : engine_(engine) {}
  SomaUpdateFn kernel(const KernelRequest &request) override;
  SynapseKernels synapseKernels(const PlasticSynapses &synapses, const std::string &name) override;

private:
  cpu::Engine &engine_;
};

} // namespace soma::sim
