// Physical units: SI base dimensions with an exact scale factor.
//
// A unit is a vector of integer exponents over the seven SI base dimensions and an
// exact scale relative to the coherent SI unit of that dimension: 1 mV = 10^-3 V, so
// Unit("mV").scale == 10^-3. Scales are exact rationals times a power of ten, so that
// prefixes from yocto to yotta and non-decimal units (min, h) fold without rounding.
// Nothing here reports diagnostics: callers turn std::nullopt into an error.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace soma {

/// An exact positive-or-negative scale: (num / den) * 10^exp10, kept normalised
/// (den > 0, gcd(num, den) == 1, no factor of 10 left in num or den). den is moreover
/// coprime to 10 (1/2 is stored as 5e-1), so every value has exactly one form and
/// operator== compares values. Zero is 0/1*10^0; it has no reciprocal.
class Scale {
public:
  Scale() = default; // == 1
  static Scale ofInteger(int64_t n);
  static Scale powerOfTen(int e);
  static std::optional<Scale> make(int64_t num, int64_t den, int exp10 = 0);

  std::optional<Scale> times(const Scale &o) const;     // nullopt on overflow
  std::optional<Scale> dividedBy(const Scale &o) const; // nullopt on overflow
  std::optional<Scale> pow(int n) const;                // n may be negative
  std::optional<Scale> sqrt() const;                    // nullopt when not exact
  bool isOne() const { return num_ == 1 && den_ == 1 && exp10_ == 0; }
  double toDouble() const;
  bool operator==(const Scale &o) const = default;
  /// "1", "1e-3", "60", "1/3*1e-3" — exact, for dumps. A non-unit integer times 10^1..6
  /// is written out ("60", "3600"); otherwise "<num>e<exp>" or "<num>/<den>*1e<exp>".
  std::string str() const;

  int64_t num() const { return num_; }
  int64_t den() const { return den_; }
  int exp10() const { return exp10_; }

private:
  int64_t num_ = 1, den_ = 1;
  int exp10_ = 0;
};

/// Exponents over (m, kg, s, A, K, mol, cd).
struct Dimension {
  enum Base { Length, Mass, Time, Current, Temperature, Amount, Luminosity, NumBase };
  std::array<int8_t, NumBase> exp{};

  static Dimension of(Base b, int e = 1);
  bool isDimensionless() const;
  Dimension operator*(const Dimension &o) const;
  Dimension operator/(const Dimension &o) const;
  Dimension pow(int n) const;
  std::optional<Dimension> sqrt() const; // nullopt if an exponent is odd
  // The operators above wrap on int8_t overflow; Unit's operations check and fail.
  bool operator==(const Dimension &o) const = default;
  /// SI base form, e.g. "m^2*kg*s^-3*A^-1"; "1" when dimensionless.
  std::string str() const;
};

/// A unit: dimension, exact scale to the coherent SI unit, and how the user spelled it
/// (kept for messages: "cannot add mV to ms" names units as written).
struct Unit {
  Dimension dim;
  Scale scale;
  std::string spelling; // "" for dimensionless

  static Unit dimensionless() { return {}; }
  bool isDimensionless() const { return dim.isDimensionless() && scale.isOne(); }
  bool sameDimension(const Unit &o) const { return dim == o.dim; }

  // Spellings compose: "mV" * "ms" -> "mV*ms", "pA" / "pF" -> "pA/pF"; operands that are
  // themselves compound are parenthesised. Dimensionless operands drop out. If an
  // operand has no spelling, neither has the result (str() then gives canonical()).
  // pow: "ms^2", "(mV/ms)^2"; sqrt undoes a trailing even power, else "sqrt(...)".
  std::optional<Unit> times(const Unit &o) const;
  std::optional<Unit> dividedBy(const Unit &o) const;
  std::optional<Unit> pow(int n) const;
  std::optional<Unit> sqrt() const;

  /// Factor f such that a value x in *this equals x*f in `to`. Requires equal dimensions
  /// (NaN otherwise).
  double conversionFactorTo(const Unit &to) const;
  /// The spelling if any, else canonical(); "1" when dimensionless.
  std::string str() const;
  /// A readable canonical name independent of spelling: a named SI unit with a prefix
  /// when the dimension and scale match one ("mV", "nS", "Hz", "pA", "kg", "ohm"), else
  /// such a unit per second ("V/s"), else SI base form with the scale
  /// ("1e-9*m^2*kg*s^-1*A^-1", "60*s"). Used by `emit --stage=sema`.
  std::string canonical() const;
};

/// Looks up one unit word as it may appear in source: a named unit ("V", "ohm", "Ω",
/// "Hz", "s", "min", "h", "g", "L", "M" molar, ...) optionally preceded by an SI prefix
/// ("m", "u", "µ" U+00B5, "μ" U+03BC, "n", "p", "f", "k", "M", "G", "da", "c", "d", ...).
/// Exact names win over prefix splits ("min" is minutes, "mm" is millimetres).
/// Returns nullopt for anything else. The returned spelling is `word`.
std::optional<Unit> lookupUnitWord(std::string_view word);

/// A few close unit words for "did you mean" (at most 3), e.g. "mv" -> "mV', 'MV":
/// case-insensitive matches if any, else words within edit distance 2 (and shorter than
/// the word), closest first. Joined with "', '" so the caller adds the outer quotes;
/// "" when nothing is close.
std::string suggestUnitWord(std::string_view word);

} // namespace soma
