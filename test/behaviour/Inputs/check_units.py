"""Binary threshold and hysteresis units against their definitions, step by step.

usage: check_units.py OUT MODE POP DT_MS SOURCES PARAMS...
SOURCES is a comma-separated list AMP:START:STOP (ms; STOP may be 'inf') of current
sources that all drive the input x of every neuron of POP; a source contributes AMP on the
steps whose start t_k lies in [START, STOP), and the sample at t_(k+1) sees the sum over the
step from t_k (docs/simulation.md: inputs hold over the step).
MODE binary  PARAMS = T_0 T_1 ... [strict]: y_i = [x >= T_i] (with `strict`: [x > T_i], the
             negative control; equality cases are part of the input).
MODE hyst    PARAMS = ON_0:OFF_0 ON_1:OFF_1 ...: active_i = x > (active_i ? OFF_i : ON_i),
             y_i = active_i ? x : 0, from active = false.
Every recorded sample must match (outputs exactly, y within 1e-12). Prints the number of
samples and of state changes checked, or the first mismatch ('MISMATCH').
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/../../run/Inputs")
from simout import read_state  # noqa: E402

out, mode, pop, dt = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
sources = []
for s in sys.argv[5].split(","):
    amp, start, stop = s.split(":")
    sources.append((float(amp), float(start), float(stop)))
params = sys.argv[6:]
strict = "strict" in params
params = [p for p in params if p != "strict"]


def x_at(t):
    return sum(a for a, lo, hi in sources if lo - 1e-9 <= t < hi - 1e-9)


def fail(msg):
    print("MISMATCH: " + msg)
    sys.exit(1)


times, ys = read_state(out, pop, "y")
n, changes = 0, 0
if mode == "binary":
    T = [float(p) for p in params]
    for k, t in enumerate(times):
        x = x_at(t - dt)
        for i, Ti in enumerate(T):
            want = int(x > Ti) if strict else int(x >= Ti)
            if ys[i][k] != want:
                fail(f"{pop}[{i}] at t = {t:g} ms: y = {ys[i][k]:g}, x = {x:g}, T = {Ti:g}, expected {want}")
            if k and ys[i][k] != ys[i][k - 1]:
                changes += 1
            n += 1
else:
    _, act = read_state(out, pop, "active")
    th = [tuple(float(v) for v in p.split(":")) for p in params]
    for i, (on, off) in enumerate(th):
        active = False
        for k, t in enumerate(times):
            x = x_at(t - dt)
            active = x > (off if active else on)
            y = x if active else 0.0
            if bool(act[i][k]) != active or abs(ys[i][k] - y) > 1e-12:
                fail(f"{pop}[{i}] at t = {t:g} ms: active = {act[i][k]:g}, y = {ys[i][k]:g}; x = {x:g}, "
                     f"expected active = {int(active)}, y = {y:g}")
            if k and act[i][k] != act[i][k - 1]:
                changes += 1
            n += 1
print(f"{pop}: {n} samples match, {changes} output changes")
