// From a checked program to the graph `somac run` simulates: shared by the driver (`somac
// run`, `somac build`) and by the libraries `somac build` writes (soma_run), so that both
// build the same network from the same sources. No LLVM.
#pragma once

#include "Frontend.h"
#include "NetworkGraph.h"
#include "Simulation.h"

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace soma::sim {

/// `--set NAME=VALUE` overrides of network constants, in command-line order.
using ConstantOverrides = std::vector<std::pair<std::string, std::string>>;

enum class OverrideStatus { Ok, BadValue, UnknownName };

/// Replaces the value of every network constant of `main` named by an override with the
/// parsed VALUE (before analysis). BadValue: a VALUE did not parse (reported to
/// fe.diags()); UnknownName: no network of `main` has the constant `unknown`.
OverrideStatus applyConstantOverrides(Frontend &fe, Module &main, const ConstantOverrides &sets,
                                      std::string &unknown);

/// The models and the network graph of one run.
struct LoweredNetwork {
  std::vector<ir::Model> models;
  std::optional<graph::NetworkGraph> graph;  // set on success
};

/// Lowers the analysed program of `fe` and builds, folds and prunes the graph of the one
/// network the main file `file` defines (and warns about stiffness for its dt). Returns 0 on success, 1 when the models have
/// errors (reported; diagnostics finished) or the file defines no network or several
/// (said on `err`).
int lowerNetwork(Frontend &fe, const std::string &file, LoweredNetwork &out, std::ostream &err);

/// A SimulationError as a diagnostic at its location: `… is not supported by target cpu`
/// (unsupported-by-target) or the message as is (simulation-error). Finishes the diagnostics.
void reportSimulationError(Frontend &fe, const SimulationError &e);

} // namespace soma::sim
