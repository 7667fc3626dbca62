"""Measures the convergence order of a numerical method through two runs at dt and dt/2.

usage: check_order.py OUT_DT OUT_HALF POP MODEL LO HI

POP[0].x of both runs (recorded on a common grid, `every 1 ms`) is compared with the closed
form of MODEL; E(h) = max over the common samples of |x - x_exact|, and the ratio
E(dt)/E(dt/2) must lie in [LO, HI] (2^p for a method of order p).
Models (x dimensionless, t in ms):
  riccati:  x' = om cos(om t) x^2, x(0) = 0.5, om = 0.2/ms  ->  x = 1 / (2 - sin(om t))
  logistic: x' = r x (1 - x/K), x(0) = 0.05, r = 0.5/ms, K = 1  ->  x = K / (1 + (K/x0 - 1) e^(-r t))
"""
import math
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_state  # noqa: E402

EXACT = {
    "riccati": lambda t: 1.0 / (2.0 - math.sin(0.2 * t)),
    "logistic": lambda t: 1.0 / (1.0 + (1.0 / 0.05 - 1.0) * math.exp(-0.5 * t)),
}
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
