// Synapse code as small register programs: `on pre` / `on post` blocks and the right-hand
// sides of a synapse's ODEs, run once per synapse event or per synapse and step.
//
// Neurons run as compiled LLVM kernels; a synapse's code runs per event, a few operations at
// a time, so a compact interpreter serves it: every IR node becomes one instruction writing
// its own register (no reuse, no allocation while running). The same code runs in `somac
// run` and in ahead-of-time libraries, so both give the same bits.
//
// Semantics follow the cpu kernels (targets/cpu/CodeGen.h): booleans are 0/1 and a number
// is true when != 0 (NaN is true); min, max, clip propagate NaN and order -0 < +0; x^2, x^3,
// x^4 are products; sigmoid(x) = 1/(1+exp(-x)); other functions are the C library's.
#pragma once

#include "ModelIR.h"

#include <cstdint>
#include <string>
#include <vector>

namespace soma::sim {

/// What a program reads and writes while it runs for one synapse.
struct SynapseFrame {
  double *state = nullptr;        // the synapse's states by model index (read and written)
  const double *param = nullptr;  // its parameters by model index
  const double *internal = nullptr; // its internals by model index
  const double *input = nullptr;  // the projection's modulator inputs by model index
  // The neurons at either end: their population's state arrays and their index in it.
  const std::vector<double *> *preStates = nullptr, *postStates = nullptr;
  uint64_t preIndex = 0, postIndex = 0;
  double t = 0, dt = 0;           // ms
  double *out = nullptr;          // expression programs: one result per expression
  // The `deliver` statements executed (bit d for the d-th of the block, counted in source
  // order) and their values. The caller clears the mask before a run.
  unsigned deliveredMask = 0;
  double delivered[4] = {0, 0, 0, 0};
};

/// A construct a program cannot express, with where it is.
struct ProgramError {
  std::string what;
  SourceRange range;
};

class SynapseProgram {
public:
  /// How `pre.x` / `post.x` resolve: the state index of x in the neuron model at that end,
  /// or -1 (then an error names it).
  struct Ends {
    const ir::Model *pre = nullptr, *post = nullptr;
  };
  /// The statements of an event block. Errors (writes to pre./post. members, random draws,
  /// more than four delivers in a block) are appended to `errors`.
  static SynapseProgram fromBlock(const ir::StmtList &body, const Ends &ends, std::vector<ProgramError> &errors);
  /// Expressions whose values land in frame.out[0..n).
  static SynapseProgram fromExpressions(const std::vector<ir::NodeRef> &values, SourceRange range, const Ends &ends,
                                        std::vector<ProgramError> &errors);

  bool empty() const { return code_.empty(); }
  /// Runs the program; `registers` must hold registers() doubles.
  void run(SynapseFrame &frame, double *registers) const;
  size_t registers() const { return registers_; }

  // The instructions, for the compiler of event loops (JitSynapses.h), which must give
  // the bits run() gives. Every instruction writes register `dst` (each once, unless a
  // jump skips it); a, b, c are registers or, as named, indices and jump targets.
  enum class Opc : uint8_t {
    Const, Param, Internal, State, Input, Time, Dt, PreState, PostState,
    Neg, Not, Add, Sub, Mul, Div, Mod, Pow, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Select,
    Call1, Call2, Clip,
    Store, Deliver, Out, JumpIfFalse, Jump,
  };
  struct Ins {
    Opc op;
    uint8_t fn = 0;               // Call1/Call2: which function
    int32_t dst = 0, a = 0, b = 0, c = 0;
    double k = 0;                 // Const
  };
  const std::vector<Ins> &code() const { return code_; }
  /// The synapseFunction code of a Call1, Call2 or Pow instruction.
  static int functionCode(const Ins &ins);

private:
  friend class ProgramBuilder;
  std::vector<Ins> code_;
  size_t registers_ = 0;
};

/// The built-in functions of synapse code exactly as programs compute them, for other
/// evaluators of synapse code (Coupling.cpp): the code of function `name` called with
/// `arity` arguments (-1 when synapse code cannot call it), and its value for `args`
/// (`arity` of them).
int synapseFunctionCode(const std::string &name, size_t arity);
double synapseFunction(int code, const double *args);

} // namespace soma::sim
