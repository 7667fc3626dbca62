"""Readers for the output folder of `somac run`, shared by the checkers in this folder.

spikes.csv: population,index,t_ms. A state CSV POP.VAR.csv: t_ms, then one column per
recorded neuron named `POP[i].VAR (UNIT)` (`POP[i].VAR` for dimensionless states).
Times are k*dt printed in full precision; `step(t, dt)` gives the integer step back.
"""
import csv
import math
import sys


def step(t_ms, dt_ms):
    """The integer step of a time printed as k*dt (exact to far below half a step)."""
    k = round(t_ms / dt_ms)
    assert abs(t_ms - k * dt_ms) < 1e-9 * max(1.0, abs(t_ms)), (t_ms, dt_ms)
    return k


def read_spikes(out):
    """{(population, index): [t_ms, ...]} in file order."""
    spikes = {}
    with open(out + "/spikes.csv") as f:
        for row in csv.DictReader(f):
            spikes.setdefault((row["population"], int(row["index"])), []).append(float(row["t_ms"]))
    return spikes


def read_state(out, pop, var):
    """(times, {i: [values]}) of DIR/POP.VAR.csv; the column of neuron i is keyed by i."""
    with open(f"{out}/{pop}.{var}.csv") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert header[0] == "t_ms", header
        cols = {}
        for j, name in enumerate(header[1:], start=1):
            # "P[3].v (mV)" -> 3
            idx = int(name[name.index("[") + 1:name.index("]")])
            cols[idx] = j
        times, values = [], {i: [] for i in cols}
        for row in reader:
            times.append(float(row[0]))
            for i, j in cols.items():
                values[i].append(float(row[j]))
    return times, values


def header(out, pop, var):
    with open(f"{out}/{pop}.{var}.csv") as f:
        return next(csv.reader(f))


def rel_err(got, exact, scale=None):
    """|got - exact| / |scale or exact|; 0 when both are 0, inf when only exact is 0."""
    d = abs(got - exact)
    s = abs(exact) if scale is None else abs(scale)
    if d == 0:
        return 0.0
    return d / s if s > 0 else math.inf


def verdict(name, value, limit):
    """One FileCheck-able line: 'NAME: below LIMIT' or 'NAME: VALUE (limit LIMIT)'."""
    if value < limit:
        print(f"{name}: below {limit:g} (measured {value:.2g})")
    else:
        print(f"{name}: {value:.3g} NOT below {limit:g}")
    return value < limit


def fail_unless(ok):
    sys.exit(0 if ok else 1)
