"""Checks test/run/signal-spikes.soma: recomputes every signal at each t_k from the
recorded P.c (initial value 0 at t_0) and spikes.csv, integrates it as the held modulator
input of the step (y(t_K) = dt * sum_{k<K} s(t_k)) and compares with Y's recorded states to
1e-9 (relative, absolute below 1).
--shift S uses the signals S steps later (a negative control: must fail).
usage: check_signal_spikes.py OUT [--shift S]"""
import math
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes, read_state, step  # noqa: E402

DT = 0.1


def top_k(x, k):
    order = sorted(range(len(x)), key=lambda i: (-x[i], i))
    chosen = set(order[:k])
    return [i in chosen for i in range(len(x))]


def main():
    out = sys.argv[1]
    shift = int(sys.argv[sys.argv.index("--shift") + 1]) if "--shift" in sys.argv else 0
    times, cols = read_state(out, "P", "c")
    c = {0: [0.0] * 4}
    for row, t in enumerate(times):
        c[step(t, DT)] = [cols[i][row] for i in range(4)]
    fired = {}
    for (pop, i), ts in read_spikes(out).items():
        for t in ts:
            fired.setdefault((pop, step(t, DT)), set()).add(i)
    kmax = max(c)

    def sig(name, k):
        x = c[k]
        if name == "f":
            return len(fired.get(("P", k), ())) / 4
        if name == "n":
            return len(fired.get(("Src", k), ()))
        if name == "tk":
            return sum(top_k(x, 2))
        if name == "sel":
            return sum(1 for i, top in enumerate(top_k(x, 2)) if top and x[i] > 1)
        if name == "an":
            return (1 if any(v > 2 for v in x) else 0) + (2 if all(v > 0.5 for v in x) else 0)

    ok = True
    for name in ("f", "n", "tk", "sel", "an"):
        ytimes, y = read_state(out, "Y", name)
        bad = 0
        for row, t in enumerate(ytimes):
            K = step(t, DT)
            want = math.fsum(DT * sig(name, k + shift) for k in range(K) if k + shift <= kmax)
            if abs(y[0][row] - want) > 1e-9 * max(1.0, abs(want)):
                bad += 1
        if bad:
            print(f"{name}: {bad} of {len(ytimes)} samples differ")
            ok = False
        else:
            print(f"{name}: {len(ytimes)} samples match")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
