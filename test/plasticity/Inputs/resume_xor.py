"""Checks a run of examples/resume_xor.soma: did the output learn the target spike times?

Window n (T_WIN long) presents pattern p = n mod 4, p = 2 x1 + x2: the inputs fire at
t0 + 0 (logical 0) or t0 + 6 ms (logical 1), the teacher at t0 + 10 ms where the target
function is 1 and at t0 + 16 ms where it is 0. The target function is XOR (task xor) or
NOT x1 (task notx1, linearly separable: the control that a single layer can learn). A
window is correct when the output fires in it and its first spike is closer to the
pattern's target time than to the other target time.

usage: resume_xor.py OUT TASK learned EPOCHS   every window of the last EPOCHS epochs correct
       resume_xor.py OUT TASK fails EPOCHS     some window of the last EPOCHS epochs wrong
Prints each pattern's first output spike in the last epoch (ms after t0; 'none' when the
output is silent) and, over the last EPOCHS epochs, the correct windows per pattern and
the patterns that were wrong; exits 1 when the condition does not hold."""
import json
import sys

T_WIN, T0, T_TRUE, T_FALSE = 30.0, 1.0, 10.0, 16.0


def target_value(task, x1, x2):
    return (x1 ^ x2) if task == "xor" else 1 - x1


def main():
    out, task, mode, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    first = {}
    with open(out + "/spikes.csv") as f:
        next(f)
        for line in f:
            pop, _, t = line.strip().split(",")
            if pop != "Out":
                continue
            t = float(t)
            n = int(t // T_WIN)
            first.setdefault(n, t - n * T_WIN - T0)
    with open(out + "/summary.json") as f:
        n_windows = int(round(json.load(f)["t_stop_ms"] / T_WIN))
    correct = [0, 0, 0, 0]
    for n in range(n_windows - 4 * epochs, n_windows):
        p = n % 4
        y = target_value(task, p >> 1, p & 1)
        target, other = (T_TRUE, T_FALSE) if y else (T_FALSE, T_TRUE)
        s = first.get(n)
        if s is not None and abs(s - target) < abs(s - other):
            correct[p] += 1
    name = ["00", "01", "10", "11"]
    parts = []
    for p in range(4):
        s = first.get(n_windows - 4 + p)
        target = T_TRUE if target_value(task, p >> 1, p & 1) else T_FALSE
        parts.append(f"{name[p]}->{target:g}: " + ("none" if s is None else f"{s:.1f}"))
    wrong = [name[p] for p in range(4) if correct[p] < epochs]
    print("last epoch, first output spike (ms after t0): " + ", ".join(parts))
    print(f"correct windows in the last {epochs} epochs: "
          + " ".join(f"{name[p]}={correct[p]}" for p in range(4))
          + ("; wrong: " + " ".join(wrong) if wrong else ""))
    learned = not wrong
    ok = learned if mode == "learned" else not learned
    print(("ok: " if ok else "FAIL: ") + task + (" learned" if learned else " not learned"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
