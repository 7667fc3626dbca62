// Source files and locations.
//
// Every AST node carries a SourceRange. Columns count Unicode code points from 1, so a
// caret lands under the right character in lines that hold µ, Ω or τ.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace soma {

struct SourceRange {
  uint32_t file = 0;                   // index into SourceManager; 0 = no file
  uint32_t line = 0, col = 0;          // start, 1-based
  uint32_t endLine = 0, endCol = 0;    // one past the last code point
  bool valid() const { return file != 0 && line != 0; }
  static SourceRange join(const SourceRange &a, const SourceRange &b);
};

/// Limits on what the front end accepts; documented in docs/language.md ("Limits").
struct SourceLimits {
  static constexpr size_t kMaxFileBytes = 16u << 20;  // 16 MiB
  static constexpr int kMaxBracketDepth = 256;
  static constexpr int kMaxOperatorsPerStatement = 10000;
};

class SourceManager {
public:
  SourceManager();
  /// Adds a buffer; returns its id (>= 1).
  uint32_t add(std::string path, std::string text);
  const std::string &path(uint32_t id) const { return files_[id].path; }
  const std::string &text(uint32_t id) const { return files_[id].text; }
  /// The text of a 1-based line without its line terminator.
  std::string_view line(uint32_t id, uint32_t line) const;

private:
  struct File {
    std::string path, text;
    std::vector<uint32_t> lineStarts;
  };
  std::vector<File> files_;
};

/// Byte offset of the first invalid UTF-8 sequence, or npos when `text` is valid UTF-8
/// (no overlongs, no surrogates, nothing above U+10FFFF).
size_t findInvalidUtf8(std::string_view text);
/// Number of code points in valid UTF-8 `text`.
size_t countCodePoints(std::string_view text);

} // namespace soma
