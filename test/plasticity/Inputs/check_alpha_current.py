"""Checks test/plasticity/alpha-current.soma: v(t_K) = sum_{k<K} dt w x(t_k) / C with the
alpha kernel x of each arrival (2 ms and 10 ms), w = 50 pA, tau = 2 ms, C = 100 pF."""
import csv
import math
import sys

DT, W, TAU, C = 0.1, 50.0, 2.0, 100.0
ARRIVALS = [2.0, 10.0]


def x(t):
    total = 0.0
    for ta in ARRIVALS:
        s = t - ta
        if s > 1e-9:
            total += s / TAU * math.exp(1 - s / TAU)
    return total


rows = list(csv.reader(open(sys.argv[1] + "/P.v.csv")))[1:]
worst, acc, n = 0.0, 0.0, 0
for r in rows:
    t, v = float(r[0]), float(r[1])
    K = round(t / DT)
    expected = sum(DT * W * x(k * DT) / C for k in range(K))
    if expected != 0:
        worst = max(worst, abs(v - expected) / abs(expected))
    elif v != 0:
        sys.exit(f"v = {v} at {t} ms before any input")
    n += 1
if worst > 1e-9:
    sys.exit(f"max relative error {worst:.3g}")
print(f"alpha_current: {n} samples match the closed-form sum (max relative error < 1e-9)")
