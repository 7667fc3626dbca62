// The runtime functions compiled population kernels call, under their C names
// (targets/cpu/KernelABI.h declares the same prototypes). The JIT binds these addresses;
// an ahead-of-time library from `somac build` links them from this library.
#pragma once

#include <stdint.h>

extern "C" {
/// Uniform in [0, 1): RandomStream(seed, stream).uniform01(index, step, draw).
double soma_rt_uniform(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw);
/// Standard normal: RandomStream(seed, stream).normal(index, step, draw).
double soma_rt_normal(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw);
}
