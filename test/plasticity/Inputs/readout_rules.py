"""Checks test/plasticity/readout-rules.soma against the closed forms of the two readout
rules.

Presynaptic spikes arrive at a = 11 ms and 31 ms (10 ms and 30 ms plus the 1 ms delay);
each synapse's trace is r(t) = sum over arrivals a <= t of exp(-(t - a) / tau_r), and with
the postsynaptic factor and the modulator held constant the weight is
    w(t) = K tau_r sum over arrivals a <= t of (1 - exp(-(t - a) / tau_r))
with K = eta (z - zbar) M for eh_readout and K = beta d g for agrel. What a synapse
delivers in one step reaches the neuron's input in the next: seen(t) = w(t - dt) r(t - dt).

usage: readout_rules.py OUT [--scale S]    (S multiplies every K: a negative control)
Prints the largest relative errors; exits 1 when one exceeds 1e-9."""
import csv
import math
import sys

TAU = 20.0
DT = 0.1
ARRIVALS = (11.0, 31.0)
TOL = 1e-9


def table(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return [[float(x) for x in r] for r in rows[1:]]


def r_of(t):
    return sum(math.exp(-(t - a) / TAU) for a in ARRIVALS if t >= a - 1e-9)


def w_of(t, k):
    return k * TAU * sum(1 - math.exp(-(t - a) / TAU) for a in ARRIVALS if t >= a - 1e-9)


def rel(x, y):
    return abs(x - y) / max(abs(y), 1e-3)


def main():
    out = sys.argv[1]
    scale = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--scale" else 1.0
    # eh: eta 0.01/ms, z - zbar = 1.5, M = 1; agrel: beta 0.02/ms, d = -0.5, g = 1 and 0.
    cases = [("eh", "E", [0.01 * 1.5 * 1 * scale]),
             ("ag", "A", [0.02 * -0.5 * 1 * scale, 0.02 * -0.5 * 0 * scale])]
    worst = {"w": 0.0, "r": 0.0, "seen": 0.0}
    n = 0
    for conn, pop, ks in cases:
        w, r, seen = (table(f"{out}/{conn}.w.csv"), table(f"{out}/{conn}.r.csv"),
                      table(f"{out}/{pop}.seen.csv"))
        for row_w, row_r, row_s in zip(w, r, seen):
            t = row_w[0]
            for s, k in enumerate(ks):
                worst["w"] = max(worst["w"], rel(row_w[1 + s], w_of(t, k)))
                worst["r"] = max(worst["r"], rel(row_r[1 + s], r_of(t)))
                prev = t - DT
                worst["seen"] = max(worst["seen"], rel(row_s[1 + s], w_of(prev, k) * r_of(prev)))
                n += 1
    print(f"{n} samples: largest relative error w {worst['w']:.1e}, r {worst['r']:.1e}, "
          f"delivered {worst['seen']:.1e}")
    ok = all(v <= TOL for v in worst.values())
    print(("ok: " if ok else "FAILED: ") + f"all below {TOL:g}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
