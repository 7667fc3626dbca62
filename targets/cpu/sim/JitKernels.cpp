#include "JitKernels.h"

#include "Diagnostics.h"

namespace soma::sim {

SomaUpdateFn JitKernelProvider::kernel(const KernelRequest &request) {
  cpu::Engine::Compiled compiled = engine_.compile(request.spec, request.function);
  if (!compiled.unsupported.empty())
    throw SimulationError(compiled.unsupported.front().what + " is not supported by target cpu",
                          compiled.unsupported.front().range);
  if (!compiled) throw InternalError("compiling population '" + request.population + "': " + compiled.error);
  return compiled.fn;
}

} // namespace soma::sim
