"""Checks test/run/signal-broadcast.soma: every recorded integral of a broadcast signal
against the closed form of the discrete scheme,
    y(t_K) = dt * sum_{k<K} f(t_k),   x_i(t_k) = x0_i q_i^k,   q_i = exp(-dt / tau_i),
with x0_i = 1 + i and tau_i = 50 - 8 i ms (i < 5), f = mean, sum, max, min of x, and
b = 2 mean + t/ms. Sums are exact (math.fsum); the tolerance is 1e-9 relative.
--shift S evaluates the signals S steps later (a negative control: must fail).
usage: check_signals.py OUT [--shift S]"""
import math
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes, read_state, step  # noqa: E402

DT = 0.1
N = 5
X0 = [1.0 + i for i in range(N)]
Q = [math.exp(-DT / (50.0 - 8.0 * i)) for i in range(N)]
TOL = 1e-9


def main():
    out = sys.argv[1]
    shift = int(sys.argv[sys.argv.index("--shift") + 1]) if "--shift" in sys.argv else 0

    def xs(k):
        return [X0[i] * Q[i] ** k for i in range(N)]

    signals = {
        "a": lambda k: math.fsum(xs(k)) / N,
        "s": lambda k: math.fsum(xs(k)),
        "mx": lambda k: max(xs(k)),
        "mn": lambda k: min(xs(k)),
        "b": lambda k: 2 * math.fsum(xs(k)) / N + k * DT,
    }
    ok = True
    for name, f in signals.items():
        times, values = read_state(out, "Y", "y" + name)
        terms = []
        worst = 0.0
        expected_at = {}
        kmax = max(step(t, DT) for t in times)
        for k in range(kmax):
            terms.append(DT * f(k + shift))
            expected_at[k + 1] = math.fsum(terms)
        for row, t in enumerate(times):
            K = step(t, DT)
            want = expected_at[K]
            for i, col in values.items():
                got = col[row]
                worst = max(worst, abs(got - want) / abs(want))
        if worst < TOL:
            print(f"{name}: {len(times)} samples, max relative error below {TOL:g}")
        else:
            print(f"{name}: {len(times)} samples, max relative error {worst:.3g} EXCEEDS {TOL:g}")
            ok = False
    n = sum(len(v) for (pop, _), v in read_spikes(out).items() if pop == "Y")
    print(f"spikes: {n}")
    sys.exit(0 if ok and n > 0 else 1)


if __name__ == "__main__":
    main()
