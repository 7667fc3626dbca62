// Raster plot of recorded spikes as a standalone SVG file.
//
// Time in ms runs along x, neurons along y with populations stacked in population order
// (population 0 at the bottom, global index = offset of the population + index), one
// colour per population with a legend, ticks labelled in ms and neuron index, and a title.
//
// Size stays bounded whatever the spike count: up to `maxMarks` spikes each get a short
// vertical tick; above that the plot becomes a 2-D histogram (cells of about 4 x 4 px,
// never straddling two populations) whose opacity grows with the spike count in the cell,
// in 8 levels. One <path> per population (per level) holds all its marks. With the
// default size the file stays below about 1 MB for any number of spikes.
#pragma once

#include "soma/runtime/Output.h"

#include <cstdint>
#include <span>
#include <string>

namespace soma::runtime {

struct RasterOptions {
  std::string title = "Spike raster";
  uint32_t width = 960, height = 540; // px, including margins and legend
  uint64_t maxMarks = 50000;          // above this many spikes, bin
};

/// The SVG document. The time axis spans [0, max(steps, last spike step) * dt]. Throws
/// RuntimeError for a spike out of range of `populations`, dt <= 0, or a size too small to
/// hold the plot.
std::string renderRasterSvg(std::span<const PopulationInfo> populations, std::span<const SpikeEvent> spikes,
                            double dtMs, uint64_t steps, const RasterOptions &options = {});

void writeRasterSvg(const std::string &path, std::span<const PopulationInfo> populations,
                    std::span<const SpikeEvent> spikes, double dtMs, uint64_t steps,
                    const RasterOptions &options = {});

} // namespace soma::runtime
