"""Checks test/plasticity/broadcast-synapse.soma.

increments: w(t_{K+1}) - w(t_K) = dt * mean_i x0_i q_i^K, x0_i = 1 + i,
q_i = exp(-dt / tau_i), tau_i = 50 - 8 i ms; 1e-9 relative.
deliveries: v of each Post neuron at 51 ms and 151 ms (the arrivals) equals w there (v is
0 before the first arrival; before the second it has decayed, so the jump is compared:
v(t_a) - v(t_a - dt) * exp(-dt / 10 ms)), to 1e-12 relative.
--shift S uses the signal S steps later (a negative control: must fail).
usage: check_broadcast_synapse.py OUT [--shift S]"""
import csv
import math
import sys

DT = 0.1
N = 5
X0 = [1.0 + i for i in range(N)]
Q = [math.exp(-DT / (50.0 - 8.0 * i)) for i in range(N)]
TOL = 1e-9


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return [[float(x) for x in r] for r in rows[1:]]


def main():
    out = sys.argv[1]
    shift = int(sys.argv[sys.argv.index("--shift") + 1]) if "--shift" in sys.argv else 0
    w = read(out + "/plastic.w.csv")
    ok = True
    worst = 0.0
    count = 0
    for r0, r1 in zip(w, w[1:]):
        K = round(r0[0] / DT)
        assert round(r1[0] / DT) == K + 1
        want = DT * math.fsum(X0[i] * Q[i] ** (K + shift) for i in range(N)) / N
        for s in (1, 2):
            worst = max(worst, abs((r1[s] - r0[s]) - want) / want)
        count += 1
    if worst < TOL:
        print(f"increments: {count} per synapse, 2 synapses, max relative error below {TOL:g}")
    else:
        print(f"increments: max relative error {worst:.3g} EXCEEDS {TOL:g}")
        ok = False
    v = read(out + "/Post.v.csv")
    vat = {round(r[0] / DT): r for r in v}
    wat = {round(r[0] / DT): r for r in w}
    good = 0
    for ka in (510, 1510):
        for s in (1, 2):
            jump = vat[ka][s] - vat[ka - 1][s] * math.exp(-DT / 10.0)
            if abs(jump - wat[ka][s]) <= 1e-12 * abs(wat[ka][s]):
                good += 1
            else:
                print(f"delivery at step {ka}, synapse {s - 1}: jump {jump!r}, w {wat[ka][s]!r}")
                ok = False
    if good == 4:
        print("deliveries: 2 at 51 ms and 2 at 151 ms equal w at arrival")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
