// Analog sources and spike encoders on the cpu target (docs/language.md "source",
// docs/simulation.md "Analog sources and encoders").
//
//   source S = analog[n](signal = EXPR)          x_c(t): EXPR of t, i (the channel) and
//                                                 constants, in the expression's unit
//   source S = analog[n](file = "x.csv")          x_c(t): the CSV `t_ms,<column per channel>`,
//                                                 linear between rows, held outside them
//   ... encode rate(max_rate) | latency(t_max) | delta(threshold)
//            | sigma_delta(threshold, adapt, tau_adapt)
//
// When. Step k (t_k -> t_{k+1}) samples the signal at t_{k+1}, after the neuron kernels
// (Simulation::collect): an encoder's spikes of the step are stamped t_{k+1}, and a direct
// connect's value x(t_{k+1}) is the input of step k+1 (held over that step, like every
// input). The input of step 0, x(t_0), is put in place before the first step.
//
// Spikes carry a signed count: +m for m up events, -m for m down events (delta and
// sigma-delta; the other encoders only count up). A static synapse (or a direct connect)
// delivers count * w, so a down event delivers -w.
#pragma once

#include "NetworkGraph.h"
#include "soma/runtime/Random.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace soma::sim {

/// The samples of an analog file: strictly increasing times (ms) and one column per
/// channel, or one column for every channel.
struct AnalogTable {
  std::vector<double> t;
  std::vector<std::vector<double>> columns;  // [column][row]
};

/// Parses an analog CSV: a header `t_ms,NAME,...` (the channel columns' names are free),
/// then rows of finite numbers with strictly increasing t_ms; blank lines and lines
/// starting with '#' are skipped. `channels` columns after t_ms, or one for all. Errors
/// are runtime::RuntimeError "NAME:LINE: message" (NAME: `sourceName`).
AnalogTable parseAnalogCsv(std::string_view text, std::string_view sourceName, uint32_t channels);
/// Reads and parses the file at `path` (relative to the working directory).
AnalogTable readAnalogFile(const std::string &path, uint32_t channels);

/// One analog source: its signal and its encoder's state.
class AnalogSource {
public:
  enum class Encoding { None, Rate, Latency, Delta, SigmaDelta };

  /// Everything from the graph's vertex; throws SimulationError for what the cpu target
  /// refuses (at its location) and RuntimeError for a bad file. `rng` is the source's
  /// stream (the rate encoder draws from it like a Poisson source).
  AnalogSource(const graph::Vertex &v, uint32_t channels, double dt, runtime::RandomStream rng);

  Encoding encoding() const { return encoding_; }
  /// Delta and sigma-delta: spikes with a negative count (down events).
  bool signedSpikes() const { return encoding_ == Encoding::Delta || encoding_ == Encoding::SigmaDelta; }

  /// Every channel's x at `tMs` into values(); a file's column is linear between the rows
  /// around tMs, the first row's value before the first time, the last row's after the last.
  void sample(double tMs);
  const std::vector<double> &values() const { return x_; }

  /// Step k: samples t_{k+1} and, with an encoder, appends its spikes stamped t_{k+1}: the
  /// channel (ascending) and the signed count (never 0).
  void step(uint64_t k, std::vector<uint32_t> &spikes, std::vector<int32_t> &counts);

  /// The encoder's state, for checkpoints (fixed sizes: rebuilt by the constructor).
  std::vector<std::vector<double> *> checkpointArrays();

private:
  void encodeDelta(std::vector<uint32_t> &spikes, std::vector<int32_t> &counts);
  void encodeSigmaDelta(std::vector<uint32_t> &spikes, std::vector<int32_t> &counts);

  uint32_t n_ = 0;
  double dt_ = 0;
  runtime::RandomStream rng_;
  Encoding encoding_ = Encoding::None;
  // The signal: an expression or a table.
  ir::NodeRef expr_;
  bool perChannel_ = false;     // the expression reads `i`
  double scale_ = 1;            // signal unit -> the encoder threshold's unit
  AnalogTable table_;
  bool fromFile_ = false;
  std::vector<double> x_;
  // Encoder parameters.
  double maxRateHz_ = 0, tMaxMs_ = 0, threshold_ = 0, adapt_ = 0, tauAdaptMs_ = 0, adaptDecay_ = 1;
  std::vector<uint64_t> latencyStep_;  // latency: the step whose collect emits the spike
  // Encoder state (checkpointed): delta the net count N_c (the reference is N_c * threshold);
  // sigma-delta the integral sigma_c and the current threshold theta_c.
  std::vector<double> count_, sigma_, theta_;
};

} // namespace soma::sim
