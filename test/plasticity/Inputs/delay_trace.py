"""delay_trace.py OUT: the presynaptic trace of each synapse of delay_trace.soma equals
sum over its arrivals a <= t of exp(-(t - a) / 10 ms) at every recorded step (relative
1e-12): synapse 0 gets the spikes at 10 and 50 ms with 5 ms (arrivals 15, 55 ms),
synapse 1 with 5 ms and then its learned 7 ms (arrivals 15, 57 ms). `delay_trace.py OUT
shared`: both with synapse 0's arrivals, as one trace per presynaptic neuron would give
(the negative control; it must fail)."""
import csv
import math
import sys

ARRIVALS = {0: [15.0, 55.0], 1: [15.0, 57.0]}
if sys.argv[-1] == "shared":
    ARRIVALS[1] = ARRIVALS[0]
rows = list(csv.reader(open(sys.argv[1] + "/plastic.x_pre.csv")))
worst = 0.0
for r in rows[1:]:
    t = float(r[0])
    for s in (0, 1):
        want = sum(math.exp(-(t - a) / 10.0) for a in ARRIVALS[s] if a <= t + 1e-9)
        got = float(r[1 + s])
        err = abs(got - want) / max(abs(want), 1e-300) if want else abs(got)
        if err > 1e-12:
            sys.exit(f"t = {t} ms, synapse {s}: x_pre {got!r}, closed form {want!r}")
        worst = max(worst, err)
print(f"x_pre: {len(rows) - 1} steps, 2 synapses, arrivals 15/55 and 15/57 ms: relative error < 1e-12")
