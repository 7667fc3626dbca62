"""Checks a run of examples/agrel_task.soma: the accuracy of the chosen responses in the
first 50 trials and in the last 100.

A trial's response is the unit whose attention gate g is 1 after the choice; it is correct
when that unit's class channel has label 1 (both sampled 5 ms after each choice).

usage: agrel_task.py OUT learn BOUND     accuracy(last 100) >= BOUND
       agrel_task.py OUT chance BOUND    accuracy(last 100) <= BOUND and no weight moved
Prints the number of trials, both accuracies, the mean predicted reward (u_chosen) of the
last 100 trials and the weights' range; exits 1 when the condition does not hold, or when
a trial does not have exactly one chosen unit."""
import csv
import sys


def rows(path):
    with open(path) as f:
        return [[float(x) for x in r] for r in list(csv.reader(f))[1:]]


def main():
    out, mode, bound = sys.argv[1], sys.argv[2], float(sys.argv[3])
    gates = rows(out + "/Out.g.csv")
    labels = rows(out + "/Chan.label.csv")
    predicted = rows(out + "/Out.u_chosen.csv")
    correct, expect = [], []
    for g, lab, u in zip(gates, labels, predicted):
        chosen = [k for k, x in enumerate(g[1:]) if x > 0.5]
        classes = [k for k, x in enumerate(lab[1:]) if x > 0.5]
        if len(chosen) != 1 or len(classes) != 1:
            print(f"FAILED: at {g[0]:g} ms chosen {chosen}, class {classes}")
            sys.exit(1)
        correct.append(1 if chosen == classes else 0)
        expect.append(u[1 + chosen[0]])
    first = sum(correct[:50]) / 50
    last = sum(correct[-100:]) / 100
    with open(out + "/readout.weights.csv") as f:
        w = [float(r["weight"]) for r in csv.DictReader(f)]
    print(f"{len(correct)} trials: accuracy first 50 = {first:.2f}, last 100 = {last:.2f}; "
          f"predicted reward last 100 = {sum(expect[-100:]) / 100:.2f}; "
          f"w in [{min(w):.3g}, {max(w):.3g}]")
    if mode == "learn":
        ok = last >= bound
        what = f"accuracy last 100 >= {bound:g}"
    else:
        ok = last <= bound and max(abs(x) for x in w) == 0
        what = f"accuracy last 100 <= {bound:g}, every w = 0"
    print(("ok: " if ok else "FAILED: ") + what)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
