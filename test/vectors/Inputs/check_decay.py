"""Free decay of vector memory units: from t0 on (after the input pulse), element k of the
recorded vector follows m_k(t0) * exp(-(t - t0) / tau_k) with its own tau_k.

usage: check_decay.py OUT_DIR POP MEMBER T0_MS TOL TAU_MS,TAU_MS,... [swap]
Prints the largest relative error per element; exits 1 if one exceeds TOL. `swap` checks
against the time constants of elements 0 and 1 exchanged (a negative control)."""
import csv
import math
import os
import sys


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return [[float(x) for x in r] for r in rows[1:]]


def main():
    out, pop, member, t0, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
    taus = [float(x) for x in sys.argv[6].split(",")]
    if len(sys.argv) > 7 and sys.argv[7] == "swap":
        taus[0], taus[1] = taus[1], taus[0]
    worst_all = 0.0
    for k, tau in enumerate(taus):
        rows = read(os.path.join(out, "%s.%s[%d].csv" % (pop, member, k)))
        start = min(range(len(rows)), key=lambda r: abs(rows[r][0] - t0))
        worst = 0.0
        n = 0
        for row in rows[start + 1:]:
            for i, m in enumerate(row[1:]):
                ref = rows[start][1 + i] * math.exp(-(row[0] - rows[start][0]) / tau)
                if ref == 0:
                    print("element %d: zero at t0" % k)
                    return 1
                worst = max(worst, abs(m - ref) / abs(ref))
                n += 1
        print("element %d tau %g ms: %d samples, max relative error %.3g" % (k, tau, n, worst))
        worst_all = max(worst_all, worst)
    if worst_all > tol:
        print("FAIL: %.3g > %g" % (worst_all, tol))
        return 1
    print("ok: max relative error %.3g <= %g" % (worst_all, tol))
    return 0


sys.exit(main())
