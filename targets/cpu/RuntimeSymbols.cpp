#include "RuntimeSymbols.h"

#include "soma/runtime/Random.h"

namespace soma::cpu {

double rtUniform(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw) {
  return runtime::RandomStream(seed, stream).uniform01(index, step, draw);
}

double rtNormal(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw) {
  return runtime::RandomStream(seed, stream).normal(index, step, draw);
}

} // namespace soma::cpu
