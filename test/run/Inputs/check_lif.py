"""Compares the spikes of one LIF neuron under constant current with the closed form.

usage: check_lif.py OUT_DIR tau_ms C_pF E_L_mV V_th_mV I_pA t_ref_ms dt_ms T_ms
Spike steps must equal the closed-form ones exactly (the exact propagator is exact to
rounding; a crossing that falls within 1e-9 of a grid point would be ambiguous and is
reported as such).
"""
import csv
import math
import sys

out = sys.argv[1]
path = out + "/spikes.csv"
tau, C, EL, Vth, I, tref, dt, T = map(float, sys.argv[2:10])
R = tau / C  # ms/pF = GOhm; R*I in mV when I in pA: (ms/pF)*pA = mV
tstar = -tau * math.log(1 - (Vth - EL) / (R * I))
steps = []
k_ref = round(tref / dt)
t0 = 0  # step at which the membrane starts from E_L
while True:
    q = tstar / dt
    if abs(q - round(q)) < 1e-9:
        print("ambiguous crossing on a grid point")
    k = t0 + math.ceil(q)
    if k > round(T / dt):
        break
    steps.append(k)
    t0 = k + k_ref  # the neuron is clamped at V_reset = E_L during t_ref steps
got = []
with open(path) as f:
    for row in csv.DictReader(f):
        got.append(round(float(row["t_ms"]) / dt))
print(f"spikes: {len(got)} expected: {len(steps)}")
if got == steps:
    print("all spike steps match")
else:
    print("first mismatches:", [(a, b) for a, b in zip(got, steps) if a != b][:5], got[:5], steps[:5])

# The membrane potential before the first spike against the closed form.
worst, n = 0.0, 0
with open(out + "/N.v.csv") as f:
    for row in csv.DictReader(f):
        t = float(row["t_ms"])
        if round(t / dt) >= steps[0]:
            break
        v = float(row["N[0].v (mV)"])
        exact = EL + R * I * (1 - math.exp(-t / tau))
        worst = max(worst, abs(v - exact) / abs(exact))
        n += 1
print(f"v before the first spike: {n} samples, max relative error "
      + ("below 1e-12" if worst < 1e-12 else f"{worst:.3g}"))
