/* The contract between compiled population kernels (JIT or AOT) and the runtime.
 *
 * Plain C so that an ahead-of-time library built by `somac build` can be driven from C.
 * One population = N neurons of one model, its data in structure-of-arrays form. Values are
 * doubles in the units the model IR uses (each state in its declared unit, time in ms).
 *
 * One step k (t_k = k*dt -> t_{k+1}) of a population, for neuron i in [begin, end):
 *   1. load the states; remember the clamped ones if the neuron is refractory;
 *   2. advance every ODE subsystem from t_k to t_{k+1}:
 *        exact:   x <- P x + Q b      (P = exp(A dt), Q = integral_0^dt exp(A s) ds,
 *                                       b evaluated from parameters and inputs at t_k)
 *        numeric: the subsystem's method (euler, rk4) on the IR right-hand sides;
 *      inputs (current, conductance ports) hold over the step: they are the sums of the
 *      events that arrived at t_k (`input[j][i]`);
 *   3. restore the clamped states of a refractory neuron;
 *   4. run the `update` block;
 *   5. add the synaptic jumps that arrive at t_{k+1} (`jump[j][i]`, summed by the runtime in
 *      the fixed order of DESIGN.md) to their target states;
 *   6. if not refractory and the threshold holds: record i as spiking, run the reset block,
 *      start the refractory period (ceil-free: round(period/dt) steps, at least 1 if > 0);
 *      else count a refractory step down;
 *   7. store the states; if any is not finite, report it (first one only) and stop.
 *
 * Details the cpu target fixes (targets/cpu/CodeGen.h has the full list):
 *  - Slots are in the model IR's declaration order: state[k] is Model::states[k], and so on
 *    for param, internal and input; the inputs of a neuron's segments follow its own, and
 *    the array of one holds n values per neuron (n segments): input[j][i*n + k]; propagator[s] belongs to Model::subsystems[s] (entries
 *    of numerically integrated subsystems are unused and may be NULL).
 *  - Arrays must not overlap one another, the spike buffer or the fault record (kernels
 *    are compiled on that assumption, so that their loops vectorise).
 *  - A NULL jump[j] means no arrivals; it gives the same bits as an array of +0.0.
 *  - Arrivals are consumed: where the kernel was compiled knowing that an input or jump
 *    array is given (targets/cpu/KernelSpec.h, Arrivals::Present), it stores +0.0 into
 *    each entry it read, so the runtime reuses a ring slot without clearing it.
 *    `refractory` may be NULL for a model without a refractory period; `param[p]`,
 *    `internal[k]` and `propagator[s]` are not read where the kernel folded the value
 *    (they may then be NULL too).
 *  - A kernel is compiled for one dt: the `dt` argument must equal it and is not read.
 *    Likewise the kernel knows statically whether a propagator is per neuron;
 *    `propagatorPerNeuron` describes the data for the runtime's own use.
 *  - Refractory steps (step 6) = floor(q + 0.5 + 1e-9*q), q = period/dt (round half up
 *    with the tolerance delays use), at least 1 when the period is > 0.
 *  - `t` reads t_{k+1} in update, threshold, reset and the refractory period, and
 *    t_k + c*dt in the stages of a numeric method.
 *  - A fault stops the kernel after the faulty neuron's spike (if any) was appended; the
 *    return value counts the spikes appended so far. Neurons after the faulty one may
 *    already have been advanced (the run is over then).
 */
#ifndef SOMA_KERNEL_ABI_H
#define SOMA_KERNEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOMA_KERNEL_ABI_VERSION 2

typedef struct SomaPopulationData {
  uint64_t size;             /* N */
  double **state;            /* [num states]   each N values */
  double **param;            /* [num params]   each N values (heterogeneous parameters) */
  double **internal;         /* [num internals] each N values, computed before step 0 */
  double **input;            /* [num inputs]   each N values: summed arrivals at t_k */
  double **jump;             /* [num states]   each N values or NULL: arrivals at t_{k+1} */
  int32_t *refractory;       /* N: remaining refractory steps */
  /* Exact subsystems: for subsystem s of size n, propagator[s] holds P then Q, each n*n
   * row-major, once (uniform parameters) or once per neuron (stride 2*n*n). */
  double **propagator;
  uint8_t *propagatorPerNeuron; /* [num subsystems] 1 if stride applies */
  uint64_t seed;             /* run seed */
  uint64_t stream;           /* population stream id, for the counter-based RNG */
} SomaPopulationData;

/* Where a non-finite state was found. */
typedef struct SomaFault {
  int32_t found;             /* 0 = none */
  int32_t state;             /* index of the state variable */
  uint64_t neuron;
} SomaFault;

/* Advances neurons [begin, end) by one step. Spiking indices are appended to `spikes`
 * (capacity end - begin) in increasing order; returns how many. */
typedef uint64_t (*SomaUpdateFn)(SomaPopulationData *pop, uint64_t begin, uint64_t end, uint64_t step,
                                 double dt, uint32_t *spikes, SomaFault *fault);

/* Counter-based random numbers, keyed by (seed, stream, neuron, step, draw); provided by
 * the runtime and called by kernels that draw (escape noise, noise currents). */
double soma_rt_uniform(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw);
double soma_rt_normal(uint64_t seed, uint64_t stream, uint64_t index, uint64_t step, uint32_t draw);

#ifdef __cplusplus
}
#endif

#endif
