"""Checks a k-WTA broadcast: got sampled at row r + 1 is the top-K mask of v at row r.

usage: check_kwta.py OUT K [--shift S] [--ties low|high]
The mask of a row: the K largest v, ties toward the lowest index (--ties high: toward the
highest, a negative control). --shift S compares got at row r + S with the mask of row r
(1, the one-step delay of a broadcast onto a population, is the design; 0 is a control).
The first row (t = 1 ms) is checked against the evaluation before step 0 (v = 0 for all:
the neurons 0..K-1). Exits non-zero on the first mismatch.
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/../../run/Inputs")
from simout import read_state  # noqa: E402

out, K = sys.argv[1], int(sys.argv[2])
shift = int(sys.argv[sys.argv.index("--shift") + 1]) if "--shift" in sys.argv else 1
high = "--ties" in sys.argv and sys.argv[sys.argv.index("--ties") + 1] == "high"
_, v = read_state(out, "P", "v")
_, got = read_state(out, "P", "got")
n = len(v)
rows = len(v[0])


def mask(vals):
    order = sorted(range(n), key=lambda i: (-vals[i], -i if high else i))
    return {i for i in order[:K]}


initial = [0.0] * n
ties = 0
for r in range(rows):
    src = r - shift
    vals = initial if src < 0 else [v[i][src] for i in range(n)] if src < rows else None
    if vals is None:
        continue
    won = {i for i in range(n) if got[i][r] == 1}
    others = [got[i][r] for i in range(n) if i not in won]
    if len(won) != K or any(x != 0 for x in others):
        print(f"row {r}: {len(won)} winners, expected exactly {K}")
        sys.exit(1)
    want = mask(vals)
    if won != want:
        print(f"row {r}: winners {sorted(won)}, expected {sorted(want)} from v = {vals}")
        sys.exit(1)
    kth = sorted(vals, reverse=True)[K - 1]
    ties += sum(1 for x in vals if x == kth) > K - sum(1 for x in vals if x > kth)
print(f"k-WTA: {rows} steps, exactly {K} winners each, the {K} largest with ties to the lowest index ({ties} steps with a tie at the boundary)")
