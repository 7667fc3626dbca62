"""Checks a run of examples/astro_reservoir.soma: the branching ratio of the liquid (E and I).

Estimator. A_t is the number of liquid spikes stamped in step t (dt = 1 ms = the synaptic
delay, so one bin per step and one bin per generation). sigma is the slope of the least-squares
regression of A_{t+1} on A_t over the window,

    sigma = Cov(A_t, A_{t+1}) / Var(A_t),

the "conventional" estimator of a branching process with immigration (Wilting & Priesemann
2018, Nat Commun 9:2325): if E[A_{t+1} | A_t] = m A_t + h with h the input-driven spikes,
the slope is m whatever h is, on a fully observed network. The naive ratio estimator
mean(A_{t+1} / A_t) over bins with A_t > 0 is printed for comparison only: with input it is
biased up by h / A_t (and by Jensen's inequality), and in any stationary state it stays near
1 whatever m is. Biases of the slope here: the 1-step refractory period and the inhibitory
loop (I spikes lower E two steps later) pull it below m; the 1.8% of a kick that a neuron
carries into the next step (tau_m = 0.25 ms) pushes it up. In a saturated (runaway) liquid,
where every neuron fires every other step, the slope is near 0 or negative and means nothing:
there the mean rate tells the state, hence the rate bound of `critical`.

usage: astro_branching.py OUT critical [--tol T] [--rate-max HZ] [--window MS]
           ok when |sigma - 1| <= T (default 0.1) and the liquid's mean rate <= HZ (default
           50) over the last MS (default 3000) ms of the run
       astro_branching.py OUT unchanged [--tol T] [--window MS]
           ok when sigma over [500, 1500) ms and over the last MS ms differ by <= T and the
           rates by <= 25% (the run without plasticity stays where it started)
       astro_branching.py selftest [--estimator regression|ratio]
           the estimator on a simulated branching process with immigration,
           A_{t+1} ~ Poisson(m A_t + h), h = 0.3, 20000 steps (seeded), for m = 0.5, 0.9, 0.97:
           ok when every estimate is within 0.02 of m (the ratio estimator is not)
Prints sigma, the ratio estimator, the rate and the mean final E -> E weight; exits 1 when
the condition does not hold."""
import argparse
import csv
import json
import math
import os
import random
import sys

LIQUID = ("E", "I")


def load(out):
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    size = sum(p["size"] for p in summary["populations"] if p["name"] in LIQUID)
    t_stop = float(summary["t_stop_ms"])
    counts = [0] * (int(round(t_stop)) + 1)
    with open(os.path.join(out, "spikes.csv")) as f:
        for row in csv.DictReader(f):
            if row["population"] in LIQUID:
                counts[int(round(float(row["t_ms"])))] += 1
    return counts, size, t_stop


def measure(counts, size, t0, t1):
    """sigma, the ratio estimator and the mean rate (Hz) over the steps stamped in (t0, t1]."""
    a = counts[int(t0) + 1:int(t1) + 1]
    x, y = a[:-1], a[1:]
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    var = sum((u - mx) ** 2 for u in x) / n
    cov = sum((u - mx) * (v - my) for u, v in zip(x, y)) / n
    sigma = cov / var if var > 0 else float("nan")
    ratios = [v / u for u, v in zip(x, y) if u > 0]
    ratio = sum(ratios) / len(ratios) if ratios else float("nan")
    rate = sum(a) / size / ((t1 - t0) / 1000.0)
    return sigma, ratio, rate


def poisson(rng, lam):
    """Knuth's multiplication method (lam stays below ~100 here)."""
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def selftest(estimator):
    rng = random.Random(20211026)
    ok = True
    for m in (0.5, 0.9, 0.97):
        h, a, counts = 0.3, 0, []
        for _ in range(20000):
            a = poisson(rng, m * a + h)
            counts.append(a)
        sigma, ratio, _ = measure(counts, 1, -1, len(counts) - 1)
        est = sigma if estimator == "regression" else ratio
        good = abs(est - m) <= 0.02
        ok = ok and good
        print(f"m = {m}: regression {sigma:.3f}, ratio estimator {ratio:.3f}, mean A {sum(counts) / len(counts):.2f}"
              f"{'' if good else '  <- off'}")
    print(("ok: " if ok else "FAILED: ") + f"the {estimator} estimator recovers m within 0.02")
    sys.exit(0 if ok else 1)


def mean_weight(out):
    path = os.path.join(out, "liquid.weights.csv")
    if not os.path.exists(path):
        return float("nan")
    with open(path) as f:
        w = [float(r["weight"]) for r in csv.DictReader(f)]
    return sum(w) / len(w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("mode", nargs="?", choices=["critical", "unchanged"])
    ap.add_argument("--estimator", choices=["regression", "ratio"], default="regression")
    ap.add_argument("--tol", type=float, default=0.1)
    ap.add_argument("--rate-max", type=float, default=50.0)
    ap.add_argument("--window", type=float, default=3000.0)
    args = ap.parse_args()
    if args.out == "selftest":
        selftest(args.estimator)

    counts, size, t_stop = load(args.out)
    t0 = t_stop - args.window
    sigma, ratio, rate = measure(counts, size, t0, t_stop)
    print(f"last {args.window:g} ms: sigma = {sigma:.3f} (ratio estimator {ratio:.3f}), "
          f"rate = {rate:.1f} Hz, mean E->E w = {mean_weight(args.out):.3f}")
    if args.mode == "critical":
        ok = abs(sigma - 1) <= args.tol and rate <= args.rate_max
        what = f"|sigma - 1| <= {args.tol:g} and rate <= {args.rate_max:g} Hz"
    else:
        s0, r0, rate0 = measure(counts, size, 500.0, 1500.0)
        print(f"500-1500 ms: sigma = {s0:.3f} (ratio estimator {r0:.3f}), rate = {rate0:.1f} Hz")
        ok = abs(sigma - s0) <= args.tol and abs(rate - rate0) <= 0.25 * rate0
        what = f"sigma unchanged within {args.tol:g}, rate within 25%"
    print(("ok: " if ok else "FAILED: ") + what)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
