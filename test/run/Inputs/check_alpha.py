"""Checks an alpha-shaped synaptic current and the membrane's response against closed forms.

usage: check_alpha.py OUT DT_MS SOURCE DELAY_MS W_PA C_PF POP:IDX:TAU_MS:TAU_M_MS ...

The model (alpha-kernel.soma): y' = -y/tau, x' = (e y - x)/tau, v' = -v/tau_m + x/C, with
one spike of SOURCE jumping y by w at t_a = t_s + round(delay/dt) dt. With s = t - t_a:
  x(s) = w e (s/tau) exp(-s/tau)                    (peaks at w for s = tau)
  v(s) = (e w / (C tau)) exp(-s/tau_m) s^2 h(a s),  a = 1/tau - 1/tau_m,
  h(z) = (1 - exp(-z)(1 + z)) / z^2 = sum_{n>=2} (-1)^n (n-1) z^(n-2) / n!
(the integral of u exp(-a u) from 0 to s; the series is used for |z| < 0.5, where the closed
expression would cancel, and it also covers the degenerate case tau = tau_m, h(0) = 1/2).
"""
import math
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes, read_state, step, verdict  # noqa: E402


def h(z):
    if abs(z) < 0.5:
        total, term_fact, n = 0.0, 2.0, 2  # term_fact = n!
        while True:
            term = (-1) ** n * (n - 1) * z ** (n - 2) / term_fact
            total += term
            if n > 40 or abs(term) < 1e-18 * abs(total):
                return total
            n += 1
            term_fact *= n
    return -(math.expm1(-z) + z * math.exp(-z)) / (z * z)


out, dt, source, delay, w, C = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
k_s = step(read_spikes(out)[(source, 0)][0], dt)
k_a = k_s + math.floor(delay / dt + 0.5 + 1e-9)
print(f"arrival expected at step {k_a}")
for spec in sys.argv[7:]:
    pop, idx, tau, tau_m = spec.split(":")
    idx, tau, tau_m = int(idx), float(tau), float(tau_m)
    name = f"{pop}[{idx}]"
    times, X = read_state(out, pop, "x")
    _, V = read_state(out, pop, "v")
    X, V = X[idx], V[idx]
    steps = [step(t, dt) for t in times]
    first = next((k for k, x in zip(steps, X) if x != 0), None)
    print(f"{name}: x first nonzero at step {first} (x jumps one step after y)")
    worst_x = worst_v = 0.0
    a = 1 / tau - 1 / tau_m
    for k, x, v in zip(steps, X, V):
        if k < k_a:
            if x != 0 or v != 0:
                worst_x = math.inf
            continue
        s = (k - k_a) * dt
        ex = w * math.e * (s / tau) * math.exp(-s / tau)
        ev = math.e * w / (C * tau) * math.exp(-s / tau_m) * s * s * h(a * s)
        if k == k_a:
            ok = x == 0 and v == 0
            worst_x = worst_x if ok else math.inf
            continue
        worst_x = max(worst_x, abs(x - ex) / abs(ex))
        worst_v = max(worst_v, abs(v - ev) / abs(ev))
    k_peak = max(zip(X, steps))[1]
    print(f"{name}: x peaks {k_peak - k_a} steps after the arrival, expected {round(tau / dt)}")
    verdict(f"{name}: x at the peak relative to w", abs(max(X) - w) / abs(w), 1e-12)
    verdict(f"{name}: x max relative error", worst_x, 1e-10)
    verdict(f"{name}: v max relative error", worst_v, 1e-10)
