"""Input-output curves of the rate units of rate-units.soma (MODELS.md entry 14).

usage: check_rate_units.py OUT [--theta0] [--swap]
Neuron i: x = -1 + 0.1 i, theta = 0.3 - 0.03 i, b = 0.05, z = x + b - theta; the last
sample of y must equal f(z) within 1e-9: R (ReLU) max(z, 0), Q (ReLU², g = 2) 2 max(z, 0)^2,
C (clipped, g = 2, y_max = 0.5) clip(2 z, 0, 0.5). After 30 time constants the distance
to the steady state is e^-30 y < 1e-13. --theta0 uses theta = 0 (one threshold for all),
--swap the ReLU curve for Q: both are negative controls and must fail.
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/../../run/Inputs")
from simout import read_state  # noqa: E402

out = sys.argv[1]
theta0, swap = "--theta0" in sys.argv, "--swap" in sys.argv
curves = {
    "R": ("ReLU", lambda z: max(z, 0.0)),
    "Q": ("ReLU2", (lambda z: max(z, 0.0)) if swap else (lambda z: 2 * max(z, 0.0) ** 2)),
    "C": ("Clipped", lambda z: min(max(2 * z, 0.0), 0.5)),
}
ok = True
for pop, (name, f) in curves.items():
    _, y = read_state(out, pop, "y")
    bad = 0
    for i in range(21):
        z = -1 + 0.1 * i + 0.05 - (0 if theta0 else 0.3 - 0.03 * i)
        got = y[i][-1]
        if abs(got - f(z)) > 1e-9:
            bad += 1
            print(f"{pop}[{i}]: y = {got!r}, f({z:.3f}) = {f(z)!r}")
    print(f"{name}: {21 - bad} units on the curve" + (f", {bad} off" if bad else ""))
    ok &= bad == 0
sys.exit(0 if ok else 1)
