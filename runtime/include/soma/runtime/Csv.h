// The small CSV dialect of every input file (connections, analog signals, spike times):
// a header line naming the columns, then one record a line; fields separated by commas and
// trimmed of spaces and tabs; blank lines and lines starting with '#' skipped; CRLF and a
// leading UTF-8 byte order mark accepted. Errors are the caller's, as "FILE:LINE: message".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace soma::runtime {

/// `s` without leading spaces and tabs, and without trailing spaces, tabs and '\r'.
std::string_view trimCsvField(std::string_view s);

/// The trimmed fields of one line.
std::vector<std::string_view> splitCsvFields(std::string_view line);

/// Calls `record(lineNumber, fields)` for every line that is not blank or a comment, in
/// order (line numbers from 1, counting every line); the first call is the header.
void forEachCsvLine(std::string_view text,
                    const std::function<void(uint64_t, const std::vector<std::string_view> &)> &record);

/// A finite decimal number (a leading '+' allowed), or false.
bool parseCsvNumber(std::string_view field, double &value);

/// Spike times from CSV text with the columns `channel,t_ms` (in either order), one spike
/// a line, channels below `channels`, times finite and >= 0; returns one list per channel
/// in file order. Throws RuntimeError "SOURCE:LINE: ..." on bad input.
std::vector<std::vector<double>> parseSpikeTimesCsv(std::string_view text, std::string_view sourceName,
                                                    uint32_t channels);
/// The same from a file (the path as given, from the working directory).
std::vector<std::vector<double>> readSpikeTimesFile(const std::string &path, uint32_t channels);

/// One number per line after a header naming one column (from_file in a network value):
/// the values in file order. Throws RuntimeError "PATH:LINE: ..." on bad input.
std::vector<double> parseValuesCsv(std::string_view text, std::string_view sourceName);
std::vector<double> readValuesFile(const std::string &path);

} // namespace soma::runtime
