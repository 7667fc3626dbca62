#!/usr/bin/env python3
"""check_file.py OUT [held|zero]: for Inputs/file.soma, the file sources' spikes equal the
expression sources' (FD/ED, FS/ES: same channels, same steps); the integrators driven by
ramp.csv hold the sum of x(t_k) dt / 1 ms with x read from the file by linear
interpolation and, outside its rows, `held` (the documented rule) or `zero` (a wrong rule,
for the negative control)."""
import csv
import sys

out, outside = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "held")
DT = 0.125
bad = False

spikes = {}
with open(f"{out}/spikes.csv") as f:
    for r in list(csv.reader(f))[1:]:
        spikes.setdefault(r[0], []).append((int(r[1]), r[2]))
for a, b in (("FD", "ED"), ("FS", "ES")):
    same = spikes.get(a) == spikes.get(b) and len(spikes.get(a, [])) > 0
    print(f"{a} (file) and {b} (expression): {len(spikes.get(a, []))} and {len(spikes.get(b, []))} spikes, "
          f"{'identical' if same else 'DIFFERENT'}")
    bad |= not same

rows = [(5.0, 0.5), (10.0, 1.5), (15.0, -0.5)]


def x(t):
    if t <= rows[0][0]:
        return rows[0][1] if outside == "held" else 0.0
    if t >= rows[-1][0]:
        return rows[-1][1] if outside == "held" else 0.0
    for (t0, v0), (t1, v1) in zip(rows, rows[1:]):
        if t0 <= t <= t1:
            return v0 + (t - t0) / (t1 - t0) * (v1 - v0)


with open(f"{out}/I.y.csv") as f:
    data = list(csv.reader(f))[1:]
acc, worst = 0.0, 0.0
for m, r in enumerate(data, start=1):
    acc += x((m - 1) * DT) * DT
    worst = max(worst, max(abs(float(v) - acc) for v in r[1:]))
ok = worst <= 1e-9
print(f"ramp.csv ({outside} outside its rows): integrators off by {worst:.1e}, {'OK' if ok else 'WRONG'}")
bad |= not ok
sys.exit(1 if bad else 0)
