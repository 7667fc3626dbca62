"""Checks refractory periods and delays to the exact step.

usage: check_steps.py OUT DT_MS CHECK...

Steps: a spike printed at t is stamped on step k = t/dt (the end of the step that produced
it). Rounding of a period or delay to steps, as docs/simulation.md fixes it: D =
round(x/dt) half up with a 1e-9 relative tolerance (0.25 ms / 0.1 ms = 2.4999999999999996
in binary must give 3).

CHECK is one of
  ramp:POP:IDX:SLOPE:THETA:T_REF    an integrator v' = SLOPE (mV/ms) from v = 0, threshold
      v >= THETA (mV), reset to 0, refractory T_REF clamping v. After a free start, v
      reaches THETA after m = ceil(THETA / (SLOPE dt)) steps; the refractory period then
      holds v for R steps, so the stamps are m, m + (R + m), m + 2 (R + m), ...
  lif:POP:IDX:TAU:C:E_L:V_TH:I:T_REF   a LIF neuron (V_reset = E_L) under constant I (pA):
      the same with m = ceil(t*/dt), t* = -tau ln(1 - (V_th - E_L)/(R I)), R = tau/C.
  arrival:SRC:SIDX:TGT:TIDX:DELAY:W    a static synapse SRC[SIDX] -> TGT[TIDX] onto v of a
      neuron that does not move otherwise (v' = 0, from 0): v at step k must be exactly
      W * (number of SRC spikes stamped at or before k - D), D = round(DELAY/dt).
  spread:SRC:TGT:N:LO:HI    one spike of SRC[0] into TGT[0:N] (v' = 0) with drawn delays:
      every target jumps exactly once, D whole steps after the spike, LO <= D <= HI, and
      every D in LO..HI is seen.
Prints one line per check.
"""
import json
import math
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes, read_state, step  # noqa: E402

out, dt = sys.argv[1], float(sys.argv[2])
spikes = read_spikes(out)
with open(out + "/summary.json") as f:
    n_steps = json.load(f)["steps"]  # stamps run from 1 to n_steps


def steps_of(pop, idx):
    return [step(t, dt) for t in spikes.get((pop, idx), [])]


def to_steps(x):
    return math.floor(x / dt + 0.5 + 1e-9 * (x / dt))


def expected_train(m, R, last):
    ks, k = [], m
    while k <= last:
        ks.append(k)
        k += R + m
    return ks


for check in sys.argv[3:]:
    kind, *a = check.split(":")
    if kind in ("ramp", "lif"):
        pop, idx = a[0], int(a[1])
        if kind == "ramp":
            slope, theta, t_ref = map(float, a[2:5])
            q = theta / (slope * dt)
        else:
            tau, C, EL, Vth, I, t_ref = map(float, a[2:8])
            q = -tau * math.log(1 - (Vth - EL) / (tau / C * I)) / dt
        assert abs(q - round(q)) > 1e-6, "threshold crossing too close to a grid point"
        m, R = math.ceil(q), to_steps(t_ref)
        got = steps_of(pop, idx)
        exp = expected_train(m, R, n_steps)
        ok = got == exp
        print(f"{pop}[{idx}]: t_ref {t_ref:g} ms = {R} steps, {m} steps to threshold, "
              f"interval {R + m} steps: {len(got)} spikes, " + ("all on the expected steps" if ok else
              f"MISMATCH got {got[:6]} expected {exp[:6]}"))
    elif kind == "arrival":
        src, sidx, tgt, tidx, delay, w = a[0], int(a[1]), a[2], int(a[3]), float(a[4]), float(a[5])
        D = to_steps(delay)
        src_steps = steps_of(src, sidx)
        times, V = read_state(out, tgt, "v")
        bad = []
        for t, v in zip(times, V[tidx]):
            k = step(t, dt)
            exp = w * sum(1 for s in src_steps if s + D <= k)
            if v != exp:
                bad.append((k, v, exp))
        print(f"{src}[{sidx}] -> {tgt}[{tidx}] delay {delay:g} ms = {D} steps, {len(src_steps)} spikes: "
              + ("every arrival on its step" if not bad else f"MISMATCH (step, v, expected) {bad[:3]}"))
    elif kind == "spread":
        src, tgt, n, lo, hi = a[0], a[1], int(a[2]), int(a[3]), int(a[4])
        (s,) = steps_of(src, 0)
        times, V = read_state(out, tgt, "v")
        ks = [step(t, dt) for t in times]
        Ds = []
        for i in range(n):
            jumps = [k for k, prev, v in zip(ks[1:], V[i], V[i][1:]) if v != prev]
            first = next((k for k, v in zip(ks, V[i]) if v != 0), None)
            Ds.append(first - s if first is not None and len(jumps) <= 1 else None)
        seen = sorted(set(d for d in Ds if d is not None))
        ok = None not in Ds and seen == list(range(lo, hi + 1))
        print(f"{tgt}: {n} drawn delays: steps {seen}, "
              + ("each a whole number of steps in range, every value seen" if ok else f"MISMATCH expected {lo}..{hi}"))
