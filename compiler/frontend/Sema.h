// Semantic analysis: names, types and physical units.
//
// The checks, in the order a model is walked (each is marked "// Check N" in Sema.cpp):
//  1. every name is declared once per scope, and every use resolves (with "did you mean");
//  2. each item is allowed where it stands (neuron, synapse, segment) and appears once;
//  3. declared types and initial values agree, in dimension and in kind (int, bool, real);
//  4. arithmetic is dimensionally consistent: + - % and comparisons need equal dimensions,
//     * / ^ combine them, exp/log/tanh/... need dimensionless arguments;
//  5. x' has the dimension of x per time; thresholds and conditions are boolean;
//     refractory periods and delays are times, rates are frequencies;
//  6. events: `on pre/post` only in synapses, `on spike/signal` name a matching input;
//  7. assignments target states (or the synapse's endpoints), with matching dimension;
//  8. networks: populations name neurons, connects name synapses and connectors whose
//     arguments are known and dimensionally right; each synapse body is re-checked with
//     the concrete neurons it connects (pre./post. members, `deliver` onto the target);
//  9. constants that must be known at compile time (sizes, slices, probabilities) are;
// 10. warnings: unused parameters, names that shadow others.
#pragma once

#include "AST.h"
#include "Diagnostics.h"

#include <string>
#include <vector>

namespace soma {

struct SemaModuleInput {
  Module *module;
  std::vector<const Module *> imports;  // modules whose definitions it sees
};

/// A declaration of a neuron or synapse as sema resolved it; later stages lower from this.
struct MemberInfo {
  enum Kind { Param, State, Internal, Input, Alias, Segment, Function } kind;
  std::string name;
  Type type;                          // resolved (vectors: type.vectorSize)
  std::string inputKind;              // Input: current, conductance, spike, continuous, modulator
  const Expr *init = nullptr;         // default, initial value or alias expression
  const FunctionDef *function = nullptr;
  bool generic = false;               // synapse parameter of type `quantity`
  SourceRange range;
  // Segment: its size (0 when sema rejected it), its item and its own members.
  int segmentSize = 0;
  const ModelItem *segmentItem = nullptr;
  std::vector<MemberInfo> segmentMembers;
};

struct ModelSummary {
  const ModelDef *def = nullptr;
  std::vector<MemberInfo> members;    // declaration order
};

/// A module-level function or constant.
struct GlobalInfo {
  std::string name;
  Type type;
  const Expr *init = nullptr;         // constants
  const FunctionDef *function = nullptr;
};

/// A network sema checked; later stages build its graph from the typed AST.
struct NetworkSummary {
  const NetworkDef *def = nullptr;
  bool inMainModule = false;          // defined in the main file (the last module)
};

struct SemaResult {
  int neurons = 0, synapses = 0, networks = 0, functions = 0;
  std::vector<ModelSummary> models;   // every neuron and synapse of the program
  std::vector<NetworkSummary> networkDefs; // every network, modules in dependency order
  std::vector<GlobalInfo> globals;
  /// `somac emit --stage=sema`: every definition with the resolved type of each member.
  std::string summary;
};

/// Analyses modules given in dependency order. Reports through `diags`.
SemaResult analyzeProgram(const std::vector<SemaModuleInput> &modules, DiagnosticEngine &diags);

} // namespace soma
