"""Checks a run of examples/resume_xor.soma: is XOR learned?

Window n (T_win long) presents pattern p = n mod 4, p = 2 x1 + x2; the inputs fire at
t0 + {0, t_late}, the teacher at t0 + t_true (XOR = 1) or t0 + t_false (XOR = 0). A
pattern is classified correctly in a window when the output fires there and its first
spike is closer to the pattern's target time than to the other target time.

usage: resume_xor.py OUT learned EPOCHS     every pattern correct in each of the last EPOCHS
       resume_xor.py OUT fails EPOCHS       some pattern wrong in the last EPOCHS
Prints, for the last epoch, each pattern's first output spike (relative to t0) and, over the
last EPOCHS epochs, the number of correct windows per pattern; exits 1 when the condition
does not hold."""
import sys

T_WIN, T0, T_TRUE, T_FALSE = 30.0, 1.0, 10.0, 16.0


def main():
    out, mode, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    first = {}
    t_end = 0.0
    with open(out + "/spikes.csv") as f:
        next(f)
        for line in f:
            pop, _, t = line.strip().split(",")
            t = float(t)
            t_end = max(t_end, t)
            if pop != "Out":
                continue
            n = int(t // T_WIN)
            first.setdefault(n, t - n * T_WIN - T0)
    with open(out + "/summary.json") as f:
        import json
        t_stop = json.load(f)["t_stop_ms"]
    n_windows = int(round(t_stop / T_WIN))
    last = range(n_windows - 4 * epochs, n_windows)
    correct = [0, 0, 0, 0]
    for n in last:
        p = n % 4
        xor = (p >> 1) ^ (p & 1)
        target, other = (T_TRUE, T_FALSE) if xor else (T_FALSE, T_TRUE)
        s = first.get(n)
        if s is not None and abs(s - target) < abs(s - other):
            correct[p] += 1
    parts = []
    for p in range(4):
        n = n_windows - 4 + p
        s = first.get(n)
        xor = (p >> 1) ^ (p & 1)
        target = T_TRUE if xor else T_FALSE
        parts.append(f"{p >> 1}{p & 1}->{target:g}: " + ("none" if s is None else f"{s:.1f}"))
    wrong = [f"{p >> 1}{p & 1}" for p in range(4) if correct[p] < epochs]
    print("last epoch first output spike (ms after t0): " + ", ".join(parts))
    print(f"correct windows in the last {epochs} epochs: " + " ".join(f"{p >> 1}{p & 1}={correct[p]}" for p in range(4))
          + ("; wrong: " + " ".join(wrong) if wrong else ""))
    learned = not wrong
    ok = learned if mode == "learned" else not learned
    print(("ok: " if ok else "FAIL: ") + ("XOR learned" if learned else "XOR not learned"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
