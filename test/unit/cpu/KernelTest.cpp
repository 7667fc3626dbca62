// The cpu target's population kernels against closed forms, convergence orders and the
// KernelABI.h contract (spikes, refractoriness, jumps, faults, thread splits).
#include "ConstEval.h"
#include "Emit.h"
#include "TestSupport.h"

#include "Frontend.h"
#include "Lower.h"
#include "soma/runtime/Expm.h"
#include "soma/runtime/Random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <cstring>
#include <filesystem>
#include <sstream>

using namespace soma;
using namespace soma::cpu;
using namespace soma::cpu::test;

namespace {

/// P and Q of x' = A x + b from the runtime's matrix exponential (A row-major, n x n).
bool exactPropagator(const std::vector<double> &A, size_t n, double h, std::vector<double> &P, std::vector<double> &Q) {
  runtime::Matrix a(n);
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < n; ++c) a(r, c) = A[r * n + c];
  runtime::InputPropagator ip = runtime::inputPropagator(a, h);
  P.assign(ip.p.data().begin(), ip.p.data().end());
  Q.assign(ip.q.data().begin(), ip.q.data().end());
  return true;
}

// ------------------------------------------------------------------ LIF, constant current

const char *kLifSource = R"(
neuron LifConst {
  parameter {
    C_m: pF = 250 pF
    tau_m: ms = 10 ms
    E_L: mV = -70 mV
    V_th: mV = -55 mV
    V_reset: mV = -70 mV
    t_ref: ms = 2 ms
    I_e: pA = 400 pA
  }
  state { v: mV = E_L }
  dynamics { v' = (E_L - v) / tau_m + I_e / C_m }
  threshold v >= V_th
  reset { v = V_reset }
  refractory t_ref clamps v
}
)";

struct LifNumbers {
  double C = 250, tau = 10, EL = -70, Vth = -55, Vreset = -70, tref = 2, Ie = 400;
};

/// P = e^{-h/tau}, Q = tau (1 - e^{-h/tau}) for v' = -v/tau + b.
PropagatorSpec scalarPropagator(double tau, double h) {
  PropagatorSpec p;
  p.kind = PropagatorSpec::Folded;
  p.P = {std::exp(-h / tau)};
  p.Q = {-tau * std::expm1(-h / tau)};
  return p;
}

TEST(CpuKernel, LifMatchesClosedFormSpikesResetsAndRefractoriness) {
  auto models = lowerSource(kLifSource);
  const ir::Model *m = findModel(models, "LifConst");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->subsystems.size(), 1u);
  ASSERT_EQ(m->subsystems[0].method, ir::Method::Exact);
  const LifNumbers L;
  const double h = 0.1;
  KernelSpec spec = uniformSpec(*m, h);
  spec.propagators = {scalarPropagator(L.tau, h)};
  spec.jumps = {Arrivals::Absent};
  SomaUpdateFn fn = compile(spec);
  ASSERT_TRUE(fn);

  Population pop(*m, 3);
  pop.state[0].assign(3, L.EL);
  const double RI = L.tau / L.C * L.Ie; // 16 mV
  // First crossing of V_th: E_L + RI (1 - e^{-t/tau}) = V_th.
  const double tCross = -L.tau * std::log(1 - (L.Vth - L.EL) / RI);
  const int64_t firstSpikeStep = int64_t(std::ceil(tCross / h - 1e-9)) - 1; // step k stamps t_{k+1}
  const int refractorySteps = int(std::lround(L.tref / h));
  ASSERT_EQ(refractorySteps, 20);
  std::vector<uint32_t> spikes;
  SomaFault fault{};
  std::vector<int64_t> spikeSteps;
  int64_t lastSpike = -1;
  for (int64_t k = 0; k < 700; ++k) {
    uint64_t n = pop.run(fn, uint64_t(k), spikes, fault);
    ASSERT_EQ(fault.found, 0);
    if (n) {
      ASSERT_EQ(n, 3u);
      EXPECT_EQ(spikes, (std::vector<uint32_t>{0, 1, 2}));
      spikeSteps.push_back(k);
      lastSpike = k;
      EXPECT_EQ(pop.state[0][1], L.Vreset);
      EXPECT_EQ(pop.refractory[1], refractorySteps);
      continue;
    }
    double v = pop.state[0][0];
    if (lastSpike < 0) {
      // Before the first spike: the closed form at every grid point t_{k+1}.
      double t = double(k + 1) * h;
      double expected = L.EL + RI * (1 - std::exp(-t / L.tau));
      EXPECT_LT(std::fabs(v - expected) / std::fabs(expected), 1e-12) << "step " << k;
    } else if (k - lastSpike <= refractorySteps) {
      // Held at V_reset for exactly round(t_ref/dt) steps after the spike.
      EXPECT_EQ(v, L.Vreset) << "step " << k;
      EXPECT_EQ(pop.refractory[0], refractorySteps - (k - lastSpike));
    } else if (k - lastSpike == refractorySteps + 1) {
      EXPECT_GT(v, L.Vreset) << "step " << k;
      EXPECT_EQ(pop.refractory[0], 0);
    }
  }
  ASSERT_GE(spikeSteps.size(), 2u);
  EXPECT_EQ(spikeSteps[0], firstSpikeStep);
  EXPECT_EQ(firstSpikeStep, 277); // t = 27.8 ms: 10 ln 16 = 27.73 ms rounded up to the grid
  // After the refractory period v restarts from V_reset = E_L: the same trajectory again.
  EXPECT_EQ(spikeSteps[1], firstSpikeStep + refractorySteps + firstSpikeStep + 1);
}

TEST(CpuKernel, FoldedSharedAndPerNeuronSpecsAgreeBitForBit) {
  auto models = lowerSource(kLifSource);
  const ir::Model *m = findModel(models, "LifConst");
  ASSERT_TRUE(m);
  const double h = 0.1;
  const size_t N = 37;
  KernelSpec folded = uniformSpec(*m, h);
  folded.propagators = {scalarPropagator(10, h)};
  KernelSpec shared = folded;
  shared.propagators = {PropagatorSpec{}};
  KernelSpec perNeuron;
  perNeuron.model = m;
  perNeuron.dt = h;
  perNeuron.params.assign(m->params.size(), std::nullopt);
  PropagatorSpec pn;
  pn.kind = PropagatorSpec::PerNeuron;
  perNeuron.propagators = {pn};
  SomaUpdateFn f1 = compile(folded), f2 = compile(shared), f3 = compile(perNeuron);
  ASSERT_TRUE(f1 && f2 && f3);
  Population a(*m, N), b(*m, N), c(*m, N);
  PropagatorSpec ref = scalarPropagator(10, h);
  b.propagator[0] = {ref.P[0], ref.Q[0]};
  c.propagator[0].clear();
  for (size_t i = 0; i < N; ++i) c.propagator[0].insert(c.propagator[0].end(), {ref.P[0], ref.Q[0]});
  c.propagatorPerNeuron[0] = 1;
  b.bind();
  c.bind();
  for (Population *p : {&a, &b, &c})
    for (size_t i = 0; i < N; ++i) p->state[0][i] = -70 + 0.5 * double(i);
  std::vector<uint32_t> sa, sb, sc;
  SomaFault fa{}, fb{}, fc{};
  for (uint64_t k = 0; k < 400; ++k) {
    a.run(f1, k, sa, fa);
    b.run(f2, k, sb, fb);
    c.run(f3, k, sc, fc);
    ASSERT_EQ(sa, sb);
    ASSERT_EQ(sa, sc);
  }
  EXPECT_EQ(std::memcmp(a.state[0].data(), b.state[0].data(), N * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(a.state[0].data(), c.state[0].data(), N * sizeof(double)), 0);
  EXPECT_EQ(a.refractory, c.refractory);
}

TEST(CpuKernel, RefractoryStepsRoundHalfUpAndLastAtLeastOneStep) {
  auto models = lowerSource(kLifSource);
  const ir::Model *m = findModel(models, "LifConst");
  ASSERT_TRUE(m);
  const int tref = paramIndex(*m, "t_ref"), Ie = paramIndex(*m, "I_e");
  // 0.25 / 0.1 = 2.4999999999999996 in doubles: half up with tolerance gives 3.
  for (auto [period, expected] : std::vector<std::pair<double, int>>{{0.25, 3}, {0.01, 1}, {0, 0}, {2, 20}, {0.14, 1}}) {
    KernelSpec spec = uniformSpec(*m, 0.1);
    spec.params[tref] = period;
    spec.params[Ie] = 4000; // fires within a few steps
    spec.propagators = {scalarPropagator(10, 0.1)};
    SomaUpdateFn fn = compile(spec);
    ASSERT_TRUE(fn);
    Population pop(*m, 1);
    pop.state[0][0] = -70;
    std::vector<uint32_t> spikes;
    SomaFault fault{};
    int64_t k = 0;
    while (pop.run(fn, uint64_t(k), spikes, fault) == 0 && k < 100) ++k;
    ASSERT_LT(k, 100);
    EXPECT_EQ(pop.refractory[0], expected) << "t_ref = " << period;
  }
}

TEST(CpuKernel, InternalsFoldOrLoadAndTimeIsTheEndOfTheStep) {
  auto models = lowerSource(R"(
neuron Intl {
  parameter { C_m: pF = 200 pF; g_L: nS = 10 nS; E_L: mV = -60 mV }
  internal { tau_m: ms = C_m / g_L }
  state { v: mV = -50 mV; seen: ms = 0 ms }
  dynamics using euler { v' = (E_L - v) / tau_m }
  update { seen = t }
}
)");
  const ir::Model *m = findModel(models, "Intl");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->internals.size(), 1u);
  const double h = 0.1;
  KernelSpec folded = uniformSpec(*m, h);
  auto internals = resolveInternals(folded);
  ASSERT_TRUE(internals[0].has_value());
  EXPECT_EQ(*internals[0], 20.0);
  KernelSpec loaded = folded;
  loaded.params[0] = std::nullopt; // C_m per neuron: tau_m is read from internal[0]
  ASSERT_FALSE(resolveInternals(loaded)[0].has_value());
  SomaUpdateFn f1 = compile(folded), f2 = compile(loaded);
  ASSERT_TRUE(f1 && f2);
  Population a(*m, 5), b(*m, 5);
  for (Population *p : {&a, &b}) p->state[0].assign(5, -50);
  b.internal[0].assign(5, 20.0);
  std::vector<uint32_t> spikes;
  SomaFault fault{};
  for (uint64_t k = 0; k < 30; ++k) {
    a.run(f1, k, spikes, fault);
    b.run(f2, k, spikes, fault);
    EXPECT_EQ(a.state[1][0], double(k + 1) * h); // t in update: t_{k+1}
  }
  EXPECT_EQ(std::memcmp(a.state[0].data(), b.state[0].data(), 5 * sizeof(double)), 0);
  double v = -50;
  for (int k = 0; k < 30; ++k) v = v + h * ((-60 - v) / 20);
  EXPECT_EQ(a.state[0][0], v);
}

// ------------------------------------------------------------------ synaptic current

const char *kSynSource = R"(
neuron Syn {
  parameter {
    C_m: pF = 250 pF
    tau_m: ms = 10 ms
    E_L: mV = -70 mV
    tau_syn: ms = 2 ms
  }
  state { v: mV = E_L; I_syn: pA = 0 pA }
  dynamics {
    v' = (E_L - v) / tau_m + I_syn / C_m
    I_syn' = -I_syn / tau_syn
  }
}
)";

/// The exact propagator of { v' = -v/tm + I/C, I' = -I/ts } in closed form, also for ts = tm.
/// Computed in long double: the off-diagonal entries cancel (Q01 loses about four digits).
PropagatorSpec synPropagator(double C_, double tm_, double ts_, double h_) {
  long double C = C_, tm = tm_, ts = ts_, h = h_;
  long double em = expl(-h / tm), es = expl(-h / ts);
  long double P01, Q01;
  if (tm == ts) {
    P01 = h / C * em;
    Q01 = tm * (tm - (tm + h) * em) / C;
  } else {
    long double k = 1 / (1 / tm - 1 / ts) / C;
    P01 = k * (es - em);
    Q01 = k * (-ts * expm1l(-h / ts) + tm * expm1l(-h / tm));
  }
  PropagatorSpec p;
  p.kind = PropagatorSpec::Folded;
  p.P = {double(em), double(P01), 0, double(es)};
  p.Q = {double(-tm * expm1l(-h / tm)), double(Q01), 0, double(-ts * expm1l(-h / ts))};
  return p;
}

void checkSynapticDecay(double tauSyn, bool checkedJumps) {
  auto models = lowerSource(kSynSource);
  const ir::Model *m = findModel(models, "Syn");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->subsystems.size(), 1u);
  ASSERT_EQ(m->subsystems[0].states.size(), 2u);
  const double C = 250, tm = 10, EL = -70, h = 0.1, J = 1000;
  KernelSpec spec = uniformSpec(*m, h);
  spec.params[paramIndex(*m, "tau_syn")] = tauSyn;
  spec.propagators = {synPropagator(C, tm, tauSyn, h)};
  if (checkedJumps) spec.jumps = {Arrivals::CheckAtRunTime, Arrivals::CheckAtRunTime};
  else spec.jumps = {Arrivals::Absent, Arrivals::Present};
  SomaUpdateFn fn = compile(spec);
  ASSERT_TRUE(fn);
  const int v = stateIndex(*m, "v"), I = stateIndex(*m, "I_syn");
  Population pop(*m, 2);
  if (checkedJumps) pop.withoutJump(v); // a NULL jump array is skipped at run time
  pop.state[v].assign(2, EL);
  std::vector<uint32_t> spikes;
  SomaFault fault{};
  const int64_t arrival = 5; // step 5 applies the jump at t_6
  double maxDev = 0, maxErrV = 0, maxErrI = 0;
  for (int64_t k = 0; k < 600; ++k) {
    pop.jump[I].assign(2, k == arrival ? J : 0.0);
    pop.bind();
    pop.run(fn, uint64_t(k), spikes, fault);
    ASSERT_EQ(fault.found, 0);
    if (k < arrival) {
      EXPECT_NEAR(pop.state[v][0], EL, 1e-12);
      EXPECT_EQ(pop.state[I][0], 0.0);
      continue;
    }
    double t = double(k - arrival) * h;
    double Iexp = J * std::exp(-t / tauSyn);
    double dev = tauSyn == tm ? J / C * t * std::exp(-t / tm)
                              : J / C * (std::exp(-t / tauSyn) - std::exp(-t / tm)) / (1 / tm - 1 / tauSyn);
    maxDev = std::max(maxDev, std::fabs(dev));
    maxErrV = std::max(maxErrV, std::fabs(pop.state[v][1] - EL - dev));
    maxErrI = std::max(maxErrI, std::fabs(pop.state[I][1] - Iexp) / J);
    if (k == arrival) {
      EXPECT_NEAR(pop.state[v][0], EL, 1e-12) << "a jump into I_syn does not move v at once";
    }
  }
  EXPECT_GT(maxDev, 1.0);
  EXPECT_LT(maxErrV / maxDev, 1e-12);
  EXPECT_LT(maxErrI, 1e-12);
}

TEST(CpuKernel, SynapticCurrentDecayMatchesClosedForm) { checkSynapticDecay(2, false); }
TEST(CpuKernel, SynapticCurrentDegenerateTauSynEqualsTauM) { checkSynapticDecay(10, false); }
TEST(CpuKernel, SynapticCurrentWithRunTimeCheckedJumps) { checkSynapticDecay(2, true); }

// Arrivals the kernel was compiled to expect (Present) are consumed: every entry read is
// +0.0 afterwards, -0.0 included, so the runtime reuses ring slots without clearing them.
// CheckAtRunTime arrays are left as they are; an Absent input reads as +0.0.
TEST(CpuKernel, PresentArrivalsAreConsumedOthersLeftAlone) {
  auto models = lowerSource(R"(
neuron Fed {
  parameter { C_m: pF = 250 pF; tau_m: ms = 10 ms }
  state { v: mV = 0 mV; I: pA = 0 pA }
  input { current I_ext: pA }
  dynamics {
    v' = -v / tau_m + (I + I_ext) / C_m
    I' = -I / (2 ms)
  }
}
)");
  const ir::Model *m = findModel(models, "Fed");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->inputs.size(), 1u);
  const int I = stateIndex(*m, "I"), v = stateIndex(*m, "v");
  const std::vector<double> arrivals = {5.0, -0.0, 0.0, -3.0, 7.0};
  auto runOnce = [&](Arrivals input, Arrivals jumps, std::vector<double> &inputAfter, std::vector<double> &jumpAfter,
                     std::vector<double> &vAfter) {
    KernelSpec spec = uniformSpec(*m, 0.1);
    ASSERT_EQ(m->subsystems.size(), 1u);
    ASSERT_EQ(m->subsystems[0].states, (std::vector<int>{v, I}));
    PropagatorSpec prop;
    prop.kind = PropagatorSpec::Folded;
    ASSERT_TRUE(exactPropagator({-1 / 10.0, 1 / 250.0, 0, -1 / 2.0}, 2, 0.1, prop.P, prop.Q));
    spec.propagators = {prop};
    spec.inputs = {input};
    spec.jumps.assign(m->states.size(), Arrivals::Absent);
    spec.jumps[size_t(I)] = jumps;
    SomaUpdateFn fn = compile(spec);
    ASSERT_TRUE(fn);
    Population pop(*m, arrivals.size());
    pop.input[0] = input == Arrivals::Absent ? std::vector<double>(arrivals.size(), 0.0) : arrivals;
    pop.jump[size_t(I)] = arrivals;
    pop.bind();
    if (input == Arrivals::Absent) pop.data.input[0] = nullptr; // not read
    std::vector<uint32_t> spikes;
    SomaFault fault{};
    pop.run(fn, 0, spikes, fault);
    ASSERT_EQ(fault.found, 0);
    inputAfter = pop.input[0];
    jumpAfter = pop.jump[size_t(I)];
    vAfter = pop.state[size_t(v)];
  };
  std::vector<double> in, jump, vPresent, vChecked, vAbsent;
  runOnce(Arrivals::Present, Arrivals::Present, in, jump, vPresent);
  for (size_t i = 0; i < arrivals.size(); ++i) {
    EXPECT_EQ(in[i], 0.0) << i;
    EXPECT_FALSE(std::signbit(in[i])) << i;
    EXPECT_EQ(jump[i], 0.0) << i;
    EXPECT_FALSE(std::signbit(jump[i])) << i;
  }
  EXPECT_GT(vPresent[0], 0.0); // the input was read before it was cleared
  runOnce(Arrivals::CheckAtRunTime, Arrivals::CheckAtRunTime, in, jump, vChecked);
  for (size_t i = 0; i < arrivals.size(); ++i) {
    EXPECT_EQ(std::memcmp(&in[i], &arrivals[i], sizeof(double)), 0) << i;
    EXPECT_EQ(std::memcmp(&jump[i], &arrivals[i], sizeof(double)), 0) << i;
  }
  EXPECT_EQ(vPresent, vChecked);
  runOnce(Arrivals::Absent, Arrivals::Present, in, jump, vAbsent);
  EXPECT_EQ(vAbsent[0], 0.0);
  EXPECT_EQ(vAbsent, std::vector<double>(arrivals.size(), 0.0));
}

TEST(CpuKernel, RuntimeExpmMatchesClosedFormPropagators) {
  for (double ts : {2.0, 10.0}) {
    PropagatorSpec ref = synPropagator(250, 10, ts, 0.1);
    std::vector<double> P, Q;
    ASSERT_TRUE(exactPropagator({-1 / 10.0, 1 / 250.0, 0, -1 / ts}, 2, 0.1, P, Q));
    for (size_t k = 0; k < 4; ++k) {
      EXPECT_NEAR(P[k], ref.P[k], 1e-15 * std::max(1.0, std::fabs(ref.P[k])) + 1e-14 * std::fabs(ref.P[k])) << k;
      EXPECT_NEAR(Q[k], ref.Q[k], 1e-14 * std::max(1e-3, std::fabs(ref.Q[k]))) << k;
    }
    EXPECT_EQ(P[2], 0.0);
    EXPECT_EQ(Q[2], 0.0);
  }
}

// ------------------------------------------------------------------ numeric methods

// Logistic growth x' = x (1 - x), x(0) = 0.1 (closed form below), or a driven cubic
// x' = cos(t) - x^3, x(0) = 1 (long double reference). The cubic without drive is a poor test:
// its RK4 error constant changes sign near the tested steps, so the ratio is not yet 16.
std::string cubic(const char *method, bool driven) {
  return std::string("neuron Cubic { parameter { tau: ms = 1 ms } state { x = ") + (driven ? "1" : "0.1") +
         " }\n dynamics using " + method +
         (driven ? " { x' = (cos(t / tau) - x^3) / tau } }" : " { x' = x * (1 - x) / tau } }");
}

long double logistic(long double T) { return 1 / (1 + (1 / 0.1L - 1) * expl(-T)); }

long double drivenReference(long double T) {
  // RK4 in long double with a step far below the tested ones.
  auto f = [](long double t, long double x) { return cosl(t) - x * x * x; };
  const long double h = 1e-4L;
  long double x = 1, t = 0;
  int n = int(std::lround(double(T / h)));
  for (int k = 0; k < n; ++k) {
    long double k1 = f(t, x), k2 = f(t + h / 2, x + h / 2 * k1), k3 = f(t + h / 2, x + h / 2 * k2),
                k4 = f(t + h, x + h * k3);
    x += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    t = (k + 1) * h;
  }
  return x;
}

double errorAt(const std::string &source, double h, double T, long double reference) {
  auto models = lowerSource(source);
  const ir::Model *m = findModel(models, "Cubic");
  if (!m) return NAN;
  SomaUpdateFn fn = compile(uniformSpec(*m, h));
  if (!fn) return NAN;
  Population pop(*m, 4);
  for (size_t i = 0; i < 4; ++i) pop.state[0][i] = *evaluateConstant(m->states[0].init, {});
  std::vector<uint32_t> spikes;
  SomaFault fault{};
  int steps = int(std::lround(T / h));
  for (int k = 0; k < steps; ++k) pop.run(fn, uint64_t(k), spikes, fault);
  EXPECT_EQ(pop.state[0][0], pop.state[0][3]);
  return double(std::fabs((long double)pop.state[0][0] - reference));
}

TEST(CpuKernel, Rk4ConvergesWithOrderFour) {
  const double T = 4;
  long double exact = logistic(T);
  double e1 = errorAt(cubic("rk4", false), 0.1, T, exact), e2 = errorAt(cubic("rk4", false), 0.05, T, exact);
  EXPECT_GT(e1 / e2, 14) << e1 << " " << e2;
  EXPECT_LT(e1 / e2, 18) << e1 << " " << e2;
  // With time in the right-hand side: stage times t_k + c dt are needed for order four.
  long double ref = drivenReference(T);
  double d1 = errorAt(cubic("rk4", true), 0.1, T, ref), d2 = errorAt(cubic("rk4", true), 0.05, T, ref);
  EXPECT_GT(d1 / d2, 14) << d1 << " " << d2;
  EXPECT_LT(d1 / d2, 18) << d1 << " " << d2;
}

TEST(CpuKernel, EulerConvergesWithOrderOne) {
  const double T = 4;
  long double exact = logistic(T);
  double e1 = errorAt(cubic("euler", false), 0.01, T, exact), e2 = errorAt(cubic("euler", false), 0.005, T, exact);
  EXPECT_GT(e1 / e2, 1.9) << e1 << " " << e2;
  EXPECT_LT(e1 / e2, 2.1) << e1 << " " << e2;
  long double ref = drivenReference(T);
  double d1 = errorAt(cubic("euler", true), 0.01, T, ref), d2 = errorAt(cubic("euler", true), 0.005, T, ref);
  EXPECT_GT(d1 / d2, 1.9);
  EXPECT_LT(d1 / d2, 2.1);
}

TEST(CpuKernel, ExpEulerConvergesWithOrderOneAndIsExactForLinearDecay) {
  const double T = 4;
  // The driven cubic holds t at t_k over the step: first order.
  long double ref = drivenReference(T);
  double d1 = errorAt(cubic("exp_euler", true), 0.01, T, ref), d2 = errorAt(cubic("exp_euler", true), 0.005, T, ref);
  EXPECT_GT(d1 / d2, 1.9) << d1 << " " << d2;
  EXPECT_LT(d1 / d2, 2.1) << d1 << " " << d2;
  // x' = -x/tau: x(T) = e^(-T) to rounding, whatever the step.
  std::string decay = "neuron Cubic { parameter { tau: ms = 1 ms } state { x = 1 }\n"
                      " dynamics using exp_euler { x' = -x / tau } }";
  EXPECT_LT(errorAt(decay, 0.5, T, expl(-T)), 1e-15);
}

TEST(CpuKernel, ImplicitConvergesWithOrderTwo) {
  const double T = 4;
  long double exact = logistic(T);
  double e1 = errorAt(cubic("implicit", false), 0.02, T, exact), e2 = errorAt(cubic("implicit", false), 0.01, T, exact);
  EXPECT_GT(e1 / e2, 3.6) << e1 << " " << e2;
  EXPECT_LT(e1 / e2, 4.4) << e1 << " " << e2;
  long double ref = drivenReference(T);
  double d1 = errorAt(cubic("implicit", true), 0.02, T, ref), d2 = errorAt(cubic("implicit", true), 0.01, T, ref);
  EXPECT_GT(d1 / d2, 3.6) << d1 << " " << d2;
  EXPECT_LT(d1 / d2, 4.4) << d1 << " " << d2;
}

TEST(CpuKernel, Rkf45MeetsItsTolerance) {
  const double T = 4;
  // One step of 1 ms (sub-stepped inside) or of 0.1 ms: within a few rtol either way.
  long double exact = logistic(T);
  EXPECT_LT(errorAt(cubic("rkf45", false), 1, T, exact), 5 * ir::kRkf45Rtol);
  EXPECT_LT(errorAt(cubic("rkf45", false), 0.1, T, exact), 5 * ir::kRkf45Rtol);
  long double ref = drivenReference(T);
  EXPECT_LT(errorAt(cubic("rkf45", true), 1, T, ref), 5 * ir::kRkf45Rtol);
  // rk4 at a step of 1 ms is far less accurate: the sub-steps are what makes the difference.
  EXPECT_GT(errorAt(cubic("rk4", true), 1, T, ref), 100 * ir::kRkf45Rtol);
}

// A coupled stiff linear system (eigenvalues about -1, -99 and -200) where the LU of
// W = I - gamma h J must pivot (|W[1][0]| = gamma h 100 > |W[0][0]| = 1 for h > 0.006 ms):
// ROS2 against the matrix exponential, second order (a python ROS2 with the same pivoting
// gives errors 1.9e-4 and 5.0e-5 at h = 0.02 and 0.01 ms).
TEST(CpuKernel, ImplicitSolvesCoupledSystemsWithPivoting) {
  const char *source = "neuron Lin3 { state { a = 1; b = 0; c = 0.5 }\n"
                       " dynamics using implicit { a' = b / 1 ms; b' = (-100 * a - 100 * b + 50 * c) / 1 ms;"
                       " c' = (3 * a - 200 * c) / 1 ms } }";
  std::vector<double> A = {0, 1, 0, -100, -100, 50, 3, 0, -200}, P, Q;
  const double T = 1;
  exactPropagator(A, 3, T, P, Q);
  double x0[3] = {1, 0, 0.5}, exact[3] = {0, 0, 0};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) exact[r] += P[r * 3 + c] * x0[c];
  auto models = lowerSource(source);
  const ir::Model *m = findModel(models, "Lin3");
  ASSERT_TRUE(m);
  auto errorWith = [&](double h) {
    SomaUpdateFn fn = compile(uniformSpec(*m, h));
    EXPECT_TRUE(fn);
    if (!fn) return double(NAN);
    Population pop(*m, 1);
    for (size_t k = 0; k < 3; ++k) pop.state[k][0] = x0[k];
    std::vector<uint32_t> spikes;
    SomaFault fault{};
    for (int k = 0; k < int(std::lround(T / h)); ++k) pop.run(fn, uint64_t(k), spikes, fault);
    double e = 0;
    for (size_t k = 0; k < 3; ++k) e = std::max(e, std::fabs(pop.state[k][0] - exact[k]));
    return e;
  };
  double e1 = errorWith(0.02), e2 = errorWith(0.01);
  EXPECT_LT(e1, 1e-3) << e1;
  EXPECT_GT(e1 / e2, 3.2) << e1 << " " << e2;
  EXPECT_LT(e1 / e2, 5) << e1 << " " << e2;
}

// ------------------------------------------------------------------ faults

const char *kFaultySource = R"(
neuron Faulty {
  parameter { p = 1 }
  state { x = 0; y = 0 }
  update { x = 1; y = log(p) }
  threshold x >= 1
}
)";

TEST(CpuKernel, NonFiniteStateIsReportedWithNeuronAndState) {
  auto models = lowerSource(kFaultySource);
  const ir::Model *m = findModel(models, "Faulty");
  ASSERT_TRUE(m);
  KernelSpec spec = uniformSpec(*m, 0.1);
  spec.params = {std::nullopt};
  SomaUpdateFn fn = compile(spec);
  ASSERT_TRUE(fn);
  const size_t N = 600;
  Population pop(*m, N);
  pop.param[0][7] = -1;   // log(-1) = NaN
  pop.param[0][9] = 0;    // log(0) = -inf: a later fault, not reported
  pop.param[0][300] = 0;  // in another chunk
  std::vector<uint32_t> spikes;
  SomaFault fault{};
  uint64_t n = pop.run(fn, 0, spikes, fault);
  EXPECT_EQ(fault.found, 1);
  EXPECT_EQ(fault.state, 1);
  EXPECT_EQ(fault.neuron, 7u);
  // Neurons before the fault and the faulty one itself (its spike is recorded first).
  EXPECT_EQ(n, 8u);
  for (uint32_t i = 0; i < n; ++i) EXPECT_EQ(spikes[i], i);
  // Global indices in a sub-range.
  fault = {};
  n = pop.run(fn, 1, 100, N, spikes, fault);
  EXPECT_EQ(fault.found, 1);
  EXPECT_EQ(fault.state, 1);
  EXPECT_EQ(fault.neuron, 300u);
  EXPECT_EQ(n, 201u);
  EXPECT_EQ(spikes.front(), 100u);
  EXPECT_EQ(spikes.back(), 300u);
  // No fault: every neuron spikes, nothing is reported.
  fault = {};
  n = pop.run(fn, 2, 10, 299, spikes, fault);
  EXPECT_EQ(fault.found, 0);
  EXPECT_EQ(n, 289u);
}

// ------------------------------------------------------------------ thread splits

struct RunResult {
  std::vector<std::vector<double>> state;
  std::vector<int32_t> refractory;
  std::vector<uint32_t> spikes;
  uint64_t spikeCount = 0;
};

RunResult runSplit(const ir::Model &m, SomaUpdateFn fn, const std::vector<uint64_t> &cuts, size_t N,
                   const std::function<void(Population &)> &init, const std::function<void(Population &, uint64_t)> &each,
                   uint64_t steps) {
  Population pop(m, N);
  init(pop);
  RunResult r;
  std::vector<uint32_t> spikes;
  for (uint64_t k = 0; k < steps; ++k) {
    each(pop, k);
    for (size_t c = 0; c + 1 < cuts.size(); ++c) {
      SomaFault fault{};
      pop.run(fn, k, cuts[c], cuts[c + 1], spikes, fault);
      EXPECT_EQ(fault.found, 0);
      r.spikes.insert(r.spikes.end(), spikes.begin(), spikes.end());
    }
  }
  r.state = pop.state;
  r.refractory = pop.refractory;
  return r;
}

void expectSameBits(const RunResult &a, const RunResult &b) {
  ASSERT_EQ(a.state.size(), b.state.size());
  for (size_t s = 0; s < a.state.size(); ++s)
    EXPECT_EQ(std::memcmp(a.state[s].data(), b.state[s].data(), a.state[s].size() * sizeof(double)), 0) << s;
  EXPECT_EQ(a.refractory, b.refractory);
  EXPECT_EQ(a.spikes, b.spikes);
}

TEST(CpuKernel, SplitsGiveBitIdenticalResults) {
  auto models = lowerSource("import std.neurons.lif\nimport std.neurons.izhikevich\nimport std.neurons.escape_noise\n");
  const size_t N = 1000;
  const std::vector<std::vector<uint64_t>> splits = {{0, N}, {0, N / 2, N}, {0, 333, 334, 777, N}};
  // LIF: heterogeneous tau_m and I_e, per-neuron propagators, random jumps into I_syn.
  {
    const ir::Model *m = findModel(models, "LIF");
    ASSERT_TRUE(m);
    const double h = 0.1;
    KernelSpec spec = uniformSpec(*m, h);
    const int tauM = paramIndex(*m, "tau_m"), Ie = paramIndex(*m, "I_e"), Csyn = paramIndex(*m, "C_m");
    const int tauS = paramIndex(*m, "tau_syn");
    spec.params[tauM] = std::nullopt;
    spec.params[Ie] = std::nullopt;
    spec.propagators = {PropagatorSpec{PropagatorSpec::PerNeuron, {}, {}}};
    spec.jumps = {Arrivals::Absent, Arrivals::Present};
    SomaUpdateFn fn = compile(spec);
    ASSERT_TRUE(fn);
    runtime::RandomStream rs(7, 1);
    auto init = [&](Population &p) {
      p.propagator[0].clear();
      for (size_t i = 0; i < N; ++i) {
        p.param[tauM][i] = 5 + 15 * rs.uniform01(i, 0, 0);
        p.param[Ie][i] = 300 + 200 * rs.uniform01(i, 0, 1);
        p.state[0][i] = -70 + 15 * rs.uniform01(i, 0, 2);
        std::vector<double> P, Q;
        double C = p.param[Csyn][i];
        ASSERT_TRUE(exactPropagator({-1 / p.param[tauM][i], 1 / C, 0, -1 / p.param[tauS][i]}, 2, h, P, Q));
        p.propagator[0].insert(p.propagator[0].end(), P.begin(), P.end());
        p.propagator[0].insert(p.propagator[0].end(), Q.begin(), Q.end());
      }
      p.propagatorPerNeuron[0] = 1;
      p.bind();
    };
    auto each = [&](Population &p, uint64_t k) {
      for (size_t i = 0; i < N; ++i) p.jump[1][i] = rs.uniform01(i, k + 1, 3) < 0.05 ? 100.0 : 0.0;
      for (size_t i = 0; i < N; ++i) p.input[0][i] = 50 * rs.uniform01(i, k + 1, 4);
    };
    RunResult ref = runSplit(*m, fn, splits[0], N, init, each, 300);
    EXPECT_GT(ref.spikes.size(), 100u);
    for (size_t s = 1; s < splits.size(); ++s) expectSameBits(ref, runSplit(*m, fn, splits[s], N, init, each, 300));
  }
  // Izhikevich (rk4) with heterogeneous a, d and a noisy input.
  {
    const ir::Model *m = findModel(models, "Izhikevich");
    ASSERT_TRUE(m);
    KernelSpec spec = uniformSpec(*m, 0.1);
    const int a = paramIndex(*m, "a"), d = paramIndex(*m, "d");
    spec.params[a] = std::nullopt;
    spec.params[d] = std::nullopt;
    SomaUpdateFn fn = compile(spec);
    ASSERT_TRUE(fn);
    runtime::RandomStream rs(3, 2);
    auto init = [&](Population &p) {
      for (size_t i = 0; i < N; ++i) {
        p.param[a][i] = 0.02 + 0.08 * rs.uniform01(i, 0, 0);
        p.param[d][i] = 2 + 6 * rs.uniform01(i, 0, 1);
        p.state[0][i] = -65;
        p.state[1][i] = 0.2 * -65;
      }
    };
    auto each = [&](Population &p, uint64_t k) {
      for (size_t i = 0; i < N; ++i) p.input[0][i] = 10 * rs.uniform01(i, k + 1, 2);
    };
    RunResult ref = runSplit(*m, fn, splits[0], N, init, each, 300);
    EXPECT_GT(ref.spikes.size(), 100u);
    for (size_t s = 1; s < splits.size(); ++s) expectSameBits(ref, runSplit(*m, fn, splits[s], N, init, each, 300));
  }
  // Escape noise: random draws keyed by the global neuron index.
  {
    const ir::Model *m = findModel(models, "EscapeNoiseLIF");
    ASSERT_TRUE(m);
    KernelSpec spec = defaultSpec(*m, 0.1); // propagator folded (runtime::inputPropagator)
    ASSERT_EQ(spec.propagators[0].kind, PropagatorSpec::Folded);
    spec.params[paramIndex(*m, "rho_0")] = 200; // Hz
    SomaUpdateFn fn = compile(spec);
    ASSERT_TRUE(fn);
    auto init = [&](Population &p) {
      p.data.seed = 42;
      p.data.stream = runtime::streamId("Test.Pop");
      for (size_t i = 0; i < N; ++i) p.state[0][i] = -60;
    };
    auto each = [&](Population &, uint64_t) {};
    RunResult ref = runSplit(*m, fn, splits[0], N, init, each, 50);
    EXPECT_GT(ref.spikes.size(), 20u);
    for (size_t s = 1; s < splits.size(); ++s) expectSameBits(ref, runSplit(*m, fn, splits[s], N, init, each, 50));
  }
}

TEST(CpuKernel, EscapeNoiseDrawsFromTheRuntimeGenerator) {
  auto models = lowerSource("import std.neurons.escape_noise\n");
  const ir::Model *m = findModel(models, "EscapeNoiseLIF");
  ASSERT_TRUE(m);
  KernelSpec spec = uniformSpec(*m, 0.1);
  const double rho = 2000, du = 2, Vth = -55, h = 0.1;
  spec.params[paramIndex(*m, "rho_0")] = rho;
  PropagatorSpec identity;  // frozen membrane: P = I, Q = 0
  identity.kind = PropagatorSpec::Folded;
  identity.P = {1, 0, 0, 1};
  identity.Q = {0, 0, 0, 0};
  spec.propagators = {identity};
  SomaUpdateFn fn = compile(spec);
  ASSERT_TRUE(fn);
  const size_t N = 500;
  Population pop(*m, N);
  pop.data.seed = 99;
  pop.data.stream = 12345;
  for (size_t i = 0; i < N; ++i) pop.state[0][i] = -58 + 0.01 * double(i);
  std::vector<double> v0 = pop.state[0];
  std::vector<uint32_t> spikes;
  SomaFault fault{};
  const uint64_t step = 17;
  pop.run(fn, step, spikes, fault);
  runtime::RandomStream rs(99, 12345);
  std::vector<uint32_t> expected;
  for (size_t i = 0; i < N; ++i) {
    double p = 1 - std::exp(-rho * std::exp((v0[i] - Vth) / du) * h * 0.001);
    if (rs.uniform01(i, step, 0) < p) expected.push_back(uint32_t(i));
  }
  EXPECT_GT(expected.size(), 10u);
  EXPECT_LT(expected.size(), N - 10);
  EXPECT_EQ(spikes, expected);
}

// ------------------------------------------------------------------ unsupported constructs

std::vector<CodegenError> errorsFor(const std::string &source, const std::string &name) {
  auto models = lowerSource(source);
  const ir::Model *m = findModel(models, name);
  if (!m) return {};
  KernelSpec spec = uniformSpec(*m, 0.1);
  Engine::Compiled c = engine().compile(spec, "unsupported_" + name);
  EXPECT_FALSE(c);
  return c.unsupported;
}

TEST(CpuKernel, UnsupportedConstructsAreErrorsWithLocations) {
  auto e = errorsFor("neuron C {\n  state { n = 0 }\n  input { spike s }\n  on spike s { n += 1 }\n}\n", "C");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].what, "an 'on spike' block");
  EXPECT_EQ(e[0].range.line, 4u);

  // Vectors run (as one slot per element); an index that is not a constant does not.
  e = errorsFor("neuron D {\n  parameter { k: int = 1 }\n  state {\n    z: real[3] = [1, 2, 3]\n    r = 0\n  }\n"
                "  update {\n    r = z[k]\n  }\n}\n", "D");
  ASSERT_GE(e.size(), 1u);
  EXPECT_EQ(e[0].what, "the index of 'z[k]' (only constant indices into vectors)");
  EXPECT_EQ(e[0].range.line, 8u);

  auto models = lowerSource("import std.synapses.static\n");
  ASSERT_FALSE(models.empty());
  for (const ir::Model &m : models) {
    if (!m.isSynapse) continue;
    auto errors = checkSupported(m);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].what, "synapse '" + m.name + "'");
  }
}

TEST(CpuKernel, MalformedSpecsAreInternalErrors) {
  auto models = lowerSource(kLifSource);
  const ir::Model *m = findModel(models, "LifConst");
  ASSERT_TRUE(m);
  KernelSpec spec = uniformSpec(*m, 0.1);
  spec.params.pop_back();
  Engine::Compiled c = engine().compile(spec, "malformed_params");
  EXPECT_FALSE(c);
  EXPECT_TRUE(c.unsupported.empty());
  EXPECT_NE(c.error.find("parameter values"), std::string::npos) << c.error;
  spec = uniformSpec(*m, 0.1);
  spec.propagators = {PropagatorSpec{PropagatorSpec::Folded, {1, 2}, {3}}};
  c = engine().compile(spec, "malformed_propagator");
  EXPECT_FALSE(c);
  EXPECT_NE(c.error.find("wrong size"), std::string::npos) << c.error;
  EXPECT_TRUE(isValidCpu("x86-64-v3"));
  EXPECT_FALSE(isValidCpu("no-such-cpu"));
}

// ------------------------------------------------------------------ the standard library

TEST(CpuKernel, EveryStdlibNeuronCompilesOrIsReportedUnsupported) {
  namespace fs = std::filesystem;
  int compiled = 0, rejected = 0;
  std::vector<fs::path> files;
  for (const auto &entry : fs::directory_iterator(fs::path(defaultStdlibDir()) / "neurons")) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path &file : files) {
    auto models = lowerFile(file.string());
    for (const ir::Model &m : models) {
      if (m.isSynapse) continue;
      auto errors = checkSupported(m);
      if (!errors.empty()) {
        ++rejected;
        for (const CodegenError &e : errors) EXPECT_TRUE(e.range.valid()) << m.name << ": " << e.what;
        continue;
      }
      KernelSpec spec = defaultSpec(m, 0.1);
      SomaUpdateFn fn = compile(spec);
      ASSERT_TRUE(fn) << m.name;
      ++compiled;
      // Initial states from their declared values; a few quiet steps must stay finite.
      Population pop(m, 8);
      std::vector<std::optional<double>> params = spec.params;
      ConstEnv env{&params, &spec.internals, 0.1};
      for (size_t p = 0; p < m.params.size(); ++p)
        if (!params[p]) params[p] = 1.0, pop.param[p].assign(8, 1.0);
      for (size_t k = 0; k < m.internals.size(); ++k)
        if (spec.internals[k]) pop.internal[k].assign(8, *spec.internals[k]);
      for (size_t s = 0; s < m.states.size(); ++s)
        if (m.states[s].init)
          if (auto v = evaluateConstant(m.states[s].init, env)) pop.state[s].assign(8, *v);
      for (size_t s = 0; s < m.subsystems.size(); ++s)
        if (spec.propagators[s].kind == PropagatorSpec::PerNeuron) {
          pop.propagator[s].assign(8 * 2 * m.subsystems[s].states.size() * m.subsystems[s].states.size(), 0.0);
          pop.bind();
        }
      std::vector<uint32_t> spikes;
      for (uint64_t k = 0; k < 20; ++k) {
        SomaFault fault{};
        pop.run(fn, k, spikes, fault);
        EXPECT_EQ(fault.found, 0) << m.name << " state " << fault.state;
      }
    }
  }
  EXPECT_GE(compiled, 10);
  // Every stdlib neuron ran on the cpu target when ELM's vector states did (none rejected);
  // a rejected one only has to say where.
  (void)rejected;
}

// ------------------------------------------------------------------ emit --stage=llvm

TEST(CpuEmit, PrintsOptimisedKernelsAndReportsUnsupportedConstructs) {
  std::string path = writeTemp("import std.neurons.lif\n"
                               "neuron A {\n  state { n = 0 }\n  input { spike s }\n\n  on spike s { n += 1 }\n}\n");
  std::ostringstream diagOut, out;
  FrontendOptions options;
  options.stdlibDir = defaultStdlibDir();
  Frontend fe(options, diagOut);
  ASSERT_TRUE(fe.load(path) && fe.analyze()) << diagOut.str();
  std::vector<ir::Model> models = lowerModels(fe.sema(), fe.diags());
  ASSERT_EQ(fe.diags().errorCount(), 0);
  EXPECT_FALSE(emitLLVMForModels(models, out, fe.diags(), EmitOptions{0.1, "x86-64-v3"}));
  std::remove(path.c_str());
  EXPECT_EQ(fe.diags().errorCount(), 1);
  EXPECT_NE(diagOut.str().find(":6:3: error: an 'on spike' block is not supported by target cpu"),
            std::string::npos)
      << diagOut.str();
  // LIF is printed; A is not.
  EXPECT_NE(out.str().find("; neuron LIF\n"), std::string::npos);
  EXPECT_NE(out.str().find("define i64 @soma_update_LIF(ptr"), std::string::npos);
  EXPECT_EQ(out.str().find("soma_update_A"), std::string::npos);
  EXPECT_NE(out.str().find("\"target-cpu\"=\"x86-64-v3\""), std::string::npos);
}

} // namespace
