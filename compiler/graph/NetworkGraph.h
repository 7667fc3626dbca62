// The network graph IR: one graph per network, built from the checked AST of the network
// and the model IR of the neurons and synapses it instantiates.
//
//   typed AST (NetworkDef) + ir::Model[] ──buildNetworkGraph──▶ NetworkGraph
//       ──foldConstants──▶ every value evaluated where it is known; uniform / per element
//       ──pruneUnreadState──▶ per population, which states somebody reads (`live`)
//       ──printGraph / printGraphDot──▶ `somac emit --stage=graph [--format=dot]`
//
// A vertex is a population or a source, an edge a projection: one edge per (pre, post)
// pair of a `connect` (`connect A -> B, C` makes two edges that share `connect`).
//
// Units are gone, as in the model IR, and every number is in a fixed runtime unit:
//  * times (delays, source start/stop, spike times, t_max, record every/from/to, run
//    duration and dt) in milliseconds;
//  * rates (poisson rate, max_rate) in Hz (per second);
//  * population overrides and defaults in the declared unit of the member they set;
//  * synapse arguments in the declared unit of the parameter; an argument of a generic
//    `quantity` parameter keeps the unit of the argument, recorded in Value::unit;
//  * a current source's amplitude and an analog source's signal, and encoder thresholds,
//    keep their own unit (recorded): a direct connect converts with its Edge::factor.
// What a synapse delivers arrives in Edge::delivered; Edge::factor turns it into the onto
// target's unit (Edge::onto.unit): `static(w = 0.03 nA) onto I_syn` (pA) keeps w = 0.03
// (nA) and has factor 1000. The values themselves are never rescaled for the target, so that
// a plastic weight keeps the unit its rule was written in.
#pragma once

#include "Diagnostics.h"
#include "ModelIR.h"
#include "Sema.h"

// Boost.Graph's named-graph support trips GCC's -Wuninitialized under the sanitizers
// (a boost::optional it never reads); the warning is about Boost, not this code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/graph/adjacency_list.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace soma::graph {

/// How a value varies over the elements (neurons, synapses, channels) it is set for.
enum class Variation {
  Unknown,     // foldConstants has not run
  Constant,    // a number: `node` is an ir::Op::Const
  Uniform,     // the same for every element, but not folded (e.g. it reads a per-element
               // parameter of the model through a default, or an unevaluated function)
  PerElement,  // reads `i`/`j`, draws from a distribution, or reads a per-element value
};
const char *variationName(Variation v);

/// One value of the network: an expression of `i`, `j`, distributions and constants (and,
/// for a model default, of the model's parameters and internals), a number in `unit`.
struct Value {
  ir::NodeRef node;            // null: not set (a parameter without default: sema rejects)
  Unit unit;                   // the unit of the number node computes
  bool given = false;          // set in the network; otherwise the model's default
  Variation variation = Variation::Unknown;
  std::string stream;          // random stream of its distributions: "CUBA.P.v"
  SourceRange range;           // the expression in the network (given values)

  bool isConstant() const { return node && node->op == ir::Op::Const; }
  double number() const { return node->value; }
};

struct NamedValue {
  std::string name;
  Value value;
};

/// Elements [first, last) of a population or source.
struct Slice {
  int first = 0, last = 0;
  bool whole = true;           // no brackets in the source
  int size() const { return last - first; }
};

enum class VertexKind { Population, Poisson, SpikeArray, Current, Analog };
const char *vertexKindName(VertexKind k);

struct Encoder {
  std::string name;                     // rate, latency, delta, sigma_delta
  std::vector<NamedValue> args;         // max_rate Hz, t_max ms, threshold (own unit), adapt,
                                        // tau_adapt ms
  SourceRange range;
};

/// A population or a source.
struct Vertex {
  std::string name;
  VertexKind kind = VertexKind::Population;
  int size = 0;
  SourceRange range;
  // Populations.
  int model = -1;                       // index into the models of lowerModels
  /// One per model parameter, internal and state (in the model's order): the override
  /// of the population or the model's default, in the member's declared unit.
  std::vector<Value> params, internals, states;
  /// One per state after pruneUnreadState: false = nobody reads it (the codegen may skip
  /// it). Empty before the pass runs.
  std::vector<bool> live;
  // Sources, by argument name in the order of the source's signature: poisson rate (Hz),
  // start/stop (ms); current amplitude (own unit), start/stop (ms); analog signal (own unit).
  std::vector<NamedValue> args;
  /// spike_array times in ms: one list (every channel the same) or one list per channel.
  std::vector<std::vector<double>> times;
  std::string file;                     // spike_array / analog file argument
  std::optional<Encoder> encoder;       // analog sources only
  std::vector<ir::Unsupported> unsupported;
};

enum class ConnectorKind { AllToAll, OneToOne, FixedProbability, FixedIndegree, FixedOutdegree, FromFile };
const char *connectorName(ConnectorKind k);

struct Connector {
  ConnectorKind kind = ConnectorKind::AllToAll;  // all pairs when the connect has no `by`
  bool given = false;                            // a `by` clause
  SourceRange range;
  double p = 0;                                  // fixed_probability
  long long k = 0;                               // fixed_indegree / fixed_outdegree
  std::string file;                              // from_file
  /// Defaults (docs/language.md, runtime Connectivity.h): allow_self is false when pre and
  /// post are the same population (whatever the slices) and true otherwise; allow_multiple
  /// is false. A file is taken literally (both true). one_to_one connects i -> i.
  bool allowSelf = true, allowMultiple = false;
  bool allowSelfGiven = false, allowMultipleGiven = false;
  /// Pre and post are the same population (whatever the slices). A self-connection is
  /// pre.first + i == post.first + j (slice-local i, j), not i == j, when the slices differ.
  bool samePopulation = false;
};

/// What `onto` names in the postsynaptic model.
struct Onto {
  enum Kind { None, State, Input, SegmentMember } kind = None;
  int index = -1;                  // State/Input: into the post model's states / inputs;
                                   // SegmentMember: the segment's input in the model's inputs
                                   // (-1: not an input)
  int segments = 0;                // SegmentMember input: the size of the segment array
  std::string segment, member;     // SegmentMember: `dend.active`; otherwise member only
  Unit unit;                       // the target's declared unit
  std::string inputKind;           // Input: current, conductance, spike, continuous, ...
  SourceRange range;
};

/// One statement of a synapse whose value lands in the postsynaptic (or presynaptic)
/// neuron, for one connect: the unit its value has here and the factor into the target.
struct Conversion {
  enum Kind { Deliver, PreWrite, PostWrite } kind = Deliver;
  SourceRange range;               // the statement in the synapse (ir::Stmt::range)
  std::string target;              // the onto member, or the member written (`post.x`)
  Unit from, to;
  double factor = 1;
};

/// A projection: the synapses of one (pre, post) pair of a connect.
struct Edge {
  int id = 0;                      // creation order = source order
  int connect = 0;                 // the connect statement (its index among the network's)
  std::string name;                // the connect's name, "" when unnamed
  SourceRange range;
  int preVertex = -1, postVertex = -1;
  Slice pre, post;                 // pre/post elements, [first, last)
  int synapse = -1;                // synapse model index; -1: direct (no `with`)
  /// Synapses: one per synapse parameter (the argument or the default). Generic
  /// (`quantity`) parameters keep the argument's unit (Value::unit).
  std::vector<Value> args;
  std::vector<bool> generic;       // parallel to args
  std::vector<Value> internals;    // the synapse's internals (model defaults)
  std::vector<Value> states;       // synapse states' initial values (model defaults)
  Connector connector;
  Value delay;                     // ms; one step (dt) when the connect has none
  bool delayGiven = false;
  Onto onto;
  /// The unit of what arrives at the target (the synapse's `deliver` here, a source's value
  /// for a direct connect) and the factor into onto.unit. NaN when the synapse has several
  /// delivers in different units (then see conversions).
  Unit delivered;
  double factor = 1;
  std::vector<Conversion> conversions;  // every deliver and pre./post. write of the synapse
  std::vector<ir::Unsupported> unsupported;
};

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, Vertex, Edge>;
using VertexId = boost::graph_traits<Graph>::vertex_descriptor;
using EdgeId = boost::graph_traits<Graph>::edge_descriptor;

struct Signal {
  std::string name;
  ir::NodeRef value;
  Type type;
  Unit unit;                       // of value (the declared unit when typed)
  Variation variation = Variation::Unknown;
  SourceRange range;
};

struct Broadcast {
  struct Target {
    std::string owner;             // population or named connect
    int vertex = -1;               // a population
    std::vector<int> edges;        // a named connect: its edge ids
    std::string input;             // the modulator input
    int index = -1;                // into the model's inputs
    Unit unit;
    double factor = 1;             // signal unit -> input unit
    SourceRange range;
  };
  std::string signal;
  int signalIndex = -1;
  std::vector<Target> targets;
  SourceRange range;
};

struct Record {
  std::string owner;               // population, source or named connect
  int vertex = -1;                 // population or source
  std::vector<int> edges;          // named connect: its edge ids
  Slice slice;                     // neurons or channels; for a connect written without
                                   // brackets whole with bounds 0 (synapses are counted at
                                   // run time)
  std::string member;              // "spikes" or a model member
  enum MemberKind { Spikes, Param, Internal, State, Input, Other } memberKind = Spikes;
  int index = -1;                  // into the model's params/internals/states/inputs
  Unit unit;                       // of the recorded column
  double every = 0;                // ms; 0: every step
  double from = 0;                 // ms
  double to = -1;                  // ms; < 0: the end of the run
  SourceRange range;
};

struct Run {
  bool given = false;              // the network has a `run`
  double duration = 0;             // ms
  double dt = 0.1;                 // ms; 0.1 ms when not given
  bool dtGiven = false;
  long long seed = 0;
  bool seedGiven = false;
  std::string method;              // "" = each model's own choice
  SourceRange range;
};

struct NetworkGraph {
  std::string name;
  SourceRange range;
  Graph g;
  std::vector<Signal> signals;
  std::vector<Broadcast> broadcasts;
  std::vector<Record> records;
  Run run;
  const std::vector<ir::Model> *models = nullptr;  // what Vertex::model and Edge::synapse index
};

/// The edges in creation (source) order.
std::vector<EdgeId> edgesInOrder(const NetworkGraph &g);
/// The vertex named `name`, or -1.
int findVertex(const NetworkGraph &g, const std::string &name);

/// Builds the graph of one network that sema accepted. Reports what only the graph can see
/// (one_to_one of unequal sizes, a fixed degree larger than the candidates, a constant
/// delay shorter than half a step) through `diags`.
NetworkGraph buildNetworkGraph(const SemaResult &sema, const std::vector<ir::Model> &models, const NetworkDef &net,
                               DiagnosticEngine &diags);

/// Text dump: the run, then one block per vertex and per edge (a header line, then one line
/// per resolved value with its unit), then signals, broadcasts and records; source order.
void printGraph(const NetworkGraph &g, std::ostream &out);
/// Graphviz: vertices labelled name / model / size, edges synapse / connector / delay.
void printGraphDot(const NetworkGraph &g, std::ostream &out);

/// `somac emit --stage=graph [--format=dot]`: builds the graph of every network of the main
/// file, runs foldConstants and pruneUnreadState, and prints them (separated by a blank
/// line). Prints nothing when building reports an error (the caller checks `diags`).
void emitGraph(const SemaResult &sema, const std::vector<ir::Model> &models, DiagnosticEngine &diags,
               std::ostream &out, bool dot);

} // namespace soma::graph
