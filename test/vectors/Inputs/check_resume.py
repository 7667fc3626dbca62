"""A run resumed from a checkpoint records exactly what the uninterrupted run recorded.

usage: check_resume.py FULL_DIR RESUMED_DIR FILE...
Compares every row of the resumed files with the full run's row at the same time; exits 1
on the first difference (or when there is nothing to compare)."""
import csv
import os
import sys


def rows(path):
    with open(path) as f:
        return {r[0]: r[1:] for r in list(csv.reader(f))[1:]}


full, resumed, files = sys.argv[1], sys.argv[2], sys.argv[3:]
n = 0
for name in files:
    a, b = rows(os.path.join(full, name)), rows(os.path.join(resumed, name))
    for t, vals in b.items():
        if a.get(t) != vals:
            print("DIFFERENT %s at t = %s: %s vs %s" % (name, t, a.get(t), vals))
            sys.exit(1)
        n += 1
if n == 0:
    print("nothing compared")
    sys.exit(1)
print("%d rows identical" % n)
