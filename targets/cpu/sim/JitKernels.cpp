#include "JitKernels.h"

#include "Diagnostics.h"
#include "JitSynapses.h"

namespace soma::sim {

SomaUpdateFn JitKernelProvider::kernel(const KernelRequest &request) {
  cpu::Engine::Compiled compiled = engine_.compile(request.spec, request.function);
  if (!compiled.unsupported.empty())
    throw SimulationError(compiled.unsupported.front().what + " is not supported by target cpu",
                          compiled.unsupported.front().range);
  if (!compiled) throw InternalError("compiling population '" + request.population + "': " + compiled.error);
  return compiled.fn;
}

SynapseKernels JitKernelProvider::synapseKernels(const PlasticSynapses &synapses, const std::string &name) {
  std::string error;
  SynapseKernels k = compileSynapseKernels(engine_, synapses.codeSpec(), name, error);
  if (!error.empty()) throw InternalError("compiling the synapse events of " + name + ": " + error);
  return k;
}

} // namespace soma::sim
