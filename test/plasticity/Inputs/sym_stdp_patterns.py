"""Checks a run of examples/sym_stdp_patterns.soma (four classes of rate patterns, one
output per class, trained with symmetric STDP + synaptic scaling + dynamic threshold).

usage: sym_stdp_patterns.py OUT TRAIN_END_MS learn MIN_ACC MIN_PURITY
           accuracy >= MIN_ACC, purity >= MIN_PURITY and every output's summed weight
           within 0.5 % of W_target = 10
       sym_stdp_patterns.py OUT TRAIN_END_MS chance MAX_ACC
           accuracy <= MAX_ACC

Test phase: every presentation of T_p = 200 ms from TRAIN_END_MS to the end of the run
(the class shown is floor((t mod 800 ms) / 200 ms)); the output with the most spikes in
the window is the answer; a tie for the most spikes (no spike at all included) counts as
wrong. Purity: the fraction of all test spikes that the shown class's output fired (0.25
when the outputs do not tell the classes apart). Prints the accuracy, the test spikes of each output, and from the last recorded
weights (w = u * G of the post neuron, fractions of w_max): each output's summed weight,
the mean weight from its own class's ten channels and from the others,
and which output answered each class (a tie is its own column), and the number of
weights at the bound 1. Exits 1 when the condition does not hold."""
import csv
import json
import sys

N_CLS, T_P, N_IN, W_TARGET = 4, 200.0, 40, 10.0


def last_row(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return [float(x) for x in rows[-1]]


def main():
    out, train_end, mode, bound = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    min_purity = float(sys.argv[5]) if mode == "learn" else 0.0
    with open(out + "/summary.json") as f:
        t_stop = json.load(f)["t_stop_ms"]
    n_pres = int(round((t_stop - train_end) / T_P))
    counts = [[0] * N_CLS for _ in range(n_pres)]
    with open(out + "/spikes.csv") as f:
        for row in csv.DictReader(f):
            if row["population"] != "Out":
                continue
            t = float(row["t_ms"])
            if t < train_end or t >= t_stop:
                continue
            k = int((t - train_end) // T_P)
            if k < n_pres:
                counts[k][int(row["index"])] += 1
    correct = 0
    right_spikes = 0
    answers = [[0] * (N_CLS + 1) for _ in range(N_CLS)]  # [shown][answer], N_CLS = tie
    for k, c in enumerate(counts):
        shown = int(((train_end + k * T_P) % (N_CLS * T_P)) // T_P)
        top = max(c)
        answer = c.index(top) if c.count(top) == 1 else N_CLS
        answers[shown][answer] += 1
        right_spikes += c[shown]
        if answer == shown:
            correct += 1
    acc = correct / n_pres
    per_out = [sum(c[j] for c in counts) for j in range(N_CLS)]
    total = sum(per_out)
    share = max(per_out) / total if total else 0.0
    purity = right_spikes / total if total else 0.0

    g = last_row(out + "/Out.G.csv")[1:]
    u = last_row(out + "/a.u.csv")[1:]
    w_sum = [0.0] * N_CLS
    own, other = [0.0] * N_CLS, [0.0] * N_CLS
    at_bound = 0
    for s, us in enumerate(u):  # all_to_all: synapse s = pre * 4 + post
        pre, post = divmod(s, N_CLS)
        w = us * g[post]
        w_sum[post] += w
        if pre // 10 == post:
            own[post] += w / 10
        else:
            other[post] += w / (N_IN - 10)
        if w >= 0.999:
            at_bound += 1
    print(f"test: {correct}/{n_pres} presentations right, accuracy {acc:.3f}; "
          f"test spikes per output {per_out}, largest share {share:.2f}, "
          f"purity {purity:.2f}")
    print("answers (shown: counts of answer 0..3, tie): "
          + "; ".join(f"{k}: " + " ".join(str(x) for x in row) for k, row in enumerate(answers)))
    print("weights: sum per output " + " ".join(f"{x:.2f}" for x in w_sum)
          + "; own-class mean " + " ".join(f"{x:.3f}" for x in own)
          + "; other mean " + " ".join(f"{x:.3f}" for x in other)
          + f"; {at_bound} of {len(u)} at the bound 1")
    dev = max(abs(x - W_TARGET) for x in w_sum) / W_TARGET
    print(f"summed weight: largest deviation from {W_TARGET:g} is {100 * dev:.3f} %")
    if mode == "learn":
        checks = [(acc >= bound, f"accuracy >= {bound:g}"),
                  (purity >= min_purity, f"purity >= {min_purity:g}"),
                  (dev <= 0.005, "summed weights within 0.5 % of W_target")]
    else:
        checks = [(acc <= bound, f"accuracy <= {bound:g}")]
    for good, what in checks:
        print(("ok: " if good else "FAILED: ") + what)
    sys.exit(0 if all(good for good, _ in checks) else 1)


if __name__ == "__main__":
    main()
