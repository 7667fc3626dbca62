// Model pass: threshold folding (MODELS.md entry 5, membrane-potential batch normalisation).
//
//   threshold (v - mu) / sigma * gamma + beta >= theta
//        ──foldThreshold──▶  threshold v >= v_th_fold      internal v_th_fold = (theta - beta) / gamma * sigma + mu
//
// An affine normalisation in front of a threshold is re-parameterised into the threshold, so
// that each step compares the state with one number instead of normalising it first. A
// comparison (<, <=, >, >=) is folded when one side reads exactly one state or input x,
// once, through +, -, unary -, * and / by values that read only constants, parameters,
// internals and dt, and the other side reads only those. Comparisons under `and`, `or` and
// `not` are folded one by one; anything else (x^2, exp(x), a select on x, t, random draws,
// two states) is left as written.
//
// The scale (the product of the factors x is multiplied and divided by) decides the
// direction: positive keeps the comparison, negative mirrors it (>= becomes <=). A constant
// zero factor makes the condition constant (`0 >= theta - beta`: a finite x no longer
// matters); a constant zero divisor is left alone. When a factor reads parameters, its sign
// is only known per neuron: the pass adds an internal x_th_sign and the threshold chooses
// by it (x_th_sign > 0 ? x >= x_th_fold : x_th_sign < 0 ? x <= x_th_fold : the condition
// with x = 0, or as written when the zero may be a divisor). Internals are computed once per neuron before the first step, and the cpu
// target turns values that are the same for every neuron of a population into immediates,
// so for per-population parameters the choice disappears and one compare remains.
//
// Rounding: the folded threshold is computed once (at compile time when everything is
// constant) instead of normalising x every step, so the two forms can disagree only when
// the normalised value is within a few ulp of theta. Model::thresholdUnfolded keeps the
// condition as written; `somac emit --stage=model` prints both.
#pragma once

#include "ModelIR.h"

namespace soma {

/// Folds affine normalisations into m.threshold (neurons only); returns true if it changed.
/// New internals (x_th_fold, x_th_sign) are appended to m.internals.
bool foldThreshold(ir::Model &m);

} // namespace soma
