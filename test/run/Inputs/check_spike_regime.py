"""Classifies the spike train of each listed neuron as none / single / transient / repetitive.

usage: check_spike_regime.py OUT T_STOP_MS POP:IDX ...

  none        no spike;
  single      exactly one spike;
  transient   two or more spikes, but the last one more than T_STOP/2 before the end
              (firing that dies out);
  repetitive  at least 10 spikes and the last one within 3 mean ISIs of the end of the run
              (firing sustained to the end).
Anything else is `unclear`. Prints `POP[IDX]: N spikes, last at T ms: REGIME`.
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes  # noqa: E402

out, t_stop = sys.argv[1], float(sys.argv[2])
spikes = read_spikes(out)
for spec in sys.argv[3:]:
    pop, idx = spec.split(":")
    ts = spikes.get((pop, int(idx)), [])
    if not ts:
        regime = "none"
    elif len(ts) == 1:
        regime = "single"
    elif ts[-1] < t_stop / 2:
        regime = "transient"
    elif len(ts) >= 10 and t_stop - ts[-1] <= 3 * (ts[-1] - ts[0]) / (len(ts) - 1):
        regime = "repetitive"
    else:
        regime = "unclear"
    last = f"{ts[-1]:.2f}" if ts else "-"
    print(f"{pop}[{idx}]: {len(ts)} spikes, last at {last} ms: {regime}")
