// Graph pass: which states of each population somebody reads.
//
// A state of a population is live when
//   * it is recorded, or it is the `onto` target of an edge into the population;
//   * a synapse of an edge at either end reads it (`pre.x`, `post.x`), or a signal does
//     (`mean(P.x)`);
//   * the model's threshold, refractory period or a condition (`if`) reads it;
//   * the equation or an assignment of a live state reads it, or the initial value of a
//     live state does (a fixed point: a state read only by dead states is dead).
// Everything else is removable: Vertex::live[s] is false, and the codegen may skip storing,
// integrating and updating it. Nothing is deleted from the ir::Model (its indices stay).
#pragma once

#include "NetworkGraph.h"

namespace soma::graph {

/// Fills Vertex::live of every population of `g`.
void pruneUnreadState(NetworkGraph &g, const std::vector<ir::Model> &models);

} // namespace soma::graph
