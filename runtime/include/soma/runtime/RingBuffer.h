// Delay ring buffer: synaptic input of one target population, by arrival step.
//
// A spike stamped at step k over a synapse of delay D (1 <= D <= maxDelay) lands in the
// slot of arrival step k + D, at index (k + D) mod (maxDelay + 1). DESIGN.md's step
// applies arrivals (phase 2) before it emits spikes (phase 5), but the buffer does not
// rely on that: with maxDelay + 1 slots, the spikes stamped at the step just taken can be
// delivered before or after the next slot is read.
//
// Determinism: a slot holds, per target, the left-to-right sum of the values added, in
// call order. Callers add in DESIGN.md's fixed order (source population, source index,
// synapse index) from one thread, so every partition gives the same sums; a parallel
// delivery must partition by target, not by source, to keep that order.
#pragma once

#include "soma/runtime/SynapseTable.h"

#include <cstdint>
#include <span>
#include <vector>

namespace soma::runtime {

class DelayRingBuffer {
public:
  /// `channels` are independent inputs of the same targets (e.g. I_exc and I_inh, or the
  /// `onto` states of several projections). maxDelaySteps >= 1.
  DelayRingBuffer(uint32_t targets, uint32_t maxDelaySteps, uint32_t channels = 1);

  uint32_t targets() const { return targets_; }
  uint32_t channels() const { return channels_; }
  uint32_t maxDelaySteps() const { return slots_ - 1; }
  /// The last step whose slot was cleared (0 before the first clearSlot: nothing arrives
  /// at t_0).
  uint64_t currentStep() const { return current_; }

  /// Adds `value` to the input of `target` on `channel` arriving at `arrivalStep`, which
  /// must lie in (currentStep, currentStep + maxDelay + 1]; throws RuntimeError otherwise
  /// (a scheduling bug: the slot would hold another step's input). channel < channels()
  /// and target < targets() are the caller's to guarantee (not checked: hot path).
  void add(uint64_t arrivalStep, uint32_t channel, uint32_t target, double value) {
    if (arrivalStep <= current_ || arrivalStep - current_ > slots_) outOfWindow(arrivalStep);
    data_[(size_t(arrivalStep % slots_) * channels_ + channel) * targets_ + target] += value;
  }

  /// Inputs arriving at `step` on `channel`, one per target. `step` must lie in the
  /// window of add(). Valid until the next clearSlot.
  std::span<const double> arrivals(uint64_t step, uint32_t channel) const;

  /// Zeroes the slot of `step` (all channels) after its inputs were read and makes `step`
  /// the current step; `step` must be currentStep() + 1.
  void clearSlot(uint64_t step);

private:
  [[noreturn]] void outOfWindow(uint64_t step) const;

  uint32_t targets_, slots_, channels_;
  uint64_t current_ = 0;
  std::vector<double> data_; // [slot][channel][target]
};

/// Delivers a spike of presynaptic neuron `pre` stamped at `stampStep`: for each synapse s
/// of its row, in synapse order, adds weight[s] for post[s] at stampStep + delaySteps[s].
/// Throws RuntimeError if `pre` is out of range or the table's post population is not the
/// buffer's target population size.
void deliverSpike(const SynapseTable &table, uint32_t pre, uint64_t stampStep, DelayRingBuffer &buffer,
                  uint32_t channel = 0);

} // namespace soma::runtime
