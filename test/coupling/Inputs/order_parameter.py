"""The Kuramoto order parameter r = |mean_j exp(i theta_j)| of a recorded run.

usage: order_parameter.py OUT_DIR FROM_MS LABEL (above|below) LIMIT [K SIGMA]
Prints r at the first sample and its mean, minimum and maximum over the samples at
t >= FROM_MS, and whether the mean is above / below LIMIT (exit status 1 if not).

With K and SIGMA (rad/s), also the infinite-N value for a Gaussian frequency density of
standard deviation SIGMA above K_c = sqrt(8/pi) SIGMA: the root r > 0 of the
self-consistency equation 1 = K int_{-pi/2}^{pi/2} cos^2(x) g(K r sin x) dx (Strogatz 2000,
eq. 4.9), and whether the mean is within 0.02 of it (N = 100 draws of the frequencies
make the locked r differ from it by about that much at most).
"""
import csv
import math
import sys

out, t_from, label, side, limit = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
rs = []
first = None
with open(out + "/Osc.theta.csv") as f:
    reader = csv.reader(f)
    next(reader)
    for row in reader:
        th = [float(x) for x in row[1:]]
        r = math.hypot(sum(map(math.cos, th)), sum(map(math.sin, th))) / len(th)
        if first is None:
            first = r
        if float(row[0]) >= t_from:
            rs.append(r)
mean = sum(rs) / len(rs)
ok = mean > limit if side == "above" else mean < limit
print(f"{label}: r starts at {first:.3f}; over t >= {t_from:g} ms mean {mean:.3f} (min {min(rs):.3f}, max {max(rs):.3f})"
      f" {side} {limit:g}: {'yes' if ok else 'NO'}")
if len(sys.argv) > 7:
    K, sigma = float(sys.argv[6]), float(sys.argv[7])

    def g(w):
        return math.exp(-w * w / (2 * sigma * sigma)) / (math.sqrt(2 * math.pi) * sigma)

    def rhs(r, n=2000):
        h = math.pi / n
        return sum(K * math.cos(-math.pi / 2 + (i + 0.5) * h) ** 2 * g(K * r * math.sin(-math.pi / 2 + (i + 0.5) * h)) * h
                   for i in range(n))

    lo, hi = 1e-9, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if rhs(mid) > 1 else (lo, mid)
    close = abs(mean - lo) < 0.02
    ok &= close
    print(f"{label}: infinite-N theory r = {lo:.3f}, |mean - theory| {'below' if close else 'NOT below'} 0.02")
sys.exit(0 if ok else 1)
