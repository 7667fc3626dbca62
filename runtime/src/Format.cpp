#include "soma/runtime/Format.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace soma::runtime {

void appendDouble(std::string &out, double value) {
  char buf[64];
  // Plain notation where it stays short ("1000000", "0.0001" rather than "1e+06", "1e-04"):
  // both forms are the shortest that round-trip within their notation.
  const double magnitude = std::fabs(value);
  const bool plain = value == 0 || (magnitude >= 1e-5 && magnitude < 1e16);
  const auto result = plain ? std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed)
                            : std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

std::string formatDouble(double value) {
  std::string out;
  appendDouble(out, value);
  return out;
}

std::string formatDoubleRounded(double value, int significantDigits) {
  char buf[64];
  significantDigits = std::clamp(significantDigits, 1, 17);
  const auto result =
      std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, significantDigits);
  return std::string(buf, result.ptr);
}

} // namespace soma::runtime
