// Unit tests for the output writers: atomic files, JSON, spikes/state CSV, summary, raster
// SVG (runtime/include/soma/runtime/{AtomicFile,Json,Output,RasterSvg}.h).
#include "soma/runtime/AtomicFile.h"
#include "soma/runtime/Error.h"
#include "soma/runtime/Json.h"
#include "soma/runtime/Output.h"
#include "soma/runtime/Random.h"
#include "soma/runtime/RasterSvg.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace soma::runtime;

namespace {

/// A fresh directory per test, removed with its files afterwards.
class OutputTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "soma_rt_XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    for (const std::string &name : entries()) ::unlink((dir_ + "/" + name).c_str());
    ::rmdir((dir_ + "/sub").c_str());
    ::rmdir(dir_.c_str());
  }
  std::string path(const std::string &name) const { return dir_ + "/" + name; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(dir_.c_str())) {
      while (const dirent *e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
      ::closedir(d);
    }
    return names;
  }
  std::string dir_;
};

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

/// A minimal XML well-formedness check: balanced, properly nested tags, quoted attributes,
/// no raw '<' or stray '&' in text. Returns "" when well formed, else what is wrong.
std::string xmlProblem(const std::string &xml) {
  std::vector<std::string> open;
  int roots = 0;
  for (size_t i = 0; i < xml.size();) {
    if (xml[i] == '&') {
      const size_t semi = xml.find(';', i);
      const std::string entity = semi == std::string::npos ? "" : xml.substr(i, semi - i + 1);
      if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" && entity != "&apos;")
        return "bad entity at " + std::to_string(i);
      i = semi + 1;
      continue;
    }
    if (xml[i] != '<') {
      if (open.empty() && !std::isspace(static_cast<unsigned char>(xml[i]))) return "text outside the root";
      ++i;
      continue;
    }
    if (xml.compare(i, 5, "<?xml") == 0) {
      const size_t end = xml.find("?>", i);
      if (end == std::string::npos || i != 0) return "bad XML declaration";
      i = end + 2;
      continue;
    }
    // A tag: scan to '>' outside quotes.
    size_t j = i + 1;
    char quote = 0;
    for (; j < xml.size() && (quote || xml[j] != '>'); ++j) {
      if (quote && xml[j] == '<') return "'<' in an attribute value";
      if (xml[j] == '"' || xml[j] == '\'') quote = quote == xml[j] ? 0 : (quote ? quote : xml[j]);
    }
    if (j >= xml.size()) return "unterminated tag";
    std::string tag = xml.substr(i + 1, j - i - 1);
    i = j + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return "mismatched </" + tag.substr(1) + ">";
      open.pop_back();
      continue;
    }
    const bool selfClosing = tag.back() == '/';
    const std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
    if (open.empty()) ++roots;
    if (!selfClosing) open.push_back(name);
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (roots != 1) return "expected one root element, found " + std::to_string(roots);
  return "";
}

size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

const std::vector<PopulationInfo> kPops{{"Exc", 80}, {"Inh", 20}};

} // namespace

// ---- AtomicFile -------------------------------------------------------------------------

TEST_F(OutputTest, AtomicFileReplacesAndLeavesNoTemporary) {
  writeFileAtomically(path("a.txt"), "old");
  {
    AtomicFile f(path("a.txt"));
    f.write("new ");
    EXPECT_EQ(readFile(path("a.txt")), "old"); // readers see the old file until commit
    EXPECT_TRUE(exists(f.temporaryPath()));
    EXPECT_EQ(f.temporaryPath().rfind(path("a.txt.tmp."), 0), 0u);
    f.write(std::string(3 << 20, 'x')); // more than one write block
    f.commit();
  }
  EXPECT_EQ(readFile(path("a.txt")), "new " + std::string(3 << 20, 'x'));
  EXPECT_EQ(entries(), std::vector<std::string>{"a.txt"});
}

TEST_F(OutputTest, AtomicFileAbandonedRemovesTemporary) {
  writeFileAtomically(path("b.txt"), "keep");
  try {
    AtomicFile f(path("b.txt"));
    f.write("partial");
    throw std::runtime_error("simulated failure before commit");
  } catch (const std::runtime_error &) {
  }
  EXPECT_EQ(readFile(path("b.txt")), "keep");
  EXPECT_EQ(entries(), std::vector<std::string>{"b.txt"});
}

TEST_F(OutputTest, AtomicFileErrors) {
  try {
    AtomicFile f(path("missing/c.txt"));
    FAIL() << "no error";
  } catch (const RuntimeError &e) {
    EXPECT_EQ(std::string(e.what()), "cannot create '" + path("missing/c.txt") + "': No such file or directory");
  }
  // Renaming a file over a directory fails at commit: error, temporary removed.
  ASSERT_EQ(::mkdir(path("sub").c_str(), 0755), 0);
  AtomicFile f(path("sub"));
  f.write("x");
  EXPECT_THROW(f.commit(), RuntimeError);
  EXPECT_EQ(entries(), std::vector<std::string>{"sub"});
  EXPECT_THROW(f.write("y"), RuntimeError);
}

// ---- JSON -------------------------------------------------------------------------------

TEST(Json, EscapesStrings) {
  std::string s;
  appendJsonString(s, std::string("q\"b\\n\n\t\x01\x1f/\x7f", 12));
  EXPECT_EQ(s, "\"q\\\"b\\\\n\\n\\t\\u0001\\u001f/\x7f\\u0000\""); // NUL included
  s.clear();
  appendJsonString(s, "\xce\xbcV \xcf\x84 \xf0\x9f\x98\x80"); // µV τ and an emoji stay as they are
  EXPECT_EQ(s, "\"\xce\xbcV \xcf\x84 \xf0\x9f\x98\x80\"");
  s.clear();
  appendJsonString(s, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xce"); // invalid, overlong, surrogate, truncated
  EXPECT_EQ(s, "\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\"");
}

TEST(Json, WritesNestedValues) {
  JsonWriter w;
  w.beginObject();
  w.key("a").integer(-3);
  w.key("b").beginArray().number(0.1).number(NAN).boolean(true).null().unsignedInteger(18446744073709551615ull).endArray();
  w.key("c").beginObject().endObject();
  w.key("d").beginArray().endArray();
  w.key("e").number(-INFINITY);
  w.endObject();
  EXPECT_EQ(w.finish(), "{\n  \"a\": -3,\n  \"b\": [\n    0.1,\n    null,\n    true,\n    null,\n"
                        "    18446744073709551615\n  ],\n  \"c\": {},\n  \"d\": [],\n  \"e\": null\n}\n");
}

TEST(Json, MisuseIsALogicError) {
  EXPECT_THROW(JsonWriter().beginObject().string("no key"), std::logic_error);
  EXPECT_THROW(JsonWriter().beginArray().key("k"), std::logic_error);
  EXPECT_THROW(JsonWriter().beginArray().endObject(), std::logic_error);
  EXPECT_THROW(JsonWriter().beginObject().finish(), std::logic_error);
  EXPECT_THROW(JsonWriter().integer(1).integer(2), std::logic_error);
  EXPECT_EQ(JsonWriter().string("x").finish(), "\"x\"\n");
}

// ---- spikes and state CSV ---------------------------------------------------------------

TEST_F(OutputTest, SpikesCsvSortedAndExact) {
  const std::vector<SpikeEvent> spikes{{3, 1, 5}, {3, 0, 7}, {1, 1, 0}, {3, 0, 2}, {10, 0, 0}, {1, 0, 79}};
  const std::vector<PopulationInfo> pops{{"Exc", 80}, {"In,h", 20}};
  writeSpikesCsv(path("spikes.csv"), pops, spikes, 0.1);
  EXPECT_EQ(readFile(path("spikes.csv")), "population,index,t_ms\n"
                                          "Exc,79,0.1\n"
                                          "\"In,h\",0,0.1\n"
                                          "Exc,2,0.30000000000000004\n"
                                          "Exc,7,0.30000000000000004\n"
                                          "\"In,h\",5,0.30000000000000004\n"
                                          "Exc,0,1\n");
  // Every printed time parses back to exactly step * dt.
  for (uint64_t step : {1ull, 3ull, 7ull, 123456789ull}) {
    writeSpikesCsv(path("one.csv"), pops, std::vector<SpikeEvent>{{step, 0, 0}}, 0.1);
    const std::string text = readFile(path("one.csv"));
    const size_t comma = text.rfind(',');
    double t = 0;
    std::from_chars(text.data() + comma + 1, text.data() + text.size() - 1, t);
    EXPECT_EQ(t, double(step) * 0.1) << text;
  }
  EXPECT_THROW(writeSpikesCsv(path("bad.csv"), pops, std::vector<SpikeEvent>{{1, 2, 0}}, 0.1), RuntimeError);
  EXPECT_THROW(writeSpikesCsv(path("bad.csv"), pops, std::vector<SpikeEvent>{{1, 1, 20}}, 0.1), RuntimeError);
  EXPECT_FALSE(exists(path("bad.csv")));
}

TEST_F(OutputTest, StateCsvHeaderAndRows) {
  {
    StateCsvWriter w(path("state.csv"),
                     {{"Exc", 0, "v", "mV"}, {"Exc", 1, "v", "mV"}, {"Inh", 3, "x_pre", ""}}, 0.1);
    w.addRow(0, std::vector<double>{-65, -64.5, 0});
    w.addRow(1, std::vector<double>{-64.99999999999999, 1e-300, 0.25});
    EXPECT_THROW(w.addRow(2, std::vector<double>{1.0}), RuntimeError);
    EXPECT_FALSE(exists(path("state.csv")));
    w.commit();
  }
  EXPECT_EQ(readFile(path("state.csv")), "t_ms,Exc[0].v (mV),Exc[1].v (mV),Inh[3].x_pre\n"
                                         "0,-65,-64.5,0\n"
                                         "0.1,-64.99999999999999,1e-300,0.25\n");
}

TEST_F(OutputTest, SummaryJson) {
  RunSummary s;
  s.model = "examples/\"brunel\".soma";
  s.dtMs = 0.1;
  s.steps = 10000;
  s.seed = 42;
  s.populations = {{"Exc", 3200, 64000}, {"Empty", 0, 0}};
  s.metrics = {{"wall_s", 1.25}, {"events", 1e6}};
  s.files = {{"spikes", "out/spikes.csv"}};
  writeSummaryJson(path("summary.json"), s);
  EXPECT_EQ(readFile(path("summary.json")), R"({
  "model": "examples/\"brunel\".soma",
  "dt_ms": 0.1,
  "steps": 10000,
  "t_stop_ms": 1000,
  "seed": 42,
  "populations": [
    {
      "name": "Exc",
      "size": 3200,
      "spikes": 64000,
      "rate_hz": 20
    },
    {
      "name": "Empty",
      "size": 0,
      "spikes": 0,
      "rate_hz": null
    }
  ],
  "metrics": {
    "wall_s": 1.25,
    "events": 1000000
  },
  "files": {
    "spikes": "out/spikes.csv"
  }
}
)");
}

// ---- raster SVG -------------------------------------------------------------------------

TEST(RasterSvg, SmallRasterHasMarksAxesAndLegend) {
  const std::vector<SpikeEvent> spikes{{5, 0, 1}, {10, 0, 79}, {12, 1, 0}, {900, 1, 19}};
  RasterOptions o;
  o.title = "Brunel <A&B>";
  const std::string svg = renderRasterSvg(kPops, spikes, 0.1, 1000, o);
  EXPECT_EQ(xmlProblem(svg), "");
  EXPECT_NE(svg.find("<title>Brunel &lt;A&amp;B&gt;</title>"), std::string::npos);
  EXPECT_NE(svg.find(">Exc (80)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">Inh (20)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">time (ms)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">neuron index</text>"), std::string::npos);
  EXPECT_NE(svg.find(">100</text>"), std::string::npos); // last x tick: t = 100 ms
  EXPECT_EQ(count(svg, "<path "), 2u);                 // one per population
  EXPECT_EQ(count(svg, "M"), 4u);                       // one mark per spike
  EXPECT_EQ(svg.find("binned"), std::string::npos);
}

TEST(RasterSvg, EmptyAndErrors) {
  const std::string svg = renderRasterSvg(kPops, {}, 0.1, 0);
  EXPECT_EQ(xmlProblem(svg), "");
  EXPECT_THROW(renderRasterSvg(kPops, std::vector<SpikeEvent>{{1, 0, 80}}, 0.1, 10), RuntimeError);
  EXPECT_THROW(renderRasterSvg(kPops, {}, 0.0, 10), RuntimeError);
  RasterOptions tiny;
  tiny.width = 100;
  EXPECT_THROW(renderRasterSvg(kPops, {}, 0.1, 10, tiny), RuntimeError);
}

TEST(RasterSvg, MillionSpikesStayUnderTwoMegabytes) {
  // 10^6 spikes spread over 10^4 neurons and 10^4 steps fill every histogram cell: the
  // worst case for size.
  const std::vector<PopulationInfo> pops{{"Exc", 8000}, {"Inh", 2000}, {"P", 5}};
  const RandomStream rs(1, streamId("test.raster"));
  std::vector<SpikeEvent> spikes;
  spikes.reserve(1000000);
  for (uint64_t i = 0; i < 1000000; ++i) {
    const uint32_t g = uint32_t(rs.index(i, 0, 0, 10005));
    const uint32_t pop = g < 8000 ? 0 : g < 10000 ? 1 : 2;
    spikes.push_back({rs.index(i, 0, 1, 10000), pop, g - (pop == 0 ? 0 : pop == 1 ? 8000 : 10000)});
  }
  const std::string svg = renderRasterSvg(pops, spikes, 0.1, 10000);
  EXPECT_LT(svg.size(), 2u << 20);
  EXPECT_EQ(xmlProblem(svg), "");
  EXPECT_NE(svg.find("1000000 spikes; binned"), std::string::npos);
  // A larger canvas still stays bounded by the cell budget.
  RasterOptions big;
  big.width = 4000;
  big.height = 3000;
  const std::string bigSvg = renderRasterSvg(pops, spikes, 0.1, 10000, big);
  EXPECT_LT(bigSvg.size(), 2u << 20);
  EXPECT_EQ(xmlProblem(bigSvg), "");
}

TEST_F(OutputTest, RasterFileParsesWithPython) {
  // An independent XML parser, where python3 is available.
  if (std::system("python3 -c 'import xml.dom.minidom' >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  const std::vector<SpikeEvent> spikes{{5, 0, 1}, {12, 1, 0}};
  RasterOptions o;
  o.title = "quotes \" and ' and <tags> & µs";
  writeRasterSvg(path("raster.svg"), kPops, spikes, 0.1, 100, o);
  const std::string cmd = "python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
                          "assert d.documentElement.tagName == \"svg\"' " + path("raster.svg");
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(XmlCheck, NegativeControl) {
  // The well-formedness check used above must reject broken documents.
  EXPECT_NE(xmlProblem("<svg><g></svg>"), "");
  EXPECT_NE(xmlProblem("<svg><g/></g></svg>"), "");
  EXPECT_NE(xmlProblem("<svg>a & b</svg>"), "");
  EXPECT_NE(xmlProblem("<svg x=\"<\"/>"), "");
  EXPECT_NE(xmlProblem("<a/><b/>"), "");
  EXPECT_EQ(xmlProblem("<?xml version=\"1.0\"?>\n<svg a='1'><t>x &amp; y</t><g/></svg>\n"), "");
}
