// Philox4x32-10 and the distributions built on it. See Random.h for the counter layout.
#include "soma/runtime/Random.h"

#include "soma/runtime/Error.h"

#include <cmath>
#include <string>

namespace soma::runtime {

namespace {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;
constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;
constexpr double kTwoPi = 6.283185307179586476925286766559;

inline PhiloxCounter philoxRound(const PhiloxCounter &c, const PhiloxKey &k) {
  const uint64_t p0 = uint64_t(kPhiloxM0) * c[0];
  const uint64_t p1 = uint64_t(kPhiloxM1) * c[2];
  return {uint32_t(p1 >> 32) ^ c[1] ^ k[0], uint32_t(p1), uint32_t(p0 >> 32) ^ c[3] ^ k[1],
          uint32_t(p0)};
}

inline uint64_t join(uint32_t hi, uint32_t lo) { return uint64_t(hi) << 32 | lo; }

// ln(k!) without std::lgamma, which may write the global `signgam` (a data race when
// threads draw concurrently). Exact sum for small k; Stirling's series with four
// correction terms above, absolute error below 1e-12 for n = k + 1 >= 16.
double logFactorial(uint64_t k) {
  if (k < 16) {
    double sum = 0;
    for (uint64_t i = 2; i <= k; ++i) sum += std::log(double(i));
    return sum;
  }
  const double n = double(k) + 1, n2 = n * n;
  const double series = (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - 1.0 / (1680 * n2)) / n2) / n2) / n;
  return (n - 0.5) * std::log(n) - n + 0.91893853320467274178 /* ln sqrt(2 pi) */ + series;
}

// Poisson by sequential search of the CDF with one uniform. The cap stops the loop where
// rounding leaves the summed CDF just below u near 1 (P(k > 200) is below 1e-200 for
// lambda < 10).
uint64_t poissonInversion(double u, double lambda) {
  double p = std::exp(-lambda), cdf = p;
  uint64_t k = 0;
  while (u >= cdf && k < 200) {
    ++k;
    p *= lambda / double(k);
    cdf += p;
  }
  return k;
}

} // namespace

PhiloxCounter philox4x32_10(PhiloxCounter counter, PhiloxKey key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) key = {key[0] + kPhiloxW0, key[1] + kPhiloxW1};
    counter = philoxRound(counter, key);
  }
  return counter;
}

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t splitmix64Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t streamId(std::string_view qualifiedName) {
  return splitmix64Mix(fnv1a64(qualifiedName));
}

uint64_t boundedFromBits(uint64_t bits, uint64_t bound) {
  // High 64 bits of the 128-bit product, from 32-bit halves (portable, no __int128).
  const uint64_t aLo = bits & 0xffffffffu, aHi = bits >> 32;
  const uint64_t bLo = bound & 0xffffffffu, bHi = bound >> 32;
  const uint64_t lolo = aLo * bLo, hilo = aHi * bLo, lohi = aLo * bHi, hihi = aHi * bHi;
  const uint64_t mid = (lolo >> 32) + (hilo & 0xffffffffu) + (lohi & 0xffffffffu);
  return hihi + (hilo >> 32) + (lohi >> 32) + (mid >> 32);
}

RandomStream::RandomStream(uint64_t seed, uint64_t stream)
    : seed_(seed), stream_(stream), baseKey_(splitmix64Mix(seed + splitmix64Mix(stream + kGolden))) {}

PhiloxKey RandomStream::keyFor(uint64_t entity, uint64_t step) const {
  const uint64_t hi = (step >> 32) << 32 | (entity >> 32);
  const uint64_t key = hi == 0 ? baseKey_ : splitmix64Mix(baseKey_ ^ splitmix64Mix(hi + kGolden));
  return {uint32_t(key), uint32_t(key >> 32)};
}

PhiloxCounter RandomStream::block(uint64_t entity, uint64_t step, uint32_t draw,
                                  uint32_t sub) const {
  return philox4x32_10({uint32_t(entity), uint32_t(step), draw, sub}, keyFor(entity, step));
}

uint64_t RandomStream::bits64(uint64_t entity, uint64_t step, uint32_t draw) const {
  const PhiloxCounter w = block(entity, step, draw);
  return join(w[0], w[1]);
}

double RandomStream::uniform01(uint64_t entity, uint64_t step, uint32_t draw) const {
  return uniform01FromBits(bits64(entity, step, draw));
}

double RandomStream::normal(uint64_t entity, uint64_t step, uint32_t draw) const {
  const PhiloxCounter w = block(entity, step, draw);
  const double u1 = uniform01FromBits(join(w[0], w[1]));
  const double u2 = uniform01FromBits(join(w[2], w[3]));
  // 1 - u1 lies in (0, 1], so the logarithm is finite.
  return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(kTwoPi * u2);
}

uint64_t RandomStream::poisson(uint64_t entity, uint64_t step, uint32_t draw,
                               double lambda) const {
  if (!(lambda >= 0) || !(lambda <= 1e15))
    throw RuntimeError("poisson: the mean must be finite, non-negative and at most 1e15, got " +
                       std::to_string(lambda));
  if (lambda < 10) return poissonInversion(uniform01(entity, step, draw), lambda);

  // PTRS: W. Hörmann, "The transformed rejection method for generating Poisson random
  // variables", Insurance: Mathematics and Economics 12 (1993), with the constants given
  // there (acceptance rate about 0.9 for lambda >= 10).
  const double slam = std::sqrt(lambda), logLambda = std::log(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  const PhiloxKey key = keyFor(entity, step);
  for (uint32_t sub = 0;; ++sub) {
    const PhiloxCounter w = philox4x32_10({uint32_t(entity), uint32_t(step), draw, sub}, key);
    const double u = uniform01FromBits(join(w[0], w[1])) - 0.5;
    const double v = uniform01FromBits(join(w[2], w[3]));
    const double us = 0.5 - std::fabs(u);
    const double kReal = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return uint64_t(kReal);
    if (kReal < 0 || (us < 0.013 && v > us)) continue;
    const uint64_t k = uint64_t(kReal);
    // v == 0 gives log(0) = -inf: accepted, as in the published algorithm.
    if (std::log(v) + std::log(invAlpha) - std::log(a / (us * us) + b) <=
        -lambda + double(k) * logLambda - logFactorial(k))
      return k;
  }
}

bool RandomStream::bernoulli(uint64_t entity, uint64_t step, uint32_t draw, double p) const {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return uniform01(entity, step, draw) < p;
}

uint64_t RandomStream::index(uint64_t entity, uint64_t step, uint32_t draw,
                             uint64_t bound) const {
  return boundedFromBits(bits64(entity, step, draw), bound);
}

} // namespace soma::runtime
