"""MAX-CUT with the spiking Ising machine of examples/ising_maxcut.soma (MODELS.md entry 15).

usage: ising_maxcut.py SOMAC MODEL WORKDIR SEED TOL N:P... [-- SOMAC-RUN-ARGS...]
For each N:P a G(N, P) random graph is drawn (Python's random.Random(SEED), fixed), written
as WORKDIR/gK/edges.csv (both directions of every edge), and the model is run there with
--set N=N. The spin of node i is the sign of (ON[i] spikes) - (OFF[i] spikes) over the last
100 ms (a tie counts as +1). The cut of those spins is compared with the maximum cut found
by exhaustive search (Gray code over the 2^(N-1) partitions with node N-1 fixed; each step
flips one node and updates the cut by its neighbours on either side). A graph passes when
cut >= (1 - TOL) * optimum. Arguments after `--` go to `somac run` (the negative control
turns the annealing off with --set T_final=4). Prints one line per graph and 'all within TOL' or 'FAILED'.
"""
import csv
import json
import os
import random
import subprocess
import sys

somac, model, work = sys.argv[1], sys.argv[2], sys.argv[3]
seed, tol = int(sys.argv[4]), float(sys.argv[5])
rng = random.Random(seed)
graphs = sys.argv[6:]
extra = []
if "--" in graphs:
    extra = graphs[graphs.index("--") + 1:]
    graphs = graphs[:graphs.index("--")]


def max_cut(n, adj):
    """adj[i]: bitmask of i's neighbours. Exhaustive over the partitions with n-1 on side 0."""
    side = 0  # bitmask of side 1
    cut = best = 0
    for k in range(1, 1 << (n - 1)):
        v = (k & -k).bit_length() - 1  # Gray code: the bit that changes
        nb = adj[v]
        same = (nb & side).bit_count() if side >> v & 1 else (nb & ~side).bit_count()
        other = nb.bit_count() - same
        cut += same - other  # v moves: its same-side edges become cut, the others not
        side ^= 1 << v
        best = max(best, cut)
    return best


ok = True
for g, spec in enumerate(graphs):
    n, p = int(spec.split(":")[0]), float(spec.split(":")[1])
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p]
    adj = [0] * n
    for i, j in edges:
        adj[i] |= 1 << j
        adj[j] |= 1 << i
    d = os.path.join(work, f"g{g}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "edges.csv"), "w") as f:
        f.write("pre,post\n")
        for i, j in edges:
            f.write(f"{i},{j}\n{j},{i}\n")
    subprocess.run([os.path.abspath(somac) if os.sep in somac else somac, "run", os.path.abspath(model), "--out", "out", "-q", "--set", f"N={n}"] + extra,
                   cwd=d, check=True)
    with open(os.path.join(d, "out", "summary.json")) as f:
        t_stop = float(json.load(f)["t_stop_ms"])
    count = {}
    with open(os.path.join(d, "out", "spikes.csv")) as f:
        for row in csv.DictReader(f):
            if float(row["t_ms"]) > t_stop - 100:
                key = int(row["index"])
                count[key] = count.get(key, 0) + (1 if row["population"] == "ON" else -1)
    spin = [1 if count.get(i, 0) >= 0 else -1 for i in range(n)]
    cut = sum(spin[i] != spin[j] for i, j in edges)
    best = max_cut(n, adj)
    good = cut >= (1 - tol) * best
    ok = ok and good
    print(f"graph {g}: {n} nodes, {len(edges)} edges: cut {cut}, optimum {best}"
          f" ({100.0 * cut / best if best else 100:.1f} %) {'ok' if good else 'BELOW'}")
print(f"all within {tol:g}" if ok else "FAILED")
sys.exit(0 if ok else 1)
