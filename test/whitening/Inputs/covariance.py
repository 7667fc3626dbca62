"""Covariance of recorded 2-D outputs against the identity.

usage: covariance.py OUT_DIR POP MEMBER TOL
Reads OUT_DIR/POP.MEMBER.csv (t_ms, then one column per neuron), computes the sample
covariance C of the columns (mean removed) and prints it with the largest |C - I| entry.
Exits 0 if every entry of C - I is within TOL (whitened), else 1."""
import csv
import os
import sys

out, pop, member, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
with open(os.path.join(out, "%s.%s.csv" % (pop, member))) as f:
    rows = [[float(x) for x in r[1:]] for r in list(csv.reader(f))[1:]]
n, d = len(rows), len(rows[0])
mean = [sum(r[a] for r in rows) / n for a in range(d)]
cov = [[sum((r[a] - mean[a]) * (r[b] - mean[b]) for r in rows) / n for b in range(d)] for a in range(d)]
err = max(abs(cov[a][b] - (1.0 if a == b else 0.0)) for a in range(d) for b in range(d))
diag = max(abs(cov[a][a] - 1.0) for a in range(d))
off = max(abs(cov[a][b]) for a in range(d) for b in range(d) if a != b)
print("%s: %d samples, covariance %s" % (pop, n, " ".join("[%s]" % ", ".join("%.4f" % x for x in row) for row in cov)))
print("%s: max |diag - 1| = %.4f, max |off-diagonal| = %.4f" % (pop, diag, off))
if err <= tol:
    print("%s: whitened (max |C - I| = %.4f <= %g)" % (pop, err, tol))
    sys.exit(0)
print("%s: NOT WHITENED (max |C - I| = %.4f > %g)" % (pop, err, tol))
sys.exit(1)
