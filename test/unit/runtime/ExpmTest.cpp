// Unit tests for the matrix exponential and affine propagators
// (runtime/include/soma/runtime/Expm.h), against closed forms.
#include "soma/runtime/Error.h"
#include "soma/runtime/Expm.h"
#include "soma/runtime/Random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace soma::runtime;

namespace {

constexpr double kRelTol = 1e-13;

Matrix fromRows(std::initializer_list<std::initializer_list<double>> rows) {
  Matrix m(rows.size());
  size_t i = 0;
  for (const auto &row : rows) {
    size_t j = 0;
    for (double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

void expectRelNear(double actual, double expected, double tol = kRelTol) {
  EXPECT_LE(std::fabs(actual - expected), tol * std::fabs(expected))
      << "actual " << actual << " expected " << expected << " rel " << std::fabs(actual - expected) / std::fabs(expected);
}

/// The LIF membrane with an exponentially decaying current, states (I_syn, v):
///   I' = -I / tau_s,   v' = -v / tau_m + I / C.
Matrix lifCurrent(double tauS, double tauM, double c) {
  return fromRows({{-1 / tauS, 0}, {1 / c, -1 / tauM}});
}

} // namespace

TEST(Expm, ZeroAndEmpty) {
  const Matrix e = expm(Matrix(3));
  for (size_t i = 0; i < 3; ++i)
    for (size_t j = 0; j < 3; ++j) EXPECT_EQ(e(i, j), i == j ? 1.0 : 0.0);
  EXPECT_EQ(expm(Matrix()).size(), 0u);
}

TEST(Expm, Diagonal) {
  // Norms that select each Padé degree and the scaled degree-13 path.
  for (double scale : {1e-3, 0.1, 0.5, 1.5, 4.0, 30.0, 700.0}) {
    const std::vector<double> d{-1.0 * scale, 0.25 * scale, -0.01 * scale, -0.5 * scale};
    Matrix a(4);
    for (size_t i = 0; i < 4; ++i) a(i, i) = d[i];
    const Matrix e = expm(a);
    for (size_t i = 0; i < 4; ++i) {
      expectRelNear(e(i, i), std::exp(d[i]));
      for (size_t j = 0; j < 4; ++j) {
        if (j != i) {
          EXPECT_EQ(e(i, j), 0.0);
        }
      }
    }
  }
}

TEST(Expm, RotationAndNilpotent) {
  for (double w : {0.3, 2.0, 10.0}) {
    const Matrix e = expm(fromRows({{0, -w}, {w, 0}}));
    EXPECT_NEAR(e(0, 0), std::cos(w), 1e-14);
    EXPECT_NEAR(e(1, 0), std::sin(w), 1e-14);
    EXPECT_NEAR(e(0, 1), -std::sin(w), 1e-14);
  }
  // exp(N) for a nilpotent N is the finite series I + N + N^2/2.
  const Matrix e = expm(fromRows({{0, 2, 3}, {0, 0, 4}, {0, 0, 0}}));
  expectRelNear(e(0, 1), 2);
  expectRelNear(e(0, 2), 3 + 2 * 4 / 2.0);
  expectRelNear(e(1, 2), 4);
  EXPECT_EQ(e(1, 0), 0.0);
}

TEST(Expm, LifExponentialCurrentPropagator) {
  // P = exp(A h); the element coupling I into v is
  //   P21 = tau_s tau_m / (C (tau_m - tau_s)) (e^{-h/tau_m} - e^{-h/tau_s}),
  // from v(h) = (1/C) int_0^h e^{-(h-s)/tau_m} e^{-s/tau_s} ds with I(0) = 1, v(0) = 0.
  // e^{-a} - e^{-b} is formed as -e^{-a} expm1(a - b), accurate to a few ulp for any h
  // (a plain difference, or one of two expm1 calls, cancels for small or for large h).
  const double c = 250; // pF; with pA and ms, v is in mV
  for (double h : {0.1, 1.0, 10.0, 100.0}) {
    for (auto [tauS, tauM] : {std::pair{2.0, 10.0}, std::pair{5.0, 20.0}, std::pair{20.0, 3.0}}) {
      const Matrix a = lifCurrent(tauS, tauM, c);
      Matrix ah(2);
      for (size_t i = 0; i < 2; ++i)
        for (size_t j = 0; j < 2; ++j) ah(i, j) = a(i, j) * h;
      const Matrix p = expm(ah);
      const double p21 = tauS * tauM / (c * (tauM - tauS)) * (-std::exp(-h / tauM) * std::expm1(h / tauM - h / tauS));
      expectRelNear(p(0, 0), std::exp(-h / tauS));
      expectRelNear(p(1, 1), std::exp(-h / tauM));
      expectRelNear(p(1, 0), p21);
      EXPECT_EQ(p(0, 1), 0.0);
    }
  }
}

TEST(Expm, LifDegenerateEqualTimeConstants) {
  // tau_s = tau_m = tau: A is a Jordan block and P21 = (h / C) e^{-h/tau}.
  const double c = 250, tau = 10;
  for (double h : {0.1, 1.0, 10.0, 100.0}) {
    const Matrix a = lifCurrent(tau, tau, c);
    Matrix ah(2);
    for (size_t i = 0; i < 2; ++i)
      for (size_t j = 0; j < 2; ++j) ah(i, j) = a(i, j) * h;
    const Matrix p = expm(ah);
    expectRelNear(p(1, 0), h / c * std::exp(-h / tau));
    expectRelNear(p(0, 0), std::exp(-h / tau));
  }
}

TEST(Expm, InverseAndSixteenStates) {
  // exp(A) exp(-A) = I for a random 16 x 16 matrix of norm ~ 8 (scaling path).
  const RandomStream rs(1, streamId("test.expm"));
  Matrix a(16), minus(16);
  for (size_t i = 0; i < 16; ++i)
    for (size_t j = 0; j < 16; ++j) {
      a(i, j) = rs.normal(i, j, 0) * 0.5;
      minus(i, j) = -a(i, j);
    }
  const Matrix e = expm(a), f = expm(minus);
  for (size_t i = 0; i < 16; ++i)
    for (size_t j = 0; j < 16; ++j) {
      double sum = 0;
      for (size_t k = 0; k < 16; ++k) sum += e(i, k) * f(k, j);
      EXPECT_NEAR(sum, i == j ? 1.0 : 0.0, 1e-11) << i << "," << j;
    }
}

TEST(Expm, RejectsNonFinite) {
  Matrix a(2);
  a(0, 1) = NAN;
  EXPECT_THROW(expm(a), RuntimeError);
}

TEST(AffinePropagator, LeakyMembraneWithConstantInput) {
  // v' = (v_rest - v) / tau + I / C, i.e. A = -1/tau, b = v_rest / tau + I / C.
  // v(h) = v_inf + (v0 - v_inf) e^{-h/tau}, so P = e^{-h/tau}, c = -v_inf expm1(-h/tau).
  const double tau = 20, vRest = -65, i = 300, cm = 250, h = 0.1;
  const double vInf = vRest + i * tau / cm;
  const std::vector<double> b{vRest / tau + i / cm};
  const AffinePropagator prop = affinePropagator(fromRows({{-1 / tau}}), b, h);
  expectRelNear(prop.p(0, 0), std::exp(-h / tau));
  expectRelNear(prop.c[0], -vInf * std::expm1(-h / tau));
  // Stepping 1000 times lands on the closed form at t = 100 ms.
  double v = vRest;
  for (int k = 0; k < 1000; ++k) v = prop.p(0, 0) * v + prop.c[0];
  EXPECT_NEAR(v, vInf + (vRest - vInf) * std::exp(-100 / tau), 1e-11);
}

TEST(AffinePropagator, SingularSystem) {
  // A = 0 (a pure integrator): P = I, c = b h; no inverse of A is needed.
  const std::vector<double> b{2.0, -3.0};
  const AffinePropagator prop = affinePropagator(Matrix(2), b, 0.5);
  EXPECT_EQ(prop.p(0, 0), 1.0);
  EXPECT_EQ(prop.p(0, 1), 0.0);
  expectRelNear(prop.c[0], 1.0);
  expectRelNear(prop.c[1], -1.5);
  // x' = [[0, 1], [0, 0]] x + [0, g]: uniformly accelerated motion, c = (g h^2 / 2, g h).
  const AffinePropagator motion = affinePropagator(fromRows({{0, 1}, {0, 0}}), std::vector<double>{0, 9.81}, 2.0);
  expectRelNear(motion.p(0, 1), 2.0);
  expectRelNear(motion.c[0], 9.81 * 4 / 2);
  expectRelNear(motion.c[1], 9.81 * 2);
  EXPECT_THROW(affinePropagator(Matrix(2), std::vector<double>{1.0}, 0.1), RuntimeError);
}

TEST(InputPropagator, IntegralMatrixMatchesClosedFormAndAffine) {
  // Scalar leak: Q = integral_0^h e^{-s/tau} ds = -tau expm1(-h/tau).
  const double tau = 20, h = 0.1;
  const InputPropagator leak = inputPropagator(fromRows({{-1 / tau}}), h);
  expectRelNear(leak.p(0, 0), std::exp(-h / tau));
  expectRelNear(leak.q(0, 0), -tau * std::expm1(-h / tau));
  // Q b equals the affine propagator's c for any fixed b (here the LIF pair, b = (I0, v0)).
  const Matrix a = lifCurrent(5, 20, 250);
  const std::vector<double> b{30, -3.25};
  const InputPropagator ip = inputPropagator(a, 0.5);
  const AffinePropagator ap = affinePropagator(a, b, 0.5);
  for (size_t i = 0; i < 2; ++i) {
    expectRelNear(ip.q(i, 0) * b[0] + ip.q(i, 1) * b[1], ap.c[i], 1e-14);
    for (size_t j = 0; j < 2; ++j) EXPECT_NEAR(ip.p(i, j), ap.p(i, j), 1e-15); // different Padé paths
  }
  // A = 0: P = I, Q = h I.
  const InputPropagator zero = inputPropagator(Matrix(3), 0.25);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(zero.p(i, i), 1.0);
    EXPECT_EQ(zero.q(i, i), 0.25);
  }
}
