// Matrix exponential of small dense matrices: exact propagators for linear dynamics.
//
// A linear subthreshold system x' = A x (+ b) is advanced over one step h exactly by
// x(t+h) = exp(A h) x(t) (+ c). The compiler evaluates these propagators once, at compile
// time, so the method favours accuracy over speed: scaling and squaring with Padé
// approximants of degree 3, 5, 7, 9 or 13 chosen by the 1-norm (Higham, "The scaling and
// squaring method for the matrix exponential revisited", SIAM J. Matrix Anal. Appl. 26(4),
// 2005, Algorithm 2.3), which has backward error at most the unit roundoff.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace soma::runtime {

/// A dense square matrix, row-major. Meant for the few states of one neuron model
/// (n <= 16 typical); operations are O(n^3) with no blocking.
class Matrix {
public:
  Matrix() = default;
  /// The n x n zero matrix.
  explicit Matrix(size_t n) : n_(n), a_(n * n, 0.0) {}
  static Matrix identity(size_t n);

  size_t size() const { return n_; }
  double &operator()(size_t row, size_t col) { return a_[row * n_ + col]; }
  double operator()(size_t row, size_t col) const { return a_[row * n_ + col]; }
  std::span<const double> data() const { return a_; }

private:
  size_t n_ = 0;
  std::vector<double> a_;
};

/// exp(A). Throws RuntimeError if an entry of A is not finite.
Matrix expm(const Matrix &a);

/// The exact one-step update of x' = A x + b with constant b over a step h:
///   x(t + h) = P x(t) + c,  P = exp(A h),  c = (integral_0^h exp(A s) ds) b.
/// Both come from one exponential of the augmented matrix [[A h, b h], [0, 0]], so A may
/// be singular (no A^-1 appears). b.size() must equal A.size().
struct AffinePropagator {
  Matrix p;
  std::vector<double> c;
};
AffinePropagator affinePropagator(const Matrix &a, std::span<const double> b, double h);

/// The same update for an input b that changes from step to step (held constant within
/// one): x(t + h) = P x(t) + Q b with P = exp(A h) and Q = integral_0^h exp(A s) ds, read
/// off the exponential of the 2n x 2n block matrix [[A h, I h], [0, 0]] (Van Loan 1978).
struct InputPropagator {
  Matrix p, q;
};
InputPropagator inputPropagator(const Matrix &a, double h);

} // namespace soma::runtime
