#include "soma/runtime/RingBuffer.h"

#include "soma/runtime/Error.h"

#include <algorithm>
#include <string>

namespace soma::runtime {

DelayRingBuffer::DelayRingBuffer(uint32_t targets, uint32_t maxDelaySteps, uint32_t channels)
    : targets_(targets), slots_(maxDelaySteps + 1), channels_(channels) {
  if (maxDelaySteps == 0 || maxDelaySteps == UINT32_MAX || channels == 0)
    throw RuntimeError("delay ring buffer: need 1 <= maxDelaySteps < 2^32 - 1 and at least one channel");
  data_.assign(size_t(slots_) * channels_ * targets_, 0.0);
}

std::span<const double> DelayRingBuffer::arrivals(uint64_t step, uint32_t channel) const {
  if (step <= current_ || step - current_ > slots_) outOfWindow(step);
  return std::span<const double>(data_).subspan((size_t(step % slots_) * channels_ + channel) * targets_,
                                                targets_);
}

void DelayRingBuffer::clearSlot(uint64_t step) {
  if (step != current_ + 1)
    throw RuntimeError("delay ring buffer: cleared step " + std::to_string(step) + " after step " +
                       std::to_string(current_) + "; steps must advance one at a time");
  const auto begin = data_.begin() + int64_t(size_t(step % slots_) * channels_ * targets_);
  std::fill(begin, begin + int64_t(size_t(channels_) * targets_), 0.0);
  current_ = step;
}

void DelayRingBuffer::outOfWindow(uint64_t step) const {
  throw RuntimeError("delay ring buffer: step " + std::to_string(step) + " is outside the window (" +
                     std::to_string(current_) + ", " + std::to_string(current_ + slots_) + "]");
}

void deliverSpike(const SynapseTable &table, uint32_t pre, uint64_t stampStep, DelayRingBuffer &buffer,
                  uint32_t channel) {
  if (pre >= table.preSize || table.postSize != buffer.targets() || channel >= buffer.channels())
    throw RuntimeError("deliverSpike: presynaptic index " + std::to_string(pre) + " of " +
                       std::to_string(table.preSize) + ", " + std::to_string(table.postSize) +
                       " targets into a buffer of " + std::to_string(buffer.targets()) + ", channel " +
                       std::to_string(channel) + " of " + std::to_string(buffer.channels()));
  for (uint64_t s = table.rowBegin(pre); s < table.rowEnd(pre); ++s)
    buffer.add(stampStep + table.delaySteps[s], channel, table.post[s], table.weight[s]);
}

} // namespace soma::runtime
