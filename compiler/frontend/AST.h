// The Soma abstract syntax tree.
//
// One plain struct per syntactic category, every node with a SourceRange. Expressions
// (and unit expressions, which reuse Expr) are a tagged node with children; their
// destructor is iterative so that a pathological chain of a million operators cannot
// overflow the stack when it is freed. Sema fills the `type` slot of expressions.
#pragma once

#include "Source.h"
#include "Units.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace soma {

// ------------------------------------------------------------------ types seen by sema

/// The type of a value. Quantities carry a unit (dimensionless reals have an empty one).
struct Type {
  enum Kind { Error, Real, Int, Bool, String, List, Any } kind = Error;
  Unit unit;            // for Real (and Int, which is always dimensionless)
  int vectorSize = 0;   // 0 = scalar, n > 0 = vector of n
  bool random = false;  // a distribution: one draw per element where it initialises

  static Type error() { return {}; }
  static Type real(Unit u = {}) { Type t; t.kind = Real; t.unit = std::move(u); return t; }
  static Type integer() { Type t; t.kind = Int; return t; }
  static Type boolean() { Type t; t.kind = Bool; return t; }
  static Type string() { Type t; t.kind = String; return t; }
  static Type list() { Type t; t.kind = List; return t; }
  static Type any() { Type t; t.kind = Any; return t; }
  bool isNumeric() const { return kind == Real || kind == Int; }
  bool isError() const { return kind == Error; }
  /// "mV", "real", "int", "bool", "mV[4]", "string", "list"
  std::string str() const;
};

// ------------------------------------------------------------------ expressions

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  Number,     // value, isInt; child 0 (optional) = unit expression
  Bool,       // boolValue
  String,     // text
  Name,       // text
  Endpoint,   // text = "pre" | "post", member = field
  Unary,      // op "-", "+", "not"; child 0
  Binary,     // op; children 0, 1
  Conditional,// children: cond, then, else
  Call,       // child 0 callee; args; argNames (empty = positional)
  Index,      // children: base, index[, slice end]
  Member,     // child 0 base; member
  List,       // children
  Conversion, // child 0 value, child 1 unit expression
  // unit expressions (only under Number, Conversion and types)
  UnitWord,   // text
  UnitOne,    // the 1 in 1/ms
  UnitBinary, // op "*" | "/"; children 0, 1
  UnitPower,  // child 0; power
};

struct Expr {
  ExprKind kind;
  SourceRange range;
  std::string text;           // name, operator, string contents, unit word
  std::string member;         // Member / Endpoint field
  double value = 0;           // Number
  bool isInt = false;         // Number written without '.' or exponent
  bool boolValue = false;
  int power = 0;              // UnitPower
  bool afterNumber = false;   // UnitWord read from the name right after a number
  std::vector<ExprPtr> children;
  std::vector<std::string> argNames;     // Call: parallel to children[1..]; "" = positional
  std::vector<SourceRange> argNameRanges;
  Type type;                  // filled by sema

  Expr(ExprKind k, SourceRange r) : kind(k), range(r) {}
  ~Expr();
  Expr(const Expr &) = delete;
  Expr &operator=(const Expr &) = delete;
};

ExprPtr makeExpr(ExprKind k, SourceRange r);

/// A declared type: `mV`, `real`, `[mV/ms]`, `int[8]`.
struct TypeSyntax {
  SourceRange range;
  ExprPtr unit;   // unit expression; a single word may be real/int/bool/quantity
  bool bracketed = false;
  ExprPtr size;   // vector length, or null
};

// ------------------------------------------------------------------ statements

struct LValue {
  SourceRange range;
  std::vector<std::string> path;      // post.I_syn -> {"post", "I_syn"}
  std::vector<SourceRange> pathRanges;
  ExprPtr index;                      // x[i]
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

enum class StmtKind { Let, Assign, If, Deliver, Ode, Alias };

struct Stmt {
  StmtKind kind;
  SourceRange range;
  std::string name;                   // Let, Ode, Alias
  SourceRange nameRange;
  std::optional<TypeSyntax> type;     // Let, Alias
  LValue target;                      // Assign
  std::string op;                     // Assign: "=", "+=", "-=", "*=", "/="
  ExprPtr value;                      // Let, Assign, Deliver, Ode, Alias; If: condition
  StmtList thenBody, elseBody;        // If
  bool elseIsIf = false;              // `else if`: elseBody holds one If
};

// ------------------------------------------------------------------ neurons and synapses

struct VarDecl {
  std::string name;
  SourceRange range;
  std::optional<TypeSyntax> type;
  ExprPtr init;
};

struct PortDecl {
  std::string kind;                   // current, conductance, spike, continuous, modulator
  SourceRange kindRange;
  std::string name;
  SourceRange range;
  std::optional<TypeSyntax> type;
};

struct Param {
  std::string name;
  SourceRange range;
  TypeSyntax type;
};

struct FunctionDef {
  std::string name;
  SourceRange range, nameRange;
  std::vector<Param> params;
  std::optional<TypeSyntax> result;
  ExprPtr body;
};

enum class ItemKind {
  Parameter, State, Internal, Input, Dynamics, Update, Threshold, Reset, Refractory,
  On, Continuous, Segment, Function
};

struct ModelItem {
  ItemKind kind;
  SourceRange range;                  // the keyword
  std::vector<VarDecl> vars;          // Parameter, State, Internal
  std::vector<PortDecl> ports;        // Input
  StmtList stmts;                     // Dynamics, Update, Reset, On, Continuous
  ExprPtr expr;                       // Threshold condition, Refractory period, Segment count
  std::string word;                   // Dynamics method, Reset hard/soft, On: pre/post/spike/signal
  std::string name;                   // On: input name; Segment: name
  SourceRange nameRange;
  std::vector<std::string> clamps;    // Refractory
  std::vector<SourceRange> clampRanges;
  std::vector<ModelItem> items;       // Segment body
  std::unique_ptr<FunctionDef> function;
};

struct ModelDef {
  bool isSynapse = false;
  std::string name;
  SourceRange range, nameRange;
  std::vector<ModelItem> items;
};

// ------------------------------------------------------------------ networks

struct Arg {
  std::string name;                   // "" = positional
  SourceRange nameRange;
  ExprPtr value;
};

struct PopRef {
  std::string name;
  SourceRange range;
  ExprPtr first, last;                // Pop[first] or Pop[first:last]; null = whole
  bool isSlice = false;
};

struct CallClause {                   // `with stdp(a = 1)`, `by fixed_probability(0.1)`
  bool present = false;
  std::string name;
  SourceRange range;
  bool hasParens = false;
  std::vector<Arg> args;
};

enum class NetItemKind { Const, Population, Source, Connect, Signal, Broadcast, Record, Run };

struct RecordTarget {
  PopRef pop;
  std::string member;
  SourceRange memberRange;
};

struct NetItem {
  NetItemKind kind;
  SourceRange range;
  std::string name;                   // Const, Population, Source, Connect (may be ""), Signal, Broadcast
  SourceRange nameRange;
  std::optional<TypeSyntax> type;     // Const, Signal
  ExprPtr value;                      // Const, Signal value; Population/Source size; Run duration
  // Population
  std::string model;
  SourceRange modelRange;
  std::vector<Arg> inits;             // `{ v = … }`
  // Source
  CallClause source, encoder;         // source.name = kind, source.args
  // Connect
  std::vector<PopRef> pres, posts;
  CallClause synapse, connector;
  ExprPtr delay;
  std::vector<std::string> onto;      // {"I_syn"} or {"dend", "count"}
  SourceRange ontoRange;
  // Broadcast
  std::vector<LValue> targets;
  // Record
  std::vector<RecordTarget> records;
  ExprPtr every, from, to;
  // Run
  std::vector<Arg> options;
};

struct NetworkDef {
  std::string name;
  SourceRange range, nameRange;
  std::vector<NetItem> items;
};

// ------------------------------------------------------------------ modules

struct ConstDef {
  std::string name;
  SourceRange range, nameRange;
  std::optional<TypeSyntax> type;
  ExprPtr value;
};

struct ImportDecl {
  std::vector<std::string> path;      // std.neurons.lif
  SourceRange range;
};

enum class DefKind { Import, Neuron, Synapse, Network, Function, Const };

/// One top-level entry, in source order (the printer keeps the order).
struct Definition {
  DefKind kind;
  ImportDecl import;
  std::unique_ptr<ModelDef> model;
  std::unique_ptr<NetworkDef> network;
  std::unique_ptr<FunctionDef> function;
  std::unique_ptr<ConstDef> constant;
};

struct Module {
  uint32_t file = 0;
  std::string name;                   // dotted module name, "" for the main file
  std::vector<Definition> defs;
};

} // namespace soma
