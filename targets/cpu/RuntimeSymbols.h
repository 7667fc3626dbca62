// The runtime functions JIT-compiled kernels call (KernelABI.h: soma_rt_uniform,
// soma_rt_normal), implemented on the runtime's counter-based generator
// (soma/runtime/Random.h). The JIT binds the C names to these; they are not exported under
// the C names here, so that the runtime library may define them for AOT builds.
#pragma once

#include <cstdint>

namespace soma::cpu {

/// soma_rt_uniform: uniform in [0, 1), RandomStream(seed, stream).uniform01(index, step, draw).
double rtUniform(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw);
/// soma_rt_normal: standard normal, RandomStream(seed, stream).normal(index, step, draw).
double rtNormal(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw);

} // namespace soma::cpu
