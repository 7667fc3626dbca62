"""Checks test/plasticity/pattern-detection.soma: the pattern synapses (0-19) end strong and
the background ones (20-99) do not, and Out fires right after the pattern's volleys.
usage: check_pattern.py OUT [--control]: with --control, require that the weights did not
separate (no pattern was shown)."""
import csv
import sys

out = sys.argv[1]
rows = list(csv.reader(open(out + "/plastic.w.csv")))
header, last = rows[0], [float(x) for x in rows[-1][1:]]
pre = {}
with open(out + "/plastic.synapses.csv") as f:
    for r in csv.DictReader(f):
        pre[int(r["synapse"])] = int(r["pre"])
syn = [int(h.split("[")[1].split("]")[0]) for h in header[1:]]
pattern = [w for s, w in zip(syn, last) if pre[s] < 20]
background = [w for s, w in zip(syn, last) if pre[s] >= 20]
wp, wb = sum(pattern) / len(pattern), sum(background) / len(background)
print(f"mean w: pattern {wp:.3f}, background {wb:.3f}")
if "--control" in sys.argv:
    if wp - wb > 0.2:
        sys.exit("the weights separated without a pattern")
    print("no pattern, no separation")
    sys.exit(0)
if not (wp > 0.9 and wb < 0.55):
    sys.exit("the pattern was not learned")
trig, outs = [], []
with open(out + "/spikes.csv") as f:
    for r in csv.DictReader(f):
        t = float(r["t_ms"])
        (trig if r["population"] == "Trigger" else outs).append(t)
late = [t for t in outs if t > 40000]
hits = sum(1 for t in late if any(1.0 <= t - s <= 6.0 for s in trig if s > t - 10))
frac = hits / max(1, len(late))
print(f"{len(late)} output spikes in the last 20 s, {frac:.2f} of them 1-6 ms after a volley")
if frac < 0.8:
    sys.exit("the output does not detect the pattern")
print("pattern learned and detected")
