"""How far apart neighbours on a ring are: the mean over samples in [FROM_MS, TO_MS) and
over k of |v_k - v_{k+1 mod N}|, from DIR/F.v.csv (examples/fitzhugh_nagumo_ring.soma).

usage: ring_sync.py OUT_DIR FROM_MS TO_MS LABEL (above|below) LIMIT
Also requires spikes (at least 10 per unit), so that a silent ring cannot pass.
"""
import csv
import sys

out, t0, t1, label, side, limit = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5], float(sys.argv[6])
total, samples, n = 0.0, 0, 0
with open(out + "/F.v.csv") as f:
    reader = csv.reader(f)
    n = len(next(reader)) - 1
    for row in reader:
        if not t0 <= float(row[0]) < t1:
            continue
        v = [float(x) for x in row[1:]]
        total += sum(abs(v[k] - v[(k + 1) % n]) for k in range(n)) / n
        samples += 1
mean = total / samples
with open(out + "/spikes.csv") as f:
    spikes = sum(1 for _ in f) - 1
ok = (mean > limit if side == "above" else mean < limit) and spikes >= 10 * n
print(f"{label}: mean neighbour |dv| over [{t0:g}, {t1:g}) ms {mean:.3g} {side} {limit:g}: {'yes' if ok else 'NO'}"
      f" ({spikes} spikes)")
sys.exit(0 if ok else 1)
