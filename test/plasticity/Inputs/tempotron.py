"""Tempotron (std.neurons.tempotron + std.synapses.tempotron) against a Python reference
(test/plasticity/tempotron.test).

usage: tempotron.py gen DIR [--patterns P] [--afferents N] [--epochs E] [--eta L]
                            [--shuffle-labels] [--seed S] [--w-mean M]
       tempotron.py check DIR [--tol T]        somac's run in DIR/out against the reference
       tempotron.py learned DIR E_MAX          the first error-free epoch must be <= E_MAX
       tempotron.py notlearned DIR FRAC        every epoch must have >= FRAC of its windows wrong

`gen` draws P patterns of N afferents, each afferent spiking once at a random step of a
50 ms window (dt = 0.1 ms), labels half of them '+' (or shuffled labels), initial weights
w ~ N(W_MEAN, W_SD), and writes DIR/net.soma with its spike, teacher and weight files.
Pattern s of the run (epoch s // P, in a per-epoch shuffled order) occupies the slot
[60 s, 60 s + 60) ms: its input spikes at 60 s + t_i (t_i in [0.1, 50] ms) arrive 1 ms later,
the teacher event (channel 0: '+', channel 1: '-') at 60 s + 51 ms arrives at 60 s + 52 ms.

The reference: V(t) = sum_i w_i K(t - a_i) on the grid t = k dt, K(s) = V0 (e^{-s/tau} -
e^{-s/tau_s}) for s > 0, a_i the arrival; t_max the first grid time of the largest V in the
window (steps strictly before the end event, V_max starting at V_rest = 0); out = V_max >=
theta; on an error w_i += eta * learn * K(t_max - a_i) (learn = +1 missed '+', -1 false '-').
`check` compares each window's decision, label and error with the recorded ones (exactly)
and the weights after every window (|w - w_ref| <= T, default 1e-9).
"""
import csv
import json
import math
import os
import random
import sys

DT = 0.1
TAU, TAU_S, THETA = 15.0, 3.75, 1.0
SLOT, WIN_STEPS, DELAY, END = 60.0, 500, 1.0, 51.0
W_MEAN, W_SD = 0.05, 0.1
T_PEAK = TAU * TAU_S * math.log(TAU / TAU_S) / (TAU - TAU_S)
V0 = 1.0 / (math.exp(-T_PEAK / TAU) - math.exp(-T_PEAK / TAU_S))


def K(s):
    return V0 * (math.exp(-s / TAU) - math.exp(-s / TAU_S)) if s > 0 else 0.0


def opts(argv, defaults):
    o = dict(defaults)
    i = 0
    while i < len(argv):
        k = argv[i][2:].replace("-", "_")
        if isinstance(o[k], bool):
            o[k] = True
            i += 1
        else:
            o[k] = type(o[k])(argv[i + 1])
            i += 2
    return o


def gen(d, argv):
    o = opts(argv, {"patterns": 10, "afferents": 20, "epochs": 30, "eta": 0.05,
                    "shuffle_labels": False, "seed": 1, "w_mean": W_MEAN})
    rng = random.Random(o["seed"])
    P, N, E = o["patterns"], o["afferents"], o["epochs"]
    steps = [[rng.randint(1, WIN_STEPS) for _ in range(N)] for _ in range(P)]
    labels = [1 if p < P // 2 else -1 for p in range(P)]
    if o["shuffle_labels"]:
        rng.shuffle(labels)
    w0 = [rng.gauss(o["w_mean"], W_SD) for _ in range(N)]
    order = []
    for _ in range(E):
        perm = list(range(P))
        rng.shuffle(perm)
        order += perm
    os.makedirs(d, exist_ok=True)
    d = os.path.abspath(d)
    with open(f"{d}/in.csv", "w") as f:
        f.write("channel,t_ms\n")
        for s, p in enumerate(order):
            for i in range(N):
                f.write(f"{i},{(round(s * SLOT / DT) + steps[p][i]) / 10:.1f}\n")
    with open(f"{d}/teach.csv", "w") as f:
        f.write("channel,t_ms\n")
        for s, p in enumerate(order):
            f.write(f"{0 if labels[p] > 0 else 1},{s * SLOT + END:.1f}\n")
    with open(f"{d}/w0.csv", "w") as f:
        f.write("pre,post,weight\n")
        for i in range(N):
            f.write(f"{i},0,{w0[i]!r}\n")
    with open(f"{d}/setup.json", "w") as f:
        json.dump({"o": o, "steps": steps, "labels": labels, "w0": w0, "order": order}, f)
    T = len(order) * SLOT
    with open(f"{d}/net.soma", "w") as f:
        f.write(f"""import std.neurons.tempotron
import std.synapses.tempotron
import std.synapses.static

network TempotronTask {{
  source In = spike_array[{N}](file = "{d}/in.csv")
  source Teach = spike_array[2](file = "{d}/teach.csv")
  population R = Tempotron[1]
  connect syn: In -> R with tempotron(eta = {o['eta']!r}) by from_file("{d}/w0.csv") delay {DELAY} ms onto I
  connect Teach[0] -> R with static(w = 1) delay {DELAY} ms onto teach
  connect Teach[1] -> R with static(w = -1) delay {DELAY} ms onto teach
  record R.out, R.label, R.learn, syn.w every {SLOT} ms from {END + DELAY + 1} ms
  run {T} ms with dt = {DT} ms, seed = 1
}}
""")


def reference(setup):
    o, steps, labels = setup["o"], setup["steps"], setup["labels"]
    w = list(setup["w0"])
    eta = o["eta"]
    end = round((END + DELAY) / DT)                # step of the end event within a slot
    rows, traj = [], []
    ktab = {d: K(d * DT) for d in range(-end - 10, end + 10)}
    for p in setup["order"]:
        arr = [s + round(DELAY / DT) for s in steps[p]]   # arrival steps within the slot
        vmax, kmax = 0.0, 0
        for k in range(1, end):
            v = sum(wi * ktab[k - a] for wi, a in zip(w, arr))
            if v > vmax:
                vmax, kmax = v, k
        out = 1 if vmax >= THETA else 0
        learn = (1 - out) if labels[p] > 0 else -out
        if learn:
            w = [wi + eta * learn * ktab[kmax - a] for wi, a in zip(w, arr)]
        rows.append((out, labels[p], learn))
        traj.append(list(w))
    return rows, traj


def read_record(d):
    cols = {}
    for name in ("out", "label", "learn"):
        with open(f"{d}/out/R.{name}.csv") as f:
            r = list(csv.reader(f))
        cols[name] = [int(round(float(x[1]))) for x in r[1:]]
    return list(zip(cols["out"], cols["label"], cols["learn"]))


def read_weights(d):
    with open(f"{d}/out/syn.w.csv") as f:
        r = list(csv.reader(f))
    return [[float(x) for x in row[1:]] for row in r[1:]]


def epochs(rows, P):
    return [sum(1 for x in rows[e * P:(e + 1) * P] if x[2] != 0) for e in range(len(rows) // P)]


def main():
    mode, d = sys.argv[1], sys.argv[2]
    if mode == "gen":
        return gen(d, sys.argv[3:])
    setup = json.load(open(f"{d}/setup.json"))
    P = setup["o"]["patterns"]
    got = read_record(d)
    if mode == "check":
        tol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-9
        ref, wref = reference(setup)
        w = read_weights(d)
        bad = sum(1 for a, b in zip(got, ref) if a != b)
        if len(w) != len(wref):
            sys.exit(f"{len(w)} weight rows, expected {len(wref)}")
        err = max(abs(a - b) for ra, rb in zip(w, wref) for a, b in zip(ra, rb))
        wref = wref[-1]
        n_learn = sum(1 for x in ref if x[2])
        print(f"{len(got)} windows ({n_learn} updates): {bad} decisions differ, "
              f"max |w - w_ref| {'<=' if err <= tol else '>'} {tol:g}")
        print(f"  (measured {err:.3g}; max |w| {max(abs(x) for x in wref):.3g})", file=sys.stderr)
        sys.exit(0 if bad == 0 and len(got) == len(ref) and err <= tol else 1)
    errs = epochs(got, P)
    print("errors per epoch:", " ".join(map(str, errs)), file=sys.stderr)
    if mode == "learned":
        emax = int(sys.argv[3])
        first = next((e + 1 for e, n in enumerate(errs) if n == 0), None)
        ok = first is not None and first <= emax and all(n == 0 for n in errs[first - 1:])
        print(f"{P} patterns: first error-free epoch {'<=' if ok else '>'} {emax}, error-free after it: {ok}")
        print(f"  (measured: epoch {first} of {len(errs)})", file=sys.stderr)
        sys.exit(0 if ok else 1)
    if mode == "notlearned":
        frac = float(sys.argv[3])
        worst = min(errs) / P
        ok = worst >= frac
        print(f"{P} patterns, {len(errs)} epochs: every epoch has >= {frac:g} of its windows wrong: {ok}")
        print(f"  (measured: fewest errors {min(errs)} of {P})", file=sys.stderr)
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
