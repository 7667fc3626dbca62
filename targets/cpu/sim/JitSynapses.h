// Compiled event loops for synapses with state: `on pre` over a row or a list of arrivals
// and `on post` over the synapses onto a neuron, as native code (cpu::Engine), in place of
// the register interpreter's per-event dispatch.
//
//   PlasticSynapses::CodeSpec ──generateSynapseKernels──▶ llvm::Module with up to five
//   functions (SynapseKernels) ──Engine::add──▶ function pointers
//
// With lazy post events (PlasticSynapses::lazyPost()) the row loop first replays each
// synapse's pending post events, and two more functions move a neuron's post traces and
// replay its history onto its synapses (by neuron, and by row for the final flush).
//
// The loops do exactly what PlasticSynapses does with the interpreter, in the same order
// and with the same operations (SynapseProgram.h fixes the semantics; functions other than
// min, max and clip call the interpreter's own), so a run gives the same bits either way;
// `somac run --interpret-synapses` runs the interpreter, and libraries from `somac build`
// always do. Part of soma_sim, the library that links LLVM.
#pragma once

#include "Jit.h"
#include "Plasticity.h"

#include <string>

namespace soma::sim {

/// Compiles the event loops of `spec` under names starting with `prefix`. Returns none
/// (the interpreter runs the events) when spec.compilable is false; sets `error` on an
/// internal failure.
SynapseKernels compileSynapseKernels(cpu::Engine &engine, const PlasticSynapses::CodeSpec &spec,
                                     const std::string &prefix, std::string &error);

/// The optimised LLVM IR of the loops (for `somac emit --stage=llvm`), for the host CPU;
/// "" when spec.compilable is false. Sets `error` on an internal failure.
std::string printSynapseKernels(const PlasticSynapses::CodeSpec &spec, const std::string &prefix, std::string &error);

} // namespace soma::sim
