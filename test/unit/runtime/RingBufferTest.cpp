// Unit tests for the delay ring buffer (runtime/include/soma/runtime/RingBuffer.h).
#include "soma/runtime/Connectivity.h"
#include "soma/runtime/Error.h"
#include "soma/runtime/RingBuffer.h"

#include <gtest/gtest.h>

#include <vector>

using namespace soma::runtime;

namespace {

std::vector<double> take(DelayRingBuffer &b, uint64_t step, uint32_t channel = 0) {
  const auto s = b.arrivals(step, channel);
  return std::vector<double>(s.begin(), s.end());
}

} // namespace

TEST(DelayRingBuffer, InputArrivesAtItsStepAndSlotIsCleared) {
  DelayRingBuffer b(3, 4);
  EXPECT_EQ(b.maxDelaySteps(), 4u);
  b.add(2, 0, 1, 0.5);
  b.add(5, 0, 2, 1.0); // the far edge of the window: current 0 + maxDelay + 1
  EXPECT_EQ(take(b, 1), (std::vector<double>{0, 0, 0}));
  b.clearSlot(1);
  EXPECT_EQ(take(b, 2), (std::vector<double>{0, 0.5, 0}));
  b.clearSlot(2);
  b.clearSlot(3);
  b.clearSlot(4);
  EXPECT_EQ(take(b, 5), (std::vector<double>{0, 0, 1.0}));
  b.clearSlot(5);
  // Slot 5 % 5 = 0 is reused for step 10 and starts empty.
  b.add(10, 0, 0, 2.0);
  for (uint64_t s = 6; s < 10; ++s) {
    EXPECT_EQ(take(b, s), (std::vector<double>{0, 0, 0})) << s;
    b.clearSlot(s);
  }
  EXPECT_EQ(take(b, 10), (std::vector<double>{2.0, 0, 0}));
}

TEST(DelayRingBuffer, WrapsAroundOverManySteps) {
  // A spike every step with delay 1..maxDelay in turn: each arrival is seen exactly once.
  const uint32_t maxDelay = 7;
  DelayRingBuffer b(1, maxDelay);
  std::vector<double> expected(1000, 0.0);
  double seen = 0, sent = 0;
  for (uint64_t k = 0; k < 900; ++k) {
    const uint64_t now = k + 1;
    seen += b.arrivals(now, 0)[0];
    EXPECT_EQ(b.arrivals(now, 0)[0], expected[now]) << now;
    b.clearSlot(now);
    const uint32_t delay = 1 + uint32_t(k % maxDelay);
    b.add(now + delay, 0, 0, double(k + 1));
    expected[now + delay] += double(k + 1);
    sent += double(k + 1);
  }
  for (uint64_t s = 901; s <= 900 + maxDelay; ++s) {
    seen += b.arrivals(s, 0)[0];
    b.clearSlot(s);
  }
  EXPECT_EQ(seen, sent);
}

TEST(DelayRingBuffer, SumsInCallOrder) {
  // 1e16 + 1 - 1e16 is 0 in double, -1e16 + 1e16 + 1 is 1: the slot must hold the left fold
  // in the order of the calls, nothing reordered.
  DelayRingBuffer b(2, 2);
  for (double v : {1e16, 1.0, -1e16}) b.add(1, 0, 0, v);
  for (double v : {-1e16, 1e16, 1.0}) b.add(1, 0, 1, v);
  EXPECT_EQ(take(b, 1), (std::vector<double>{0.0, 1.0}));
}

TEST(DelayRingBuffer, ChannelsAreIndependent) {
  DelayRingBuffer b(2, 3, 2);
  b.add(2, 0, 0, 1.0);
  b.add(2, 1, 0, -3.0);
  b.add(2, 1, 1, 4.0);
  EXPECT_EQ(take(b, 2, 0), (std::vector<double>{1.0, 0}));
  EXPECT_EQ(take(b, 2, 1), (std::vector<double>{-3.0, 4.0}));
  b.clearSlot(1);
  b.clearSlot(2); // clears both channels
  b.add(6, 0, 0, 9.0); // same slot (6 % 4 == 2)
  b.clearSlot(3);
  b.clearSlot(4);
  b.clearSlot(5);
  EXPECT_EQ(take(b, 6, 1), (std::vector<double>{0, 0}));
  EXPECT_EQ(take(b, 6, 0), (std::vector<double>{9.0, 0}));
}

TEST(DelayRingBuffer, RejectsOutOfWindowAndSkippedSteps) {
  DelayRingBuffer b(1, 3);
  EXPECT_THROW(b.add(0, 0, 0, 1.0), RuntimeError); // arrival at t_0 or before "now"
  EXPECT_THROW(b.add(5, 0, 0, 1.0), RuntimeError); // beyond current + maxDelay + 1
  b.add(4, 0, 0, 1.0);
  EXPECT_THROW(b.clearSlot(2), RuntimeError);      // steps advance one at a time
  EXPECT_THROW(b.arrivals(9, 0), RuntimeError);
  EXPECT_THROW(DelayRingBuffer(1, 0), RuntimeError);
  EXPECT_THROW(DelayRingBuffer(1, 2, 0), RuntimeError);
}

TEST(DelayRingBuffer, DeliverSpikeFollowsTheTable) {
  // Pre 0 -> posts 1 (w 1, D 1) and 2 (w 2, D 3); pre 1 -> post 2 (w 5, D 1).
  const std::string csv = "pre,post,weight,delay_ms\n0,2,2,0.3\n0,1,1,0.1\n1,2,5,0.1\n";
  ProjectionSpec p;
  p.preSize = 2;
  p.postSize = 3;
  p.dtMs = 0.1;
  ConnectorSpec c;
  c.kind = ConnectorKind::FromFile;
  const SynapseTable t = buildSynapsesFromCsv(csv, "test.csv", c, p);
  DelayRingBuffer b(3, t.maxDelaySteps());
  b.clearSlot(1);
  deliverSpike(t, 0, 1, b); // stamped t_1
  deliverSpike(t, 1, 1, b);
  EXPECT_EQ(take(b, 2), (std::vector<double>{0, 1, 5}));
  b.clearSlot(2);
  b.clearSlot(3);
  EXPECT_EQ(take(b, 4), (std::vector<double>{0, 0, 2}));
  EXPECT_THROW(deliverSpike(t, 2, 4, b), RuntimeError);
  DelayRingBuffer wrongSize(4, 3);
  EXPECT_THROW(deliverSpike(t, 0, 0, wrongSize), RuntimeError);
}
