"""Checks Inputs/linear_gates.soma step by step.

usage: check_gates.py OUT_DIR [late]
In step k the continuous synapses read In.y at t_k, so
  Out[j].y(t_{k+1}) = [ sum_i 0.25 In[i].y(t_k) + sum_i [In[i].y(t_k) >= 0.5] 0.25 i >= 0.25 (j + 1) ]
for every recorded step (In.y(t_0) = 0). `late` checks against In.y(t_{k+1}) instead (a
coupling read after the kernels), which the run must fail.
"""
import csv
import sys


def read(out, pop):
    with open(f"{out}/{pop}.y.csv") as f:
        rows = list(csv.reader(f))[1:]
    return [float(r[0]) for r in rows], [[float(x) for x in r[1:]] for r in rows]


out = sys.argv[1]
late = len(sys.argv) > 2 and sys.argv[2] == "late"
t, yin = read(out, "In")
_, yout = read(out, "Out")
prev = [0.0, 0.0]  # In.y at t_0
bad = 0
changes = 0
for k in range(len(t)):
    src = yin[k] if late else prev
    x = sum(0.25 * y for y in src) + sum(0.25 * i for i, y in enumerate(src) if y >= 0.5)
    want = [1.0 if x >= 0.25 * (j + 1) else 0.0 for j in range(4)]
    if want != yout[k]:
        if bad < 3:
            print(f"MISMATCH at t = {t[k]:g} ms: Out.y = {yout[k]}, expected {want}")
        bad += 1
    if k and yout[k] != yout[k - 1]:
        changes += 1
    prev = yin[k]
print(f"{len(t)} steps match, {changes} output changes" if not bad else f"{bad} steps differ")
sys.exit(1 if bad else 0)
