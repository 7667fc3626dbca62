// Unit tests for the counter-based RNG (runtime/include/soma/runtime/Random.h).
//
// Statistical checks use fixed seeds and a 5-sigma tolerance on the sample mean and
// variance of N draws. For a distribution with variance s2 and fourth central moment m4:
//   sd(sample mean)     = sqrt(s2 / N)
//   sd(sample variance) = sqrt((m4 - s2^2) / N)   (to leading order in 1/N)
// A correct generator fails one such check with probability about 6e-7; the seeds are
// fixed, so the tests are deterministic. Each family has a negative control: the same
// check against a wrong expected mean must fail.
#include "soma/runtime/Error.h"
#include "soma/runtime/Random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

using namespace soma::runtime;

namespace {

struct Moments {
  double mean = 0, variance = 0;
};

template <class Draw> Moments moments(uint64_t n, Draw draw) {
  // Welford's update: no cancellation for large N.
  double mean = 0, m2 = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const double x = draw(i);
    const double delta = x - mean;
    mean += delta / double(i + 1);
    m2 += delta * (x - mean);
  }
  return {mean, m2 / double(n - 1)};
}

bool withinSigmas(double observed, double expected, double sigma, double k = 5) {
  return std::fabs(observed - expected) <= k * sigma;
}

constexpr uint64_t kN = 1000000;

} // namespace

TEST(Philox, KnownAnswerVectors) {
  // Random123 kat_vectors, philox4x32_10.
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, BlockUsesDocumentedCounterLayout) {
  const RandomStream rs(42, 7);
  const PhiloxCounter b = rs.block(5, 9, 3, 0);
  // Every field of the counter matters.
  EXPECT_NE(b, rs.block(5, 9, 3, 1));
  EXPECT_NE(b, rs.block(5, 9, 4, 0));
  EXPECT_NE(b, rs.block(5, 10, 3, 0));
  EXPECT_NE(b, rs.block(6, 9, 3, 0));
  // The high halves of entity and step change the key, not the counter.
  EXPECT_NE(b, rs.block(5 + (1ull << 32), 9, 3, 0));
  EXPECT_NE(b, rs.block(5, 9 + (1ull << 32), 3, 0));
  EXPECT_NE(rs.block(5 + (1ull << 32), 9, 3, 0), rs.block(5, 9 + (1ull << 32), 3, 0));
}

TEST(StreamId, Fnv1aKnownValuesAndStability) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(streamId("Demo.Exc"), splitmix64Mix(fnv1a64("Demo.Exc")));
  EXPECT_NE(streamId("Demo.Exc"), streamId("Demo.Inh"));
  EXPECT_NE(streamId("a.b"), streamId("ab."));
  // SplitMix64 reference: the first output of the generator seeded with 0 is
  // mix(0 + 0x9e3779b97f4a7c15) = 0xe220a8397b1dcdaf.
  EXPECT_EQ(splitmix64Mix(0x9e3779b97f4a7c15ull), 0xe220a8397b1dcdafull);
}

TEST(Random, Deterministic) {
  const RandomStream a(42, streamId("Net.Pop")), b(42, streamId("Net.Pop"));
  for (uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(a.uniform01(i, 3, 0), b.uniform01(i, 3, 0));
    EXPECT_EQ(a.normal(i, 3, 1), b.normal(i, 3, 1));
    EXPECT_EQ(a.poisson(i, 3, 2, 4.5), b.poisson(i, 3, 2, 4.5));
    EXPECT_EQ(a.poisson(i, 3, 2, 400.0), b.poisson(i, 3, 2, 400.0));
  }
  // Different seed or stream: different numbers.
  const RandomStream c(43, streamId("Net.Pop")), d(42, streamId("Net.Pop2"));
  int sameSeed = 0, sameStream = 0;
  for (uint64_t i = 0; i < 100; ++i) {
    sameSeed += a.uniform01(i, 0, 0) == c.uniform01(i, 0, 0);
    sameStream += a.uniform01(i, 0, 0) == d.uniform01(i, 0, 0);
  }
  EXPECT_EQ(sameSeed, 0);
  EXPECT_EQ(sameStream, 0);
}

TEST(Random, UniformRangeAndBits) {
  EXPECT_EQ(uniform01FromBits(0), 0.0);
  EXPECT_LT(uniform01FromBits(~0ull), 1.0);
  EXPECT_EQ(uniform01FromBits(~0ull), 1.0 - 0x1.0p-53);
  EXPECT_EQ(uniform01FromBits(1ull << 63), 0.5);
  EXPECT_EQ(boundedFromBits(~0ull, 10), 9u);
  EXPECT_EQ(boundedFromBits(0, 10), 0u);
  EXPECT_EQ(boundedFromBits(1ull << 63, 10), 5u);
  EXPECT_EQ(boundedFromBits(~0ull, ~0ull), ~0ull - 1);
}

TEST(Random, UniformMoments) {
  const RandomStream rs(12345, streamId("test.uniform"));
  // Spread draws over entity, step and draw number so all three counter words vary.
  const Moments m = moments(kN, [&](uint64_t i) { return rs.uniform01(i % 1000, i / 1000, uint32_t(i % 3)); });
  // U(0,1): mean 1/2, variance 1/12, m4 = 1/80, so m4 - s2^2 = 1/180.
  const double sdMean = std::sqrt(1.0 / 12 / kN), sdVar = std::sqrt(1.0 / 180 / kN);
  EXPECT_TRUE(withinSigmas(m.mean, 0.5, sdMean)) << m.mean;
  EXPECT_TRUE(withinSigmas(m.variance, 1.0 / 12, sdVar)) << m.variance;
  // Negative control: a mean off by 10 sigma must be rejected by the same check.
  EXPECT_FALSE(withinSigmas(m.mean, 0.5 + 10 * sdMean, sdMean));
  EXPECT_FALSE(withinSigmas(m.variance, 1.0 / 12 + 10 * sdVar, sdVar));
}

TEST(Random, NormalMoments) {
  const RandomStream rs(2024, streamId("test.normal"));
  const Moments m = moments(kN, [&](uint64_t i) { return rs.normal(i, 17, 0); });
  // N(0,1): variance 1, m4 = 3, so m4 - s2^2 = 2.
  const double sdMean = std::sqrt(1.0 / kN), sdVar = std::sqrt(2.0 / kN);
  EXPECT_TRUE(withinSigmas(m.mean, 0.0, sdMean)) << m.mean;
  EXPECT_TRUE(withinSigmas(m.variance, 1.0, sdVar)) << m.variance;
  EXPECT_FALSE(withinSigmas(m.mean, 10 * sdMean, sdMean));
  // Tail: P(|z| > 3) = 0.0026998; binomial sd = sqrt(p(1-p)/N).
  uint64_t tail = 0;
  for (uint64_t i = 0; i < kN; ++i) tail += std::fabs(rs.normal(i, 18, 0)) > 3;
  const double p = 0.0026997960632601866;
  EXPECT_TRUE(withinSigmas(double(tail) / kN, p, std::sqrt(p * (1 - p) / kN))) << tail;
}

TEST(Random, PoissonMoments) {
  const RandomStream rs(7, streamId("test.poisson"));
  // Poisson(l): variance l, m4 = l(1 + 3l), so m4 - s2^2 = l + 2 l^2. Covers inversion
  // (l < 10), the switch point and PTRS.
  const uint64_t n = 400000;
  for (double lambda : {0.05, 3.0, 9.99, 10.0, 50.0, 12345.0}) {
    const Moments m = moments(n, [&](uint64_t i) { return double(rs.poisson(i, 0, 0, lambda)); });
    const double sdMean = std::sqrt(lambda / n);
    const double sdVar = std::sqrt((lambda + 2 * lambda * lambda) / n);
    EXPECT_TRUE(withinSigmas(m.mean, lambda, sdMean)) << lambda << ": mean " << m.mean;
    EXPECT_TRUE(withinSigmas(m.variance, lambda, sdVar)) << lambda << ": variance " << m.variance;
    EXPECT_FALSE(withinSigmas(m.mean, lambda + 10 * sdMean, sdMean)) << lambda;
  }
  EXPECT_EQ(rs.poisson(0, 0, 0, 0.0), 0u);
}

TEST(Random, PoissonPmfAtMode) {
  // Frequencies of single values check the shape, not only the first two moments.
  const RandomStream rs(99, streamId("test.poisson.pmf"));
  const uint64_t n = 400000;
  for (double lambda : {2.0, 30.0}) {
    const uint64_t mode = uint64_t(lambda);
    double pMode = std::exp(-lambda);
    for (uint64_t k = 1; k <= mode; ++k) pMode *= lambda / double(k);
    uint64_t hits = 0;
    for (uint64_t i = 0; i < n; ++i) hits += rs.poisson(i, 1, 0, lambda) == mode;
    EXPECT_TRUE(withinSigmas(double(hits) / n, pMode, std::sqrt(pMode * (1 - pMode) / n)))
        << lambda << ": " << double(hits) / n << " vs " << pMode;
  }
}

TEST(Random, PoissonRejectsBadMean) {
  const RandomStream rs(1, 1);
  EXPECT_THROW(rs.poisson(0, 0, 0, -1.0), RuntimeError);
  EXPECT_THROW(rs.poisson(0, 0, 0, std::nan("")), RuntimeError);
  EXPECT_THROW(rs.poisson(0, 0, 0, INFINITY), RuntimeError);
}

TEST(Random, BernoulliRate) {
  const RandomStream rs(5, streamId("test.bernoulli"));
  const double p = 0.3;
  uint64_t hits = 0;
  for (uint64_t i = 0; i < kN; ++i) hits += rs.bernoulli(i, 2, 0, p);
  const double sd = std::sqrt(p * (1 - p) / kN);
  EXPECT_TRUE(withinSigmas(double(hits) / kN, p, sd));
  EXPECT_FALSE(withinSigmas(double(hits) / kN, p + 10 * sd, sd));
  EXPECT_FALSE(rs.bernoulli(0, 0, 0, 0.0));
  EXPECT_TRUE(rs.bernoulli(0, 0, 0, 1.0));
}

TEST(Random, IndexCoversRangeUniformly) {
  const RandomStream rs(3, streamId("test.index"));
  std::vector<uint64_t> counts(10);
  for (uint64_t i = 0; i < kN; ++i) ++counts[rs.index(i, 0, 0, 10)];
  const double p = 0.1, sd = std::sqrt(p * (1 - p) / kN);
  for (uint64_t c : counts) EXPECT_TRUE(withinSigmas(double(c) / kN, p, sd)) << c;
}

TEST(Random, AdjacentCountersAreUncorrelated) {
  // Lag-1 correlation along each counter word; sd of the sample correlation is 1/sqrt(N).
  const RandomStream rs(11, streamId("test.corr"));
  const uint64_t n = 200000;
  auto corr = [&](auto x, auto y) {
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const double a = x(i), b = y(i);
      sx += a, sy += b, sxx += a * a, syy += b * b, sxy += a * b;
    }
    const double cov = sxy / n - sx / n * sy / n;
    return cov / std::sqrt((sxx / n - sx / n * sx / n) * (syy / n - sy / n * sy / n));
  };
  const double tol = 5 / std::sqrt(double(n));
  EXPECT_LT(std::fabs(corr([&](uint64_t i) { return rs.uniform01(i, 0, 0); },
                           [&](uint64_t i) { return rs.uniform01(i + 1, 0, 0); })), tol);
  EXPECT_LT(std::fabs(corr([&](uint64_t i) { return rs.uniform01(0, i, 0); },
                           [&](uint64_t i) { return rs.uniform01(0, i + 1, 0); })), tol);
  EXPECT_LT(std::fabs(corr([&](uint64_t i) { return rs.uniform01(i, 0, 0); },
                           [&](uint64_t i) { return rs.uniform01(i, 0, 1); })), tol);
}
