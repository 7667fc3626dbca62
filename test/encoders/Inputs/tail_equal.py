#!/usr/bin/env python3
"""tail_equal.py FULL CONT T FILE...: each FILE of the continued run CONT (started from a
checkpoint at T ms) holds exactly the rows of the full run FULL after T ms."""
import sys

full, cont, t0 = sys.argv[1], sys.argv[2], float(sys.argv[3])
bad = 0
for name in sys.argv[4:]:
    col = 2 if name == "spikes.csv" else 0
    a = [l for l in open(f"{full}/{name}").readlines()[1:] if float(l.split(",")[col]) > t0 + 1e-9]
    b = open(f"{cont}/{name}").readlines()[1:]
    same = a == b and len(a) > 0
    print(f"{name}: {len(b)} rows after {t0:g} ms, {'identical' if same else 'DIFFERENT'}")
    bad += not same
sys.exit(1 if bad else 0)
