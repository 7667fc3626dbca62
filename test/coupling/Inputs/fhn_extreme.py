"""Extreme events of the FHN multiplex (examples/fhn_multiplex.soma).

usage: fhn_extreme.py LABEL NSD (more|fewer|same) BASE_DIRS CASE_DIRS
       fhn_extreme.py entrain LABEL DIRS T_DRIVE_MS LO HI
       fhn_extreme.py tail LABEL NSD DIRS FACTOR
  BASE_DIRS, CASE_DIRS, DIRS: comma-separated output folders (one per seed) of the undriven
  network and of the case under test.
  entrain: spikes per unit per drive cycle after T_SKIP (all units of both layers, from
  spikes.csv), min and max over the runs; passes when every run lies in [LO, HI].
  tail: are the excursions extreme? X's kurtosis (pooled, 3 for a Gaussian) and its
  crossings of mu + NSD sigma per run against those of a Gaussian process with the same
  rate nu_0 of upward crossings of mu (Rice: nu_0 exp(-NSD^2 / 2)); passes when the
  observed count is more than FACTOR times the Gaussian one.

Definition (after Ansmann et al. 2013, Phys Rev E 88:052911, who call an excursion of the
mean field beyond its mean plus several standard deviations an extreme event):
  * X(t) = the mean of v over all units of both layers (A.v.csv and B.v.csv), sampled as
    recorded, from T_SKIP = 200 ms on (the initial transient left out);
  * the threshold theta = mu + NSD * sigma, mu and sigma the mean and standard deviation of
    X over all samples of all BASE runs (so one fixed threshold for every case);
  * an extreme event is an upward crossing of theta; the next one counts only after X has
    fallen back below mu (one event per excursion).
Statistics: n events per run; m and s the mean and sample standard deviation over the
seeds. The margin is 3 standard errors of the difference of the means,
3 * sqrt(s_base^2 / n_base + s_case^2 / n_case), and at least 1 event.
  more:  m_case - m_base > margin      fewer: m_base - m_case > margin
  same:  |m_case - m_base| <= margin
Also requires every run to have spikes (a silent network cannot pass).
"""
import csv
import math
import sys

T_SKIP = 200.0


def mean_field(out):
    cols = []
    for pop in ("A", "B"):
        with open(f"{out}/{pop}.v.csv") as f:
            reader = csv.reader(f)
            next(reader)
            cols.append([(float(r[0]), sum(float(x) for x in r[1:]), len(r) - 1) for r in reader])
    xs = []
    for (t, sa, na), (t2, sb, nb) in zip(*cols):
        assert t == t2
        if t >= T_SKIP:
            xs.append((sa + sb) / (na + nb))
    return xs


def spikes(out):
    with open(f"{out}/spikes.csv") as f:
        return sum(1 for _ in f) - 1


def events(xs, mu, theta):
    n, armed = 0, True
    for x in xs:
        if armed and x > theta:
            n += 1
            armed = False
        elif not armed and x < mu:
            armed = True
    return n


def stats(v):
    m = sum(v) / len(v)
    s = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 0.0
    return m, s


if sys.argv[1] == "entrain":
    label, dirs, period, lo, hi = sys.argv[2], sys.argv[3].split(","), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
    per = []
    for d in dirs:
        with open(f"{d}/A.v.csv") as f:
            reader = csv.reader(f)
            units = 2 * (len(next(reader)) - 1)
            t_end = max(float(r[0]) for r in reader)
        with open(f"{d}/spikes.csv") as f:
            reader = csv.reader(f)
            next(reader)
            n = sum(1 for r in reader if float(r[2]) >= T_SKIP)
        per.append(n / units / ((t_end - T_SKIP) / period))
    ok = all(lo <= p <= hi for p in per)
    print(f"{label}: spikes per unit per {period:g} ms cycle {min(per):.3f} to {max(per):.3f},"
          f" within [{lo:g}, {hi:g}]: {'yes' if ok else 'NO'}")
    sys.exit(0 if ok else 1)

if sys.argv[1] == "tail":
    label, nsd, dirs, factor = sys.argv[2], float(sys.argv[3]), sys.argv[4].split(","), float(sys.argv[5])
    runs = [mean_field(d) for d in dirs]
    pooled = [x for xs in runs for x in xs]
    mu, sigma = stats(pooled)
    kurt = sum((x - mu) ** 4 for x in pooled) / len(pooled) / sigma ** 4
    nu0 = sum(sum(1 for a, b in zip(xs, xs[1:]) if a < mu <= b) for xs in runs) / len(runs)
    gauss = nu0 * math.exp(-nsd ** 2 / 2)
    seen = sum(events(xs, mu, mu + nsd * sigma) for xs in runs) / len(runs)
    ok = seen > factor * gauss
    print(f"{label}: kurtosis {kurt:.1f}; mean crossings {nu0:.1f} per run; mu + {nsd:g} sigma crossings"
          f" {seen:.1f} per run against {gauss:.3f} for a Gaussian; more than {factor:g} times: {'yes' if ok else 'NO'}")
    sys.exit(0 if ok else 1)

label, nsd, expect = sys.argv[1], float(sys.argv[2]), sys.argv[3]
base, case = sys.argv[4].split(","), sys.argv[5].split(",")
base_x = [mean_field(d) for d in base]
case_x = [mean_field(d) for d in case]
pooled = [x for xs in base_x for x in xs]
mu, sigma = stats(pooled)
theta = mu + nsd * sigma
nb = [events(xs, mu, theta) for xs in base_x]
nc = [events(xs, mu, theta) for xs in case_x]
mb, sb = stats(nb)
mc, sc = stats(nc)
margin = max(1.0, 3 * math.sqrt(sb ** 2 / len(nb) + sc ** 2 / len(nc)))
silent = [d for d in base + case if spikes(d) == 0]
diff = mc - mb
ok = {"more": diff > margin, "fewer": -diff > margin, "same": abs(diff) <= margin}[expect] and not silent
print(f"{label}: theta = {mu:.3f} + {nsd:g} * {sigma:.3f} = {theta:.3f}; events per run"
      f" base {nb} (mean {mb:.1f}), case {nc} (mean {mc:.1f}); difference {diff:+.1f},"
      f" margin {margin:.1f}; {expect}: {'yes' if ok else 'NO'}")
sys.exit(0 if ok else 1)
