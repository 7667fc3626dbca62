"""Checks that a run of Inputs/compiled_events.soma exercises what compiled-events.test
compares: most weights of both projections moved away from their initial 0.5, and the
network fell silent for longer than the decay tables (16384 steps of 0.1 ms), so decays
past the table were computed. usage: compiled_events.py OUT_DIR"""
import csv
import os
import sys

out = sys.argv[1]
ok = True
for name in ("row", "list"):
    rows = list(csv.DictReader(open(os.path.join(out, f"{name}.weights.csv"))))
    moved = sum(1 for r in rows if abs(float(r["weight"]) - 0.5) > 1e-3)
    delays = {r["delay_ms"] for r in rows}
    print(f"{name}: {moved} of {len(rows)} weights moved, {len(delays)} distinct delay(s)")
    ok = ok and 2 * moved > len(rows)
times = sorted(float(r["t_ms"]) for r in csv.DictReader(open(os.path.join(out, "spikes.csv"))) if r["population"] == "P")
gap = max(b - a for a, b in zip(times, times[1:]))
print(f"longest silence {gap:.1f} ms")
ok = ok and gap > 1638.4
print("ok" if ok else "FAIL")
sys.exit(0 if ok else 1)
