// Raster SVG: layout, axes, legend, and marks or a binned histogram (see RasterSvg.h).
#include "soma/runtime/RasterSvg.h"

#include "soma/runtime/AtomicFile.h"
#include "soma/runtime/Error.h"
#include "soma/runtime/Format.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace soma::runtime {

namespace {

// Matplotlib's "tab10": distinct, colour-blind-friendlier than primaries.
constexpr const char *kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr double kLeft = 70, kRight = 190, kTop = 48, kBottom = 50; // margins, px
constexpr double kCellPx = 4;        // target histogram cell size
constexpr uint64_t kMaxCells = 36000; // ~26 bytes each: bounds the file near 1 MB
constexpr int kLevels = 8;           // opacity levels of the histogram

void appendXmlEscaped(std::string &out, std::string_view text) {
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default: out += c;
    }
  }
}

/// Coordinates with one decimal: a tenth of a pixel is finer than any display.
void appendPx(std::string &out, double value) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 1);
  out.append(buf, r.ptr);
}

/// A step of 1, 2 or 5 times a power of ten giving about `target` intervals over `range`.
double niceStep(double range, int target) {
  const double raw = range / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
}

struct Layout {
  double x0, y0, w, h; // plot area
  double tMax;         // ms at the right edge
  double neurons;      // total neurons (>= 1)
  double x(double tMs) const { return x0 + tMs / tMax * w; }
  /// y of the boundary below global index g (g = 0 at the bottom edge).
  double y(double g) const { return y0 + h - g / neurons * h; }
};

/// <text> at (x, y) with the given anchor, escaped.
void appendText(std::string &out, double x, double y, const char *anchor, std::string_view text,
                std::string_view extra = {}) {
  out += "<text x=\"";
  appendPx(out, x);
  out += "\" y=\"";
  appendPx(out, y);
  out += "\" text-anchor=\"";
  out += anchor;
  out += '"';
  out.append(extra);
  out += '>';
  appendXmlEscaped(out, text);
  out += "</text>\n";
}

void appendLine(std::string &out, double x1, double y1, double x2, double y2, std::string_view style) {
  out += "<line x1=\"";
  appendPx(out, x1);
  out += "\" y1=\"";
  appendPx(out, y1);
  out += "\" x2=\"";
  appendPx(out, x2);
  out += "\" y2=\"";
  appendPx(out, y2);
  out += "\" ";
  out.append(style);
  out += "/>\n";
}

void appendAxes(std::string &out, const Layout &l) {
  out += "<rect x=\"";
  appendPx(out, l.x0);
  out += "\" y=\"";
  appendPx(out, l.y0);
  out += "\" width=\"";
  appendPx(out, l.w);
  out += "\" height=\"";
  appendPx(out, l.h);
  out += "\" fill=\"none\" stroke=\"#000\"/>\n";
  const double tStep = niceStep(l.tMax, 8);
  for (int k = 0; k * tStep <= l.tMax * (1 + 1e-9); ++k) {
    const double t = k * tStep, x = l.x(std::min(t, l.tMax));
    appendLine(out, x, l.y0 + l.h, x, l.y0 + l.h + 5, "stroke=\"#000\"");
    appendText(out, x, l.y0 + l.h + 18, "middle", formatDoubleRounded(t, 6));
  }
  const double gStep = std::max(1.0, niceStep(l.neurons, 6));
  for (int k = 0; k * gStep <= l.neurons * (1 + 1e-9); ++k) {
    const double g = k * gStep, y = l.y(std::min(g, l.neurons));
    appendLine(out, l.x0 - 5, y, l.x0, y, "stroke=\"#000\"");
    appendText(out, l.x0 - 8, y + 4, "end", formatDoubleRounded(g, 10));
  }
  appendText(out, l.x0 + l.w / 2, l.y0 + l.h + 38, "middle", "time (ms)");
  std::string rotate = " transform=\"rotate(-90 ";
  appendPx(rotate, 18);
  rotate += ' ';
  appendPx(rotate, l.y0 + l.h / 2);
  rotate += ")\"";
  appendText(out, 18, l.y0 + l.h / 2, "middle", "neuron index", rotate);
}

void appendLegend(std::string &out, const Layout &l, std::span<const PopulationInfo> pops, double height) {
  const double x = l.x0 + l.w + 16;
  double y = l.y0 + 4;
  for (size_t p = 0; p < pops.size(); ++p, y += 18) {
    if (y + 30 > height && p + 1 < pops.size()) {
      appendText(out, x, y + 10, "start", "... and " + std::to_string(pops.size() - p) + " more");
      break;
    }
    out += "<rect x=\"";
    appendPx(out, x);
    out += "\" y=\"";
    appendPx(out, y);
    out += "\" width=\"12\" height=\"12\" fill=\"";
    out += kPalette[p % std::size(kPalette)];
    out += "\"/>\n";
    appendText(out, x + 18, y + 10, "start", pops[p].name + " (" + std::to_string(pops[p].size) + ")");
  }
}

/// One vertical tick per spike, one path per population.
void appendMarks(std::string &out, const Layout &l, std::span<const PopulationInfo> pops,
                 std::span<const uint64_t> offsets, std::span<const SpikeEvent> spikes, double dtMs) {
  const double tick = std::clamp(0.8 * l.h / l.neurons, 1.0, 6.0);
  std::vector<std::string> paths(pops.size());
  for (const SpikeEvent &s : spikes) {
    std::string &d = paths[s.population];
    d += 'M';
    appendPx(d, l.x(double(s.step) * dtMs));
    d += ' ';
    appendPx(d, l.y(double(offsets[s.population] + s.index) + 0.5) - tick / 2);
    d += 'v';
    appendPx(d, tick);
  }
  for (size_t p = 0; p < pops.size(); ++p) {
    if (paths[p].empty()) continue;
    out += "<path stroke=\"";
    out += kPalette[p % std::size(kPalette)];
    out += "\" stroke-width=\"1\" fill=\"none\" d=\"";
    out += paths[p];
    out += "\"/>\n";
  }
}

/// A 2-D histogram: per population, rows of the band by index and columns by time.
void appendBins(std::string &out, const Layout &l, std::span<const PopulationInfo> pops,
                std::span<const uint64_t> offsets, std::span<const SpikeEvent> spikes, double dtMs) {
  std::vector<uint64_t> rows(pops.size(), 0);
  uint64_t totalRows = 0;
  for (size_t p = 0; p < pops.size(); ++p) {
    if (pops[p].size == 0) continue;
    const double bandPx = l.h * pops[p].size / l.neurons;
    rows[p] = std::min<uint64_t>(pops[p].size, std::max<uint64_t>(1, uint64_t(std::lround(bandPx / kCellPx))));
    totalRows += rows[p];
  }
  uint64_t cols = std::max<uint64_t>(1, uint64_t(l.w / kCellPx));
  if (cols * totalRows > kMaxCells) cols = std::max<uint64_t>(1, kMaxCells / std::max<uint64_t>(1, totalRows));
  std::vector<std::vector<uint32_t>> counts(pops.size());
  for (size_t p = 0; p < pops.size(); ++p) counts[p].assign(rows[p] * cols, 0);
  uint32_t maxCount = 0;
  for (const SpikeEvent &s : spikes) {
    const uint64_t col = std::min<uint64_t>(cols - 1, uint64_t(double(s.step) * dtMs / l.tMax * double(cols)));
    const uint64_t row = uint64_t(s.index) * rows[s.population] / pops[s.population].size;
    uint32_t &c = counts[s.population][row * cols + col];
    if (c < UINT32_MAX) ++c;
    maxCount = std::max(maxCount, c);
  }
  const double cellW = l.w / double(cols);
  for (size_t p = 0; p < pops.size(); ++p) {
    std::vector<std::string> paths(kLevels);
    for (uint64_t r = 0; r < rows[p]; ++r) {
      // Row r holds indices [size*r/rows, size*(r+1)/rows) of the population.
      const double top = l.y(double(offsets[p]) + double(pops[p].size) * double(r + 1) / double(rows[p]));
      const double bottom = l.y(double(offsets[p]) + double(pops[p].size) * double(r) / double(rows[p]));
      for (uint64_t c = 0; c < cols; ++c) {
        const uint32_t n = counts[p][r * cols + c];
        if (n == 0) continue;
        const int level = std::clamp(int(std::ceil(double(kLevels) * n / maxCount)), 1, kLevels);
        std::string &d = paths[size_t(level - 1)];
        d += 'M';
        appendPx(d, l.x0 + double(c) * cellW);
        d += ' ';
        appendPx(d, top);
        d += 'h';
        appendPx(d, cellW);
        d += 'v';
        appendPx(d, bottom - top);
        d += 'h';
        appendPx(d, -cellW);
        d += 'z';
      }
    }
    for (int level = 1; level <= kLevels; ++level) {
      if (paths[size_t(level - 1)].empty()) continue;
      out += "<path fill=\"";
      out += kPalette[p % std::size(kPalette)];
      out += "\" fill-opacity=\"" + formatDoubleRounded(double(level) / kLevels, 3) + "\" d=\"";
      out += paths[size_t(level - 1)];
      out += "\"/>\n";
    }
  }
}

} // namespace

std::string renderRasterSvg(std::span<const PopulationInfo> pops, std::span<const SpikeEvent> spikes,
                            double dtMs, uint64_t steps, const RasterOptions &options) {
  if (!(dtMs > 0) || !std::isfinite(dtMs))
    throw RuntimeError("raster: the time step must be positive, got " + formatDouble(dtMs) + " ms");
  if (options.width < kLeft + kRight + 100 || options.height < kTop + kBottom + 100)
    throw RuntimeError("raster: the plot needs at least " + std::to_string(int(kLeft + kRight + 100)) + " x " +
                       std::to_string(int(kTop + kBottom + 100)) + " px");
  std::vector<uint64_t> offsets(pops.size() + 1, 0);
  for (size_t p = 0; p < pops.size(); ++p) offsets[p + 1] = offsets[p] + pops[p].size;
  uint64_t lastStep = steps;
  for (const SpikeEvent &s : spikes) {
    if (s.population >= pops.size() || s.index >= pops[s.population].size)
      throw RuntimeError("raster: spike of neuron " + std::to_string(s.index) + " of population " +
                         std::to_string(s.population) + " is out of range");
    lastStep = std::max(lastStep, s.step);
  }
  const double width = options.width, height = options.height;
  Layout l{kLeft, kTop, width - kLeft - kRight, height - kTop - kBottom,
           lastStep > 0 ? double(lastStep) * dtMs : dtMs, std::max<double>(1, double(offsets.back()))};

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(options.width) + "\" height=\"" +
         std::to_string(options.height) + "\" viewBox=\"0 0 " + std::to_string(options.width) + " " +
         std::to_string(options.height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  out += "<title>";
  appendXmlEscaped(out, options.title);
  out += "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  appendText(out, l.x0 + l.w / 2, 20, "middle", options.title, " font-size=\"15\"");
  const bool binned = spikes.size() > options.maxMarks;
  appendText(out, l.x0 + l.w / 2, 38, "middle",
             std::to_string(spikes.size()) + " spikes" +
                 (binned ? "; binned (darker cells hold more spikes)" : ""),
             " font-size=\"11\" fill=\"#555\"");
  if (binned)
    appendBins(out, l, pops, offsets, spikes, dtMs);
  else
    appendMarks(out, l, pops, offsets, spikes, dtMs);
  for (size_t p = 1; p < pops.size(); ++p) // population boundaries
    appendLine(out, l.x0, l.y(double(offsets[p])), l.x0 + l.w, l.y(double(offsets[p])),
               "stroke=\"#999\" stroke-dasharray=\"4 3\"");
  appendAxes(out, l);
  appendLegend(out, l, pops, height);
  out += "</svg>\n";
  return out;
}

void writeRasterSvg(const std::string &path, std::span<const PopulationInfo> populations,
                    std::span<const SpikeEvent> spikes, double dtMs, uint64_t steps, const RasterOptions &options) {
  writeFileAtomically(path, renderRasterSvg(populations, spikes, dtMs, steps, options));
}

} // namespace soma::runtime
