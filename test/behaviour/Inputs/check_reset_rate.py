"""Soft versus hard reset (MODELS.md entry 4): firing rate against a constant input.

usage: check_reset_rate.py OUT POP T_MS C_PF THETA_MV TOL I_PA...
Neuron k of POP gets the constant current I_PA[k]. For a non-leaky integrate-and-fire
neuron with reset by subtraction, every spike removes exactly theta of the integrated
charge, so after T the count is N = floor(I (T - d) / (C theta)) with d <= dt the delay of
the input's first step: N lies in [I T/(C theta) - 1 - I dt/(C theta), I T/(C theta)]. With
I dt/(C theta) <= 0.05 here, |N - I T/(C theta)| <= TOL = 1.1 spikes (1.1 Hz over 1 s) is
the acceptance. A hard reset to 0 throws away the overshoot v - theta at every spike
(up to one step's increment I dt / C), so its count is T / (dt ceil(C theta/(I dt))),
below the line by up to a few percent: it must fail the same acceptance.
Prints one line per input and 'POP: linear within TOL spikes' or '... NOT linear'.
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/../../run/Inputs")
from simout import read_spikes  # noqa: E402

out, pop = sys.argv[1], sys.argv[2]
T, C, theta, tol = (float(x) for x in sys.argv[3:7])
currents = [float(x) for x in sys.argv[7:]]
spikes = read_spikes(out)
worst = 0.0
for k, I in enumerate(currents):
    n = len(spikes.get((pop, k), []))
    # pA * ms / (pF * mV) = 1: the expected count is dimensionless as written.
    expected = I * T / (C * theta)
    worst = max(worst, abs(n - expected))
    print(f"{pop}[{k}]: I = {I:g} pA: {n} spikes, I T/(C theta) = {expected:.2f}, rate {n * 1000 / T:g} Hz")
if worst <= tol:
    print(f"{pop}: linear within {tol:g} spikes (worst {worst:.2f})")
else:
    print(f"{pop}: NOT linear: worst deviation {worst:.2f} spikes > {tol:g}")
sys.exit(0 if worst <= tol else 1)
