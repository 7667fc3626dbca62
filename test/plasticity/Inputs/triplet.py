"""Triplet STDP (std.synapses.triplet_stdp, Pfister & Gerstner 2006) against an
independent event-by-event implementation of the rule (test/plasticity/triplet.test).

`gen` prints a network: channel c of Pre spikes at random grid times (fixed seed), arriving
after 1 ms at synapse c; the relay Post[c] fires at its own random times. `check OUT`
replays each channel's arrivals and post spikes in time order (at equal times the arrival
first, as DESIGN.md fixes) with exactly decayed traces:
  arrival at t:  w -= o1(t) (A2_minus + A3_minus r2(t-));  r1 += 1;  r2 += 1
  post at t:     w += r1(t) (A2_plus  + A3_plus  o2(t-));  o1 += 1;  o2 += 1
(w clipped to [0, 1]) and requires |w_sim - w_ref| <= 1e-12 |w_ref - w0|.
"""
import csv
import math
import random
import sys

import relay_pairs

DT, DELAY, T_END = 0.1, 1.0, 400.0
TAU_PLUS, TAU_X, TAU_MINUS, TAU_Y = 16.8, 101.0, 33.7, 125.0
A2P, A3P, A2M, A3M = 5e-3, 6.2e-3, 7e-3, 2.3e-4
W0, CHANNELS = 0.5, 40


def trains():
    rng = random.Random(2006)
    out = []
    for _ in range(CHANNELS):
        pre = sorted(rng.sample(range(10, 3000), rng.randint(2, 8)))
        post = sorted(rng.sample(range(20, 3500), rng.randint(2, 8)))
        out.append(([k * DT for k in pre], [k * DT for k in post]))
    return out


def ms_list(ts):
    return "[" + ", ".join(f"{t:.1f} ms" for t in ts) + "]"


def gen():
    tr = trains()
    pre = ", ".join(ms_list(p) for p, _ in tr)
    drive = ", ".join(ms_list([t - DT for t in q]) for _, q in tr)
    print(relay_pairs.network(
        "triplet_stdp", "Triplets", CHANNELS, pre, drive, DT,
        f"triplet_stdp(w_max = 0, w0 = {W0}, A2_plus = {A2P}, A3_plus = {A3P}, A2_minus = {A2M}, A3_minus = {A3M})"
        f" by one_to_one delay {DELAY} ms onto v",
        [f"record plastic.w every {T_END} ms"], f"run {T_END} ms with dt = {DT} ms"))


def reference(arrivals, posts):
    events = sorted([(round(t / DT), 0) for t in arrivals] + [(round(t / DT), 1) for t in posts])
    w, r1, r2, o1, o2, last = W0, 0.0, 0.0, 0.0, 0.0, 0
    for k, kind in events:
        h = (k - last) * DT
        r1, r2 = r1 * math.exp(-h / TAU_PLUS), r2 * math.exp(-h / TAU_X)
        o1, o2 = o1 * math.exp(-h / TAU_MINUS), o2 * math.exp(-h / TAU_Y)
        last = k
        if kind == 0:
            w = min(max(w - o1 * (A2M + A3M * r2), 0.0), 1.0)
            r1, r2 = r1 + 1, r2 + 1
        else:
            w = min(max(w + r1 * (A2P + A3P * o2), 0.0), 1.0)
            o1, o2 = o1 + 1, o2 + 1
    return w


def check(out):
    tr = trains()
    posts = {}
    with open(out + "/spikes.csv") as f:
        for r in csv.DictReader(f):
            posts.setdefault(int(r["index"]), []).append(float(r["t_ms"]))
    with open(out + "/plastic.synapses.csv") as f:
        pre_of = {int(r["synapse"]): int(r["pre"]) for r in csv.DictReader(f)}
    rows = list(csv.reader(open(out + "/plastic.w.csv")))
    header, last = rows[0], rows[-1]
    worst = 0.0
    for col in range(1, len(header)):
        s = int(header[col].split("[")[1].split("]")[0])
        c = pre_of[s]
        pre, post = tr[c]
        assert [round(t / DT) for t in posts.get(c, [])] == [round(t / DT) for t in post], (c, posts.get(c), post)
        ref = reference([t + DELAY for t in pre], post)
        got = float(last[col])
        err = abs(got - ref) / max(abs(ref - W0), 1e-300)
        worst = max(worst, err)
        if err > 1e-12:
            sys.exit(f"channel {c}: w = {got!r}, reference {ref!r}")
    print(f"triplet_stdp: {len(header) - 1} synapses, each within 1e-12 of the reference change")


if __name__ == "__main__":
    gen() if sys.argv[1] == "gen" else check(sys.argv[2])
