#include "Units.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <limits>
#include <vector>

namespace soma {

// ---------------------------------------------------------------------------------------
// Scale
// ---------------------------------------------------------------------------------------

namespace {

constexpr uint64_t kMaxMag = uint64_t(INT64_MAX);

uint64_t magnitude(int64_t v) { return v < 0 ? 0 - uint64_t(v) : uint64_t(v); }

uint64_t gcd(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// Integer square root, exact for all uint64_t.
uint64_t isqrt(uint64_t x) {
  uint64_t r = uint64_t(std::sqrt(double(x)));
  r = std::min<uint64_t>(r, 0xFFFFFFFFu); // r*r must not wrap
  while (r * r > x)
    --r;
  while (r < 0xFFFFFFFFu && (r + 1) * (r + 1) <= x)
    ++r;
  return r;
}

} // namespace

// Builds the unique representation of ±(n/d)*10^e. Besides the header's invariants the
// denominator is made coprime to 10 (1/2 -> 5e-1), so equal values compare equal with
// the defaulted operator==. Works on magnitudes so INT64_MIN never needs negating.
static std::optional<Scale> normalise(bool neg, uint64_t n, uint64_t d, int64_t e) {
  if (d == 0)
    return std::nullopt;
  if (n == 0)
    return Scale::make(0, 1, 0); // zero has a single form: 0/1*10^0
  uint64_t g = gcd(n, d);
  n /= g;
  d /= g;
  for (; d % 10 == 0; d /= 10)
    --e;
  // What is left of d's 2s and 5s is 2^a or 5^b; n is coprime to it, so multiplying n
  // by 5 (or 2) to clear them cannot create a new factor of 10.
  for (uint64_t f : {2, 5}) {
    uint64_t other = 10 / f; // n/f == n*other/10
    for (; d % f == 0; d /= f, --e)
      if (__builtin_mul_overflow(n, other, &n))
        return std::nullopt;
  }
  for (; n % 10 == 0; n /= 10)
    ++e;
  if (n > kMaxMag + (neg ? 1 : 0) || d > kMaxMag || e < INT_MIN || e > INT_MAX)
    return std::nullopt;
  int64_t sn = neg ? int64_t(0 - n) : int64_t(n); // 0 - 2^63 wraps to INT64_MIN
  return Scale::make(sn, int64_t(d), int(e)); // already normal: stored as is
}

std::optional<Scale> Scale::make(int64_t num, int64_t den, int exp10) {
  // Input that is already normal (always the case when called from normalise()) is
  // stored as is; anything else goes through normalise().
  bool normal = den > 0 && (num == 0 ? den == 1 && exp10 == 0
                                     : gcd(magnitude(num), uint64_t(den)) == 1 &&
                                           num % 10 != 0 && den % 2 != 0 && den % 5 != 0);
  if (normal) {
    Scale s;
    s.num_ = num;
    s.den_ = den;
    s.exp10_ = exp10;
    return s;
  }
  return normalise((num < 0) != (den < 0), magnitude(num), magnitude(den), exp10);
}

Scale Scale::ofInteger(int64_t n) { return *make(n, 1); } // every int64_t fits

Scale Scale::powerOfTen(int e) {
  Scale s;
  s.exp10_ = e;
  return s;
}

std::optional<Scale> Scale::times(const Scale &o) const {
  // Cross-cancel first so that products which are representable do not overflow.
  uint64_t an = magnitude(num_), bn = magnitude(o.num_);
  uint64_t ad = uint64_t(den_), bd = uint64_t(o.den_);
  uint64_t g1 = gcd(an, bd), g2 = gcd(bn, ad);
  uint64_t n, d;
  if (__builtin_mul_overflow(an / g1, bn / g2, &n) ||
      __builtin_mul_overflow(ad / g2, bd / g1, &d))
    return std::nullopt;
  return normalise((num_ < 0) != (o.num_ < 0), n, d, int64_t(exp10_) + o.exp10_);
}

static std::optional<Scale> reciprocal(const Scale &s) {
  if (s.num() == 0)
    return std::nullopt;
  return normalise(s.num() < 0, uint64_t(s.den()), magnitude(s.num()), -int64_t(s.exp10()));
}

std::optional<Scale> Scale::dividedBy(const Scale &o) const {
  auto r = reciprocal(o);
  return r ? times(*r) : std::nullopt;
}

std::optional<Scale> Scale::pow(int n) const {
  std::optional<Scale> base = *this;
  int64_t m = n;
  if (m < 0) {
    base = reciprocal(*this);
    m = -m;
  }
  Scale result;
  while (base && m) { // square-and-multiply; never squares past the last bit
    if (m & 1) {
      auto r = result.times(*base);
      if (!r)
        return std::nullopt;
      result = *r;
    }
    if (m >>= 1)
      base = base->times(*base);
  }
  return base ? std::optional<Scale>(result) : std::nullopt;
}

std::optional<Scale> Scale::sqrt() const {
  if (num_ < 0)
    return std::nullopt;
  uint64_t n = uint64_t(num_), d = uint64_t(den_);
  int64_t e = exp10_;
  if (e % 2 != 0) { // move one power of ten into the numerator to make e even
    if (__builtin_mul_overflow(n, uint64_t(10), &n))
      return std::nullopt;
    --e;
  }
  uint64_t rn = isqrt(n), rd = isqrt(d);
  if (rn * rn != n || rd * rd != d)
    return std::nullopt;
  return normalise(false, rn, rd, e / 2);
}

double Scale::toDouble() const {
  // Powers of ten up to 1e22 are exact doubles, so 1e-3 comes out as 1.0/1000.0 (one
  // correctly rounded division) rather than through an inexact std::pow.
  static constexpr double kExact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  double v = double(num_);
  if (den_ != 1)
    v /= double(den_);
  int64_t a = exp10_ < 0 ? -int64_t(exp10_) : exp10_; // INT_MIN-safe
  double p = a <= 22 ? kExact[a] : std::pow(10.0, double(a));
  return exp10_ < 0 ? v / p : v * p;
}

// "1", "60", "3600", "1e3", "1e-3", "25e-2", "-1e-3", "1/3", "1/3*1e-3".
// Small positive exponents of a non-unit integer are written out (60 rather than 6e1).
std::string Scale::str() const {
  std::string n = std::to_string(num_);
  std::string frac = den_ == 1 ? n : n + "/" + std::to_string(den_);
  if (exp10_ == 0)
    return frac;
  if (den_ != 1)
    return frac + "*1e" + std::to_string(exp10_);
  if (num_ != 1 && num_ != -1 && exp10_ > 0 && exp10_ <= 6)
    return n + std::string(size_t(exp10_), '0');
  return n + "e" + std::to_string(exp10_);
}

// ---------------------------------------------------------------------------------------
// Dimension
// ---------------------------------------------------------------------------------------

// Dimension's operators wrap on int8_t overflow; Unit's operations check the range with
// these helpers and fail instead.
namespace {

std::optional<Dimension> checkedCombine(const Dimension &a, const Dimension &b, int sign) {
  Dimension r;
  for (int i = 0; i < Dimension::NumBase; ++i) {
    int v = int(a.exp[i]) + sign * int(b.exp[i]);
    if (v < INT8_MIN || v > INT8_MAX)
      return std::nullopt;
    r.exp[i] = int8_t(v);
  }
  return r;
}

std::optional<Dimension> checkedPow(const Dimension &a, int n) {
  Dimension r;
  for (int i = 0; i < Dimension::NumBase; ++i) {
    int64_t v = int64_t(a.exp[i]) * n;
    if (v < INT8_MIN || v > INT8_MAX)
      return std::nullopt;
    r.exp[i] = int8_t(v);
  }
  return r;
}

} // namespace

Dimension Dimension::of(Base b, int e) {
  Dimension d;
  d.exp[b] = int8_t(e);
  return d;
}

bool Dimension::isDimensionless() const {
  return std::all_of(exp.begin(), exp.end(), [](int8_t e) { return e == 0; });
}

Dimension Dimension::operator*(const Dimension &o) const {
  Dimension r;
  for (int i = 0; i < NumBase; ++i)
    r.exp[i] = int8_t(exp[i] + o.exp[i]);
  return r;
}

Dimension Dimension::operator/(const Dimension &o) const {
  Dimension r;
  for (int i = 0; i < NumBase; ++i)
    r.exp[i] = int8_t(exp[i] - o.exp[i]);
  return r;
}

Dimension Dimension::pow(int n) const {
  Dimension r;
  for (int i = 0; i < NumBase; ++i)
    r.exp[i] = int8_t(int64_t(exp[i]) * n); // int64_t: no UB for large n, only the wrap
  return r;
}

std::optional<Dimension> Dimension::sqrt() const {
  Dimension r;
  for (int i = 0; i < NumBase; ++i) {
    if (exp[i] % 2 != 0)
      return std::nullopt;
    r.exp[i] = int8_t(exp[i] / 2);
  }
  return r;
}

std::string Dimension::str() const {
  static constexpr std::string_view kNames[NumBase] = {"m", "kg", "s", "A", "K", "mol", "cd"};
  std::string out;
  for (int i = 0; i < NumBase; ++i) {
    if (exp[i] == 0)
      continue;
    if (!out.empty())
      out += '*';
    out += kNames[i];
    if (exp[i] != 1)
      out += "^" + std::to_string(exp[i]);
  }
  return out.empty() ? "1" : out;
}

// ---------------------------------------------------------------------------------------
// Unit tables
// ---------------------------------------------------------------------------------------

namespace {

struct Prefix {
  std::string_view sym;
  int exp10;
};

// Order matters only for canonical(), which takes the first symbol per exponent
// ("u" for micro, never the non-ASCII forms).
constexpr Prefix kPrefixes[] = {
    {"y", -24}, {"z", -21}, {"a", -18}, {"f", -15},         {"p", -12},
    {"n", -9},  {"u", -6},  {"\xC2\xB5", -6} /* µ U+00B5 */, {"\xCE\xBC", -6} /* μ U+03BC */,
    {"m", -3},  {"c", -2},  {"d", -1},  {"da", 1},          {"h", 2},
    {"k", 3},   {"M", 6},   {"G", 9},   {"T", 12},          {"P", 15},
    {"E", 18},  {"Z", 21},  {"Y", 24},
};

struct Named {
  std::string_view name;
  Dimension dim;
  Scale scale;
  bool prefixable; // accepts an SI prefix ("mV", "mL"); not "min", "h"
  bool canonical;  // used by canonical(); coherent SI names only (and g for kg)
};

Dimension dimOf(int m, int kg, int s, int A = 0, int K = 0, int mol = 0, int cd = 0) {
  Dimension d;
  d.exp = {int8_t(m), int8_t(kg), int8_t(s), int8_t(A), int8_t(K), int8_t(mol), int8_t(cd)};
  return d;
}

// Table order is the canonical() preference order and the suggestion tie-break order.
const std::vector<Named> &namedUnits() {
  static const std::vector<Named> table = [] {
    Scale one, milli = Scale::powerOfTen(-3);
    return std::vector<Named>{
        {"s", dimOf(0, 0, 1), one, true, true},
        {"m", dimOf(1, 0, 0), one, true, true},
        {"g", dimOf(0, 1, 0), milli, true, true},
        {"A", dimOf(0, 0, 0, 1), one, true, true},
        {"K", dimOf(0, 0, 0, 0, 1), one, true, true},
        {"mol", dimOf(0, 0, 0, 0, 0, 1), one, true, true},
        {"cd", dimOf(0, 0, 0, 0, 0, 0, 1), one, true, true},
        {"Hz", dimOf(0, 0, -1), one, true, true},
        {"N", dimOf(1, 1, -2), one, true, true},
        {"Pa", dimOf(-1, 1, -2), one, true, true},
        {"J", dimOf(2, 1, -2), one, true, true},
        {"W", dimOf(2, 1, -3), one, true, true},
        {"C", dimOf(0, 0, 1, 1), one, true, true},
        {"V", dimOf(2, 1, -3, -1), one, true, true},
        {"F", dimOf(-2, -1, 4, 2), one, true, true},
        {"ohm", dimOf(2, 1, -3, -2), one, true, true},
        {"\xCE\xA9" /* Ω U+03A9 */, dimOf(2, 1, -3, -2), one, true, false},
        {"S", dimOf(-2, -1, 3, 2), one, true, true},
        {"Wb", dimOf(2, 1, -2, -1), one, true, true},
        {"T", dimOf(0, 1, -2, -1), one, true, true},
        {"H", dimOf(2, 1, -2, -2), one, true, true},
        {"L", dimOf(3, 0, 0), milli, true, false},
        {"M", dimOf(-3, 0, 0, 0, 0, 1), Scale::powerOfTen(3), true, false}, // mol/L
        {"min", dimOf(0, 0, 1), Scale::ofInteger(60), false, false},
        {"h", dimOf(0, 0, 1), Scale::ofInteger(3600), false, false},
    };
  }();
  return table;
}

std::optional<std::string_view> prefixFor(int exp10) {
  for (const Prefix &p : kPrefixes)
    if (p.exp10 == exp10)
      return p.sym;
  return std::nullopt;
}

// "mV" for a scale that is exactly 10^k times the named unit's scale with a known prefix.
std::optional<std::string> prefixed(const Named &u, const Scale &scale) {
  auto ratio = scale.dividedBy(u.scale);
  if (!ratio || ratio->num() != 1 || ratio->den() != 1)
    return std::nullopt;
  if (ratio->exp10() == 0)
    return std::string(u.name);
  auto p = prefixFor(ratio->exp10());
  return p ? std::optional<std::string>(std::string(*p) + std::string(u.name)) : std::nullopt;
}

bool fullyParenthesised(std::string_view s) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')')
    return false;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
    if (depth == 0 && i + 1 < s.size())
      return false; // "(a)*(b)": the first paren closes early
  }
  return true;
}

// Whether `s` has one of `ops` outside parentheses ("sqrt(mV*mV)" and "(a/b)" do not).
bool hasTopLevel(std::string_view s, std::string_view ops) {
  int depth = 0;
  for (char c : s) {
    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    if (depth == 0 && ops.find(c) != std::string_view::npos)
      return true;
  }
  return false;
}

// A spelling as an operand of an operator: parenthesised when compound.
std::string operand(const std::string &s, std::string_view ops) {
  return hasTopLevel(s, ops) ? "(" + s + ")" : s;
}

} // namespace

// ---------------------------------------------------------------------------------------
// Unit
// ---------------------------------------------------------------------------------------

// Spelling rules shared by the operations: a dimensionless operand drops out; if an
// operand has no spelling the result has none either (str() then falls back to
// canonical()); otherwise compound operands are parenthesised.

std::optional<Unit> Unit::times(const Unit &o) const {
  auto d = checkedCombine(dim, o.dim, +1);
  auto s = scale.times(o.scale);
  if (!d || !s)
    return std::nullopt;
  std::string sp;
  if (isDimensionless())
    sp = o.spelling;
  else if (o.isDimensionless())
    sp = spelling;
  else if (!spelling.empty() && !o.spelling.empty())
    sp = operand(spelling, "*/") + "*" + operand(o.spelling, "*/");
  return Unit{*d, *s, std::move(sp)};
}

std::optional<Unit> Unit::dividedBy(const Unit &o) const {
  auto d = checkedCombine(dim, o.dim, -1);
  auto s = scale.dividedBy(o.scale);
  if (!d || !s)
    return std::nullopt;
  std::string sp;
  if (o.isDimensionless())
    sp = spelling;
  else if (!o.spelling.empty() && isDimensionless())
    sp = "1/" + operand(o.spelling, "*/");
  else if (!spelling.empty() && !o.spelling.empty())
    sp = operand(spelling, "*/") + "/" + operand(o.spelling, "*/");
  return Unit{*d, *s, std::move(sp)};
}

std::optional<Unit> Unit::pow(int n) const {
  auto d = checkedPow(dim, n);
  auto s = scale.pow(n);
  if (!d || !s)
    return std::nullopt;
  if (n == 1)
    return *this;
  std::string sp;
  if (n != 0 && !isDimensionless() && !spelling.empty())
    sp = operand(spelling, "*/^") + "^" + std::to_string(n);
  return Unit{*d, *s, std::move(sp)};
}

std::optional<Unit> Unit::sqrt() const {
  auto d = dim.sqrt();
  auto s = scale.sqrt();
  if (!d || !s)
    return std::nullopt;
  std::string sp;
  if (!isDimensionless() && !spelling.empty()) {
    // Halve a trailing even power: "ms^2" -> "ms", "(mV/ms)^4" -> "(mV/ms)^2".
    size_t caret = spelling.rfind('^');
    int k = 0;
    if (caret != std::string::npos) {
      std::string_view base(spelling.data(), caret), rest(spelling);
      rest.remove_prefix(caret + 1);
      auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), k);
      if (ec == std::errc() && end == rest.data() + rest.size() && k != 0 && k % 2 == 0 &&
          !hasTopLevel(base, "*/^")) {
        if (k == 2)
          sp = fullyParenthesised(base) ? std::string(base.substr(1, base.size() - 2))
                                        : std::string(base);
        else
          sp = std::string(base) + "^" + std::to_string(k / 2);
      }
    }
    if (sp.empty())
      sp = "sqrt(" + spelling + ")";
  }
  return Unit{*d, *s, std::move(sp)};
}

double Unit::conversionFactorTo(const Unit &to) const {
  if (dim != to.dim)
    return std::numeric_limits<double>::quiet_NaN();
  if (auto r = scale.dividedBy(to.scale))
    return r->toDouble();
  return scale.toDouble() / to.scale.toDouble(); // exact ratio overflowed
}

std::string Unit::str() const { return spelling.empty() ? canonical() : spelling; }

// Deterministic rule, first match wins:
//  1. dimensionless: "1", or the scale ("1e-3") when it is not one;
//  2. a named coherent SI unit of exactly this dimension (table order; "kg" via "g"),
//     with an SI prefix when scale / unit scale is exactly 10^k for a listed prefix:
//     "mV", "nS", "pF", "kHz", "kg", "ohm" (ASCII; micro is "u");
//  3. such a named unit divided by seconds: "V/s", "mV/s";
//  4. SI base form, preceded by "<scale>*" when the scale is not one:
//     "1e-9*m^2*kg*s^-1*A^-1", "60*s".
std::string Unit::canonical() const {
  if (dim.isDimensionless())
    return scale.str();
  for (const Named &u : namedUnits())
    if (u.canonical && u.dim == dim)
      if (auto s = prefixed(u, scale))
        return *s;
  if (auto perTime = checkedCombine(dim, Dimension::of(Dimension::Time), +1))
    for (const Named &u : namedUnits())
      if (u.canonical && u.dim == *perTime)
        if (auto s = prefixed(u, scale))
          return *s + "/s";
  return scale.isOne() ? dim.str() : scale.str() + "*" + dim.str();
}

std::optional<Unit> lookupUnitWord(std::string_view word) {
  if (word.empty())
    return std::nullopt;
  for (const Named &u : namedUnits()) // exact names first: "min", "h", "Pa", "cd"
    if (u.name == word)
      return Unit{u.dim, u.scale, std::string(word)};
  // One prefix, then a prefixable name. No two splits can both succeed ("d"/"da" would
  // need a unit name starting with 'a'), so the first hit is the only one.
  for (const Prefix &p : kPrefixes) {
    if (word.size() <= p.sym.size() || !word.starts_with(p.sym))
      continue;
    std::string_view rest = word.substr(p.sym.size());
    for (const Named &u : namedUnits())
      if (u.prefixable && u.name == rest)
        if (auto s = u.scale.times(Scale::powerOfTen(p.exp10)))
          return Unit{u.dim, *s, std::string(word)};
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Suggestions
// ---------------------------------------------------------------------------------------

namespace {

// Minimal UTF-8 decoder so "µs" counts as two characters in the edit distance.
std::u32string codePoints(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out += cp;
    i += size_t(len);
  }
  return out;
}

size_t editDistance(const std::u32string &a, const std::u32string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string asciiLower(std::string_view s) {
  std::string out(s);
  for (char &c : out)
    if (c >= 'A' && c <= 'Z')
      c = char(c - 'A' + 'a');
  return out;
}

// Every named unit, then ASCII-prefixed prefixable ones, commonest prefixes first; the
// position in this list breaks ties between equally good suggestions.
const std::vector<std::string> &suggestionCandidates() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> v;
    for (const Named &u : namedUnits())
      v.emplace_back(u.name);
    for (std::string_view p : {"m", "u", "n", "p", "k", "M", "G", "f", "c", "d", "da", "h",
                               "T", "P", "E", "Z", "Y", "a", "z", "y"})
      for (const Named &u : namedUnits())
        if (u.prefixable && static_cast<unsigned char>(u.name[0]) < 0x80)
          v.push_back(std::string(p) + std::string(u.name));
    return v;
  }();
  return list;
}

} // namespace

std::string suggestUnitWord(std::string_view raw) {
  // Candidates spell micro as "u"; compare the word the same way ("µVs" -> "uV").
  std::string word(raw);
  for (std::string_view mu : {"\xC2\xB5", "\xCE\xBC"})
    for (size_t at; (at = word.find(mu)) != std::string::npos;)
      word.replace(at, mu.size(), "u");
  const auto &cands = suggestionCandidates();
  std::vector<std::pair<size_t, size_t>> hits; // (distance, candidate index)
  std::string lower = asciiLower(word);
  for (size_t i = 0; i < cands.size(); ++i)
    if (cands[i] != word && asciiLower(cands[i]) == lower)
      hits.push_back({0, i});
  if (hits.empty()) {
    // An edit distance as long as the word itself would "match" anything that short.
    std::u32string w = codePoints(word);
    for (size_t i = 0; i < cands.size(); ++i) {
      size_t dist = editDistance(w, codePoints(cands[i]));
      if (dist > 0 && dist <= 2 && dist < w.size())
        hits.push_back({dist, i});
    }
    std::stable_sort(hits.begin(), hits.end());
  }
  std::string out;
  for (size_t k = 0; k < hits.size() && k < 3; ++k)
    out += (k ? "', '" : "") + cands[hits[k].second];
  return out;
}

} // namespace soma
