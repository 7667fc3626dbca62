"""Checks an exponential synaptic current, and the membrane's response to it, against closed forms.

usage: check_exp_syn.py OUT DT_MS SOURCE DELAY_MS W_PA POP:IDX:TAU_SYN_MS[:TAU_M_MS:C_PF] ...

One spike of the one-channel source SOURCE (read back from spikes.csv) reaches each listed
neuron through a static synapse onto I_syn with delay DELAY_MS and weight W_PA.

* Arrival: the spike is stamped t_s; it must arrive at t_a = t_s + D*dt with
  D = round(DELAY/dt) (half up), i.e. I_syn is exactly 0 at every recorded step before t_a
  and w at t_a (the jump happens after the step's propagation, and recorders sample after
  it).
* I_syn(t_a + n dt) = w exp(-n dt / tau_syn): the max relative error over the recorded steps.
* With TAU_M and C given, v too (the model must have E_L = 0 mV and no other input, so v is
  the synaptic response itself and its relative error is meaningful):
    v(t_a + s) = w/C * tau_m tau_s / (tau_m - tau_s) * (exp(-s/tau_m) - exp(-s/tau_s)),
    and for tau_s = tau_m = tau:  v = w/C * s * exp(-s/tau).
  The difference of exponentials is evaluated as -exp(-s/tau_m) expm1(-s (tau_m - tau_s) /
  (tau_m tau_s)), and tau_m - tau_s is exact for close taus (Sterbenz), so the reference
  stays accurate to a few ulp even when tau_s is within 1e-7 of tau_m.
Prints one line per check; FileCheck matches them.
"""
import math
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes, read_state, step, verdict  # noqa: E402

out = sys.argv[1]
dt = float(sys.argv[2])
source = sys.argv[3]
delay = float(sys.argv[4])
w = float(sys.argv[5])
specs = sys.argv[6:]

spikes = read_spikes(out)
src = spikes.get((source, 0), [])
print(f"{source} spikes: {len(src)}")
k_s = step(src[0], dt)
D = math.floor(delay / dt + 0.5 + 1e-9)  # half up; the docs' 1e-9 tolerance
k_a = k_s + D
print(f"{source} spike at step {k_s}, delay {D} steps, arrival expected at step {k_a}")

for spec in specs:
    parts = spec.split(":")
    pop, idx, tau_s = parts[0], int(parts[1]), float(parts[2])
    name = f"{pop}[{idx}]"
    times, I = read_state(out, pop, "I_syn")
    I = I[idx]
    steps = [step(t, dt) for t in times]
    first = next((k for k, x in zip(steps, I) if x != 0), None)
    print(f"{name}: first nonzero I_syn at step {first}")
    worst_I = 0.0
    n_after = 0
    for k, x in zip(steps, I):
        if k < k_a:
            continue
        exact = w * math.exp(-(k - k_a) * dt / tau_s)
        worst_I = max(worst_I, abs(x - exact) / abs(exact))
        n_after += 1
    print(f"{name}: I_syn at arrival {I[steps.index(k_a)]!r}")
    verdict(f"{name}: I_syn max relative error over {n_after} steps", worst_I, 1e-12)
    if len(parts) > 3:
        tau_m, C = float(parts[3]), float(parts[4])
        times, V = read_state(out, pop, "v")
        V = V[idx]
        worst_v, zero_before = 0.0, True
        for t, x in zip(times, V):
            k = step(t, dt)
            if k <= k_a:
                zero_before = zero_before and x == 0
                continue
            s = (k - k_a) * dt
            if tau_s == tau_m:
                exact = w / C * s * math.exp(-s / tau_m)
            else:
                diff = -math.exp(-s / tau_m) * math.expm1(-s * (tau_m - tau_s) / (tau_m * tau_s))
                exact = w / C * tau_m * tau_s / (tau_m - tau_s) * diff
            worst_v = max(worst_v, abs(x - exact) / abs(exact))
        print(f"{name}: v is 0 up to the arrival: {'yes' if zero_before else 'no'}")
        verdict(f"{name}: v max relative error", worst_v, 1e-10)
