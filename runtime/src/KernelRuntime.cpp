#include "soma/runtime/KernelRuntime.h"

#include "soma/runtime/Random.h"

extern "C" double soma_rt_uniform(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw) {
  return soma::runtime::RandomStream(seed, stream).uniform01(index, step, draw);
}

extern "C" double soma_rt_normal(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw) {
  return soma::runtime::RandomStream(seed, stream).normal(index, step, draw);
}
