"""Checks a three-state linear model against x(t) = x_eq + expm(A t) (x0 - x_eq).

usage: check_linear3.py OUT POP

The model is the one of linear-three-state.soma, restated here in the units its states are
stored in (v in mV, I in nA, w in uV, t in ms), with the unit factors written out:
  v' = (E - v)/tau_v + 1000 I/C - w/(1000 tau_w)     (nA/pF = 1000 mV/ms; uV = mV/1000)
  I' = -I/tau_I - k (v - E)
  w' = (1000 (v - E) - w)/tau_w                      (mV = 1000 uV)
The matrix exponential is computed independently of the simulator: in 50-digit decimal
arithmetic, by scaling and squaring (||A t|| / 2^s <= 1/2) and a 40-term Taylor series, so the
reference is exact far beyond double precision. It is evaluated afresh at every recorded
time (not by stepping), and x_eq = -A^-1 b by Gaussian elimination in the same arithmetic.

The error of a component is |x - x_ref| / max_t |x_ref - x_eq| (relative to how far that
component moves; v sits near -60 mV and would otherwise hide errors behind its offset).
"""
import sys
from decimal import Decimal as D, getcontext

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_state, verdict  # noqa: E402

getcontext().prec = 50

# Parameters: must match linear-three-state.soma.
E, tau_v, C, tau_I, k, tau_w = D("-60"), D("10"), D("200"), D("25"), D("0.003"), D("40")
x0 = [D("-45"), D("0.25"), D("-3000")]   # v (mV), I (nA), w (uV)

A = [[-1 / tau_v, 1000 / C, -1 / (1000 * tau_w)],
     [-k, -1 / tau_I, D(0)],
     [1000 / tau_w, D(0), -1 / tau_w]]
b = [E / tau_v, k * E, -1000 * E / tau_w]


def matmul(X, Y):
    return [[sum(X[i][m] * Y[m][j] for m in range(3)) for j in range(3)] for i in range(3)]


def expm(M):
    norm = max(sum(abs(x) for x in row) for row in M)
    s = 0
    while norm > D("0.5"):
        norm /= 2
        s += 1
    S = [[x / (2 ** s) for x in row] for row in M]
    R = [[D(int(i == j)) for j in range(3)] for i in range(3)]
    T = [row[:] for row in R]
    for n in range(1, 41):
        T = [[x / n for x in row] for row in matmul(T, S)]
        R = [[R[i][j] + T[i][j] for j in range(3)] for i in range(3)]
    for _ in range(s):
        R = matmul(R, R)
    return R


def solve(M, rhs):
    M = [row[:] + [r] for row, r in zip(M, rhs)]
    for c in range(3):
        p = max(range(c, 3), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        for r in range(3):
            if r != c:
                f = M[r][c] / M[c][c]
                M[r] = [a - f * bb for a, bb in zip(M[r], M[c])]
    return [M[i][3] / M[i][i] for i in range(3)]


x_eq = solve(A, [-x for x in b])
d0 = [x0[i] - x_eq[i] for i in range(3)]

out, pop = sys.argv[1], sys.argv[2]
series = {}
for var in ("v", "I", "w"):
    times, vals = read_state(out, pop, var)
    series[var] = vals[0]
print(f"samples: {len(times)}, from {times[0]:g} to {times[-1]:g} ms")
refs = {var: [] for var in series}
for t in times:
    P = expm([[x * D(repr(t)) for x in row] for row in A])
    for i, var in enumerate(("v", "I", "w")):
        refs[var].append(x_eq[i] + sum(P[i][j] * d0[j] for j in range(3)))
for i, var in enumerate(("v", "I", "w")):
    scale = max(abs(r - x_eq[i]) for r in refs[var])
    err = max(abs(D(repr(x)) - r) for x, r in zip(series[var], refs[var])) / scale
    # sign changes show the trajectory is not a plain decay (complex eigenvalues)
    crossings = sum(1 for a, c in zip(refs[var], refs[var][1:]) if (a - x_eq[i]) * (c - x_eq[i]) < 0)
    print(f"{var}: crosses its equilibrium {crossings} times")
    verdict(f"{var}: max error relative to its excursion", float(err), 1e-10)
