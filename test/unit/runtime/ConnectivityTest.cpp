// Unit tests for connectivity generation and the synapse table
// (runtime/include/soma/runtime/Connectivity.h, SynapseTable.h).
#include "soma/runtime/Connectivity.h"
#include "soma/runtime/Error.h"
#include "soma/runtime/Random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

using namespace soma::runtime;

namespace {

ProjectionSpec projection(uint32_t pre, uint32_t post, bool same, uint64_t seed = 1) {
  ProjectionSpec p;
  p.name = "Test: A -> B";
  p.preSize = pre;
  p.postSize = post;
  p.samePopulation = same;
  p.seed = seed;
  p.stream = streamId("Test.A->B");
  p.dtMs = 0.1;
  p.weight = 2.5;
  p.delayMs = 1.0;
  return p;
}

ConnectorSpec connector(ConnectorKind kind, double probability = 0, uint32_t degree = 0) {
  ConnectorSpec c;
  c.kind = kind;
  c.probability = probability;
  c.degree = degree;
  return c;
}

/// Structural invariants every table must satisfy; returns the in-degree of each post.
std::vector<uint64_t> checkTable(const SynapseTable &t, bool allowSelfOnDiagonal, bool allowRepeats) {
  EXPECT_EQ(t.rowOffsets.size(), size_t(t.preSize) + 1);
  EXPECT_EQ(t.rowOffsets.front(), 0u);
  EXPECT_EQ(t.rowOffsets.back(), t.size());
  EXPECT_EQ(t.weight.size(), t.size());
  EXPECT_EQ(t.delaySteps.size(), t.size());
  std::vector<uint64_t> inDegree(t.postSize);
  for (uint32_t i = 0; i < t.preSize; ++i) {
    EXPECT_LE(t.rowBegin(i), t.rowEnd(i));
    const auto row = t.row(i);
    for (size_t s = 0; s < row.size(); ++s) {
      EXPECT_LT(row[s], t.postSize);
      if (!allowSelfOnDiagonal) {
        EXPECT_NE(row[s], i) << "self-connection at " << i;
      }
      if (s > 0) {
        EXPECT_LE(row[s - 1], row[s]) << "row " << i << " not sorted";
        if (!allowRepeats) {
          EXPECT_NE(row[s - 1], row[s]) << "repeated synapse in row " << i;
        }
      }
      ++inDegree[row[s]];
    }
  }
  return inDegree;
}

bool sameTable(const SynapseTable &a, const SynapseTable &b) {
  return a.rowOffsets == b.rowOffsets && a.post == b.post && a.weight == b.weight && a.delaySteps == b.delaySteps;
}

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const RuntimeError &e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace

TEST(DelayToSteps, RoundsHalfUpWithTolerance) {
  EXPECT_EQ(delayToSteps(1.0, 0.1), 10u);
  EXPECT_EQ(delayToSteps(0.1, 0.1), 1u);
  EXPECT_EQ(delayToSteps(0.3, 0.1), 3u);            // 2.9999999999999996
  EXPECT_EQ(delayToSteps(0.25, 0.1), 3u);           // 2.4999999999999996 counts as 2.5
  EXPECT_EQ(delayToSteps(0.35, 0.1), 4u);           // 3.4999999999999996
  EXPECT_EQ(delayToSteps(0.15, 0.1), 2u);           // 1.4999999999999998
  EXPECT_EQ(delayToSteps(0.05, 0.1), 1u);           // exactly half: up
  EXPECT_EQ(delayToSteps(0.1499, 0.1), 1u);         // well below the half
  EXPECT_EQ(delayToSteps(1.5, 1.0), 2u);
  EXPECT_EQ(delayToSteps(2.4999, 1.0), 2u);
}

TEST(DelayToSteps, Errors) {
  EXPECT_NE(errorOf([] { delayToSteps(0.04, 0.1); }).find("rounds to 0 steps"), std::string::npos);
  EXPECT_NE(errorOf([] { delayToSteps(0.0, 0.1); }).find("delay 0 ms rounds to 0 steps at dt = 0.1 ms"),
            std::string::npos);
  EXPECT_THROW(delayToSteps(-1.0, 0.1), RuntimeError);
  EXPECT_THROW(delayToSteps(NAN, 0.1), RuntimeError);
  EXPECT_THROW(delayToSteps(1.0, 0.0), RuntimeError);
  EXPECT_THROW(delayToSteps(1.0, -0.1), RuntimeError);
  EXPECT_THROW(delayToSteps(1e300, 0.1), RuntimeError);
}

TEST(Connectivity, AllToAllCounts) {
  const SynapseTable t = buildSynapses(connector(ConnectorKind::AllToAll), projection(5, 7, false));
  EXPECT_EQ(t.size(), 35u);
  checkTable(t, true, false);
  EXPECT_EQ(t.weight, std::vector<double>(35, 2.5));
  EXPECT_EQ(t.delaySteps, std::vector<uint32_t>(35, 10u));
  EXPECT_EQ(t.maxDelaySteps(), 10u);

  const SynapseTable same = buildSynapses(connector(ConnectorKind::AllToAll), projection(6, 6, true));
  EXPECT_EQ(same.size(), 30u); // N * (N - 1): self-connections excluded by default
  checkTable(same, false, false);

  ConnectorSpec withSelf = connector(ConnectorKind::AllToAll);
  withSelf.allowSelf = true;
  EXPECT_EQ(buildSynapses(withSelf, projection(6, 6, true)).size(), 36u);

  ConnectorSpec multiple = connector(ConnectorKind::AllToAll);
  multiple.allowMultiple = true;
  EXPECT_NE(errorOf([&] { buildSynapses(multiple, projection(3, 3, false)); }).find("allow_multiple has no effect"),
            std::string::npos);
}

TEST(Connectivity, OneToOne) {
  const SynapseTable t = buildSynapses(connector(ConnectorKind::OneToOne), projection(4, 4, false));
  EXPECT_EQ(t.rowOffsets, (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(t.post, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(errorOf([] { buildSynapses(connector(ConnectorKind::OneToOne), projection(4, 5, false)); }),
            "Test: A -> B: one_to_one needs populations of equal size, got 4 and 5");
  EXPECT_NE(errorOf([] { buildSynapses(connector(ConnectorKind::OneToOne), projection(4, 4, true)); })
                .find("set allow_self"),
            std::string::npos);
  ConnectorSpec self = connector(ConnectorKind::OneToOne);
  self.allowSelf = true;
  EXPECT_EQ(buildSynapses(self, projection(4, 4, true)).size(), 4u);
}

TEST(Connectivity, FixedIndegreeExactAndDistinct) {
  for (bool same : {false, true}) {
    const uint32_t n = 100, k = 10;
    const SynapseTable t = buildSynapses(connector(ConnectorKind::FixedIndegree, 0, k), projection(n, n, same));
    EXPECT_EQ(t.size(), uint64_t(n) * k);
    const std::vector<uint64_t> inDegree = checkTable(t, !same, false);
    for (uint64_t d : inDegree) EXPECT_EQ(d, k);
  }
  // k equal to the candidate count: every allowed pair.
  const SynapseTable full = buildSynapses(connector(ConnectorKind::FixedIndegree, 0, 9), projection(10, 10, true));
  EXPECT_EQ(full.size(), 90u);
  EXPECT_NE(errorOf([] { buildSynapses(connector(ConnectorKind::FixedIndegree, 0, 10), projection(10, 10, true)); })
                .find("fixed_indegree(10) exceeds the 9 candidates"),
            std::string::npos);
  EXPECT_NE(errorOf([] { buildSynapses(connector(ConnectorKind::FixedOutdegree, 0, 1), projection(1, 1, true)); })
                .find("fixed_outdegree(1) has no candidates"),
            std::string::npos);
  // No rows to fill: nothing to choose, no error.
  EXPECT_EQ(buildSynapses(connector(ConnectorKind::FixedIndegree, 0, 3), projection(0, 0, true)).size(), 0u);
  EXPECT_EQ(buildSynapses(connector(ConnectorKind::FixedIndegree, 0, 3), projection(5, 0, false)).size(), 0u);
}

// Slices of one population (P[4:10] -> P[0:8]): the neuron itself is excluded by its
// index in the population, not by its index within each slice.
TEST(Connectivity, SelfConnectionsBetweenSlicesOfOnePopulation) {
  const uint32_t preFirst = 4, postFirst = 0;
  auto sliced = [&](uint32_t pre, uint32_t post) {
    ProjectionSpec p = projection(pre, post, true);
    p.selfOffset = int64_t(preFirst) - int64_t(postFirst);
    return p;
  };
  auto noSelf = [&](const SynapseTable &t) {
    for (uint32_t i = 0; i < t.preSize; ++i)
      for (uint32_t j : t.row(i)) EXPECT_NE(preFirst + i, postFirst + j) << "self-connection of neuron " << preFirst + i;
  };
  // all_to_all: 6 x 8 pairs, of which pre 4..7 meet themselves among the posts.
  const SynapseTable all = buildSynapses(connector(ConnectorKind::AllToAll), sliced(6, 8));
  EXPECT_EQ(all.size(), 6u * 8u - 4u);
  noSelf(all);
  // fixed_probability(1) is all pairs but the neuron itself, likewise.
  EXPECT_EQ(buildSynapses(connector(ConnectorKind::FixedProbability, 1.0), sliced(6, 8)).size(), 44u);
  // fixed_indegree / outdegree: rows whose neuron is outside the other slice have one more
  // candidate, and every row gets exactly k.
  for (ConnectorKind kind : {ConnectorKind::FixedIndegree, ConnectorKind::FixedOutdegree}) {
    const uint32_t k = kind == ConnectorKind::FixedIndegree ? 5 : 7;
    const SynapseTable t = buildSynapses(connector(kind, 0, k), sliced(6, 8));
    noSelf(t);
    EXPECT_EQ(t.size(), uint64_t(kind == ConnectorKind::FixedIndegree ? 8 : 6) * k);
  }
  // one_to_one between different slices makes no self-connection: no allow_self needed.
  EXPECT_EQ(buildSynapses(connector(ConnectorKind::OneToOne), sliced(8, 8)).size(), 8u);
  // With allow_self the pairs come back.
  ConnectorSpec withSelf = connector(ConnectorKind::AllToAll);
  withSelf.allowSelf = true;
  EXPECT_EQ(buildSynapses(withSelf, sliced(6, 8)).size(), 48u);
}

// Onto segments: each (neuron, segment) target t = j * segments + k counts like a neuron
// for the connector, and a neuron is excluded with all its segments.
TEST(Connectivity, SegmentTargets) {
  const uint32_t n = 10, segs = 4;
  auto onto = [&](uint32_t pre, uint32_t post, bool same) {
    ProjectionSpec p = projection(pre, post * segs, same);
    p.segments = segs;
    return p;
  };
  auto noSelf = [&](const SynapseTable &t) {
    for (uint32_t i = 0; i < t.preSize; ++i)
      for (uint32_t target : t.row(i)) EXPECT_NE(i, target / segs) << "neuron " << i << " onto its own segment";
  };
  // fixed_indegree(k): k distinct pre neurons per segment, none the neuron itself.
  const SynapseTable in = buildSynapses(connector(ConnectorKind::FixedIndegree, 0, 9), onto(n, n, true));
  EXPECT_EQ(in.size(), uint64_t(n) * segs * 9);
  for (uint64_t d : checkTable(in, true, false)) EXPECT_EQ(d, 9u); // self checked below
  noSelf(in);
  EXPECT_NE(errorOf([&] { buildSynapses(connector(ConnectorKind::FixedIndegree, 0, 10), onto(n, n, true)); })
                .find("exceeds the 9 candidates"),
            std::string::npos);
  // all_to_all and fixed_outdegree: a row's candidates are the other neurons' segments.
  const SynapseTable all = buildSynapses(connector(ConnectorKind::AllToAll), onto(n, n, true));
  EXPECT_EQ(all.size(), uint64_t(n) * (n - 1) * segs);
  noSelf(all);
  const SynapseTable out = buildSynapses(connector(ConnectorKind::FixedOutdegree, 0, 36), onto(n, n, true));
  for (uint32_t i = 0; i < n; ++i) EXPECT_EQ(out.rowEnd(i) - out.rowBegin(i), 36u);
  noSelf(out);
  EXPECT_NE(errorOf([&] { buildSynapses(connector(ConnectorKind::FixedOutdegree, 0, 37), onto(n, n, true)); })
                .find("exceeds the 36 candidates"),
            std::string::npos);
  // Another population: every target is a candidate.
  EXPECT_EQ(buildSynapses(connector(ConnectorKind::AllToAll), onto(3, n, false)).size(), 3u * n * segs);
  // A file names the segment; post is the neuron.
  const SynapseTable file = buildSynapsesFromCsv("pre,post,segment\n0,1,2\n2,0,3\n", "c.csv",
                                                 connector(ConnectorKind::FromFile), onto(3, 2, false));
  EXPECT_EQ(file.post, (std::vector<uint32_t>{1 * segs + 2, 0 * segs + 3}));
  auto fileError = [&](const std::string &text, ProjectionSpec p) {
    return errorOf([&] { buildSynapsesFromCsv(text, "c.csv", connector(ConnectorKind::FromFile), p); });
  };
  EXPECT_EQ(fileError("pre,post\n0,1\n", onto(3, 2, false)),
            "c.csv:1: the connect is onto segments: the header must name a column 'segment'");
  EXPECT_EQ(fileError("pre,post,segment\n0,1,4\n", onto(3, 2, false)),
            "c.csv:2: segment index 4 is out of range (segments 4)");
  EXPECT_EQ(fileError("pre,post,segment\n0,2,0\n", onto(3, 2, false)),
            "c.csv:2: post index 2 is out of range (population size 2)");
  EXPECT_EQ(fileError("pre,post,segment\n0,1,0\n", projection(3, 2, false)),
            "c.csv:1: a 'segment' column, but the connect is not onto segments");
}

TEST(Connectivity, FixedIndegreeWithReplacement) {
  ConnectorSpec c = connector(ConnectorKind::FixedIndegree, 0, 30);
  c.allowMultiple = true;
  const SynapseTable t = buildSynapses(c, projection(10, 50, false));
  EXPECT_EQ(t.size(), 1500u);
  for (uint64_t d : checkTable(t, true, true)) EXPECT_EQ(d, 30u);
  // 30 draws from 10 candidates must repeat some pair.
  bool repeated = false;
  for (uint32_t i = 0; i < t.preSize; ++i)
    for (uint64_t s = t.rowBegin(i) + 1; s < t.rowEnd(i); ++s) repeated |= t.post[s] == t.post[s - 1];
  EXPECT_TRUE(repeated);
}

TEST(Connectivity, FixedOutdegreeExactAndDistinct) {
  const uint32_t k = 7;
  const SynapseTable t = buildSynapses(connector(ConnectorKind::FixedOutdegree, 0, k), projection(60, 60, true));
  checkTable(t, false, false);
  for (uint32_t i = 0; i < t.preSize; ++i) EXPECT_EQ(t.rowEnd(i) - t.rowBegin(i), k);
}

TEST(Connectivity, FixedProbabilityCountWithinBounds) {
  // Each of the n = N(N-1) allowed pairs is an independent Bernoulli(p) trial, so the count
  // is Binomial(n, p): mean n p, sd sqrt(n p (1-p)). N = 1000, p = 0.1: mean 99900,
  // sd 299.85; accept within 5 sd (fails by chance with probability 6e-7).
  const uint32_t n = 1000;
  const double p = 0.1, pairs = double(n) * (n - 1);
  const SynapseTable t = buildSynapses(connector(ConnectorKind::FixedProbability, p), projection(n, n, true, 42));
  checkTable(t, false, false);
  const auto within5Sigma = [&](double expectedP) {
    return std::fabs(double(t.size()) - pairs * expectedP) <= 5 * std::sqrt(pairs * expectedP * (1 - expectedP));
  };
  EXPECT_TRUE(within5Sigma(p)) << t.size();
  // Negative control: the same check against p = 0.103 (mean 10 sd away) must fail.
  EXPECT_FALSE(within5Sigma(0.103)) << t.size();
  EXPECT_EQ(buildSynapses(connector(ConnectorKind::FixedProbability, 0.0), projection(50, 50, true)).size(), 0u);
  EXPECT_EQ(buildSynapses(connector(ConnectorKind::FixedProbability, 1.0), projection(50, 50, true)).size(), 2450u);
  EXPECT_THROW(buildSynapses(connector(ConnectorKind::FixedProbability, 1.5), projection(5, 5, true)), RuntimeError);
}

TEST(Connectivity, FixedProbabilityRowCountsAreBinomial) {
  // Per-row counts: Binomial(M, p); their sample variance estimates M p (1-p) = 9 with
  // relative sd about sqrt(2 / rows) = 4.5%: accept within 25%.
  const SynapseTable t = buildSynapses(connector(ConnectorKind::FixedProbability, 0.1), projection(1000, 100, false, 3));
  double sum = 0, sumSq = 0;
  for (uint32_t i = 0; i < t.preSize; ++i) {
    const double c = double(t.rowEnd(i) - t.rowBegin(i));
    sum += c;
    sumSq += c * c;
  }
  const double mean = sum / 1000, var = (sumSq - sum * mean) / 999;
  EXPECT_NEAR(var, 9.0, 9.0 * 0.25);
}

TEST(Connectivity, DeterministicAndSeedDependent) {
  for (ConnectorKind kind : {ConnectorKind::FixedProbability, ConnectorKind::FixedIndegree, ConnectorKind::FixedOutdegree}) {
    const ConnectorSpec c = connector(kind, 0.05, 5);
    const SynapseTable a = buildSynapses(c, projection(200, 150, false, 7));
    const SynapseTable b = buildSynapses(c, projection(200, 150, false, 7));
    const SynapseTable otherSeed = buildSynapses(c, projection(200, 150, false, 8));
    ProjectionSpec otherStreamSpec = projection(200, 150, false, 7);
    otherStreamSpec.stream = streamId("Test.A->C");
    const SynapseTable otherStream = buildSynapses(c, otherStreamSpec);
    EXPECT_TRUE(sameTable(a, b));
    EXPECT_FALSE(sameTable(a, otherSeed));
    EXPECT_FALSE(sameTable(a, otherStream));
  }
}

TEST(Connectivity, RowsDependOnlyOnTheirOwnNeuron) {
  // Keyed per presynaptic neuron: the first 50 rows are the same whether the population
  // has 50 or 200 neurons, which is what makes any split of the work give one table.
  const ConnectorSpec c = connector(ConnectorKind::FixedProbability, 0.2);
  const SynapseTable small = buildSynapses(c, projection(50, 80, false, 9));
  const SynapseTable large = buildSynapses(c, projection(200, 80, false, 9));
  ASSERT_LE(small.size(), large.size());
  for (uint32_t i = 0; i < 50; ++i) {
    const auto a = small.row(i), b = large.row(i);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << "row " << i;
  }
}

TEST(Connectivity, DelayErrorNamesTheProjection) {
  ProjectionSpec p = projection(3, 3, false);
  p.delayMs = 0.01;
  EXPECT_EQ(errorOf([&] { buildSynapses(connector(ConnectorKind::AllToAll), p); }),
            "Test: A -> B: delay 0.01 ms rounds to 0 steps at dt = 0.1 ms; a delay must be at least one time step");
}

TEST(ConnectionCsv, ParsesColumnsInAnyOrderAndSortsRows) {
  const std::string text = "# generated\n"
                           "post, pre ,delay_ms,weight\r\n"
                           "3,1,0.5,1.5\r\n"
                           "\n"
                           "0,1,0.2,2.5\n"
                           "3,1,0.3,3.5\n"
                           "2,0,1.0,-4\n";
  const SynapseTable t =
      buildSynapsesFromCsv(text, "conn.csv", connector(ConnectorKind::FromFile), projection(2, 4, false));
  EXPECT_EQ(t.rowOffsets, (std::vector<uint64_t>{0, 1, 4}));
  EXPECT_EQ(t.post, (std::vector<uint32_t>{2, 0, 3, 3}));
  // Row 1: post 0, then post 3 twice in line order.
  EXPECT_EQ(t.weight, (std::vector<double>{-4, 2.5, 1.5, 3.5}));
  EXPECT_EQ(t.delaySteps, (std::vector<uint32_t>{10, 2, 5, 3}));
}

TEST(ConnectionCsv, DefaultsForMissingColumns) {
  // Also: a byte order mark before the header is skipped.
  const SynapseTable t = buildSynapsesFromCsv("\xEF\xBB\xBFpre,post\n0,0\n1,1\n", "c.csv",
                                              connector(ConnectorKind::FromFile), projection(2, 2, true));
  EXPECT_EQ(t.size(), 2u); // self-connections are allowed: the file says so
  EXPECT_EQ(t.weight, (std::vector<double>{2.5, 2.5}));
  EXPECT_EQ(t.delaySteps, (std::vector<uint32_t>{10, 10}));
}

TEST(ConnectionCsv, ErrorsNameFileAndLine) {
  const ConnectorSpec c = connector(ConnectorKind::FromFile);
  const ProjectionSpec p = projection(10, 5, true);
  auto err = [&](const std::string &text, const ConnectorSpec &spec) {
    return errorOf([&] { buildSynapsesFromCsv(text, "conn.csv", spec, p); });
  };
  EXPECT_EQ(err("", c), "conn.csv: empty connection file: expected a header line naming the columns "
                        "(pre,post[,weight][,delay_ms])");
  EXPECT_EQ(err("0,1\n", c), "conn.csv:1: expected a header line naming the columns "
                             "(pre,post[,weight][,delay_ms]) before the data");
  EXPECT_EQ(err("pre,post,w\n", c), "conn.csv:1: unknown column 'w' (expected pre, post, segment, weight, delay_ms)");
  EXPECT_EQ(err("pre,post,pre\n", c), "conn.csv:1: column 'pre' appears twice");
  EXPECT_EQ(err("pre,weight\n", c), "conn.csv:1: the header must name the columns 'pre' and 'post'");
  EXPECT_EQ(err("pre,post\n0,1\n1,2,3\n", c), "conn.csv:3: expected 2 fields, found 3");
  EXPECT_EQ(err("pre,post\n\n-1,2\n", c), "conn.csv:3: pre index '-1' is not a non-negative integer");
  EXPECT_EQ(err("pre,post\n1.5,2\n", c), "conn.csv:2: pre index '1.5' is not a non-negative integer");
  EXPECT_EQ(err("pre,post\n,2\n", c), "conn.csv:2: pre index '' is not a non-negative integer");
  EXPECT_EQ(err("pre,post\n1,5\n", c), "conn.csv:2: post index 5 is out of range (population size 5)");
  EXPECT_EQ(err("pre,post,weight\n1,2,abc\n", c), "conn.csv:2: weight 'abc' is not a finite number");
  EXPECT_EQ(err("pre,post,weight\n1,2,inf\n", c), "conn.csv:2: weight 'inf' is not a finite number");
  EXPECT_EQ(err("pre,post,delay_ms\n1,2,0.5\n1,3,0.01\n", c),
            "conn.csv:3: delay 0.01 ms rounds to 0 steps at dt = 0.1 ms; a delay must be at least one time step");
  ConnectorSpec strict = c;
  strict.allowSelf = false;
  strict.allowMultiple = false;
  EXPECT_EQ(err("pre,post\n3,3\n", strict), "conn.csv:2: self-connection 3 -> 3 but allow_self is false");
  EXPECT_EQ(err("pre,post\n1,2\n4,4\n1,2\n", c), "(no error)"); // a file is taken literally
  strict.allowSelf = true;
  EXPECT_EQ(err("pre,post\n1,2\n0,0\n1,2\n", strict),
            "conn.csv:4: repeats the synapse 1 -> 2 of line 2 but allow_multiple is false");
}

TEST(ConnectionCsv, ReadsFileAndReportsMissingFile) {
  const std::string path = ::testing::TempDir() + "soma_conn_test.csv";
  {
    FILE *f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("pre,post,weight\n0,1,7\n", f);
    std::fclose(f);
  }
  ConnectorSpec c = connector(ConnectorKind::FromFile);
  c.path = path;
  const SynapseTable t = buildSynapses(c, projection(2, 2, false));
  EXPECT_EQ(t.post, (std::vector<uint32_t>{1}));
  EXPECT_EQ(t.weight, (std::vector<double>{7}));
  std::remove(path.c_str());
  c.path = path + ".missing";
  EXPECT_EQ(errorOf([&] { buildSynapses(c, projection(2, 2, false)); }),
            "Test: A -> B: cannot read connection file '" + c.path + "'");
}

TEST(SynapseTable, ExtraColumns) {
  SynapseTable t = buildSynapses(connector(ConnectorKind::AllToAll), projection(2, 3, false));
  const size_t idx = t.addColumn("x_pre", 0.25);
  EXPECT_EQ(t.columns[idx].values, std::vector<double>(6, 0.25));
  ASSERT_NE(t.findColumn("x_pre"), nullptr);
  EXPECT_EQ(t.findColumn("nope"), nullptr);
  EXPECT_THROW(t.addColumn("x_pre", 0), RuntimeError);
  EXPECT_THROW(t.addColumn("weight", 0), RuntimeError);
}
