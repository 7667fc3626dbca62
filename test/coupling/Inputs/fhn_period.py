"""The oscillation period of one FitzHugh-Nagumo unit against a converged reference.

usage: fhn_period.py OUT_DIR DT_MS [TOL]
The run's period is (t_last - t_first)/(n - 1) over its spikes after 100 ms (the
transient from v = -1.2, w = -0.6). The reference integrates the same ODE
  v' = v - v^3/3 - w + I,  w' = (v + a - b w)/tau_w   (a = 0.7, b = 0.8, tau_w = 12.5, I = 0.5)
with RK4 at h = 0.002 ms and linear interpolation of the upward crossings of v = 1 (a
reference at h = 0.004 ms agrees with it to 1e-8 ms). Spike times of the run lie on the
grid, each at most one step after the crossing, so the tolerance is DT/(n - 1) + TOL*T
(TOL = 1e-5 by default).
"""
import csv
import sys

A, B, TAU_W, I = 0.7, 0.8, 12.5, 0.5


def reference(h, t_end=400.0, t_from=100.0):
    def f(v, w):
        return v - v ** 3 / 3 - w + I, (v + A - B * w) / TAU_W

    v, w, t = -1.2, -0.6, 0.0
    crossings = []
    for _ in range(int(round(t_end / h))):
        k1 = f(v, w)
        k2 = f(v + h / 2 * k1[0], w + h / 2 * k1[1])
        k3 = f(v + h / 2 * k2[0], w + h / 2 * k2[1])
        k4 = f(v + h * k3[0], w + h * k3[1])
        vn = v + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        wn = w + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        if v < 1 <= vn and t >= t_from:
            crossings.append(t + h * (1 - v) / (vn - v))
        v, w, t = vn, wn, t + h
    return (crossings[-1] - crossings[0]) / (len(crossings) - 1)


out, dt = sys.argv[1], float(sys.argv[2])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
with open(out + "/spikes.csv") as f:
    times = [float(r["t_ms"]) for r in csv.DictReader(f) if float(r["t_ms"]) >= 100]
n = len(times)
period = (times[-1] - times[0]) / (n - 1)
ref = reference(0.002)
limit = dt / (n - 1) + tol * ref
ok = abs(period - ref) <= limit
print(f"FHN period: {period:.5f} ms over {n - 1} cycles, reference {ref:.5f} ms, "
      f"|difference| {abs(period - ref):.2g} ms {'within' if ok else 'NOT within'} {limit:.2g} ms")
sys.exit(0 if ok else 1)
