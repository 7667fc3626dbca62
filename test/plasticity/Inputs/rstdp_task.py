"""Checks a run of examples/rstdp_task.soma: the mean effective weight of the A synapses
against that of the B synapses at the end of the run.

The effective weight is clip(w, 0, 1): rstdp clips w at its next event (`on pre`,
`on post`), so a recorded w may lie outside [0, 1] between events.

usage: rstdp_task.py OUT A MARGIN      mean(A) - mean(B) >= MARGIN
       rstdp_task.py OUT B MARGIN      mean(B) - mean(A) >= MARGIN
       rstdp_task.py OUT none BOUND    |mean(A) - mean(B)| <= BOUND
Prints the means, the difference and the number of reward spikes; exits 1 when the
condition does not hold."""
import csv
import sys


def mean_weight(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    last = [min(1.0, max(0.0, float(x))) for x in rows[-1][1:]]
    return float(rows[-1][0]), sum(last) / len(last), len(last)


def main():
    out, mode, bound = sys.argv[1], sys.argv[2], float(sys.argv[3])
    t, a, na = mean_weight(out + "/a.w.csv")
    _, b, nb = mean_weight(out + "/b.w.csv")
    with open(out + "/spikes.csv") as f:
        rewards = sum(1 for line in f if line.startswith("Judge,"))
    diff = a - b
    print(f"t = {t:g} ms: mean w A = {a:.3f} ({na} synapses), B = {b:.3f} ({nb}), A - B = {diff:+.3f}, {rewards} rewards")
    if mode == "A":
        ok = diff >= bound
    elif mode == "B":
        ok = -diff >= bound
    else:
        ok = abs(diff) <= bound
    print(("ok: " if ok else "FAILED: ") + {"A": "A - B >= ", "B": "B - A >= ", "none": "|A - B| <= "}[mode] + f"{bound:g}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
