// UTF-8 validation and code-point columns: the guard in front of the ANTLR runtime.
#include "Source.h"

#include <gtest/gtest.h>

using namespace soma;

TEST(Utf8, AcceptsAsciiAndMultibyte) {
  EXPECT_EQ(findInvalidUtf8("v' = -v / tau"), std::string_view::npos);
  EXPECT_EQ(findInvalidUtf8("τ_m = 10 ms; R = 1 MΩ; I = 2 µA; 🧠"), std::string_view::npos);
  EXPECT_EQ(findInvalidUtf8(""), std::string_view::npos);
}

TEST(Utf8, RejectsStrayContinuationAndTruncation) {
  EXPECT_EQ(findInvalidUtf8("ab\x80"), 2u);
  EXPECT_EQ(findInvalidUtf8("a\xCE"), 1u);          // τ cut after its first byte
  EXPECT_EQ(findInvalidUtf8("a\xE2\x82"), 1u);      // 3-byte sequence cut short
  EXPECT_EQ(findInvalidUtf8("\xCEx"), 0u);          // lead byte followed by ASCII
}

TEST(Utf8, RejectsOverlongSurrogatesAndOutOfRange) {
  EXPECT_EQ(findInvalidUtf8("\xC0\xAF"), 0u);        // overlong '/'
  EXPECT_EQ(findInvalidUtf8("\xE0\x80\xAF"), 0u);    // overlong, 3 bytes
  EXPECT_EQ(findInvalidUtf8("\xED\xA0\x80"), 0u);    // U+D800, a surrogate
  EXPECT_EQ(findInvalidUtf8("\xF4\x90\x80\x80"), 0u); // above U+10FFFF
  EXPECT_EQ(findInvalidUtf8("\xFF"), 0u);
}

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(countCodePoints("abc"), 3u);
  EXPECT_EQ(countCodePoints("τ_m"), 3u);
  EXPECT_EQ(countCodePoints("µΩ"), 2u);
}

TEST(SourceManager, LinesWithoutTerminators) {
  SourceManager sm;
  uint32_t id = sm.add("f.soma", "one\r\ntwo\n\nfour");
  EXPECT_EQ(sm.line(id, 1), "one");
  EXPECT_EQ(sm.line(id, 2), "two");
  EXPECT_EQ(sm.line(id, 3), "");
  EXPECT_EQ(sm.line(id, 4), "four");
  EXPECT_EQ(sm.line(id, 5), "");
}
