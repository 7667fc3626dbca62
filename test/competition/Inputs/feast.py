"""FEAST (MODELS.md entry 2): the input events and the check of the learned features.

usage: feast.py gen OUT.soma            writes the network (examples/feast_demo.soma is its output)
       feast.py check OUTDIR [--min F]  checks a run of it

The input: C = 4 classes over M = 20 channels. Class c is the channels 4c..4c+3 plus the
shared channels 16..19; presentation n (at t = 10 (n+1) ms, P = 800 of them) is one class
drawn from random.Random(SEED), each of its channels dropped with probability 0.05 and
each other channel added with probability 0.02. All channels that take part spike in the
same step: one event. The shared channels make the features overlap: a neuron that has
learned the mean of all classes matches every class with u ~ 4.5 + noise, one that has
learned no class with u ~ 1, so without threshold adaptation the first winner keeps
winning everything (the negative control).

check: the winner of presentation n is the neuron of F that spikes in (t_n, t_n + 10 ms).
Over the second half (presentations 400..799), for each class the neuron that wins it
most must win at least F (default 0.8) of that class's presentations (misses count
against it), and the four neurons must differ (one neuron per class). Thresholds
converge: they rise from 0 to ~4-6 in the first ~200 events and then stay in a band,
each neuron's mean threshold over presentations 600..799 within 1.0 (two d_down steps)
of its mean over 400..599.
Prints the class x neuron table, the thresholds and a verdict line.
"""
import csv
import random
import sys

SEED, C, M, P, PERIOD = 7, 4, 20, 800, 10
P_DROP, P_ADD = 0.05, 0.02


def events():
    rng = random.Random(SEED)
    out = []
    for n in range(P):
        c = rng.randrange(C)
        active = set(range(4 * c, 4 * c + 4)) | set(range(4 * C, M))
        chans = [j for j in range(M) if (rng.random() >= P_DROP if j in active else rng.random() < P_ADD)]
        out.append((c, chans))
    return out


def gen(path):
    times = [[] for _ in range(M)]
    for n, (_, chans) in enumerate(events()):
        for j in chans:
            times[j].append(PERIOD * (n + 1))
    rows = ",\n".join("    [" + ", ".join(f"{t} ms" for t in ts) + "]" for ts in times)
    with open(path, "w") as f:
        f.write(f"""// FEAST: event-based feature extraction with adaptive selection thresholds (MODELS.md
// entry 2; std.neurons.feast, std.synapses.feast). Four feature neurons learn four
// classes of input events over 20 channels (written by test/competition/Inputs/feast.py
// gen: class c is the channels 4c..4c+3 plus the shared channels 16..19, with noise; one
// event every 10 ms). The network picks the winner with a k-WTA signal (k = 1, ties to
// the lowest index) broadcast elementwise back onto the neurons; `none` lowers every
// threshold when no neuron matched. Run with --set 'up=0' --set 'down=0' to see one
// neuron take every class.
import std.neurons.feast
import std.synapses.feast

network FeastDemo {{
  const up = 0.1
  const down = 0.5
  population F = FeastNeuron[4] {{ d_up = up; d_down = down }}
  source In = spike_array[{M}](times = [
{rows}
  ])
  connect syn: In -> F with feast(w0 = uniform(0.05, 0.15), eta = 0.1, window = 5 ms) delay 1 ms onto x
  signal win = top_k(F.score, 1)
  signal none = not any(F.matched > 0.5)
  broadcast win -> F.win
  broadcast none -> F.none
  record F.spikes
  record F.theta every {PERIOD} ms
  run {PERIOD * (P + 1)} ms with dt = 1 ms, seed = 1
}}
""")


def check(out, min_frac):
    ev = events()
    winners = [[] for _ in range(P)]
    with open(out + "/spikes.csv") as f:
        for row in csv.DictReader(f):
            if row["population"] != "F":
                continue
            n = int(float(row["t_ms"]) // PERIOD) - 1
            if 0 <= n < P:
                winners[n].append(int(row["index"]))
    if any(len(w) > 1 for w in winners):
        print("FAIL: more than one winner of an event")
        return False
    table = [[0] * 4 for _ in range(C)]
    misses = [0] * C
    for n in range(P // 2, P):
        c = ev[n][0]
        if winners[n]:
            table[c][winners[n][0]] += 1
        else:
            misses[c] += 1
    ok = True
    best = []
    for c in range(C):
        b = max(range(4), key=lambda i: table[c][i])
        total = sum(table[c]) + misses[c]
        frac = table[c][b] / total
        best.append(b)
        print(f"class {c}: wins per neuron {table[c]}, missed {misses[c]}; neuron {b} wins {frac:.3f}")
        ok &= frac >= min_frac
    one_to_one = len(set(best)) == C
    print("assignment", best, "one-to-one" if one_to_one else "NOT one-to-one")
    with open(out + "/F.theta.csv") as f:
        rows = [[float(x) for x in r] for r in list(csv.reader(f))[1:]]
    # row r samples t = 10 (r + 1) ms: the thresholds just before presentation r + 1's decision
    drift = []
    for i in range(4):
        a = [r[1 + i] for r in rows[400:600]]
        b = [r[1 + i] for r in rows[600:800]]
        drift.append(abs(sum(b) / len(b) - sum(a) / len(a)))
    print("final thresholds", [round(x, 2) for x in rows[-1][1:]], "drift", [round(d, 3) for d in drift])
    converged = max(drift) < 1.0
    ok &= one_to_one and converged
    print("FEAST: each class won by one neuron" if ok else "FEAST: NOT specialised")
    return ok


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        mf = float(sys.argv[sys.argv.index("--min") + 1]) if "--min" in sys.argv else 0.8
        sys.exit(0 if check(sys.argv[2], mf) else 1)
