// Counter-based random numbers: Philox4x32-10 keyed by (seed, stream).
//
// Every random number of a simulation is a pure function of
//   (seed, stream, entity, step, draw)
// so it does not depend on thread count, partition, rank count or call order (DESIGN.md,
// "Determinism rules"). There is no generator state to share, split or save.
//
//   seed    the run's seed (`run ... seed = 42`)
//   stream  streamId() of a qualified name ("Demo.Exc.v.init", "Demo.P->Exc.connect")
//   entity  neuron, source or synapse index within that stream
//   step    time-step index k (0 for draws that are not tied to time, e.g. connectivity)
//   draw    number of the draw for this (entity, step): the first random call is 0, ...
//
// Mapping onto Philox (this is a file-format-like contract: changing it changes every
// result, so do it only with a version bump and a note in the docs):
//   key     = K(seed, stream, entity >> 32, step >> 32) split into two 32-bit words
//             (low word first), where with mix = SplitMix64's finalizer and
//             G = 0x9e3779b97f4a7c15:
//               base = mix(seed + mix(stream + G))
//               hi   = (step >> 32) << 32 | (entity >> 32)
//               K    = hi == 0 ? base : mix(base ^ mix(hi + G))
//   counter = { entity & 0xffffffff, step & 0xffffffff, draw, sub }
// `sub` numbers the Philox blocks one draw consumes: 0 for every draw except the
// rejection loop of poisson() for large lambda, whose i-th attempt uses sub = i. The high
// halves of entity and step go into the key because a Philox counter has only 128 bits;
// they are zero in any run shorter than 2^32 steps over fewer than 2^32 entities.
//
// Each draw uses its own block of four 32-bit words; a uniform takes 64 of them (top 53
// bits used), a normal 128 (two uniforms). Distributions use IEEE arithmetic plus libm's
// sqrt, log, exp and cos, so results are identical wherever the same libm is used; every
// target calls these functions rather than re-implementing them.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace soma::runtime {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

/// The Philox4x32 block function with 10 rounds (Salmon et al., SC'11), bit-exact with
/// Random123's philox4x32(ctr, key).
PhiloxCounter philox4x32_10(PhiloxCounter counter, PhiloxKey key);

/// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over bytes.
uint64_t fnv1a64(std::string_view bytes);

/// SplitMix64's output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
uint64_t splitmix64Mix(uint64_t x);

/// Stream id of a qualified name: splitmix64Mix(fnv1a64(name)). Stable across platforms,
/// compilers and runs (bytes in, no locale, no std::hash).
uint64_t streamId(std::string_view qualifiedName);

/// Uniform double in [0, 1) from the top 53 bits of `bits`; multiples of 2^-53.
inline double uniform01FromBits(uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

/// An integer in [0, bound) from 64 random bits: the high word of bits * bound
/// (Lemire's multiply-shift without rejection; bias below bound / 2^64). bound > 0.
uint64_t boundedFromBits(uint64_t bits, uint64_t bound);

/// The random numbers of one (seed, stream). Cheap to copy; all members are const and
/// thread-safe.
class RandomStream {
public:
  RandomStream(uint64_t seed, uint64_t stream);

  uint64_t seed() const { return seed_; }
  uint64_t stream() const { return stream_; }

  /// The raw Philox block for (entity, step, draw, sub); see the mapping above.
  PhiloxCounter block(uint64_t entity, uint64_t step, uint32_t draw, uint32_t sub = 0) const;

  /// 64 random bits: words 0 (high) and 1 (low) of block(entity, step, draw).
  uint64_t bits64(uint64_t entity, uint64_t step, uint32_t draw) const;

  /// Uniform in [0, 1), 53 random bits.
  double uniform01(uint64_t entity, uint64_t step, uint32_t draw) const;

  /// Standard normal by Box–Muller (cosine branch only, so one draw is one block):
  /// u1 from words 0-1, u2 from words 2-3, z = sqrt(-2 ln(1 - u1)) cos(2 pi u2).
  double normal(uint64_t entity, uint64_t step, uint32_t draw) const;

  /// Poisson(lambda). lambda < 10: inversion of the CDF with one uniform (so exactly one
  /// block). lambda >= 10: Hörmann's PTRS transformed rejection (1993), attempt i using
  /// block sub = i. lambda == 0 gives 0. Throws RuntimeError when lambda is negative, not
  /// finite or above 1e15.
  uint64_t poisson(uint64_t entity, uint64_t step, uint32_t draw, double lambda) const;

  /// True with probability p (uniform01 < p): p <= 0 never, p >= 1 always.
  bool bernoulli(uint64_t entity, uint64_t step, uint32_t draw, double p) const;

  /// An integer in [0, bound) (boundedFromBits of bits64). bound > 0.
  uint64_t index(uint64_t entity, uint64_t step, uint32_t draw, uint64_t bound) const;

private:
  PhiloxKey keyFor(uint64_t entity, uint64_t step) const;

  uint64_t seed_, stream_;
  uint64_t baseKey_;
};

} // namespace soma::runtime
