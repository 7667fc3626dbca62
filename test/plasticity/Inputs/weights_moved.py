"""Reads NAME.w.csv: checks every weight is in [0, 1] and reports how many synapses moved
by more than 1e-3 between the first and the last row; fails unless more than half did."""
import csv
import sys

rows = [[float(x) for x in r[1:]] for r in list(csv.reader(open(sys.argv[1])))[1:]]
first, last = rows[0], rows[-1]
assert all(0 <= w <= 1 for r in rows for w in r), "a weight outside [0, 1]"
moved = sum(1 for a, b in zip(first, last) if abs(a - b) > 1e-3)
if 2 * moved <= len(first):
    sys.exit(f"only {moved} of {len(first)} synapses moved")
print(f"weights within [0, 1]; {moved} of {len(first)} synapses changed by more than 1e-3 (more than half)")
