"""Sparse distributed representations for the active-dendrite tests (Ahmad & Hawkins 2016,
arXiv:1601.00720), Python standard library only.

  sdr.py false-match gen DIR            writes DIR/net.soma (a grid of (n, a, s, theta));
                                        the checks read the run's output in DIR/out
  sdr.py false-match check DIR [SHIFT]  compares the measured false-match rates with
                                        P(n, a, s, theta + SHIFT); exit 1 if outside
  sdr.py union gen DIR                  writes DIR/net.soma and DIR/conn.csv
  sdr.py union check DIR [EXTRA]        recognition of every stored pattern, and the
                                        false-match rate against P with s = the union
                                        size + EXTRA; exit 1 if outside

The formula: with s synapses of a segment onto s distinct cells of n, and a pattern of
exactly a active cells drawn uniformly, the chance that at least theta synapses are active
is the hypergeometric tail
    P(n, a, s, theta) = sum_{b=theta}^{s} C(s,b) C(n-s,a-b) / C(n,a).
Each presentation is a fresh uniform a-subset (from random.Random with a fixed seed); each
segment's synapses are a uniform s-subset (fixed_indegree without replacement, drawn by the
simulator). The events "segment g fires on presentation p" then have probability P each and
are pairwise independent (for a fixed segment, presentations are independent and P does not
depend on which s cells it holds; for a fixed presentation, segments are independent), so
their count over N pairs has the binomial variance N P (1 - P). Accepted: within 4 standard
errors. A segment fires when at least theta spikes arrive on it in one step; every active
cell spikes once, one step apart per presentation, so a step's count is its overlap.
"""
import csv
import math
import random
import sys


def P(n, a, s, theta):
    theta = max(theta, 0)
    return sum(math.comb(s, b) * math.comb(n - s, a - b) for b in range(theta, min(s, a) + 1)) / math.comb(n, a)


def last_row_sum(path):
    """The sum over neurons of the last row of a state CSV (an accumulated count)."""
    with open(path) as f:
        rows = list(csv.reader(f))
    return sum(float(x) for x in rows[-1][1:])


def times_of(patterns, n, first_step):
    """Per channel, the spike times (ms, dt = 1 ms) of the presentations it is active in."""
    per = [[] for _ in range(n)]
    for p, pat in enumerate(patterns):
        for c in pat:
            per[c].append(first_step + p)
    return "[" + ", ".join("[" + ", ".join(f"{t} ms" for t in ts) + "]" for ts in per) + "]"


NEURON = """
// A neuron with SEGMENTS segments that counts, over the run, the segments that fired.
neuron Counter {{
  parameter {{ theta = 1 }}
  state {{ total = 0; now = 0 }}
  segment dend[{segments}] {{
    input {{ current active }}
    threshold active >= theta
  }}
  update {{
    now = count(dend.fired)
    total = total + now
  }}
}}
"""

# ---- the false-match grid
GRID = [  # n, a, s, theta: P from 2.6e-3 to 4.2e-2
    (1024, 64, 32, 7),
    (1000, 40, 20, 3),
    (500, 50, 25, 6),
    (2000, 40, 30, 3),
    (512, 64, 40, 10),
]
SEGMENTS = 16
CELLS = 150
PRESENTATIONS = 300


def false_match_gen(out):
    rng = random.Random(2016)
    parts = ["import std.synapses.static", NEURON.format(segments=SEGMENTS), "network FalseMatch {"]
    for g, (n, a, s, theta) in enumerate(GRID):
        patterns = [rng.sample(range(n), a) for _ in range(PRESENTATIONS)]
        parts.append(f"  source X{g} = spike_array[{n}](times = {times_of(patterns, n, 1)})")
        parts.append(f"  population C{g} = Counter[{CELLS}] {{ theta = {theta} }}")
        parts.append(f"  connect X{g} -> C{g} with static(w = 1) by fixed_indegree({s}, allow_multiple = false) "
                     f"delay 1 ms onto dend.active")
        parts.append(f"  record C{g}.total")
    parts.append(f"  run {PRESENTATIONS + 3} ms with dt = 1 ms, seed = 7")
    parts.append("}")
    with open(out + "/net.soma", "w") as f:
        f.write("\n".join(parts) + "\n")


def judge(label, hits, pairs, p):
    se = math.sqrt(pairs * p * (1 - p))
    z = (hits - pairs * p) / se
    ok = abs(z) <= 4
    print(f"{label}: {int(hits)} of {pairs} fire, rate {hits / pairs:.4g}, theory {p:.4g} "
          f"+- {se / pairs:.2g}: z = {z:+.2f}, {'within' if ok else 'OUTSIDE'} 4 se")
    return ok


def false_match_check(out, shift):
    ok = True
    for g, (n, a, s, theta) in enumerate(GRID):
        hits = last_row_sum(f"{out}/out/C{g}.total.csv")
        pairs = CELLS * SEGMENTS * PRESENTATIONS
        ok &= judge(f"n={n} a={a} s={s} theta={theta}", hits, pairs, P(n, a, s, theta + shift))
    return ok


# ---- the union property
UN, UA = 256, 32          # cells, active per pattern
STORED, SUB = 4, 6        # patterns per segment, synapses sampled from each
UTHETA = SUB              # a stored pattern activates at least SUB synapses
UCELLS = 300              # one segment each
URANDOM = 400             # random presentations


def union_setup():
    rng = random.Random(1601)
    stored = [[rng.sample(range(UN), UA) for _ in range(STORED)] for _ in range(UCELLS)]
    unions = []
    for c in range(UCELLS):
        u = set()
        for pat in stored[c]:
            u.update(rng.sample(pat, SUB))
        unions.append(sorted(u))
    randoms = [rng.sample(range(UN), UA) for _ in range(URANDOM)]
    return stored, unions, randoms


def union_gen(out):
    stored, unions, randoms = union_setup()
    # Presentation order: every stored pattern (cell by cell), then the random ones.
    patterns = [pat for c in range(UCELLS) for pat in stored[c]] + randoms
    with open(out + "/conn.csv", "w") as f:
        f.write("pre,post,segment\n")
        for c, u in enumerate(unions):
            for cell in u:
                f.write(f"{cell},{c},0\n")
    parts = ["import std.synapses.static", NEURON.format(segments=1).replace("state {", "state {"),
             "network Union {",
             f"  source X = spike_array[{UN}](times = {times_of(patterns, UN, 1)})",
             f"  population C = Counter[{UCELLS}] {{ theta = {UTHETA} }}",
             f"  connect X -> C with static(w = 1) by from_file(\"{out}/conn.csv\") delay 1 ms onto dend.active",
             "  record C.now",
             f"  run {len(patterns) + 3} ms with dt = 1 ms, seed = 3",
             "}"]
    with open(out + "/net.soma", "w") as f:
        f.write("\n".join(parts) + "\n")


def union_check(out, extra):
    stored, unions, randoms = union_setup()
    with open(out + "/out/C.now.csv") as f:
        rows = list(csv.reader(f))
    # Presentation p: spikes stamped p+1 ms arrive after 1 ms, at t_{p+2}; the step from
    # t_{p+2} reads them and records at p+3 ms.
    fired = {int(round(float(r[0]))): [float(x) for x in r[1:]] for r in rows[1:]}
    ok = True
    missed = 0
    p = 0
    for c in range(UCELLS):
        for _ in range(STORED):
            missed += fired[p + 3][c] != 1
            p += 1
    print(f"stored: {UCELLS * STORED} patterns presented, {missed} not recognised by their segment")
    ok &= missed == 0
    hits = sum(sum(fired[p + 3 + q]) for q in range(URANDOM))
    pairs = UCELLS * URANDOM
    sizes = [len(u) for u in unions]
    # Each segment has its own union size: the expected count is the sum of its P.
    expected = sum(P(UN, UA, k + extra, UTHETA) for k in sizes) * URANDOM
    var = sum(P(UN, UA, k + extra, UTHETA) * (1 - P(UN, UA, k + extra, UTHETA)) for k in sizes) * URANDOM
    z = (hits - expected) / math.sqrt(var)
    inside = abs(z) <= 4
    print(f"random: union sizes {min(sizes)}..{max(sizes)} (mean {sum(sizes) / len(sizes):.2f}) + {extra}; "
          f"{int(hits)} of {pairs} fire, rate {hits / pairs:.4g}, theory {expected / pairs:.4g}: "
          f"z = {z:+.2f}, {'within' if inside else 'OUTSIDE'} 4 se")
    # What a segment holding only one pattern's synapses would give: far smaller.
    print(f"one pattern (s = {SUB}): theory {P(UN, UA, SUB, UTHETA):.3g}")
    return ok and inside


if __name__ == "__main__":
    what, mode, out = sys.argv[1:4]
    arg = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    if mode == "gen":
        (false_match_gen if what == "false-match" else union_gen)(out)
        sys.exit(0)
    ok = false_match_check(out, arg) if what == "false-match" else union_check(out, arg)
    sys.exit(0 if ok else 1)
