// `somac emit --stage=llvm`: the optimised LLVM IR of a default kernel per neuron model.
//
// Default specialisation: every parameter whose default is a constant is uniform at that
// value (folded), the others are per neuron; internals fold when they can; an exact
// subsystem whose matrix A folds gets its propagator folded (runtime::inputPropagator), else it is read per
// neuron; every state's jump array is checked at run time; dt = 0.1 ms.
#pragma once

#include "CodeGen.h"
#include "Diagnostics.h"
#include "ModelIR.h"

#include <ostream>
#include <string>
#include <vector>

namespace soma::cpu {

struct EmitOptions {
  double dt = 0.1;       // ms
  std::string cpu;       // "" = this host; e.g. "x86-64-v3" for output that does not depend on it
};

/// The default kernel spec of a neuron model (see above).
KernelSpec defaultSpec(const ir::Model &m, double dt);

/// Prints one optimised module per neuron model (synapses are skipped) to `out`. Constructs
/// the target cannot compile are reported as `unsupported_by_target` at their location and
/// that model is skipped. Internal failures (an unknown options.cpu: check it first with
/// isValidCpu) are not diagnostics of the model: they go to `internalError` ("" if none).
/// Returns false if anything failed.
bool emitLLVMForModels(const std::vector<ir::Model> &models, std::ostream &out, DiagnosticEngine &diags,
                       const EmitOptions &options = {}, std::string *internalError = nullptr);

} // namespace soma::cpu
