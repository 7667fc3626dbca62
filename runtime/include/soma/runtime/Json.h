// A small JSON emitter for the run summary and other machine-read reports.
//
// Pretty-printed (two-space indent, one member per line) so summaries diff well. Strings
// are escaped per RFC 8259; bytes that are not valid UTF-8 become U+FFFD, so the output is
// always valid JSON. Non-finite numbers, which JSON cannot express, are written as null.
// Misuse (a value where a key is due, unbalanced end*) is a programming error and throws
// std::logic_error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace soma::runtime {

/// Appends `text` as a quoted, escaped JSON string.
void appendJsonString(std::string &out, std::string_view text);

class JsonWriter {
public:
  JsonWriter &beginObject();
  JsonWriter &endObject();
  JsonWriter &beginArray();
  JsonWriter &endArray();
  /// The name of the next member; only inside an object.
  JsonWriter &key(std::string_view name);

  JsonWriter &string(std::string_view text);
  /// Shortest round-trip form; NaN and infinities become null.
  JsonWriter &number(double value);
  JsonWriter &integer(int64_t value);
  JsonWriter &unsignedInteger(uint64_t value);
  JsonWriter &boolean(bool value);
  JsonWriter &null();

  /// The document, ending in a newline; throws std::logic_error unless exactly one
  /// complete value was written.
  std::string finish() const;

private:
  void beforeValue();
  void open(char bracket, bool isObject);
  void close(char bracket, bool isObject);
  void newline(size_t depth);

  struct Level {
    bool isObject;
    bool empty = true;
    bool keyPending = false;
  };
  std::string out_;
  std::vector<Level> stack_;
  bool done_ = false;
};

} // namespace soma::runtime
