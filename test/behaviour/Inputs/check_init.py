"""Initial states drawn from a distribution (MODELS.md entry 7).

usage: check_init.py OUT POP VAR E_L_MV TAU_MS DT_MS KIND A B [SHIFT_SD]
POP.VAR.csv holds one sample of every neuron, at t = dt. The neurons are LIF without input
and far below threshold, so v(dt) = E_L + (v(0) - E_L) exp(-dt/tau) exactly; the checker
inverts that to get v(0). KIND normal (A = mean, B = sd) or uniform (A = low, B = high).
Acceptance, for N samples:
  mean:      |m - mu| <= 5 sigma / sqrt(N)
  variance:  |s^2 - sigma^2| <= 5 sd(s^2), with sd(s^2)^2 = (mu4 - sigma^4 (N-3)/(N-1)) / N,
             mu4 = 3 sigma^4 (normal) or (B - A)^4 / 80 (uniform)
  uniform:   every sample in [A, B]
Prints one line per statistic: '... within 5 sd' or '... OUTSIDE 5 sd'.
"""
import math
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/../../run/Inputs")
from simout import read_state  # noqa: E402

out, pop, var = sys.argv[1:4]
E_L, tau, dt = (float(x) for x in sys.argv[4:7])
kind, a, b = sys.argv[7], float(sys.argv[8]), float(sys.argv[9])
times, values = read_state(out, pop, var)
decay = math.exp(-dt / tau)
xs = [E_L + (values[i][0] - E_L) / decay for i in sorted(values)]
N = len(xs)
if kind == "normal":
    mu, sigma2 = a, b * b
    mu4 = 3 * sigma2 * sigma2
else:
    mu, sigma2 = (a + b) / 2, (b - a) ** 2 / 12
    mu4 = (b - a) ** 4 / 80
m = sum(xs) / N
s2 = sum((x - m) ** 2 for x in xs) / (N - 1)
sd_m = math.sqrt(sigma2 / N)
sd_s2 = math.sqrt((mu4 - sigma2 * sigma2 * (N - 3) / (N - 1)) / N)
ok = True
for name, got, want, sd in (("mean", m, mu, sd_m), ("variance", s2, sigma2, sd_s2)):
    z = (got - want) / sd
    good = abs(z) <= 5
    ok = ok and good
    print(f"{pop}: {N} samples, {name} {got:.4f}, expected {want:.4f} +- {sd:.4f}: z = {z:+.2f}, "
          f"{'within 5 sd' if good else 'OUTSIDE 5 sd'}")
if kind == "uniform":
    inside = all(a - 1e-9 <= x <= b + 1e-9 for x in xs)
    ok = ok and inside
    print(f"{pop}: range [{min(xs):.4f}, {max(xs):.4f}] {'inside' if inside else 'NOT inside'} [{a:g}, {b:g}]")
sys.exit(0 if ok else 1)
