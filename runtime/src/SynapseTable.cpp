#include "soma/runtime/SynapseTable.h"

#include "soma/runtime/Error.h"
#include "soma/runtime/Format.h"

#include <algorithm>
#include <cmath>

namespace soma::runtime {

std::span<const uint32_t> SynapseTable::row(uint32_t pre) const {
  return std::span<const uint32_t>(post).subspan(rowOffsets[pre], rowOffsets[pre + 1] - rowOffsets[pre]);
}

uint32_t SynapseTable::maxDelaySteps() const {
  return delaySteps.empty() ? 0 : *std::max_element(delaySteps.begin(), delaySteps.end());
}

size_t SynapseTable::addColumn(std::string name, double init) {
  if (name == "weight" || name == "delay" || findColumn(name))
    throw RuntimeError("synapse column '" + name + "' already exists");
  columns.push_back({std::move(name), std::vector<double>(size(), init)});
  return columns.size() - 1;
}

SynapseColumn *SynapseTable::findColumn(std::string_view name) {
  for (SynapseColumn &c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

const SynapseColumn *SynapseTable::findColumn(std::string_view name) const {
  return const_cast<SynapseTable *>(this)->findColumn(name);
}

uint32_t delayToSteps(double delayMs, double dtMs) {
  if (!(dtMs > 0) || !std::isfinite(dtMs))
    throw RuntimeError("the time step must be positive and finite, got dt = " + formatDouble(dtMs) + " ms");
  if (!(delayMs >= 0) || !std::isfinite(delayMs))
    throw RuntimeError("a delay must be non-negative and finite, got " + formatDouble(delayMs) + " ms");
  const double quotient = delayMs / dtMs;
  // The tolerance lifts a quotient that rounding pushed just below k + 1/2 back onto it.
  const double steps = std::floor(quotient + 0.5 + 1e-9 * quotient);
  if (steps < 1)
    throw RuntimeError("delay " + formatDouble(delayMs) + " ms rounds to 0 steps at dt = " +
                       formatDouble(dtMs) + " ms; a delay must be at least one time step");
  if (steps > 4294967295.0)
    throw RuntimeError("delay " + formatDouble(delayMs) + " ms is more than 2^32 - 1 steps at dt = " +
                       formatDouble(dtMs) + " ms");
  return uint32_t(steps);
}

} // namespace soma::runtime
