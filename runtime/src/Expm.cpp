// Scaling and squaring with Padé approximants (Higham 2005, Algorithm 2.3).
#include "soma/runtime/Expm.h"

#include "soma/runtime/Error.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>

namespace soma::runtime {

namespace {

Matrix multiply(const Matrix &x, const Matrix &y) {
  const size_t n = x.size();
  Matrix r(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k) {
      const double xik = x(i, k);
      for (size_t j = 0; j < n; ++j) r(i, j) += xik * y(k, j);
    }
  return r;
}

/// sum of coefficient * matrix, plus `diagonal` on the diagonal.
Matrix combine(std::initializer_list<std::pair<double, const Matrix *>> terms, size_t n, double diagonal) {
  Matrix r(n);
  for (const auto &[coefficient, m] : terms)
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) r(i, j) += coefficient * (*m)(i, j);
  for (size_t i = 0; i < n; ++i) r(i, i) += diagonal;
  return r;
}

double norm1(const Matrix &m) {
  double best = 0;
  for (size_t j = 0; j < m.size(); ++j) {
    double column = 0;
    for (size_t i = 0; i < m.size(); ++i) column += std::fabs(m(i, j));
    best = std::max(best, column);
  }
  return best;
}

/// Solves Q X = P for X by LU with partial pivoting (Q = V - U is well conditioned for the
/// norms each Padé degree is used at, Higham 2005 §2).
Matrix solve(Matrix q, Matrix p) {
  const size_t n = q.size();
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < n; ++r)
      if (std::fabs(q(r, col)) > std::fabs(q(pivot, col))) pivot = r;
    if (q(pivot, col) == 0) throw RuntimeError("expm: singular Padé denominator");
    if (pivot != col)
      for (size_t j = 0; j < n; ++j) {
        std::swap(q(pivot, j), q(col, j));
        std::swap(p(pivot, j), p(col, j));
      }
    for (size_t r = col + 1; r < n; ++r) {
      const double f = q(r, col) / q(col, col);
      if (f == 0) continue;
      for (size_t j = col; j < n; ++j) q(r, j) -= f * q(col, j);
      for (size_t j = 0; j < n; ++j) p(r, j) -= f * p(col, j);
    }
  }
  for (size_t col = n; col-- > 0;) // back substitution, one row at a time for every column of P
    for (size_t j = 0; j < n; ++j) {
      double v = p(col, j);
      for (size_t k = col + 1; k < n; ++k) v -= q(col, k) * p(k, j);
      p(col, j) = v / q(col, col);
    }
  return p;
}

// Padé coefficients b_j of degree m, scaled so b_m = 1 (Higham 2005, eq. 2.7).
constexpr double kB3[] = {120, 60, 12, 1};
constexpr double kB5[] = {30240, 15120, 3360, 420, 30, 1};
constexpr double kB7[] = {17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1};
constexpr double kB9[] = {17643225600., 8821612800., 2075673600., 302702400., 30270240.,
                          2162160., 110880., 3960., 90., 1.};
constexpr double kB13[] = {64764752532480000., 32382376266240000., 7771770303897600.,
                           1187353796428800., 129060195264000., 10559470521600.,
                           670442572800., 33522128640., 1323241920., 40840800., 960960.,
                           16380., 182., 1.};
// Largest 1-norm for which degree m has backward error <= 2^-53 (Higham 2005, Table 2.3).
constexpr double kTheta3 = 1.495585217958292e-2, kTheta5 = 2.539398330063230e-1,
                 kTheta7 = 9.504178996162932e-1, kTheta9 = 2.097847961257068e0,
                 kTheta13 = 5.371920351148152e0;

/// r_m(A) = (V - U)^-1 (V + U) for m in {3, 5, 7, 9}: U holds the odd, V the even terms.
Matrix padeLow(const Matrix &a, const double *b, int m) {
  const size_t n = a.size();
  std::vector<Matrix> even{Matrix::identity(n), multiply(a, a)}; // A^0, A^2, A^4, ...
  while (int(even.size()) * 2 <= m) even.push_back(multiply(even.back(), even[1]));
  Matrix oddSum(n), v(n);
  for (int j = 0; j <= m; ++j) {
    const Matrix &power = even[size_t(j / 2)];
    Matrix &target = (j % 2) ? oddSum : v;
    for (size_t r = 0; r < n; ++r)
      for (size_t c = 0; c < n; ++c) target(r, c) += b[j] * power(r, c);
  }
  const Matrix u = multiply(a, oddSum);
  return solve(combine({{1, &v}, {-1, &u}}, n, 0), combine({{1, &v}, {1, &u}}, n, 0));
}

/// r_13(A), evaluated with 6 multiplications as in Higham 2005, eq. 2.13 (b = kB13).
Matrix pade13(const Matrix &a) {
  const size_t n = a.size();
  const double *b = kB13;
  const Matrix a2 = multiply(a, a), a4 = multiply(a2, a2), a6 = multiply(a4, a2);
  const Matrix uInner = combine({{b[13], &a6}, {b[11], &a4}, {b[9], &a2}}, n, 0);
  const Matrix uTail = combine({{b[7], &a6}, {b[5], &a4}, {b[3], &a2}}, n, b[1]);
  const Matrix a6u = multiply(a6, uInner);
  const Matrix uSum = combine({{1, &a6u}, {1, &uTail}}, n, 0);
  const Matrix u = multiply(a, uSum);
  const Matrix vInner = combine({{b[12], &a6}, {b[10], &a4}, {b[8], &a2}}, n, 0);
  const Matrix a6v = multiply(a6, vInner);
  const Matrix v = combine({{1, &a6v}, {b[6], &a6}, {b[4], &a4}, {b[2], &a2}}, n, b[0]);
  return solve(combine({{1, &v}, {-1, &u}}, n, 0), combine({{1, &v}, {1, &u}}, n, 0));
}

} // namespace

Matrix Matrix::identity(size_t n) {
  Matrix m(n);
  for (size_t i = 0; i < n; ++i) m(i, i) = 1;
  return m;
}

Matrix expm(const Matrix &a) {
  for (double x : a.data())
    if (!std::isfinite(x)) throw RuntimeError("expm: the matrix has a non-finite entry");
  if (a.size() == 0) return a;
  const double norm = norm1(a);
  if (norm <= kTheta3) return padeLow(a, kB3, 3);
  if (norm <= kTheta5) return padeLow(a, kB5, 5);
  if (norm <= kTheta7) return padeLow(a, kB7, 7);
  if (norm <= kTheta9) return padeLow(a, kB9, 9);
  // Scale by a power of two (exact) so the norm drops to theta13, then square back.
  const int s = std::max(0, int(std::ceil(std::log2(norm / kTheta13))));
  Matrix scaled = a;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a.size(); ++j) scaled(i, j) = std::ldexp(a(i, j), -s);
  Matrix r = pade13(scaled);
  for (int k = 0; k < s; ++k) r = multiply(r, r);
  return r;
}

AffinePropagator affinePropagator(const Matrix &a, std::span<const double> b, double h) {
  const size_t n = a.size();
  if (b.size() != n) throw RuntimeError("affinePropagator: b has " + std::to_string(b.size()) +
                                        " entries for a " + std::to_string(n) + "x" + std::to_string(n) + " matrix");
  Matrix augmented(n + 1); // last row stays zero: the constant input does not change
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) augmented(i, j) = a(i, j) * h;
    augmented(i, n) = b[i] * h;
  }
  const Matrix e = expm(augmented);
  AffinePropagator result{Matrix(n), std::vector<double>(n)};
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) result.p(i, j) = e(i, j);
    result.c[i] = e(i, n);
  }
  return result;
}

InputPropagator inputPropagator(const Matrix &a, double h) {
  const size_t n = a.size();
  Matrix block(2 * n); // bottom half stays zero
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) block(i, j) = a(i, j) * h;
    block(i, n + i) = h;
  }
  const Matrix e = expm(block);
  InputPropagator result{Matrix(n), Matrix(n)};
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      result.p(i, j) = e(i, j);
      result.q(i, j) = e(i, n + j);
    }
  return result;
}

} // namespace soma::runtime
