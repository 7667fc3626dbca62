"""Checks a run of examples/eh_reservoir.soma: the mean squared error of the noise-free
readout y against the target f, in the first second and over the last 5 s.

usage: eh_readout.py OUT learn BOUND     error(last 5 s) <= BOUND and <= error(first 1 s) / 4
       eh_readout.py OUT frozen BOUND    every weight still at 0 (|w| <= BOUND)
       eh_readout.py OUT stays BOUND     error(last 5 s) >= BOUND (no learning)
Prints both errors, the variance of the target (the error of y = 0) and the weights' mean
absolute value at the end; exits 1 when the condition does not hold."""
import csv
import math
import sys


def column(path):
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    return [float(r[0]) for r in rows], [float(r[1]) for r in rows]


def mse(pairs):
    return sum((y - f) ** 2 for y, f in pairs) / len(pairs)


def main():
    out, mode, bound = sys.argv[1], sys.argv[2], float(sys.argv[3])
    t, y = column(out + "/Out.y.csv")
    _, f = column(out + "/Out.f.csv")
    end = t[-1]
    first = mse([(a, b) for s, a, b in zip(t, y, f) if s <= 1000])
    last = mse([(a, b) for s, a, b in zip(t, y, f) if s > end - 5000])
    var_f = sum(b * b for b in f) / len(f)
    with open(out + "/eh.weights.csv") as fw:
        w = [float(r["weight"]) for r in csv.DictReader(fw)]
    mean_abs = sum(abs(x) for x in w) / len(w)
    print(f"t = {end:g} ms: error first 1 s = {first:.3g}, last 5 s = {last:.3g} "
          f"(target variance {var_f:.3f}); mean |w| = {mean_abs:.3g} over {len(w)} synapses")
    if mode == "learn":
        ok = math.isfinite(last) and last <= bound and last <= first / 4
        what = f"error last 5 s <= {bound:g} and <= first 1 s / 4"
    elif mode == "stays":
        ok = not last < bound
        what = f"error last 5 s >= {bound:g}"
    else:
        ok = max(abs(x) for x in w) <= bound
        what = f"every |w| <= {bound:g}"
    print(("ok: " if ok else "FAILED: ") + what)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
