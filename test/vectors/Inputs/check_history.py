"""Does a neuron's output at time T depend on input long before? Compares the recorded
column of two single-neuron populations at T (ms).

usage: check_history.py OUT_DIR POP_WITH POP_WITHOUT MEMBER T_MS MIN_DIFF
Exits 0 if |POP_WITH.MEMBER(T) - POP_WITHOUT.MEMBER(T)| >= MIN_DIFF (it remembers), else 1."""
import csv
import os
import sys


def value(out, pop, member, t):
    with open(os.path.join(out, "%s.%s.csv" % (pop, member))) as f:
        rows = [[float(x) for x in r] for r in list(csv.reader(f))[1:]]
    row = min(rows, key=lambda r: abs(r[0] - t))
    return row[1]


def main():
    out, a, b, member, t, need = sys.argv[1:7]
    va, vb = value(out, a, member, float(t)), value(out, b, member, float(t))
    diff = abs(va - vb)
    print("%s.%s = %.6g, %s.%s = %.6g at t = %s ms: difference %.3g" % (a, member, va, b, member, vb, t, diff))
    if diff >= float(need):
        print("remembers (difference >= %s)" % need)
        return 0
    print("FORGOT (difference < %s)" % need)
    return 1


sys.exit(main())
