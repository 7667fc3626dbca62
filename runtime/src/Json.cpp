#include "soma/runtime/Json.h"

#include "soma/runtime/Format.h"

#include <cmath>
#include <stdexcept>

namespace soma::runtime {

namespace {

/// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid (overlong forms,
/// surrogates and code points above U+10FFFF are invalid).
size_t utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  size_t length;
  uint32_t cp;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) length = 2, cp = b0 & 0x1F;
  else if (b0 >= 0xE0 && b0 <= 0xEF) length = 3, cp = b0 & 0x0F;
  else if (b0 >= 0xF0 && b0 <= 0xF4) length = 4, cp = b0 & 0x07;
  else return 0;
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (byte(i + k) & 0x3F);
  }
  if ((length == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return length;
}

} // namespace

void appendJsonString(std::string &out, std::string_view text) {
  static const char *hex = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
    case '"': out += "\\\""; ++i; continue;
    case '\\': out += "\\\\"; ++i; continue;
    case '\b': out += "\\b"; ++i; continue;
    case '\f': out += "\\f"; ++i; continue;
    case '\n': out += "\\n"; ++i; continue;
    case '\r': out += "\\r"; ++i; continue;
    case '\t': out += "\\t"; ++i; continue;
    default: break;
    }
    if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++i;
      continue;
    }
    const size_t length = utf8SequenceLength(text, i);
    if (length == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  out += '"';
}

void JsonWriter::newline(size_t depth) {
  out_ += '\n';
  out_.append(depth * 2, ' ');
}

void JsonWriter::beforeValue() {
  if (done_) throw std::logic_error("JsonWriter: a second top-level value");
  if (stack_.empty()) return;
  Level &level = stack_.back();
  if (level.isObject) {
    if (!level.keyPending) throw std::logic_error("JsonWriter: a value in an object needs a key");
    level.keyPending = false;
    return;
  }
  if (!level.empty) out_ += ',';
  level.empty = false;
  newline(stack_.size());
}

JsonWriter &JsonWriter::key(std::string_view name) {
  if (stack_.empty() || !stack_.back().isObject || stack_.back().keyPending)
    throw std::logic_error("JsonWriter: a key outside an object or after another key");
  Level &level = stack_.back();
  if (!level.empty) out_ += ',';
  level.empty = false;
  level.keyPending = true;
  newline(stack_.size());
  appendJsonString(out_, name);
  out_ += ": ";
  return *this;
}

void JsonWriter::open(char bracket, bool isObject) {
  beforeValue();
  out_ += bracket;
  stack_.push_back({isObject});
}

void JsonWriter::close(char bracket, bool isObject) {
  if (stack_.empty() || stack_.back().isObject != isObject || stack_.back().keyPending)
    throw std::logic_error("JsonWriter: unbalanced end of object or array");
  const bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline(stack_.size());
  out_ += bracket;
  done_ = stack_.empty();
}

JsonWriter &JsonWriter::beginObject() { open('{', true); return *this; }
JsonWriter &JsonWriter::endObject() { close('}', true); return *this; }
JsonWriter &JsonWriter::beginArray() { open('[', false); return *this; }
JsonWriter &JsonWriter::endArray() { close(']', false); return *this; }

JsonWriter &JsonWriter::string(std::string_view text) {
  beforeValue();
  appendJsonString(out_, text);
  done_ = stack_.empty();
  return *this;
}

JsonWriter &JsonWriter::number(double value) {
  if (!std::isfinite(value)) return null();
  beforeValue();
  appendDouble(out_, value);
  done_ = stack_.empty();
  return *this;
}

JsonWriter &JsonWriter::integer(int64_t value) {
  beforeValue();
  out_ += std::to_string(value);
  done_ = stack_.empty();
  return *this;
}

JsonWriter &JsonWriter::unsignedInteger(uint64_t value) {
  beforeValue();
  out_ += std::to_string(value);
  done_ = stack_.empty();
  return *this;
}

JsonWriter &JsonWriter::boolean(bool value) {
  beforeValue();
  out_ += value ? "true" : "false";
  done_ = stack_.empty();
  return *this;
}

JsonWriter &JsonWriter::null() {
  beforeValue();
  out_ += "null";
  done_ = stack_.empty();
  return *this;
}

std::string JsonWriter::finish() const {
  if (!done_) throw std::logic_error("JsonWriter: the document is incomplete");
  return out_ + '\n';
}

} // namespace soma::runtime
