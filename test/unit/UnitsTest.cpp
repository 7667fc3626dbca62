// Unit tests for the physical-units library (compiler/frontend/Units.h).
#include "Units.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <string>
#include <vector>

using namespace soma;

namespace {

Unit U(std::string_view word) {
  auto u = lookupUnitWord(word);
  EXPECT_TRUE(u.has_value()) << "unknown unit word: " << word;
  return u.value_or(Unit{});
}

Scale S(int64_t num, int64_t den = 1, int exp10 = 0) {
  auto s = Scale::make(num, den, exp10);
  EXPECT_TRUE(s.has_value()) << num << "/" << den << "e" << exp10;
  return s.value_or(Scale{});
}

Scale P10(int e) { return Scale::powerOfTen(e); }

Dimension dimOf(int m, int kg, int s, int A = 0, int K = 0, int mol = 0, int cd = 0) {
  Dimension d;
  d.exp = {int8_t(m), int8_t(kg), int8_t(s), int8_t(A), int8_t(K), int8_t(mol), int8_t(cd)};
  return d;
}

void expectScale(const Scale &s, int64_t num, int64_t den, int exp10) {
  EXPECT_EQ(s.num(), num);
  EXPECT_EQ(s.den(), den);
  EXPECT_EQ(s.exp10(), exp10);
}

// Unwraps a Unit operation result, failing the test (not crashing) on nullopt.
Unit ok(const std::optional<Unit> &u) {
  EXPECT_TRUE(u.has_value());
  return u.value_or(Unit{});
}

const Dimension kVolt = dimOf(2, 1, -3, -1);
const Dimension kSiemens = dimOf(-2, -1, 3, 2);
const Dimension kTime = Dimension::of(Dimension::Time);
const Dimension kLength = Dimension::of(Dimension::Length);

std::vector<std::string> splitSuggestions(const std::string &s) {
  std::vector<std::string> out;
  if (s.empty())
    return out;
  size_t start = 0, pos;
  while ((pos = s.find("', '", start)) != std::string::npos) {
    out.push_back(s.substr(start, pos - start));
    start = pos + 4;
  }
  out.push_back(s.substr(start));
  return out;
}

} // namespace

// --- Scale ------------------------------------------------------------------------------

TEST(Scale, DefaultIsOne) {
  Scale s;
  EXPECT_TRUE(s.isOne());
  expectScale(s, 1, 1, 0);
  EXPECT_EQ(s.str(), "1");
  EXPECT_EQ(s.toDouble(), 1.0);
  EXPECT_EQ(S(7, 7), s);
}

TEST(Scale, MakePullsFactorsOfTenIntoExponent) {
  expectScale(S(1000), 1, 1, 3);
  expectScale(S(1, 1000), 1, 1, -3);
  expectScale(S(6000, 1, -2), 6, 1, 1);
  expectScale(S(3600), 36, 1, 2);
  expectScale(S(7, 100, 5), 7, 1, 3);
  expectScale(S(1, 1, 0), 1, 1, 0);
}

TEST(Scale, MakeReducesByGcd) {
  expectScale(S(6, 9), 2, 3, 0);
  expectScale(S(12, 18, 1), 2, 3, 1);
  expectScale(S(21, 63, -4), 1, 3, -4);
  EXPECT_EQ(S(6, 9), S(2, 3));
}

TEST(Scale, DenominatorIsMadeCoprimeToTenSoEqualValuesCompareEqual) {
  expectScale(S(1, 2), 5, 1, -1);
  expectScale(S(1, 4), 25, 1, -2);
  expectScale(S(3, 40), 75, 1, -3);
  expectScale(S(1, 6), 5, 3, -1); // 1/6 = 5/3 * 10^-1
  expectScale(S(3, 2), 15, 1, -1);
  EXPECT_EQ(S(2, 5), S(4, 1, -1));
  EXPECT_EQ(S(1, 60), S(5, 3, -2));
}

TEST(Scale, SignLivesInNumerator) {
  expectScale(S(1, -3), -1, 3, 0);
  expectScale(S(-2, -4), 5, 1, -1);
  expectScale(S(-10, 1), -1, 1, 1);
  expectScale(S(3, -30, 2), -1, 1, 1);
  EXPECT_EQ(S(-1, 3), S(1, -3));
}

TEST(Scale, ZeroAndInvalidInputs) {
  EXPECT_FALSE(Scale::make(1, 0).has_value());
  EXPECT_FALSE(Scale::make(0, 0).has_value());
  expectScale(S(0, 5, 7), 0, 1, 0);
  EXPECT_EQ(S(0, -3), S(0));
  EXPECT_FALSE(S(0).dividedBy(S(0)).has_value());
  EXPECT_FALSE(S(1).dividedBy(S(0)).has_value());
  EXPECT_FALSE(S(0).pow(-1).has_value());
  EXPECT_EQ(S(0).sqrt(), S(0));
}

TEST(Scale, Int64ExtremesAndExponentOverflow) {
  expectScale(S(INT64_MAX), INT64_MAX, 1, 0);
  expectScale(Scale::ofInteger(INT64_MIN), INT64_MIN, 1, 0);
  EXPECT_FALSE(Scale::make(INT64_MIN, -1).has_value()); // +2^63 does not fit
  EXPECT_FALSE(Scale::make(10, 1, INT_MAX).has_value());
  EXPECT_FALSE(Scale::make(1, 10, INT_MIN).has_value());
  expectScale(S(1, 1, INT_MAX), 1, 1, INT_MAX);
}

TEST(Scale, OfIntegerAndPowerOfTen) {
  expectScale(Scale::ofInteger(60), 6, 1, 1);
  expectScale(Scale::ofInteger(-7), -7, 1, 0);
  expectScale(Scale::ofInteger(0), 0, 1, 0);
  expectScale(P10(-3), 1, 1, -3);
  expectScale(P10(24), 1, 1, 24);
  EXPECT_EQ(Scale::ofInteger(1000), P10(3));
}

TEST(Scale, TimesIsExact) {
  EXPECT_EQ(P10(-3).times(P10(-3)), P10(-6));
  EXPECT_EQ(S(1, 3).times(S(3)), Scale{});
  EXPECT_EQ(S(60).times(S(60)), Scale::ofInteger(3600));
  EXPECT_EQ(S(2, 3).times(S(3, 4)), S(1, 2));
  EXPECT_EQ(S(-2).times(S(5, 1, -4)), S(-1, 1, -3));
  EXPECT_EQ(S(1, 3, -3).times(S(1, 7, 2)), S(1, 21, -1));
}

TEST(Scale, TimesCrossCancelsBeforeMultiplying) {
  // Both numerators/denominators are near INT64_MAX; only cross-cancelling avoids overflow.
  auto a = S(INT64_MAX, 3), b = S(3, INT64_MAX);
  EXPECT_EQ(a.times(b), Scale{});
  EXPECT_EQ(b.times(a), Scale{});
}

TEST(Scale, TimesOverflowGivesNullopt) {
  EXPECT_FALSE(S(INT64_MAX).times(S(3)).has_value());
  EXPECT_FALSE(S(1, INT64_MAX).times(S(1, 3)).has_value());
  EXPECT_FALSE(P10(INT_MAX).times(P10(1)).has_value());
  EXPECT_FALSE(P10(INT_MIN).times(P10(-1)).has_value());
}

TEST(Scale, DividedBy) {
  EXPECT_EQ(P10(-3).dividedBy(P10(-12)), P10(9));
  EXPECT_EQ(S(60).dividedBy(S(3600)), S(1, 60));
  EXPECT_EQ(S(2, 3).dividedBy(S(4, 9)), S(3, 2));
  EXPECT_EQ(S(1).dividedBy(S(-4)), S(-25, 1, -2));
  EXPECT_FALSE(S(INT64_MAX).dividedBy(S(1, INT64_MAX)).has_value());
  EXPECT_FALSE(P10(INT_MAX).dividedBy(P10(-1)).has_value());
}

TEST(Scale, Pow) {
  EXPECT_EQ(P10(-3).pow(2), P10(-6));
  EXPECT_EQ(P10(-3).pow(-1), P10(3));
  EXPECT_EQ(S(7, 3, 5).pow(0), Scale{});
  EXPECT_EQ(S(60).pow(2), Scale::ofInteger(3600));
  EXPECT_EQ(S(2, 3).pow(-2), S(9, 4));
  EXPECT_EQ(S(-2).pow(3), S(-8));
  EXPECT_EQ(S(-2).pow(-3), S(-1, 8));
  EXPECT_EQ(S(2).pow(62), S(int64_t(1) << 62));
  EXPECT_EQ(S(-2).pow(63), Scale::ofInteger(INT64_MIN));
}

TEST(Scale, PowOverflowGivesNullopt) {
  EXPECT_FALSE(S(2).pow(63).has_value());
  EXPECT_FALSE(S(3).pow(100).has_value());
  EXPECT_FALSE(S(3).pow(INT_MIN).has_value());
  EXPECT_FALSE(P10(1 << 30).pow(4).has_value());
  EXPECT_FALSE(P10(-(1 << 30)).pow(-2).has_value());
}

TEST(Scale, SqrtIsExactOrNullopt) {
  EXPECT_EQ(P10(-6).sqrt(), P10(-3));
  EXPECT_EQ(S(9, 4).sqrt(), S(3, 2));
  EXPECT_EQ(Scale::ofInteger(3600).sqrt(), S(60));
  EXPECT_EQ(S(1, 9).sqrt(), S(1, 3));
  EXPECT_EQ(S(9, 1, -2).sqrt(), S(3, 1, -1));
  EXPECT_EQ(S(1, 1, -7).times(S(1, 1, -7))->sqrt(), P10(-7));
  EXPECT_FALSE(P10(-3).sqrt().has_value()); // sqrt(10) is irrational
  EXPECT_FALSE(S(4, 1, -1).sqrt().has_value());
  EXPECT_FALSE(S(2).sqrt().has_value());
  EXPECT_FALSE(S(-4).sqrt().has_value());
  EXPECT_FALSE(S(INT64_MAX).sqrt().has_value());
  EXPECT_EQ(S(3037000499LL * 3037000499LL).sqrt(), S(3037000499LL));
}

TEST(Scale, ToDouble) {
  EXPECT_EQ(P10(-3).toDouble(), 0.001); // a single correctly rounded division
  EXPECT_EQ(P10(-12).toDouble(), 1e-12);
  EXPECT_EQ(P10(9).toDouble(), 1e9);
  EXPECT_EQ(S(60).toDouble(), 60.0);
  EXPECT_EQ(S(-1, 1, -3).toDouble(), -0.001);
  EXPECT_EQ(S(1, 2).toDouble(), 0.5);
  EXPECT_DOUBLE_EQ(S(1, 3, -3).toDouble(), 1.0 / 3000.0);
  EXPECT_DOUBLE_EQ(P10(24).toDouble(), 1e24);
  EXPECT_DOUBLE_EQ(P10(-24).toDouble(), 1e-24);
  EXPECT_DOUBLE_EQ(P10(40).toDouble(), 1e40);
  EXPECT_EQ(S(0).toDouble(), 0.0);
  EXPECT_EQ(P10(INT_MIN).toDouble(), 0.0); // underflows cleanly
  EXPECT_TRUE(std::isinf(P10(INT_MAX).toDouble()));
}

TEST(Scale, Str) {
  EXPECT_EQ(Scale{}.str(), "1");
  EXPECT_EQ(P10(-3).str(), "1e-3");
  EXPECT_EQ(P10(3).str(), "1e3");
  EXPECT_EQ(S(60).str(), "60");
  EXPECT_EQ(S(3600).str(), "3600");
  EXPECT_EQ(S(1, 3, -3).str(), "1/3*1e-3");
  EXPECT_EQ(S(2, 3, 3).str(), "2/3*1e3");
  EXPECT_EQ(S(1, 3).str(), "1/3");
  EXPECT_EQ(S(-1, 1, -3).str(), "-1e-3");
  EXPECT_EQ(S(1, 2).str(), "5e-1");
  EXPECT_EQ(S(-7).str(), "-7");
  EXPECT_EQ(S(0).str(), "0");
  EXPECT_EQ(P10(-24).str(), "1e-24");
  EXPECT_EQ(S(6, 1, 9).str(), "6e9");
}

// --- Dimension --------------------------------------------------------------------------

TEST(Dimension, OfAndStr) {
  EXPECT_EQ(Dimension{}.str(), "1");
  EXPECT_TRUE(Dimension{}.isDimensionless());
  EXPECT_EQ(kLength.str(), "m");
  EXPECT_EQ(Dimension::of(Dimension::Mass).str(), "kg");
  EXPECT_EQ(Dimension::of(Dimension::Time, -1).str(), "s^-1");
  EXPECT_EQ(kVolt.str(), "m^2*kg*s^-3*A^-1");
  EXPECT_EQ(dimOf(1, 1, 1, 1, 1, 1, 1).str(), "m*kg*s*A*K*mol*cd");
  EXPECT_EQ(dimOf(-3, 0, 0, 0, 0, 1).str(), "m^-3*mol");
  EXPECT_FALSE(kLength.isDimensionless());
}

TEST(Dimension, Algebra) {
  Dimension amp = Dimension::of(Dimension::Current);
  EXPECT_EQ(kVolt / amp, dimOf(2, 1, -3, -2)); // ohm
  EXPECT_EQ(kVolt * kTime, dimOf(2, 1, -2, -1)); // weber
  EXPECT_EQ(amp / kVolt, kSiemens);
  EXPECT_EQ(kVolt.pow(2), dimOf(4, 2, -6, -2));
  EXPECT_EQ(kVolt.pow(-1), dimOf(-2, -1, 3, 1));
  EXPECT_EQ(kVolt.pow(0), Dimension{});
  EXPECT_TRUE((kVolt / kVolt).isDimensionless());
  EXPECT_EQ(kVolt.pow(2).sqrt(), kVolt);
  EXPECT_FALSE(kVolt.sqrt().has_value());
  EXPECT_EQ(Dimension{}.sqrt(), Dimension{});
  EXPECT_NE(kVolt, kSiemens);
}

// --- Lookup -----------------------------------------------------------------------------

TEST(Lookup, EverySiPrefixOnMetre) {
  const std::pair<std::string, int> prefixes[] = {
      {"y", -24}, {"z", -21}, {"a", -18}, {"f", -15}, {"p", -12},  {"n", -9},
      {"u", -6},  {"\xC2\xB5", -6},       {"\xCE\xBC", -6},         {"m", -3},
      {"c", -2},  {"d", -1},  {"da", 1},  {"h", 2},   {"k", 3},    {"M", 6},
      {"G", 9},   {"T", 12},  {"P", 15},  {"E", 18},  {"Z", 21},   {"Y", 24}};
  for (const auto &[p, e] : prefixes) {
    std::string word = p + "m";
    auto u = lookupUnitWord(word);
    ASSERT_TRUE(u.has_value()) << word;
    EXPECT_EQ(u->dim, kLength) << word;
    EXPECT_EQ(u->scale, P10(e)) << word;
    EXPECT_EQ(u->spelling, word);
  }
}

TEST(Lookup, MicroSpellingsAgree) {
  Unit us = U("us"), micro = U("\xC2\xB5s"), mu = U("\xCE\xBCs");
  EXPECT_EQ(us.scale, P10(-6));
  EXPECT_EQ(micro.scale, us.scale);
  EXPECT_EQ(mu.scale, us.scale);
  EXPECT_EQ(micro.dim, kTime);
  EXPECT_EQ(micro.spelling, "\xC2\xB5s"); // the spelling is the word as written
  EXPECT_EQ(U("\xC2\xB5M").scale, P10(-3));
}

TEST(Lookup, NamedUnits) {
  struct Case {
    const char *word;
    Dimension dim;
    Scale scale;
  };
  const Case cases[] = {
      {"s", kTime, P10(0)},
      {"m", kLength, P10(0)},
      {"g", Dimension::of(Dimension::Mass), P10(-3)},
      {"A", Dimension::of(Dimension::Current), P10(0)},
      {"K", Dimension::of(Dimension::Temperature), P10(0)},
      {"mol", Dimension::of(Dimension::Amount), P10(0)},
      {"cd", Dimension::of(Dimension::Luminosity), P10(0)},
      {"Hz", Dimension::of(Dimension::Time, -1), P10(0)},
      {"N", dimOf(1, 1, -2), P10(0)},
      {"Pa", dimOf(-1, 1, -2), P10(0)},
      {"J", dimOf(2, 1, -2), P10(0)},
      {"W", dimOf(2, 1, -3), P10(0)},
      {"C", dimOf(0, 0, 1, 1), P10(0)},
      {"V", kVolt, P10(0)},
      {"F", dimOf(-2, -1, 4, 2), P10(0)},
      {"ohm", dimOf(2, 1, -3, -2), P10(0)},
      {"\xCE\xA9", dimOf(2, 1, -3, -2), P10(0)},
      {"S", kSiemens, P10(0)},
      {"Wb", dimOf(2, 1, -2, -1), P10(0)},
      {"T", dimOf(0, 1, -2, -1), P10(0)},
      {"H", dimOf(2, 1, -2, -2), P10(0)},
      {"L", dimOf(3, 0, 0), P10(-3)},
      {"M", dimOf(-3, 0, 0, 0, 0, 1), P10(3)},
      {"min", kTime, Scale::ofInteger(60)},
      {"h", kTime, Scale::ofInteger(3600)},
  };
  for (const Case &c : cases) {
    auto u = lookupUnitWord(c.word);
    ASSERT_TRUE(u.has_value()) << c.word;
    EXPECT_EQ(u->dim, c.dim) << c.word;
    EXPECT_EQ(u->scale, c.scale) << c.word;
    EXPECT_EQ(u->spelling, c.word);
  }
}

TEST(Lookup, DerivedUnitsAreConsistent) {
  // The table's dimensions agree with their SI definitions.
  EXPECT_EQ(ok(U("V").times(U("A"))).dim, U("W").dim);
  EXPECT_EQ(ok(U("C").dividedBy(U("V"))).dim, U("F").dim);
  EXPECT_EQ(ok(U("V").dividedBy(U("A"))).dim, U("ohm").dim);
  EXPECT_EQ(ok(Unit::dimensionless().dividedBy(U("ohm"))).dim, U("S").dim);
  EXPECT_EQ(ok(U("V").times(U("s"))).dim, U("Wb").dim);
  EXPECT_EQ(ok(U("Wb").dividedBy(U("m").pow(2).value())).dim, U("T").dim);
  EXPECT_EQ(ok(U("Wb").dividedBy(U("A"))).dim, U("H").dim);
  EXPECT_EQ(ok(U("N").times(U("m"))).dim, U("J").dim);
  EXPECT_EQ(ok(U("N").dividedBy(U("m").pow(2).value())).dim, U("Pa").dim);
  EXPECT_EQ(ok(U("mol").dividedBy(U("L"))).scale, U("M").scale);
  EXPECT_EQ(ok(U("mol").dividedBy(U("L"))).dim, U("M").dim);
  EXPECT_EQ(ok(U("dm").pow(3)).scale, U("L").scale);
}

TEST(Lookup, PrefixedGramsLitresAndMolar) {
  EXPECT_TRUE(U("kg").scale.isOne());
  EXPECT_EQ(U("mg").scale, P10(-6));
  EXPECT_EQ(U("mL").scale, P10(-6));
  EXPECT_EQ(U("uL").scale, P10(-9));
  EXPECT_EQ(U("mM").scale, P10(0));
  EXPECT_EQ(U("nM").scale, P10(-6));
  EXPECT_EQ(U("k\xCE\xA9").scale, P10(3));
  EXPECT_EQ(U("Mohm").scale, P10(6));
  EXPECT_EQ(U("Mohm").dim, U("ohm").dim);
  EXPECT_EQ(U("kHz").scale, P10(3));
  EXPECT_EQ(U("mmol").dim, Dimension::of(Dimension::Amount));
}

TEST(Lookup, ExactNamesWinOverPrefixSplits) {
  EXPECT_EQ(U("min").scale, Scale::ofInteger(60)); // minutes, not milli-"in"
  EXPECT_EQ(U("min").dim, kTime);
  EXPECT_EQ(U("mm").dim, kLength);
  EXPECT_EQ(U("mm").scale, P10(-3));
  EXPECT_EQ(U("h").scale, Scale::ofInteger(3600));
  EXPECT_EQ(U("hPa").scale, P10(2));
  EXPECT_EQ(U("hPa").dim, U("Pa").dim);
  EXPECT_EQ(U("Pa").scale, P10(0)); // pascal, not peta-annum
  EXPECT_EQ(U("Pa").dim, dimOf(-1, 1, -2));
  EXPECT_EQ(U("cd").dim, Dimension::of(Dimension::Luminosity));
  EXPECT_EQ(U("mol").scale, P10(0));
  EXPECT_EQ(U("T").dim, dimOf(0, 1, -2, -1));
  EXPECT_EQ(U("dam").scale, P10(1));
  EXPECT_EQ(U("hm").scale, P10(2));
}

TEST(Lookup, CaseDistinguishesUnits) {
  EXPECT_EQ(U("ms").dim, kTime);
  EXPECT_EQ(U("mS").dim, kSiemens);
  EXPECT_EQ(U("Ms").scale, P10(6));
  EXPECT_EQ(U("MS").dim, kSiemens);
  EXPECT_EQ(U("mM").dim, U("M").dim);
  EXPECT_EQ(U("Mm").dim, kLength);
  EXPECT_EQ(U("PA").scale, P10(15)); // peta-ampere
}

TEST(Lookup, UnknownWordsGiveNullopt) {
  for (const char *w : {"xyz", "", "mmV", "hh", "kmin", "V2", "m ", " m", "\xC2\xB5", "da",
                        "Gy", "volt", "v", "kkg", "\xC2"})
    EXPECT_FALSE(lookupUnitWord(w).has_value()) << w;
}

// --- Unit operations --------------------------------------------------------------------

TEST(Unit, ConversionFactor) {
  EXPECT_EQ(U("mV").conversionFactorTo(U("V")), 1e-3);
  EXPECT_EQ(U("ms").conversionFactorTo(U("s")), 1e-3);
  EXPECT_EQ(U("s").conversionFactorTo(U("ms")), 1e3);
  EXPECT_EQ(U("min").conversionFactorTo(U("s")), 60.0);
  EXPECT_EQ(U("h").conversionFactorTo(U("min")), 60.0);
  EXPECT_DOUBLE_EQ(U("s").conversionFactorTo(U("h")), 1.0 / 3600.0);
  EXPECT_EQ(U("mL").conversionFactorTo(U("L")), 1e-3);
  EXPECT_EQ(U("L").conversionFactorTo(ok(U("m").pow(3))), 1e-3);
  EXPECT_EQ(U("uM").conversionFactorTo(U("mM")), 1e-3);
  EXPECT_EQ(U("\xCE\xBC" "F").conversionFactorTo(U("pF")), 1e6);
  EXPECT_EQ(U("V").conversionFactorTo(U("V")), 1.0);
}

TEST(Unit, ConversionFactorOfProducts) {
  Unit current = ok(U("nS").times(U("mV"))); // g * V is a current
  EXPECT_TRUE(current.sameDimension(U("pA")));
  EXPECT_EQ(current.conversionFactorTo(U("pA")), 1.0);
  Unit rate = ok(U("pA").dividedBy(U("pF")));
  EXPECT_EQ(rate.conversionFactorTo(ok(U("mV").dividedBy(U("ms")))), 1.0);
  EXPECT_EQ(rate.conversionFactorTo(ok(U("mV").dividedBy(U("s")))), 1e3);
  EXPECT_EQ(ok(U("M").times(U("L"))).conversionFactorTo(U("mol")), 1.0);
}

TEST(Unit, ConversionBetweenDimensionsIsNaN) {
  EXPECT_TRUE(std::isnan(U("mV").conversionFactorTo(U("ms"))));
  EXPECT_FALSE(U("mV").sameDimension(U("ms")));
}

TEST(Unit, TimesAndDividedBySpellings) {
  EXPECT_EQ(ok(U("mV").times(U("ms"))).spelling, "mV*ms");
  EXPECT_EQ(ok(U("pA").dividedBy(U("pF"))).spelling, "pA/pF");
  Unit rate = ok(U("mV").dividedBy(U("ms")));
  EXPECT_EQ(ok(rate.times(U("ms"))).spelling, "(mV/ms)*ms");
  EXPECT_EQ(ok(U("ms").times(rate)).spelling, "ms*(mV/ms)");
  EXPECT_EQ(ok(U("mV").dividedBy(ok(U("ms").times(U("ms"))))).spelling, "mV/(ms*ms)");
  EXPECT_EQ(ok(ok(U("mV").times(U("ms"))).times(U("s"))).spelling, "(mV*ms)*s");
  EXPECT_EQ(ok(rate.dividedBy(rate)).spelling, "(mV/ms)/(mV/ms)");
  EXPECT_EQ(ok(U("\xC2\xB5" "A").times(U("\xCE\xA9"))).spelling, "\xC2\xB5" "A*\xCE\xA9");
}

TEST(Unit, TimesAndDividedByValues) {
  Unit g = ok(U("nS").times(U("mV")));
  EXPECT_EQ(g.dim, Dimension::of(Dimension::Current));
  EXPECT_EQ(g.scale, P10(-12));
  Unit r = ok(U("pA").dividedBy(U("pF")));
  EXPECT_EQ(r.dim, kVolt / kTime);
  EXPECT_TRUE(r.scale.isOne());
}

TEST(Unit, PowSpellings) {
  EXPECT_EQ(ok(U("ms").pow(2)).spelling, "ms^2");
  EXPECT_EQ(ok(U("ms").pow(-1)).spelling, "ms^-1");
  EXPECT_EQ(ok(U("ms").pow(1)).spelling, "ms");
  Unit rate = ok(U("mV").dividedBy(U("ms")));
  EXPECT_EQ(ok(rate.pow(2)).spelling, "(mV/ms)^2");
  Unit ms2 = ok(U("ms").pow(2));
  EXPECT_EQ(ok(ms2.pow(3)).spelling, "(ms^2)^3");
  EXPECT_EQ(ok(ms2.times(U("mV"))).spelling, "ms^2*mV"); // ^ binds tighter: no parens
  EXPECT_EQ(ok(U("mV").dividedBy(ms2)).spelling, "mV/ms^2");
  Unit none = ok(U("ms").pow(0));
  EXPECT_TRUE(none.isDimensionless());
  EXPECT_EQ(none.spelling, "");
  EXPECT_EQ(none.str(), "1");
}

TEST(Unit, PowValues) {
  Unit ms2 = ok(U("ms").pow(2));
  EXPECT_EQ(ms2.dim, kTime.pow(2));
  EXPECT_EQ(ms2.scale, P10(-6));
  Unit hz = ok(U("ms").pow(-1));
  EXPECT_EQ(hz.dim, U("Hz").dim);
  EXPECT_EQ(hz.scale, P10(3));
}

TEST(Unit, DimensionlessOperandsDropOut) {
  Unit one = Unit::dimensionless();
  EXPECT_TRUE(one.isDimensionless());
  EXPECT_EQ(ok(one.times(U("mV"))).spelling, "mV");
  EXPECT_EQ(ok(U("mV").times(one)).spelling, "mV");
  EXPECT_EQ(ok(U("mV").dividedBy(one)).spelling, "mV");
  Unit perMs = ok(one.dividedBy(U("ms")));
  EXPECT_EQ(perMs.spelling, "1/ms");
  EXPECT_EQ(perMs.dim, U("Hz").dim);
  EXPECT_EQ(ok(perMs.pow(2)).spelling, "(1/ms)^2");
  Unit ratio = ok(U("mV").dividedBy(U("mV"))); // dimensionless with scale 1
  EXPECT_TRUE(ratio.isDimensionless());
  EXPECT_EQ(ok(ratio.times(U("ms"))).spelling, "ms");
  EXPECT_EQ(ok(one.times(one)).spelling, "");
  EXPECT_EQ(ok(one.pow(3)).spelling, "");
  // A dimensionless ratio with a scale is not "one": it keeps its spelling.
  Unit mPerKm = ok(U("m").dividedBy(U("km")));
  EXPECT_FALSE(mPerKm.isDimensionless());
  EXPECT_EQ(ok(mPerKm.times(U("s"))).spelling, "(m/km)*s");
}

TEST(Unit, UnspelledOperandGivesUnspelledResult) {
  Unit anon{kVolt, P10(-3), ""};
  Unit prod = ok(anon.times(U("ms")));
  EXPECT_EQ(prod.spelling, "");
  EXPECT_EQ(prod.str(), prod.canonical());
  EXPECT_EQ(anon.str(), "mV");
  EXPECT_EQ(ok(U("ms").dividedBy(anon)).spelling, "");
  EXPECT_EQ(ok(anon.pow(2)).spelling, "");
}

TEST(Unit, Sqrt) {
  Unit ms2 = ok(U("ms").pow(2));
  Unit back = ok(ms2.sqrt());
  EXPECT_EQ(back.spelling, "ms");
  EXPECT_EQ(back.dim, kTime);
  EXPECT_EQ(back.scale, P10(-3));
  Unit rate = ok(U("mV").dividedBy(U("ms")));
  EXPECT_EQ(ok(ok(rate.pow(2)).sqrt()).spelling, "mV/ms");
  EXPECT_EQ(ok(ok(U("ms").pow(4)).sqrt()).spelling, "ms^2");
  EXPECT_EQ(ok(ok(U("ms").pow(-2)).sqrt()).spelling, "ms^-1");
  Unit vv = ok(U("mV").times(U("mV")));
  Unit v = ok(vv.sqrt());
  EXPECT_EQ(v.spelling, "sqrt(mV*mV)");
  EXPECT_EQ(ok(v.times(U("ms"))).spelling, "sqrt(mV*mV)*ms"); // parens are not compound
  EXPECT_EQ(ok(v.pow(2)).spelling, "sqrt(mV*mV)^2");
  EXPECT_EQ(v.dim, kVolt);
  EXPECT_EQ(v.scale, P10(-3));
  EXPECT_FALSE(U("ms").sqrt().has_value());                      // odd dimension
  EXPECT_FALSE(ok(U("m").times(U("dm"))).sqrt().has_value());    // sqrt(1e-1) inexact
  EXPECT_EQ(ok(Unit::dimensionless().sqrt()).spelling, "");
}

TEST(Unit, OverflowGivesNullopt) {
  EXPECT_TRUE(U("m").pow(127).has_value());
  EXPECT_FALSE(U("m").pow(128).has_value());
  EXPECT_FALSE(U("m").pow(-129).has_value());
  Unit m100 = ok(U("m").pow(100));
  EXPECT_FALSE(m100.times(m100).has_value());
  EXPECT_FALSE(m100.dividedBy(ok(U("m").pow(-100))).has_value());
  Unit big{Dimension{}, Scale::ofInteger(INT64_MAX), "big"};
  EXPECT_FALSE(big.times(big).has_value());
  EXPECT_FALSE(big.pow(2).has_value());
  EXPECT_FALSE(Unit::dimensionless().dividedBy(Unit{kTime, Scale::ofInteger(0), "z"}).has_value());
}

// --- canonical() and str() --------------------------------------------------------------

TEST(Canonical, PrefixedNamedUnits) {
  EXPECT_EQ(U("mV").canonical(), "mV");
  EXPECT_EQ((Unit{kVolt, P10(-3), "millivolt"}).canonical(), "mV");
  EXPECT_EQ((Unit{kSiemens, P10(-9), ""}).canonical(), "nS");
  EXPECT_EQ(U("pF").canonical(), "pF");
  EXPECT_EQ(U("pA").canonical(), "pA");
  EXPECT_EQ(U("ms").canonical(), "ms");
  EXPECT_EQ(U("\xC2\xB5s").canonical(), "us");
  EXPECT_EQ(U("cm").canonical(), "cm");
  EXPECT_EQ(U("dam").canonical(), "dam");
  EXPECT_EQ(U("hPa").canonical(), "hPa");
  EXPECT_EQ(U("Ym").canonical(), "Ym");
  EXPECT_EQ(U("ym").canonical(), "ym");
}

TEST(Canonical, MassAndOhm) {
  EXPECT_EQ(U("kg").canonical(), "kg");
  EXPECT_EQ(U("g").canonical(), "g");
  EXPECT_EQ(U("mg").canonical(), "mg");
  EXPECT_EQ(U("\xCE\xA9").canonical(), "ohm");
  EXPECT_EQ(U("k\xCE\xA9").canonical(), "kohm");
  EXPECT_EQ(U("Mohm").canonical(), "Mohm");
}

TEST(Canonical, HertzAndPerSecond) {
  EXPECT_EQ(U("Hz").canonical(), "Hz");
  EXPECT_EQ(ok(Unit::dimensionless().dividedBy(U("s"))).canonical(), "Hz");
  EXPECT_EQ(ok(U("ms").pow(-1)).canonical(), "kHz");
  EXPECT_EQ(ok(U("pA").dividedBy(U("pF"))).canonical(), "V/s");
  EXPECT_EQ(ok(U("mV").dividedBy(U("s"))).canonical(), "mV/s");
  EXPECT_EQ(ok(U("nA").dividedBy(U("ms"))).canonical(), "uA/s");
  EXPECT_EQ(ok(U("Hz").dividedBy(U("s"))).canonical(), "Hz/s");
}

TEST(Canonical, NamedDimensionsOfProducts) {
  EXPECT_EQ(ok(U("nS").times(U("mV"))).canonical(), "pA");
  EXPECT_EQ(ok(U("mV").times(U("ms"))).canonical(), "uWb"); // V*s is a weber
  EXPECT_EQ(ok(U("V").times(U("A"))).canonical(), "W");
  EXPECT_EQ(ok(Unit::dimensionless().dividedBy(U("kohm"))).canonical(), "mS");
}

TEST(Canonical, SiBaseFormWithScale) {
  Unit vs2 = ok(ok(U("mV").times(U("ms"))).times(U("ms")));
  EXPECT_EQ(vs2.canonical(), "1e-9*m^2*kg*s^-1*A^-1");
  EXPECT_EQ((Unit{kVolt, P10(-4), ""}).canonical(), "1e-4*m^2*kg*s^-3*A^-1");
  EXPECT_EQ((Unit{kVolt, P10(27), ""}).canonical(), "1e27*m^2*kg*s^-3*A^-1");
  EXPECT_EQ(U("min").canonical(), "60*s");
  EXPECT_EQ(U("h").canonical(), "3600*s");
  EXPECT_EQ(U("L").canonical(), "1e-3*m^3");
  EXPECT_EQ(U("mL").canonical(), "1e-6*m^3");
  EXPECT_EQ(U("M").canonical(), "1e3*m^-3*mol");
  EXPECT_EQ(U("mM").canonical(), "m^-3*mol");
  EXPECT_EQ((Unit{dimOf(1, 0, 0), S(1, 3, -3), ""}).canonical(), "1/3*1e-3*m");
}

TEST(Canonical, Dimensionless) {
  EXPECT_EQ(Unit::dimensionless().canonical(), "1");
  EXPECT_EQ(ok(U("m").dividedBy(U("km"))).canonical(), "1e-3");
  EXPECT_EQ(ok(U("mV").dividedBy(U("mV"))).canonical(), "1");
}

TEST(Str, SpellingElseCanonical) {
  EXPECT_EQ(U("\xC2\xB5s").str(), "\xC2\xB5s");
  EXPECT_EQ(ok(U("pA").dividedBy(U("pF"))).str(), "pA/pF");
  EXPECT_EQ((Unit{kSiemens, P10(-9), ""}).str(), "nS");
  EXPECT_EQ(Unit::dimensionless().str(), "1");
}

// --- Suggestions ------------------------------------------------------------------------

TEST(Suggest, CaseInsensitiveMatchesFirst) {
  std::string s = suggestUnitWord("mv");
  EXPECT_NE(s.find("mV"), std::string::npos);
  EXPECT_EQ(s, "mV', 'MV"); // milli before mega: commoner prefixes come first
  EXPECT_EQ(suggestUnitWord("Ohm"), "ohm");
  EXPECT_EQ(suggestUnitWord("HZ"), "Hz");
}

TEST(Suggest, EditDistance) {
  EXPECT_EQ(splitSuggestions(suggestUnitWord("msec")).front(), "ms");
  EXPECT_EQ(splitSuggestions(suggestUnitWord("kohms")).front(), "kohm");
  EXPECT_EQ(splitSuggestions(suggestUnitWord("mols")).front(), "mol");
  EXPECT_NE(suggestUnitWord("\xC2\xB5Vs").find("uV"), std::string::npos); // µ compares as u
  EXPECT_EQ(suggestUnitWord("\xC2\xB5v"), "uV");
}

TEST(Suggest, AtMostThreeAndNeverTheWordItself) {
  for (const char *w : {"mX", "mv", "Ms", "qV", "kohms", "mV", "nSS"}) {
    auto items = splitSuggestions(suggestUnitWord(w));
    EXPECT_LE(items.size(), 3u) << w;
    for (const auto &i : items) {
      EXPECT_NE(i, w);
      EXPECT_TRUE(lookupUnitWord(i).has_value()) << i; // only valid words are offered
    }
  }
}

TEST(Suggest, NothingCloseGivesEmpty) {
  EXPECT_EQ(suggestUnitWord("qqqqq"), "");
  EXPECT_EQ(suggestUnitWord("x"), ""); // one letter is "close" to every one-letter unit
  EXPECT_EQ(suggestUnitWord(""), "");
}
