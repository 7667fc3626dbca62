#include "Analog.h"

#include "soma/runtime/Csv.h"

#include "Evaluate.h"
#include "Simulation.h"
#include "soma/runtime/Error.h"
#include "soma/runtime/Format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace soma::sim {

// ------------------------------------------------------------------ the file

using runtime::parseCsvNumber;

AnalogTable parseAnalogCsv(std::string_view text, std::string_view sourceName, uint32_t channels) {
  auto fail = [&](uint64_t line, const std::string &message) -> void {
    throw runtime::RuntimeError(std::string(sourceName) + ":" + std::to_string(line) + ": " + message);
  };
  AnalogTable table;
  std::vector<std::string> names;
  bool haveHeader = false;
  runtime::forEachCsvLine(text, [&](uint64_t lineNo, const std::vector<std::string_view> &fields) {
    if (!haveHeader) {
      double probe;
      if (parseCsvNumber(fields[0], probe))
        fail(lineNo, "expected a header line naming the columns (t_ms, then one column per channel) before the data");
      if (fields[0] != "t_ms") fail(lineNo, "the first column must be 't_ms' (found '" + std::string(fields[0]) + "')");
      size_t k = fields.size() - 1;
      if (k != channels && k != 1)
        fail(lineNo, "expected " + std::to_string(channels) + " channel column" + (channels == 1 ? "" : "s") +
                         " after t_ms (or one for every channel), found " + std::to_string(k));
      for (size_t f = 1; f < fields.size(); ++f) {
        if (fields[f].empty()) fail(lineNo, "column " + std::to_string(f + 1) + " has no name");
        names.emplace_back(fields[f]);
      }
      table.columns.assign(k, {});
      haveHeader = true;
      return;
    }
    if (fields.size() != names.size() + 1)
      fail(lineNo, "expected " + std::to_string(names.size() + 1) + " fields, found " + std::to_string(fields.size()));
    double t = 0;
    if (!parseCsvNumber(fields[0], t)) fail(lineNo, "t_ms '" + std::string(fields[0]) + "' is not a finite number");
    if (!table.t.empty() && !(t > table.t.back()))
      fail(lineNo, "t_ms " + runtime::formatDouble(t) + " does not increase (the previous row has " +
                       runtime::formatDouble(table.t.back()) + ")");
    table.t.push_back(t);
    for (size_t f = 1; f < fields.size(); ++f) {
      double v = 0;
      if (!parseCsvNumber(fields[f], v))
        fail(lineNo, "value '" + std::string(fields[f]) + "' of column '" + names[f - 1] + "' is not a finite number");
      table.columns[f - 1].push_back(v);
    }
  });
  if (!haveHeader)
    throw runtime::RuntimeError(std::string(sourceName) +
                                ": empty analog file: expected a header line naming the columns (t_ms, then one column per channel)");
  if (table.t.empty()) throw runtime::RuntimeError(std::string(sourceName) + ": no samples after the header");
  return table;
}

AnalogTable readAnalogFile(const std::string &path, uint32_t channels) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) throw runtime::RuntimeError("cannot read the analog file '" + path + "'");
  return parseAnalogCsv(text.str(), path, channels);
}

// ------------------------------------------------------------------ the source

namespace {

const graph::Value *argument(const std::vector<graph::NamedValue> &args, const char *name) {
  for (const graph::NamedValue &a : args)
    if (a.name == name && a.value.node) return &a.value;
  return nullptr;
}

double constantArg(const std::vector<graph::NamedValue> &args, const char *name, double fallback) {
  const graph::Value *v = argument(args, name);
  if (!v) return fallback;
  if (!v->isConstant())
    throw SimulationError(std::string("a per-channel or varying '") + name + "' is not supported by target cpu", v->range);
  return v->number();
}

bool readsLeaf(const ir::NodeRef &n, ir::Op op) {
  if (n->op == op) return true;
  for (const ir::NodeRef &a : n->args)
    if (readsLeaf(a, op)) return true;
  return false;
}

/// The first leaf an analog signal may not read (anything but constants, t, dt, i).
const ir::Node *foreignLeaf(const ir::NodeRef &n) {
  switch (n->op) {
  case ir::Op::Param: case ir::Op::Internal: case ir::Op::State: case ir::Op::Input: case ir::Op::Distribution:
  case ir::Op::Random: case ir::Op::PostIndex: case ir::Op::PreState: case ir::Op::PostState:
  case ir::Op::PopulationMember:
    return n.get();
  default: break;
  }
  for (const ir::NodeRef &a : n->args)
    if (const ir::Node *f = foreignLeaf(a)) return f;
  return nullptr;
}

/// A spike time t (ms) as the step whose collect emits it: the stamp t_k has k = round(t/dt)
/// (half up, 1e-9 relative tolerance, as spike_array), at least 1; emitted by step k - 1.
uint64_t emittingStep(double tMs, double dt) {
  double q = tMs / dt;
  auto k = static_cast<uint64_t>(std::floor(q + 0.5 + 1e-9 * q));
  return std::max<uint64_t>(k, 1) - 1;
}

} // namespace

AnalogSource::AnalogSource(const graph::Vertex &v, uint32_t channels, double dt, runtime::RandomStream rng)
    : n_(channels), dt_(dt), rng_(rng) {
  const graph::Value *signal = argument(v.args, "signal");
  if (signal && !v.file.empty())
    throw SimulationError("an analog source takes a file or a signal, not both", v.range);
  if (!signal && v.file.empty()) throw SimulationError("an analog source needs a file or a signal", v.range);
  Unit unit; // of the signal's numbers
  if (signal) {
    if (const ir::Node *f = foreignLeaf(signal->node)) {
      std::string what = f->op == ir::Op::Distribution || f->op == ir::Op::Random ? "a random draw" : "'" + f->name + "'";
      throw SimulationError("an analog signal reads " + what +
                                " (it may read t, dt, i and constants) is not supported by target cpu",
                            signal->range);
    }
    expr_ = signal->node;
    perChannel_ = readsLeaf(expr_, ir::Op::PreIndex);
    unit = signal->unit;
  } else {
    table_ = readAnalogFile(v.file, n_);
    fromFile_ = true;
  }
  x_.assign(n_, 0);

  if (!v.encoder) return;
  const graph::Encoder &enc = *v.encoder;
  // Rate and latency read x as a number in [0, 1]; delta and sigma-delta compare it with a
  // threshold in the threshold's unit (a file's numbers are taken in that unit).
  auto dimensionless = [&]() {
    if (!unit.dim.isDimensionless())
      throw SimulationError("the " + enc.name + " encoder reads the signal as a number in [0, 1]; this signal is in " +
                                unit.str(),
                            signal->range);
    scale_ = unit.conversionFactorTo(Unit{});
  };
  if (enc.name == "rate") {
    encoding_ = Encoding::Rate;
    dimensionless();
    maxRateHz_ = constantArg(enc.args, "max_rate", 0);
    if (!(maxRateHz_ >= 0)) throw SimulationError("max_rate must not be negative", enc.range);
  } else if (enc.name == "latency") {
    encoding_ = Encoding::Latency;
    dimensionless();
    tMaxMs_ = constantArg(enc.args, "t_max", 0);
    if (!(tMaxMs_ > 0)) throw SimulationError("t_max must be positive", enc.range);
    // One spike per channel, from x(t_0): at t_max (1 - clip(x, 0, 1)), none for x <= 0.
    sample(0);
    latencyStep_.assign(n_, UINT64_MAX);
    for (uint32_t c = 0; c < n_; ++c)
      if (x_[c] > 0) latencyStep_[c] = emittingStep(tMaxMs_ * (1 - std::min(x_[c], 1.0)), dt_);
  } else if (enc.name == "delta" || enc.name == "sigma_delta") {
    encoding_ = enc.name == "delta" ? Encoding::Delta : Encoding::SigmaDelta;
    const graph::Value *th = argument(enc.args, "threshold");
    if (!th) throw SimulationError("the " + enc.name + " encoder needs a threshold", enc.range);
    threshold_ = constantArg(enc.args, "threshold", 0);
    if (signal) {
      if (!unit.sameDimension(th->unit))
        throw SimulationError("the threshold (" + th->unit.str() + ") and the signal (" + unit.str() +
                                  ") are not of the same dimension",
                              th->range);
      scale_ = unit.conversionFactorTo(th->unit);
    }
    if (!(threshold_ > 0)) throw SimulationError("the threshold must be positive", th->range);
    if (encoding_ == Encoding::Delta) {
      count_.assign(n_, 0);
    } else {
      adapt_ = constantArg(enc.args, "adapt", 0);
      tauAdaptMs_ = constantArg(enc.args, "tau_adapt", 10);
      if (!(adapt_ >= 0)) throw SimulationError("adapt must not be negative", argument(enc.args, "adapt")->range);
      if (!(tauAdaptMs_ > 0)) throw SimulationError("tau_adapt must be positive", argument(enc.args, "tau_adapt")->range);
      adaptDecay_ = std::exp(-dt_ / tauAdaptMs_);
      sigma_.assign(n_, 0);
      theta_.assign(n_, threshold_);
    }
  } else {
    throw SimulationError("the encoder '" + enc.name + "' is not supported by target cpu", enc.range);
  }
}

void AnalogSource::sample(double tMs) {
  if (fromFile_) {
    // One interpolation point for every column: t[lo] <= tMs < t[lo + 1], weight f.
    const std::vector<double> &t = table_.t;
    size_t lo = 0, hi = 0;
    double f = 0;
    if (tMs >= t.back()) {
      lo = hi = t.size() - 1;
    } else if (tMs > t.front()) {
      hi = size_t(std::upper_bound(t.begin(), t.end(), tMs) - t.begin());
      lo = hi - 1;
      f = tMs == t[lo] ? 0 : (tMs - t[lo]) / (t[hi] - t[lo]);
    }
    for (uint32_t c = 0; c < n_; ++c) {
      const std::vector<double> &v = table_.columns[table_.columns.size() == 1 ? 0 : c];
      x_[c] = (f == 0 ? v[lo] : v[lo] + f * (v[hi] - v[lo])) * scale_;
    }
    return;
  }
  uint32_t channel = 0;
  ir::EvalEnv env;
  env.other = [&](const ir::Node &node) -> double {
    switch (node.op) {
    case ir::Op::Time: return tMs;
    case ir::Op::Dt: return dt_;
    case ir::Op::PreIndex: return double(channel);
    default: throw InternalError("evaluate: unexpected leaf in an analog signal");
    }
  };
  if (!perChannel_) {
    double x = n_ ? ir::evaluate(expr_, env) * scale_ : 0;
    std::fill(x_.begin(), x_.end(), x);
    return;
  }
  for (channel = 0; channel < n_; ++channel) x_[channel] = ir::evaluate(expr_, env) * scale_;
}

namespace {
/// A count of events for one step, as the signed 32-bit multiplicity of a source spike.
int32_t eventCount(double m, const std::string &why) {
  if (!(m < 2147483647.0)) throw runtime::RuntimeError(why);
  return int32_t(m);
}
} // namespace

void AnalogSource::step(uint64_t k, std::vector<uint32_t> &spikes, std::vector<int32_t> &counts) {
  if (encoding_ == Encoding::Latency) {
    // Nothing to sample: the spike times were fixed by x(t_0).
    for (uint32_t c = 0; c < n_; ++c)
      if (latencyStep_[c] == k) {
        spikes.push_back(c);
        counts.push_back(1);
      }
    return;
  }
  sample(double(k + 1) * dt_);
  switch (encoding_) {
  case Encoding::None:
  case Encoding::Latency: return;
  case Encoding::Rate: {
    // Poisson with rate max_rate * clip(x, 0, 1), keyed (seed, source, channel, step, 0)
    // like a Poisson source.
    const double perStep = maxRateHz_ * dt_ * 1e-3;
    for (uint32_t c = 0; c < n_; ++c) {
      double lambda = perStep * std::clamp(x_[c], 0.0, 1.0);
      if (uint64_t m = rng_.poisson(c, k, 0, lambda)) {
        spikes.push_back(c);
        counts.push_back(eventCount(double(m), "a rate encoder drew more than 2^31 spikes in one step"));
      }
    }
    return;
  }
  case Encoding::Delta: encodeDelta(spikes, counts); return;
  case Encoding::SigmaDelta: encodeSigmaDelta(spikes, counts); return;
  }
}

// Send-on-delta. The reference is r_c = N_c * threshold with N_c the net count of events
// (up minus down) so far, starting at 0 (std.encoders.delta's x_ref = 0). With q = x/threshold,
// N_c moves to floor(q) when it is below it and to ceil(q) when it is above it; the change is
// the step's signed count. Afterwards |x - r_c| < threshold.
void AnalogSource::encodeDelta(std::vector<uint32_t> &spikes, std::vector<int32_t> &counts) {
  for (uint32_t c = 0; c < n_; ++c) {
    double q = x_[c] / threshold_;
    double lo = std::floor(q), hi = std::ceil(q);
    double before = count_[c];
    if (before < lo) count_[c] = lo;
    else if (before > hi) count_[c] = hi;
    else continue;
    double m = count_[c] - before;
    spikes.push_back(c);
    counts.push_back(m > 0 ? eventCount(m, "a delta encoder sent more than 2^31 events in one step (threshold too small)")
                           : -eventCount(-m, "a delta encoder sent more than 2^31 events in one step (threshold too small)"));
  }
}

// First-order sigma-delta with time scale tau = 1 ms (std.encoders.sigma_delta's default):
// theta relaxes towards threshold (adapt > 0), sigma += x dt / tau, then while |sigma| >=
// theta an event of polarity p = sign(sigma) subtracts p * theta and theta grows by the
// factor (1 + adapt) (multiplicative adaptation, Bohte 2012).
void AnalogSource::encodeSigmaDelta(std::vector<uint32_t> &spikes, std::vector<int32_t> &counts) {
  constexpr double kTauMs = 1.0;
  const char *tooMany = "a sigma_delta encoder sent more than 2^31 events in one step (threshold too small)";
  for (uint32_t c = 0; c < n_; ++c) {
    double &sigma = sigma_[c], &theta = theta_[c];
    if (adapt_ > 0) theta = threshold_ + (theta - threshold_) * adaptDecay_;
    sigma += x_[c] * (dt_ / kTauMs);
    if (!(std::fabs(sigma) >= theta)) continue;
    const double p = sigma > 0 ? 1 : -1;
    double m = 0;
    if (adapt_ > 0) {
      while (p * sigma >= theta) {
        sigma -= p * theta;
        theta *= 1 + adapt_;
        if (++m >= 2147483647.0) eventCount(m, tooMany);
      }
    } else {
      m = std::floor(p * sigma / theta);
      eventCount(m, tooMany);
      sigma -= p * m * theta;
      // The quotient's rounding: keep 0 <= p * sigma < theta exactly.
      while (p * sigma >= theta) sigma -= p * theta, ++m;
      while (p * sigma < 0) sigma += p * theta, --m;
      if (m == 0) continue;
    }
    spikes.push_back(c);
    counts.push_back(int32_t(p * m));
  }
}

std::vector<std::vector<double> *> AnalogSource::checkpointArrays() {
  std::vector<std::vector<double> *> out;
  for (std::vector<double> *v : {&count_, &sigma_, &theta_})
    if (!v->empty()) out.push_back(v);
  return out;
}

} // namespace soma::sim
