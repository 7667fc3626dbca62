"""Measures the convergence order of a numerical method through two runs at dt and dt/2.

usage: check_order.py OUT_DT OUT_HALF POP MODEL LO HI

POP[0].x of both runs (recorded on a common grid, `every 1 ms`) is compared with the closed
form of MODEL; E(h) = max over the common samples of |x - x_exact|, and the ratio
E(dt)/E(dt/2) must lie in [LO, HI] (2^p for a method of order p).
Models: closed_forms.py (riccati, logistic, stiff_linear, ...).
"""
import math
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from closed_forms import EXACT  # noqa: E402
from simout import read_state  # noqa: E402

out1, out2, pop, model, lo, hi = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), float(sys.argv[6])
exact = EXACT[model]
errs = []
grids = []
for out in (out1, out2):
    times, vals = read_state(out, pop, "x")
    grid = [round(t, 6) for t in times]
    grids.append(grid)
    errs.append(max(abs(x - exact(t)) for t, x in zip(grid, vals[0])))
print(f"{pop}: common grid: {'yes' if grids[0] == grids[1] else 'NO'}, {len(grids[0])} samples")
ratio = errs[0] / errs[1]
inside = lo <= ratio <= hi
print(f"{pop}: E(dt) = {errs[0]:.3e}, E(dt/2) = {errs[1]:.3e}, ratio {ratio:.3f} "
      + ("inside" if inside else "OUTSIDE") + f" [{lo:g}, {hi:g}]")
sys.exit(0 if inside and grids[0] == grids[1] else 1)
