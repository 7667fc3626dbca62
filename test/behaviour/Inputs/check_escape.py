"""Escape-noise firing against its hazard (MODELS.md entry 9, std.neurons.escape_noise).

usage: check_escape.py OUT POP N GROUPS STEPS DT_MS RHO0_HZ DELTA_MV OFFSET0_MV STEP_MV [linear]
Neuron i of POP sits at v = E_L for the whole run (no input; reset to E_L, no refractory
period), with V_th = E_L + OFFSET0 - STEP * (i % GROUPS). Its hazard is then constant,
rho = rho_0 exp((E_L - V_th) / delta_u), and every step is an independent Bernoulli trial
with p = 1 - exp(-rho dt). The spikes of group g over n = (N / GROUPS) * STEPS trials are
Binomial(n, p): the test accepts |count - n p| <= 5 sd, sd = sqrt(n p (1 - p)) (a 5 sd
excursion in any of the groups has probability < 3e-6 for a correct simulator; the seed is
fixed anyway). With `linear`, p = rho dt (the first-order hazard, wrong for large rho dt)
is tested instead: the negative control.
"""
import math
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/../../run/Inputs")
from simout import read_spikes  # noqa: E402

out, pop = sys.argv[1], sys.argv[2]
N, G, steps = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
dt, rho0, delta, off0, stp = (float(x) for x in sys.argv[6:11])
linear = len(sys.argv) > 11 and sys.argv[11] == "linear"
spikes = read_spikes(out)
counts = [0] * G
for (p, i), ts in spikes.items():
    if p == pop:
        counts[i % G] += len(ts)
ok = True
for g in range(G):
    x = rho0 / 1000 * math.exp(-(off0 - stp * g) / delta) * dt  # rho dt, rho in 1/ms
    p = x if linear else 1 - math.exp(-x)
    n = (N // G) * steps
    sd = math.sqrt(n * p * (1 - p))
    z = (counts[g] - n * p) / sd
    good = abs(z) <= 5
    ok = ok and good
    print(f"group {g}: p = {p:.4f}, {counts[g]} spikes in {n} trials, expected {n * p:.0f} +- {sd:.0f}: "
          f"z = {z:+.2f}, {'within 5 sd' if good else 'OUTSIDE 5 sd'}")
sys.exit(0 if ok else 1)
