// The model IR: one Model per neuron or synapse kind, lowered from the checked AST.
//
// Expressions are immutable DAG nodes. Every value is a plain double in a known unit: the
// unit sema gave the expression. Lowering has already inserted the exact scale factors, so
// nothing below this point knows about units: a state holds its value in its declared unit,
// an ODE right-hand side is the derivative of that value per millisecond, and time (t, dt)
// is in milliseconds. Aliases, lets and user functions are inlined.
#pragma once

#include "AST.h"

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace soma::ir {

enum class Op {
  Const, Param, Internal, State, Input, Time, Dt,
  PreState, PostState,          // synapses: a member of the neuron at either end (by name)
  Neg, Not,
  Add, Sub, Mul, Div, Mod, Pow,
  Lt, Le, Gt, Ge, Eq, Ne, And, Or,
  Select,                       // args: condition, then, else
  Call,                         // built-in math by name: exp, log, tanh, min, max, clip, ...
  Random,                       // name: random_uniform | random_normal; index: draw number
  // Network expressions only (lowerNetworkExpr): values set per neuron or per synapse.
  PreIndex,                     // `i`: the neuron's index in a population override, the
                                //   presynaptic index in a connect (both within the population)
  PostIndex,                    // `j`: the postsynaptic index in a connect
  Distribution,                 // name: uniform | normal | lognormal | exponential; args: its
                                //   parameters (in the unit of the result); index: draw number
  PopulationMember,             // name: "Pop.member", the member over a whole population (a
                                //   vector; only under reductions in signals)
  // Neurons with segments.
  SegmentReduce,                // name: any | all | count | sum | mean | min | max; index:
                                //   the segment array (Model::segments); args[0]: the value
                                //   of one segment, reading that segment's inputs (Op::Input
                                //   of the segment's inputs) and uniform values only
};

struct Node;
using NodeRef = std::shared_ptr<const Node>;

struct Node {
  Op op;
  double value = 0;             // Const
  int index = -1;               // Param/Internal/State/Input slot, Random draw number
  std::string name;             // Call function, Pre/PostState member, Random kind
  std::vector<NodeRef> args;
};

// Builders fold constants and drop neutral operands, so printed IR stays readable and
// derivatives do not explode.
NodeRef constant(double v);
NodeRef leaf(Op op, int index, std::string name = {});
NodeRef unary(Op op, NodeRef a);
NodeRef binary(Op op, NodeRef a, NodeRef b);
NodeRef select(NodeRef c, NodeRef a, NodeRef b);
NodeRef call(std::string fn, std::vector<NodeRef> args);
/// A reduction over a neuron's segment array `segment` of the per-segment `element`.
NodeRef segmentReduce(std::string fn, int segment, NodeRef element);
/// A draw from a distribution (network values): never folded.
NodeRef distribution(std::string kind, int draw, std::vector<NodeRef> params);

bool isConst(const NodeRef &n, double v);
/// What a binary operator computes on numbers (booleans are 0/1); NaN for other ops.
/// Constant folding and the evaluator share it, so folded and evaluated values agree.
double applyBinary(Op op, double a, double b);
/// True if `n` reads any node for which `pred` holds.
bool reads(const NodeRef &n, bool (*pred)(const Node &));
/// d n / d State[state], simplified; null if the expression is not differentiable in a
/// way the analysis trusts (a state inside a condition, a call without a known derivative).
/// `piecewise`: the derivative almost everywhere, for Jacobians of numerical methods: a
/// condition (select, comparison) counts as constant, abs/min/max/clip/sigmoid and
/// state-dependent exponents are differentiated; null only for calls without a rule.
NodeRef derivative(const NodeRef &n, int state, bool piecewise = false);
/// `n` with each leaf for which `leaf` returns a node replaced by it (null: kept), rebuilt
/// with the folding builders.
NodeRef replaceLeaves(const NodeRef &n, const std::function<NodeRef(const Node &)> &leaf);
/// `n` with State[i] replaced by values[i] where values[i] is non-null.
NodeRef substitute(const NodeRef &n, const std::vector<NodeRef> &values);

/// One declared variable of a model.
struct Variable {
  std::string name;
  Type type;                    // unit and kind from sema
  NodeRef init;                 // default / initial value (may be null)
  std::string inputKind;        // inputs only
  SourceRange range;
  int segment = -1;             // inputs only: the segment array it belongs to (its name is
                                //   "SEGMENT.member"; one value per segment of each neuron)
};

struct Stmt;
using StmtList = std::vector<Stmt>;

/// Assignments are lowered to plain `=`: `x += v` becomes `x = x + v` with v converted.
struct Stmt {
  enum Kind { Assign, If, Deliver } kind;
  Op targetOp = Op::State;      // State, PreState or PostState
  int target = -1;
  std::string targetName;
  NodeRef value;                // Assign/Deliver value, If condition
  Type valueType;               // Deliver: the unit the value is in (the target converts)
  StmtList thenBody, elseBody;
  SourceRange range;
};

struct Ode {
  int state;
  NodeRef rhs;                  // d state / dt, in the state's unit per ms
  SourceRange range;
};

/// How a group of coupled ODEs is advanced over one step.
enum class Method { Exact, Euler, RK4, RKF45, ExpEuler, Implicit };
const char *methodName(Method m);

/// rkf45 (Dormand-Prince 5(4)): per-state error tolerance atol + rtol * |x| (x in the
/// state's unit), and the most sub-step attempts (accepted or rejected) within one dt.
constexpr double kRkf45Rtol = 1e-6;
constexpr double kRkf45Atol = 1e-9;
constexpr int kRkf45MaxAttempts = 1000;

struct Subsystem {
  std::vector<int> states;      // indices into Model::states, in declaration order
  Method method = Method::RK4;
  bool linear = false;          // affine with constant coefficients: x' = A x + b
  std::string why;              // why this method: "linear, constant coefficients", ...
  std::vector<std::vector<NodeRef>> A;  // linear only: A[i][j] = d x_i' / d x_j (params only)
  std::vector<NodeRef> b;       // linear only: x' at x = 0 (params and inputs)
  /// exp_euler (diagonal only) and implicit: J[i][j] = d x_i' / d x_j, piecewise; may read
  /// states, time and inputs; null where the derivative is unknown (the method takes 0).
  std::vector<std::vector<NodeRef>> J;
  std::vector<NodeRef> Jt;      // implicit: d x_i' / d t (explicit time dependence); null: 0
};

struct EventBlock {
  std::string kind;             // pre, post, spike, signal
  std::string name;
  StmtList body;
  SourceRange range;
};

/// `segment NAME[size] { … }` of a neuron: `size` compartments that count their own inputs.
/// Its inputs are appended to Model::inputs (Variable::segment says whose); its parameters,
/// internals and aliases are inlined. `threshold` is the value of `NAME.fired` for one
/// segment: it reads that segment's inputs and values fixed before the run (parameters,
/// internals, constants) only. Null: the segment never fires.
struct Segment {
  std::string name;
  int size = 0;
  std::vector<int> inputs;      // indices into Model::inputs
  NodeRef threshold;
  SourceRange range;
};

/// A construct this lowering cannot express yet; a target reports it as unsupported.
struct Unsupported {
  std::string what;
  SourceRange range;
};

struct Model {
  std::string name;
  bool isSynapse = false;
  SourceRange range;
  std::vector<Variable> params, internals, states, inputs;
  std::vector<Ode> odes;
  std::vector<Subsystem> subsystems;
  std::string methodOverride;   // `dynamics using NAME`
  NodeRef threshold;            // null: never fires
  NodeRef thresholdUnfolded;    // the threshold as written, when foldThreshold rewrote it
  std::string resetKind;        // "", "hard", "soft"
  StmtList reset, update, continuous;
  NodeRef refractory;           // in ms; null: none
  std::vector<int> clamps;      // states held during refractoriness
  std::vector<EventBlock> events;
  std::vector<Segment> segments;
  std::vector<Unsupported> unsupported;
};

std::string toString(const NodeRef &n, const Model &m);
/// `somac emit --stage=model`.
void printModel(const Model &m, std::ostream &out);

} // namespace soma::ir
