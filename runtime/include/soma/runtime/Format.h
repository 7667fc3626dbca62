// Number formatting shared by the runtime's messages and output files.
//
// Output files must read back to the exact doubles the simulation produced, in any
// locale: std::to_chars gives the shortest decimal string that round-trips (and is
// locale-independent, unlike printf/iostreams).
#pragma once

#include <string>

namespace soma::runtime {

/// Appends the shortest decimal form of `value` that parses back to the same double:
/// plain notation for 0 and magnitudes in [1e-5, 1e16) ("0.1", "1000000", "0.0001"),
/// otherwise the shortest of plain and exponent form ("1e-300", "1e+20"); "nan", "inf",
/// "-inf" for non-finite values.
void appendDouble(std::string &out, double value);

/// The shortest round-trip form of `value`, as appendDouble.
std::string formatDouble(double value);

/// `value` rounded to `significantDigits` in %g style ("0.3", "1500", "1e+06"); for
/// human-facing labels such as axis ticks, not for data.
std::string formatDoubleRounded(double value, int significantDigits);

} // namespace soma::runtime
