"""Checks spike-frequency adaptation under a step current.

usage: check_adaptation.py OUT POP START_MS STOP_MS W_MAX

Neuron 0 of POP: no spike before START; at least 8 spikes in [START, STOP]; the ISIs are
non-decreasing (each at least the previous one minus one step, 0.1 ms) and the last is at
least 1.5 times the first (adaptation); no spike later than STOP + 10 ms; and the recorded
adaptation current w stays within [0, W_MAX] pA at every sample (a bound from the model:
see the test).
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes, read_state  # noqa: E402

out, pop, start, stop, w_max = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
ts = read_spikes(out).get((pop, 0), [])
isis = [b - a for a, b in zip(ts, ts[1:])]
print(f"spikes: {len(ts)}; ISIs (ms): {[round(x, 1) for x in isis]}")
print(f"before the step: {sum(1 for t in ts if t < start)}")
print(f"after the step: {sum(1 for t in ts if t > stop + 10)}")
during = [t for t in ts if start <= t <= stop]
print(f"during the step at least 8: {'yes' if len(during) >= 8 else 'no'}")
monotone = all(b >= a - 0.1 - 1e-9 for a, b in zip(isis, isis[1:]))
print(f"ISIs non-decreasing: {'yes' if monotone else 'no'}")
ratio = isis[-1] / isis[0] if len(isis) >= 2 else 0
print(f"last/first ISI at least 1.5: {'yes' if ratio >= 1.5 else 'no'} ({ratio:.2f})")
_, w = read_state(out, pop, "w")
print(f"w within [0, {w_max:g}] pA: {'yes' if all(0 <= x <= w_max for x in w[0]) else 'no'} (max {max(w[0]):.4g})")
