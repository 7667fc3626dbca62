#include "JitSynapses.h"

#include "SynapseProgram.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <algorithm>
#include <cstddef>
#include <map>

namespace soma::sim {

namespace {

/// The interpreter's functions (other than min, max, clip), called by compiled code.
double callFunction(int64_t code, double a, double b) {
  const double args[2] = {a, b};
  return synapseFunction(int(code), args);
}

// SynapseKernelData's fields, 8 bytes each.
enum Field : unsigned {
  FOwn, FAt, FPreSide, FPreAt, FPostSide, FPostAt, FParam, FInternal, FInput, FPreStates, FPostStates,
  FPreFirst, FPostFirst, FPost, FPreOf, FByPost, FByPostPre, FSlot, FHistory, FApplied,
};
static_assert(offsetof(SynapseKernelData, input) == 8 * FInput);
static_assert(offsetof(SynapseKernelData, postFirst) == 8 * FPostFirst);
static_assert(offsetof(SynapseKernelData, slot) == 8 * FSlot);
static_assert(offsetof(SynapseKernelData, applied) == 8 * FApplied);
static_assert(sizeof(SynapseKernelData) == 8 * (FApplied + 1));

// PostSide and Flush: lazy post events (Plasticity.h, SynapseKernels).
enum class Loop { PreRow, PreList, Post, PostSide, Flush, FlushRow };
using Owner = PlasticSynapses::Owner;
using Spec = PlasticSynapses::CodeSpec;
using Opc = SynapseProgram::Opc;

/// Synapses whose own states the post loop prefetches ahead (as the interpreter does).
constexpr uint64_t kAhead = 16;

class Generator {
public:
  Generator(llvm::LLVMContext &c, llvm::Module &m, const Spec &spec) : C(c), M(m), B(c), S(spec) {
    f64 = B.getDoubleTy();
    i64 = B.getInt64Ty();
    i32 = B.getInt32Ty();
    ptr = B.getPtrTy();
  }

  /// One loop function `name` running `program` (Plasticity.h: SynapseKernels). `replay`
  /// (lazy post events, the `on post` program): a row loop first replays each synapse's
  /// pending post events with it; a Flush loop only replays.
  void loop(Loop kind, const std::string &name, const SynapseProgram &program, const SynapseProgram *replay = nullptr) {
    std::vector<llvm::Type *> args = kind == Loop::PreList  ? std::vector<llvm::Type *>{ptr, ptr, i64, i64}
                                     : kind == Loop::PreRow ? std::vector<llvm::Type *>{ptr, i64, i64, i64, i64, ptr, ptr}
                                                            : std::vector<llvm::Type *>{ptr, i64, i64, i64, i64};
    auto *fty = llvm::FunctionType::get(B.getVoidTy(), args, false);
    fn_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, M);
    fn_->addFnAttr(llvm::Attribute::NoUnwind);
    auto *entry = llvm::BasicBlock::Create(C, "entry", fn_);
    B.SetInsertPoint(entry);
    llvm::Value *ctx = fn_->getArg(0);
    llvm::Value *begin, *end, *neuron = nullptr, *step;
    if (kind == Loop::PreList) {
      begin = B.getInt64(0);
      end = fn_->getArg(2);
      step = fn_->getArg(3);
    } else {
      begin = fn_->getArg(1);
      end = fn_->getArg(2);
      neuron = fn_->getArg(3);
      step = fn_->getArg(4);
    }
    const size_t ns = S.states.size();
    state_.assign(ns, nullptr);
    for (size_t s = 0; s < ns; ++s) state_[s] = B.CreateAlloca(f64);
    reg_.assign(std::max(program.registers(), replay ? replay->registers() : size_t(0)), nullptr);
    for (auto &r : reg_) r = B.CreateAlloca(f64);

    // Everything the loop reads that does not change while it runs, loaded once.
    auto column = [&](Field f, size_t k) {
      return B.CreateLoad(ptr, B.CreateConstInBoundsGEP1_64(ptr, field(ctx, f, ptr), k));
    };
    std::vector<llvm::Value *> col(ns, nullptr);
    for (size_t s = 0; s < ns; ++s) {
      Owner o = Owner(S.states[s].owner);
      col[s] = column(o == Owner::Synapse ? FOwn : o == Owner::Pre ? FPreSide : FPostSide, s);
    }
    at_ = S.ownAt ? field(ctx, FAt, ptr) : nullptr;
    llvm::Value *preAt = field(ctx, FPreAt, ptr), *postAt = field(ctx, FPostAt, ptr);
    param_.assign(S.paramUniform.size(), nullptr);
    internal_.assign(S.internalUniform.size(), nullptr);
    preState_.clear();
    postState_.clear();
    std::vector<SynapseProgram::Ins> all = program.code();
    if (replay) all.insert(all.end(), replay->code().begin(), replay->code().end());
    for (const SynapseProgram::Ins &i : all) {
      if (i.op == Opc::Param && !S.paramUniform[i.a] && !param_[i.a]) param_[i.a] = column(FParam, i.a);
      if (i.op == Opc::Internal && !S.internalUniform[i.a] && !internal_[i.a]) internal_[i.a] = column(FInternal, i.a);
      if (i.op == Opc::PreState && !preState_.count(i.a)) preState_[i.a] = column(FPreStates, i.a);
      if (i.op == Opc::PostState && !postState_.count(i.a)) postState_[i.a] = column(FPostStates, i.a);
    }
    input_ = field(ctx, FInput, ptr);
    preFirst_ = field(ctx, FPreFirst, i64);
    postFirst_ = field(ctx, FPostFirst, i64);
    llvm::Value *postOf = field(ctx, FPost, ptr), *preOf = field(ctx, FPreOf, ptr);
    llvm::Value *byPost = field(ctx, FByPost, ptr), *byPostPre = field(ctx, FByPostPre, ptr);
    slot_ = field(ctx, FSlot, ptr);
    time_ = B.CreateFMul(B.CreateUIToFP(step, f64), llvm::ConstantFP::get(f64, S.dt));
    step_ = step;

    // The side whose traces the caller caught up: every synapse starts from its values,
    // and the last synapse's values are kept (they are the same in every synapse). The row
    // loop reads them from sideIn and writes them to sideOut (when not null), the k-th
    // value for the k-th pre state; the post loop from and to the neuron's column.
    const bool flush = kind == Loop::Flush || kind == Loop::FlushRow;
    const bool caughtUp = kind != Loop::PreList && !flush;
    const Owner caught = kind == Loop::PreRow ? Owner::Pre : Owner::Post;
    std::vector<llvm::Value *> start(ns, nullptr), sideIndex(ns, nullptr);
    unsigned sideStates = 0;
    for (size_t s = 0; s < ns; ++s)
      if (caughtUp && Owner(S.states[s].owner) == caught) {
        if (kind == Loop::PreRow) {
          sideIndex[s] = B.getInt64(sideStates++);
          start[s] = B.CreateLoad(f64, B.CreateInBoundsGEP(f64, fn_->getArg(5), sideIndex[s]));
        } else {
          start[s] = B.CreateLoad(f64, B.CreateInBoundsGEP(f64, col[s], neuron));
        }
        B.CreateStore(start[s], state_[s]);
      }

    if (kind == Loop::PostSide) {
      // The post side's update by `on post`: it reads only those states and uniform
      // parameters (PlasticSynapses::hoistTraces), so any synapse onto j gives it; the
      // others start from 0 and their results are dropped.
      syn_ = B.CreateLoad(i64, B.CreateInBoundsGEP(i64, byPost, begin));
      pre_ = B.CreateZExt(B.CreateLoad(i32, B.CreateInBoundsGEP(i32, byPostPre, begin)), i64);
      post_ = neuron;
      for (size_t s = 0; s < ns; ++s)
        if (!start[s]) B.CreateStore(num(0), state_[s]);
      run(program);
      for (size_t s = 0; s < ns; ++s)
        if (start[s]) B.CreateStore(B.CreateLoad(f64, state_[s]), B.CreateInBoundsGEP(f64, col[s], neuron));
      B.CreateRetVoid();
      return;
    }

    auto *body = llvm::BasicBlock::Create(C, "synapse", fn_);
    auto *exit = llvm::BasicBlock::Create(C, "exit", fn_);
    llvm::PHINode *i = openLoop(begin, end, body, exit);
    llvm::Value *syn, *pre, *post;
    auto index32 = [&](llvm::Value *base, llvm::Value *k) {
      return B.CreateZExt(B.CreateLoad(i32, B.CreateInBoundsGEP(i32, base, k)), i64);
    };
    if (kind == Loop::PreRow || kind == Loop::FlushRow) {
      syn = i;
      pre = neuron;
      post = index32(postOf, syn);
    } else if (kind == Loop::PreList) {
      syn = B.CreateLoad(i64, B.CreateInBoundsGEP(i64, fn_->getArg(1), i));
      pre = index32(preOf, syn);
      post = index32(postOf, syn);
    } else { // Post, Flush
      syn = B.CreateLoad(i64, B.CreateInBoundsGEP(i64, byPost, i));
      pre = index32(byPostPre, i);
      post = neuron;
      // The synapses onto one neuron are scattered over the table: prefetch ahead.
      llvm::Value *later = B.CreateLoad(i64, B.CreateInBoundsGEP(i64, byPost, ahead(i, kAhead, end)));
      for (size_t s = 0; s < ns; ++s)
        if (Owner(S.states[s].owner) == Owner::Synapse) prefetch(B.CreateInBoundsGEP(f64, col[s], later), true);
      if (at_) prefetch(B.CreateInBoundsGEP(i64, at_, later), true);
    }
    syn_ = syn;
    pre_ = pre;
    post_ = post;

    // Lazy post events: the post neuron's history entries with applied[pre] < S < step,
    // each as the eager `on post` loop ran it at S (own states decayed to S, pre side
    // decayed from its kept values, post side as the entry holds it, t = S dt).
    if (replay) {
      // j's history is one line: its count, then the steps (Plasticity.h, histStep).
      const uint64_t cap = S.historyCap, np = S.postSideStates;
      llvm::Value *history = field(ctx, FHistory, ptr);
      if (kind == Loop::PreRow || kind == Loop::FlushRow) {
        // A row's synapses go to scattered post neurons: fetch their histories ahead.
        llvm::Value *later = B.CreateInBoundsGEP(
            i64, history, B.CreateMul(index32(postOf, ahead(i, 8, end)), B.getInt64(S.historyStride)));
        for (uint64_t off = 0; off < S.historyStride; off += 8)
          prefetch(B.CreateConstInBoundsGEP1_64(i64, later, off), false);
      }
      llvm::Value *line = B.CreateInBoundsGEP(i64, history, B.CreateMul(post, B.getInt64(S.historyStride)));
      llvm::Value *count = B.CreateLoad(i64, line);
      llvm::Value *applied = B.CreateLoad(i64, B.CreateInBoundsGEP(i64, field(ctx, FApplied, ptr), pre));
      llvm::Value *values = B.CreateConstInBoundsGEP1_64(i64, line, 1 + cap);
      // The steps ascend, so the pending entries are those after the first `done` (step
      // <= applied), counted without branches. Every entry is before `step`: a post spike
      // stamped S is kept in step S - 1, after the arrivals at S ran (Plasticity.h), and a
      // flush runs after every entry it replays.
      llvm::Value *done = B.getInt64(0);
      for (uint64_t q = 1; q <= cap; ++q) {
        llvm::Value *sq = B.CreateLoad(i64, B.CreateConstInBoundsGEP1_64(i64, line, q));
        llvm::Value *old = B.CreateAnd(B.CreateICmpULE(B.getInt64(q), count), B.CreateICmpULE(sq, applied));
        done = B.CreateAdd(done, B.CreateZExt(old, i64));
      }
      auto *apply = llvm::BasicBlock::Create(C, "replay", fn_);
      auto *after = llvm::BasicBlock::Create(C, "replayed", fn_);
      llvm::PHINode *k = openLoop(done, count, apply, after);
      llvm::Value *at = B.CreateLoad(i64, B.CreateInBoundsGEP(i64, line, B.CreateAdd(k, B.getInt64(1))));
      unsigned m = 0;
      for (size_t s = 0; s < ns; ++s) {
        const Spec::StateCode &sc = S.states[s];
        const Owner o = Owner(sc.owner);
        llvm::Value *x;
        if (o == Owner::Synapse) {
          x = loadAt(sc, col[s], syn, at_, syn, at);
        } else if (o == Owner::Pre) {
          x = loadAt(sc, col[s], pre, preAt, B.getInt64(0), at);
        } else {
          x = B.CreateLoad(f64, B.CreateInBoundsGEP(f64, values, B.CreateAdd(B.CreateMul(k, B.getInt64(np)), B.getInt64(m++))));
        }
        B.CreateStore(x, state_[s]);
      }
      if (at_) B.CreateStore(at, B.CreateInBoundsGEP(i64, at_, syn));
      llvm::Value *time = time_;
      time_ = B.CreateFMul(B.CreateUIToFP(at, f64), llvm::ConstantFP::get(f64, S.dt));
      run(*replay);
      time_ = time;
      storeOwn(col, syn);
      closeLoop(k, count, apply, after);
    }

    if (flush) {
      closeLoop(i, end, body, exit);
      B.CreateRetVoid();
      return;
    }

    // The states at t_step (PlasticSynapses::load and loadSide).
    for (size_t s = 0; s < ns; ++s) {
      const Spec::StateCode &sc = S.states[s];
      const Owner o = Owner(sc.owner);
      if (start[s]) {
        B.CreateStore(start[s], state_[s]);
        continue;
      }
      llvm::Value *x = o == Owner::Synapse ? loadAt(sc, col[s], syn, at_, syn, step)
                       : o == Owner::Pre    ? loadAt(sc, col[s], pre, preAt, B.getInt64(0), step)
                                            : loadAt(sc, col[s], post, postAt, B.getInt64(0), step);
      B.CreateStore(x, state_[s]);
    }
    if (at_) B.CreateStore(step, B.CreateInBoundsGEP(i64, at_, syn));

    run(program);

    storeOwn(col, syn);
    closeLoop(i, end, body, exit);
    if (kind == Loop::PreRow && sideStates) {
      llvm::Value *out = fn_->getArg(6);
      auto *store = llvm::BasicBlock::Create(C, "side", fn_);
      auto *done = llvm::BasicBlock::Create(C, "done", fn_);
      B.CreateCondBr(B.CreateIsNotNull(out), store, done);
      B.SetInsertPoint(store);
      for (size_t s = 0; s < ns; ++s)
        if (start[s]) B.CreateStore(B.CreateLoad(f64, state_[s]), B.CreateInBoundsGEP(f64, out, sideIndex[s]));
      B.CreateBr(done);
      B.SetInsertPoint(done);
    } else if (kind == Loop::Post) {
      for (size_t s = 0; s < ns; ++s)
        if (start[s]) B.CreateStore(B.CreateLoad(f64, state_[s]), B.CreateInBoundsGEP(f64, col[s], neuron));
    }
    B.CreateRetVoid();
  }

private:
  llvm::Value *field(llvm::Value *ctx, Field f, llvm::Type *ty) {
    return B.CreateLoad(ty, B.CreateConstInBoundsGEP1_64(i64, ctx, f));
  }
  llvm::Value *address(const void *p) { return B.CreateIntToPtr(B.getInt64(uint64_t(uintptr_t(p))), ptr); }
  llvm::Value *num(double v) { return llvm::ConstantFP::get(f64, v); }
  llvm::Value *isTrue(llvm::Value *x) { return B.CreateFCmpUNE(x, num(0)); }
  llvm::Value *boolean(llvm::Value *c) { return B.CreateUIToFP(c, f64); }

  /// min(i + distance, end - 1): a synapse ahead of i in [i, end), for prefetching.
  llvm::Value *ahead(llvm::Value *i, uint64_t distance, llvm::Value *end) {
    llvm::Value *a = B.CreateAdd(i, B.getInt64(distance));
    return B.CreateSelect(B.CreateICmpULT(a, end), a, B.CreateSub(end, B.getInt64(1)));
  }
  void prefetch(llvm::Value *address, bool forWrite) {
    llvm::Function *fn = llvm::Intrinsic::getDeclaration(&M, llvm::Intrinsic::prefetch, {ptr});
    B.CreateCall(fn, {address, B.getInt32(forWrite ? 1 : 0), B.getInt32(3), B.getInt32(1)});
  }
  /// column[index] at step `to`, decayed from the step atArray[index] (when the state
  /// decays and the step is kept): PlasticSynapses::load and loadSide.
  llvm::Value *loadAt(const Spec::StateCode &sc, llvm::Value *column, llvm::Value *index, llvm::Value *atArray,
                      llvm::Value *syn, llvm::Value *to) {
    llvm::Value *x = B.CreateLoad(f64, B.CreateInBoundsGEP(f64, column, index));
    if (!sc.decays || !atArray) return x;
    return decayed(sc, x, B.CreateSub(to, B.CreateLoad(i64, B.CreateInBoundsGEP(i64, atArray, index))), syn);
  }
  /// The synapse's own states back into their columns.
  void storeOwn(const std::vector<llvm::Value *> &col, llvm::Value *syn) {
    for (size_t s = 0; s < S.states.size(); ++s)
      if (Owner(S.states[s].owner) == Owner::Synapse)
        B.CreateStore(B.CreateLoad(f64, state_[s]), B.CreateInBoundsGEP(f64, col[s], syn));
  }
  /// A counted loop over [begin, end): enters `body` (then current) unless it is empty, and
  /// returns the counter; closeLoop is its latch, after which `exit` is current.
  llvm::PHINode *openLoop(llvm::Value *begin, llvm::Value *end, llvm::BasicBlock *body, llvm::BasicBlock *exit) {
    llvm::BasicBlock *from = B.GetInsertBlock();
    B.CreateCondBr(B.CreateICmpULT(begin, end), body, exit);
    B.SetInsertPoint(body);
    llvm::PHINode *i = B.CreatePHI(i64, 2);
    i->addIncoming(begin, from);
    return i;
  }
  void closeLoop(llvm::PHINode *i, llvm::Value *end, llvm::BasicBlock *body, llvm::BasicBlock *exit) {
    llvm::Value *next = B.CreateAdd(i, B.getInt64(1));
    i->addIncoming(next, B.GetInsertBlock());
    B.CreateCondBr(B.CreateICmpULT(next, end), body, exit);
    B.SetInsertPoint(exit);
  }

  /// Decay::at: x after `steps` steps (the table when it has the entry, else the call).
  llvm::Value *decayed(const Spec::StateCode &sc, llvm::Value *x, llvm::Value *steps, llvm::Value *syn) {
    auto slow = [&]() {
      auto *fty = llvm::FunctionType::get(f64, {ptr, i64, f64, i64}, false);
      return B.CreateCall(fty, address(reinterpret_cast<const void *>(&soma_synapse_decayed)),
                          {address(sc.decay), syn, x, steps});
    };
    if (sc.tableSize == 0) return slow();
    auto *table = llvm::BasicBlock::Create(C, "table", fn_);
    auto *call = llvm::BasicBlock::Create(C, "exp", fn_);
    auto *join = llvm::BasicBlock::Create(C, "decayed", fn_);
    B.CreateCondBr(B.CreateICmpULT(steps, B.getInt64(sc.tableSize)), table, call);
    B.SetInsertPoint(table);
    llvm::Value *scaled = B.CreateFMul(B.CreateLoad(f64, B.CreateInBoundsGEP(f64, address(sc.factor), steps)), x);
    if (!sc.zeroOffset) {
      llvm::Value *offset = B.CreateLoad(f64, B.CreateInBoundsGEP(f64, address(sc.offset), steps));
      scaled = B.CreateSelect(B.CreateFCmpOEQ(offset, num(0)), scaled, B.CreateFAdd(scaled, offset));
    }
    B.CreateBr(join);
    B.SetInsertPoint(call);
    llvm::Value *far = slow();
    B.CreateBr(join);
    B.SetInsertPoint(join);
    llvm::PHINode *v = B.CreatePHI(f64, 2);
    v->addIncoming(scaled, table);
    v->addIncoming(far, call);
    return B.CreateSelect(B.CreateICmpEQ(steps, B.getInt64(0)), x, v); // steps = 0: x itself
  }

  /// The program's instructions, as SynapseProgram::run executes them.
  void run(const SynapseProgram &program) {
    const std::vector<SynapseProgram::Ins> &code = program.code();
    std::vector<llvm::BasicBlock *> blockAt(code.size() + 1, nullptr);
    auto blockFor = [&](size_t pc) {
      if (!blockAt[pc]) blockAt[pc] = llvm::BasicBlock::Create(C, "pc" + std::to_string(pc), fn_);
      return blockAt[pc];
    };
    for (size_t pc = 0; pc < code.size(); ++pc)
      if (code[pc].op == Opc::JumpIfFalse || code[pc].op == Opc::Jump) {
        blockFor(size_t(code[pc].b));
        blockFor(pc + 1);
      }
    auto r = [&](int32_t k) { return B.CreateLoad(f64, reg_[k]); };
    auto enter = [&](size_t pc) {
      if (!blockAt[pc]) return;
      if (!B.GetInsertBlock()->getTerminator()) B.CreateBr(blockAt[pc]);
      B.SetInsertPoint(blockAt[pc]);
    };
    auto *helperType = llvm::FunctionType::get(f64, {i64, f64, f64}, false);
    llvm::Value *helper = address(reinterpret_cast<const void *>(&callFunction));
    for (size_t pc = 0; pc < code.size(); ++pc) {
      enter(pc);
      const SynapseProgram::Ins &in = code[pc];
      llvm::Value *v = nullptr;
      switch (in.op) {
      case Opc::Const: v = num(in.k); break;
      case Opc::Param:
        v = S.paramUniform[in.a] ? num(S.paramValue[in.a]) : B.CreateLoad(f64, B.CreateInBoundsGEP(f64, param_[in.a], syn_));
        break;
      case Opc::Internal:
        v = S.internalUniform[in.a] ? num(S.internalValue[in.a])
                                    : B.CreateLoad(f64, B.CreateInBoundsGEP(f64, internal_[in.a], syn_));
        break;
      case Opc::State: v = B.CreateLoad(f64, state_[in.a]); break;
      case Opc::Input: v = B.CreateLoad(f64, B.CreateConstInBoundsGEP1_64(f64, input_, in.a)); break;
      case Opc::PreState:
        v = B.CreateLoad(f64, B.CreateInBoundsGEP(f64, preState_.at(in.a), B.CreateAdd(preFirst_, pre_)));
        break;
      case Opc::PostState:
        v = B.CreateLoad(f64, B.CreateInBoundsGEP(f64, postState_.at(in.a), B.CreateAdd(postFirst_, post_)));
        break;
      case Opc::Time: v = time_; break;
      case Opc::Dt: v = num(S.dt); break;
      case Opc::Neg: v = B.CreateFNeg(r(in.a)); break;
      case Opc::Not: v = B.CreateSelect(isTrue(r(in.a)), num(0), num(1)); break;
      case Opc::Add: v = B.CreateFAdd(r(in.a), r(in.b)); break;
      case Opc::Sub: v = B.CreateFSub(r(in.a), r(in.b)); break;
      case Opc::Mul: v = B.CreateFMul(r(in.a), r(in.b)); break;
      case Opc::Div: v = B.CreateFDiv(r(in.a), r(in.b)); break;
      case Opc::Mod: v = B.CreateFRem(r(in.a), r(in.b)); break;
      case Opc::Lt: v = boolean(B.CreateFCmpOLT(r(in.a), r(in.b))); break;
      case Opc::Le: v = boolean(B.CreateFCmpOLE(r(in.a), r(in.b))); break;
      case Opc::Gt: v = boolean(B.CreateFCmpOGT(r(in.a), r(in.b))); break;
      case Opc::Ge: v = boolean(B.CreateFCmpOGE(r(in.a), r(in.b))); break;
      case Opc::Eq: v = boolean(B.CreateFCmpOEQ(r(in.a), r(in.b))); break;
      case Opc::Ne: v = boolean(B.CreateFCmpUNE(r(in.a), r(in.b))); break;
      case Opc::And: v = boolean(B.CreateAnd(isTrue(r(in.a)), isTrue(r(in.b)))); break;
      case Opc::Or: v = boolean(B.CreateOr(isTrue(r(in.a)), isTrue(r(in.b)))); break;
      case Opc::Select: v = B.CreateSelect(isTrue(r(in.a)), r(in.b), r(in.c)); break;
      case Opc::Clip:
        v = B.CreateBinaryIntrinsic(llvm::Intrinsic::minimum,
                                    B.CreateBinaryIntrinsic(llvm::Intrinsic::maximum, r(in.a), r(in.b)), r(in.c));
        break;
      case Opc::Call2:
        if (SynapseProgram::functionCode(in) == synapseFunctionCode("min", 2)) {
          v = B.CreateBinaryIntrinsic(llvm::Intrinsic::minimum, r(in.a), r(in.b));
          break;
        }
        if (SynapseProgram::functionCode(in) == synapseFunctionCode("max", 2)) {
          v = B.CreateBinaryIntrinsic(llvm::Intrinsic::maximum, r(in.a), r(in.b));
          break;
        }
        [[fallthrough]];
      case Opc::Call1: case Opc::Pow:
        v = B.CreateCall(helperType, helper,
                         {B.getInt64(uint64_t(SynapseProgram::functionCode(in))), r(in.a),
                          in.op == Opc::Call1 ? num(0) : r(in.b)});
        break;
      case Opc::Store: B.CreateStore(r(in.a), state_[in.b]); break;
      case Opc::Deliver: {
        // slot[post] += value * factor, where and as PlasticSynapses::arrivals adds it.
        llvm::Value *at = B.CreateInBoundsGEP(f64, slot_, post_);
        llvm::Value *add = B.CreateFMul(r(in.a), num(S.deliverFactor.at(size_t(in.b))));
        B.CreateStore(B.CreateFAdd(B.CreateLoad(f64, at), add), at);
        break;
      }
      case Opc::Out: break; // expression programs only; event blocks have none
      case Opc::JumpIfFalse: B.CreateCondBr(isTrue(r(in.a)), blockFor(pc + 1), blockFor(size_t(in.b))); break;
      case Opc::Jump: B.CreateBr(blockFor(size_t(in.b))); break;
      }
      if (v) B.CreateStore(v, reg_[in.dst]);
    }
    enter(code.size());
  }

  llvm::LLVMContext &C;
  llvm::Module &M;
  llvm::IRBuilder<> B;
  const Spec &S;
  llvm::Type *f64, *i64, *i32, *ptr;
  llvm::Function *fn_ = nullptr;
  std::vector<llvm::Value *> state_, reg_, param_, internal_;
  std::map<int, llvm::Value *> preState_, postState_;
  llvm::Value *at_ = nullptr, *input_ = nullptr, *preFirst_ = nullptr, *postFirst_ = nullptr, *slot_ = nullptr;
  llvm::Value *time_ = nullptr, *step_ = nullptr, *syn_ = nullptr, *pre_ = nullptr, *post_ = nullptr;
};

} // namespace

/// The loops of `spec` (not optimised) in a module for `tm`, their names in `names`;
/// null when there is nothing to compile or (with `error` set) the module is invalid.
std::unique_ptr<llvm::Module> generateModule(llvm::LLVMContext &context, llvm::TargetMachine &tm,
                                             const PlasticSynapses::CodeSpec &spec, const std::string &prefix,
                                             std::vector<std::string> &names, std::string &error) {
  if (!spec.compilable) return nullptr;
  auto module = std::make_unique<llvm::Module>(prefix, context);
  module->setTargetTriple(tm.getTargetTriple().str());
  module->setDataLayout(tm.createDataLayout());
  Generator gen(context, *module, spec);
  const bool lazy = spec.lazyPost && spec.rowArrivals && !spec.onPre->empty() && !spec.onPost->empty();
  if (!spec.onPre->empty()) {
    names.push_back(prefix + (spec.rowArrivals ? "_pre_row" : "_pre_list"));
    gen.loop(spec.rowArrivals ? Loop::PreRow : Loop::PreList, names.back(), *spec.onPre, lazy ? spec.onPost : nullptr);
  }
  if (!spec.onPost->empty()) {
    names.push_back(prefix + "_post");
    gen.loop(Loop::Post, names.back(), *spec.onPost);
  }
  if (lazy) {
    names.push_back(prefix + "_post_side");
    gen.loop(Loop::PostSide, names.back(), *spec.onPost);
    names.push_back(prefix + "_post_flush");
    gen.loop(Loop::Flush, names.back(), *spec.onPost, spec.onPost);
    names.push_back(prefix + "_post_flush_row");
    gen.loop(Loop::FlushRow, names.back(), *spec.onPost, spec.onPost);
  }
  if (names.empty()) return nullptr;
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*module, &os)) {
    error = "invalid synapse code: " + problems;
    return nullptr;
  }
  return module;
}

SynapseKernels compileSynapseKernels(cpu::Engine &engine, const PlasticSynapses::CodeSpec &spec,
                                     const std::string &prefix, std::string &error) {
  auto context = std::make_unique<llvm::LLVMContext>();
  std::vector<std::string> names;
  std::unique_ptr<llvm::Module> module = generateModule(*context, engine.targetMachine(), spec, prefix, names, error);
  if (!module) return {};
  std::vector<void *> fns = engine.add(std::move(module), std::move(context), names, error);
  if (fns.size() != names.size()) return {};
  SynapseKernels k;
  size_t next = 0;
  if (!spec.onPre->empty()) {
    if (spec.rowArrivals) k.preRow = reinterpret_cast<decltype(k.preRow)>(fns[next++]);
    else k.preList = reinterpret_cast<decltype(k.preList)>(fns[next++]);
  }
  if (!spec.onPost->empty()) k.post = reinterpret_cast<decltype(k.post)>(fns[next++]);
  if (spec.lazyPost && spec.rowArrivals && !spec.onPre->empty() && !spec.onPost->empty()) {
    k.postSide = reinterpret_cast<decltype(k.postSide)>(fns[next++]);
    k.flush = reinterpret_cast<decltype(k.flush)>(fns[next++]);
    k.flushRow = reinterpret_cast<decltype(k.flushRow)>(fns[next++]);
  }
  return k;
}

std::string printSynapseKernels(const PlasticSynapses::CodeSpec &spec, const std::string &prefix, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> tm = cpu::createTargetMachine("", error);
  if (!tm) return "";
  llvm::LLVMContext context;
  std::vector<std::string> names;
  std::unique_ptr<llvm::Module> module = generateModule(context, *tm, spec, prefix, names, error);
  if (!module) return "";
  cpu::optimizeModule(*module, *tm);
  return cpu::printModule(*module);
}

} // namespace soma::sim
