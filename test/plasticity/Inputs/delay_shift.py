"""The delay-shift rule against its closed form, event by event (test/plasticity/delay-shift.test).

`gen` prints a network: channel c of spike_array Pre spikes at 20 + 40 j ms (j < 12) onto
synapse c (one_to_one Pre -> Post, std.synapses.delay_shift with w = 0, so it delivers
nothing; connect delay 15 ms, the bound of the learned delay); the relay Post[c] is forced
to fire once per presentation by its own spike_array, at the arrival this script predicts
plus an offset drawn from a fixed seed (before or after the arrival, within the window,
never before the presynaptic spike, which it may share). Synapse 0 is pushed above the connect's delay
(d_max = 40 ms: arrivals stay at 15 ms), synapse 1 below one step (d_min = 0.01 ms:
arrivals one step after the spike).

`check OUT [fixed]` replays the rule on the same spikes, step by step, in the order of
docs/simulation.md: at a time T the arrivals (`on pre`), then the post spikes (`on post`),
then the spikes stamped T are scheduled with the delay as it stands, rounded half up to
steps and kept within [1, 150] steps:
  post at t:     d += eta (t - t_arr)    if t - t_arr  <= window
  arrival at t:  d -= eta (t - t_post)   if t - t_post <= window,   d clipped to [d_min, d_max]
and compares every recorded step: the synapse's last arrival time (`t_arr`) exactly to the
step, the learned delay to 1e-9 ms. `fixed`: the arrivals of a fixed 15 ms delay instead
(the negative control; it must fail).
"""
import csv
import math
import random
import sys

import relay_pairs

DT = 0.1
N, PRES, PERIOD, FIRST = 10, 12, 40.0, 20.0
BOUND = 15.0                                   # the connect's delay, ms
ETA, WINDOW, D0 = 0.5, 20.0, 5.0
T_END = FIRST + PRES * PERIOD + 20.0


def dmin(c):
    return 0.01 if c == 1 else 1.0


def dmax(c):
    return 40.0 if c == 0 else 14.0


def steps_of(d, bound):
    """A learned delay in steps: delayToSteps' rounding, within [1, bound]."""
    q = d / DT
    s = math.floor(q + 0.5 + 1e-9 * abs(q))
    return max(1, min(bound, s))


def simulate(c, stamps, posts, fixed=False):
    """Per step n: (last arrival step or None, delay after the events of step n)."""
    bound = round(BOUND / DT)
    d, t_arr, t_post = D0, -1e9, -1e9
    pending = {}
    stamp_set, post_set = set(round(s / DT) for s in stamps), set(round(p / DT) for p in posts)
    out, last_arr = [], None
    for n in range(round(T_END / DT) + 1):
        t = n * DT
        for _ in range(pending.pop(n, 0)):     # on pre
            if t - t_post <= WINDOW:
                d = min(max(d - ETA * (t - t_post), dmin(c)), dmax(c))
            t_arr, last_arr = t, n
        if n in post_set:                      # on post
            if t - t_arr <= WINDOW:
                d = min(max(d + ETA * (t - t_arr), dmin(c)), dmax(c))
            t_post = t
        if n in stamp_set:                     # scheduling
            a = n + (bound if fixed else steps_of(d, bound))
            pending[a] = pending.get(a, 0) + 1
        out.append((last_arr, d))
    return out


def inputs():
    rng = random.Random(2117)
    stamps = [FIRST + PERIOD * j for j in range(PRES)]
    allposts = []
    for c in range(N):
        posts = []
        for j, s in enumerate(stamps):
            # The arrival of presentation j as things stand (later posts cannot change it).
            traj = simulate(c, stamps[:j + 1], posts)
            d_steps = steps_of(traj[round(s / DT)][1], round(BOUND / DT))
            arrival = round(s / DT) + d_steps
            if c == 0:
                off = 120                       # late posts: the delay grows past the bound
            elif c == 1:
                off = -d_steps                  # posts with the spike: the delay shrinks
            else:
                off = rng.randint(-d_steps, 120)
            posts.append(round((arrival + off) * DT, 1))
        allposts.append(posts)
    return stamps, allposts


def gen():
    stamps, posts = inputs()
    pre = ", ".join("[" + ", ".join(f"{s:.1f} ms" for s in stamps) + "]" for _ in range(N))
    drive = ", ".join("[" + ", ".join(f"{p - DT:.1f} ms" for p in ps) + "]" for ps in posts)
    print(relay_pairs.network(
        "delay_shift", "DelayShift", N, pre, drive, "0.1",
        f"delay_shift(w = 0, d0 = {D0} ms, eta = {ETA}, window = {WINDOW} ms,\n"
        f"      d_min = (i == 1 ? 0.01 ms : 1 ms), d_max = (i == 0 ? 40 ms : 14 ms)) by one_to_one delay {BOUND} ms onto v",
        ["record plastic.learned_delay", "record plastic.t_arr"], f"run {T_END} ms with dt = {DT} ms"))


def check(out, fixed):
    stamps, posts = inputs()
    got_posts = {}
    with open(out + "/spikes.csv") as f:
        for r in csv.DictReader(f):
            if r["population"] == "Post":
                got_posts.setdefault(int(r["index"]), []).append(float(r["t_ms"]))
    with open(out + "/plastic.synapses.csv") as f:
        pre_of = {int(r["synapse"]): int(r["pre"]) for r in csv.DictReader(f)}
    delays = list(csv.reader(open(out + "/plastic.learned_delay.csv")))
    arrs = list(csv.reader(open(out + "/plastic.t_arr.csv")))
    arrivals = changes = 0
    worst = 0.0
    for col in range(1, len(delays[0])):
        s = int(delays[0][col].split("[")[1].split("]")[0])
        c = pre_of[s]
        if [round(p / DT) for p in got_posts.get(c, [])] != [round(p / DT) for p in posts[c]]:
            sys.exit(f"Post[{c}] fired at {got_posts.get(c)}, forced at {posts[c]}")
        want = simulate(c, stamps, posts[c], fixed)
        prev_d, prev_a = D0, None
        for row_d, row_a in zip(delays[1:], arrs[1:]):
            n = round(float(row_d[0]) / DT)
            a_want, d_want = want[n]
            a_got = float(row_a[col])
            a_got = None if a_got < -1e8 else round(a_got / DT)
            if a_got != a_want:
                sys.exit(f"synapse {s}, t = {n * DT:.1f} ms: last arrival at step {a_got}, rule says {a_want}")
            err = abs(float(row_d[col]) - d_want)
            worst = max(worst, err)
            if err > 1e-9:
                sys.exit(f"synapse {s}, t = {n * DT:.1f} ms: delay {row_d[col]} ms, rule says {d_want!r}")
            arrivals += a_want is not None and a_want != prev_a
            changes += d_want != prev_d
            prev_d, prev_a = d_want, a_want
        if c == 0:
            assert want[-1][1] > BOUND and want[-1][0] - round(stamps[-1] / DT) == round(BOUND / DT), want[-1]
        if c == 1:
            assert want[-1][0] - round(stamps[-1] / DT) == 1, want[-1]
    print(f"delay_shift: {len(delays[0]) - 1} synapses, {arrivals} arrivals, {changes} delay changes, "
          f"{len(delays) - 1} steps: arrivals exact to the step, max |delay error| < 1e-9 ms")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen()
    else:
        check(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "fixed")
