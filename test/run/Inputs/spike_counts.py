"""Spike counts per population, with a lower bound each (so a silent run fails).

usage: spike_counts.py OUT POP:MIN...
Prints 'POP: N spikes in K neurons' per population; exits 1 when one has fewer than MIN
spikes ('POP: N spikes ... FEWER THAN MIN').
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes  # noqa: E402

spikes = read_spikes(sys.argv[1])
ok = True
for arg in sys.argv[2:]:
    pop, lo = arg.split(":")
    per = {i: len(ts) for (p, i), ts in spikes.items() if p == pop}
    n = sum(per.values())
    line = f"{pop}: {n} spikes in {len(per)} neurons"
    if n < int(lo):
        line += f" FEWER THAN {lo}"
        ok = False
    print(line)
sys.exit(0 if ok else 1)
