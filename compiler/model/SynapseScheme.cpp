#include "SynapseScheme.h"

namespace soma::ir {

namespace {
bool isInput(const Node &n) { return n.op == Op::Input; }
bool variesInTime(const Node &n) {
  return n.op == Op::State || n.op == Op::Input || n.op == Op::Time || n.op == Op::Random || n.op == Op::PreState ||
         n.op == Op::PostState;
}
} // namespace

SynapseScheme synapseScheme(const Model &m) {
  if (!m.continuous.empty()) return {false, "a continuous block runs every step"};
  for (const Subsystem &s : m.subsystems) {
    const std::string &first = m.states[s.states.front()].name;
    if (s.method != Method::Exact) return {false, first + " is integrated numerically (" + std::string(methodName(s.method)) + ")"};
    if (s.states.size() > 1) return {false, "coupled linear states (" + first + ", ...)"};
    for (const NodeRef &b : s.b)
      if (reads(b, isInput)) return {false, first + "' reads an input"};
    for (const auto &row : s.A)
      for (const NodeRef &a : row)
        if (reads(a, variesInTime)) return {false, first + "' has a coefficient that varies"};
  }
  if (m.states.empty()) return {true, "no state"};
  if (m.odes.empty()) return {true, "states change at events only"};
  return {true, "single linear states: advanced exactly at events"};
}

} // namespace soma::ir
