"""predicted.py CSV EXPECTED TOL: the fraction of 1s in a recorded boolean state (all cells,
all steps) against EXPECTED +- TOL; exit 1 outside."""
import csv
import sys

path, expected, tol = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
with open(path) as f:
    rows = list(csv.reader(f))[1:]
ones = sum(float(x) for r in rows for x in r[1:])
total = sum(len(r) - 1 for r in rows)
rate = ones / total
ok = abs(rate - expected) <= tol
print(f"predicted in {int(ones)} of {total} cell-steps: {rate:.5f}, expected {sys.argv[2]} +- {sys.argv[3]}: "
      f"{'ok' if ok else 'OUTSIDE'}")
sys.exit(0 if ok else 1)
