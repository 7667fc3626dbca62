"""Per-neuron firing rates of one population in two windows of spikes.csv; checks the late
rates are all within TOL of TARGET (and, with --spread S, that the early ones spread over
more than S Hz, so the convergence is the rule's doing).
usage: rates.py OUT POP N EARLY_END_MS LATE_START_MS END_MS TARGET TOL [--spread S]"""
import csv
import sys

out, pop, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
early_end, late_start, end, target, tol = map(float, sys.argv[4:9])
spread = float(sys.argv[10]) if len(sys.argv) > 10 and sys.argv[9] == "--spread" else None
early, late = [0] * n, [0] * n
with open(out + "/spikes.csv") as f:
    for r in csv.DictReader(f):
        if r["population"] != pop:
            continue
        t, i = float(r["t_ms"]), int(r["index"])
        if t <= early_end:
            early[i] += 1
        if t > late_start:
            late[i] += 1
early = [c / (early_end / 1000) for c in early]
late = [c / ((end - late_start) / 1000) for c in late]
print(f"early rates {min(early):.1f}..{max(early):.1f} Hz, late rates {min(late):.2f}..{max(late):.2f} Hz")
if spread is not None and max(early) - min(early) <= spread:
    sys.exit(f"early rates spread over only {max(early) - min(early):.1f} Hz")
bad = [i for i in range(n) if abs(late[i] - target) > tol]
if bad:
    sys.exit(f"neurons {bad} end at {[round(late[i], 2) for i in bad]} Hz, not {target} +- {tol}")
print(f"all {n} within {tol:g} Hz of {target:g} Hz")
