"""Compares the spike trains of two runs of the same network.

usage: compare_spikes.py OUT_A OUT_B MAX_SHIFT_MS

Prints the spike count per neuron of A, whether B has the same counts, and the largest
difference between corresponding spike times (when the counts agree); fails unless the
counts agree and no spike moved by MAX_SHIFT_MS or more.
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes  # noqa: E402

a, b, limit = read_spikes(sys.argv[1]), read_spikes(sys.argv[2]), float(sys.argv[3])
keys = sorted(set(a) | set(b))
counts_a = [len(a.get(k, [])) for k in keys]
counts_b = [len(b.get(k, [])) for k in keys]
print("counts", " ".join(f"{p}[{i}]={n}" for (p, i), n in zip(keys, counts_a)))
same = counts_a == counts_b
print("same counts" if same else "DIFFERENT counts: " + " ".join(map(str, counts_b)))
ok = same
if same:
    shift = max((abs(x - y) for k in keys for x, y in zip(a.get(k, []), b.get(k, []))), default=0.0)
    ok = shift < limit
    print(f"largest shift {shift:.3g} ms " + ("below" if ok else "NOT below") + f" {limit:g} ms")
sys.exit(0 if ok else 1)
