#!/usr/bin/env python3
"""Checks the outputs of Inputs/encoders.soma against the encoders' definitions
(docs/language.md "Analog sources and encoders"). Python standard library only.

    check_encoders.py direct  OUT
    check_encoders.py delta   OUT THETA
    check_encoders.py sigma   OUT THETA
    check_encoders.py rate    OUT MAX_RATE_HZ
    check_encoders.py latency OUT T_MAX_MS

Timing (Analog.h): step k samples x at t_{k+1} and stamps its spikes t_{k+1}; a direct
connect onto a state adds them one step later (the default delay), so a Counter's n at
t_{j+1} is the net count of the events stamped up to t_j. A direct connect onto an input
makes x(t_k) the input of step k. Exits 1 (printing FAIL) when a check fails.
"""
import csv
import math
import sys

DT = 0.1          # ms, the network's dt
STEPS = 10000     # 1 s
TAU = 1.0         # ms, the sigma-delta time scale
SLACK = 1e-9      # last-bit differences between this evaluation and the simulator's

failed = False


def fail(msg):
    global failed
    failed = True
    print("FAIL: " + msg)


def read_state(path):
    """{t_ms: [column values]} in file order, and the list of times."""
    with open(path) as f:
        rows = list(csv.reader(f))
    times, values = [], []
    for r in rows[1:]:
        times.append(float(r[0]))
        values.append([float(v) for v in r[1:]])
    return times, values


def step_of(t_ms):
    return int(round(t_ms / DT))


def read_spikes(path):
    """{population: [(index, step)]} from spikes.csv."""
    out = {}
    with open(path) as f:
        for r in list(csv.reader(f))[1:]:
            out.setdefault(r[0], []).append((int(r[1]), step_of(float(r[2]))))
    return out


# The signals of encoders.soma.
def x_direct(c, t):
    return 0.5 + 0.4 * math.sin(2 * math.pi * t / 50 + c)


def x_delta(c, t):
    return 1.5 * math.sin(2 * math.pi * t / (40 + 20 * c)) + 0.3 * c


def x_sigma(c, t):
    return 0.8 * math.sin(2 * math.pi * t / (100 + 50 * c)) + 0.1 * c


def x_rate(t):
    return 0.25 + 0.2 * math.sin(2 * math.pi * t / 400)


def counts_by_step(out, pop, channels):
    """Net count N_c(t_j) for j = 0 .. STEPS-1 (n at t_{j+1}); N(t_0) = 0."""
    times, values = read_state(f"{out}/{pop}.n.csv")
    assert len(times) == STEPS and step_of(times[0]) == 1, "one row per step from t_1"
    return values  # N[j][c]: the row of t_{j+1}


def direct(out):
    times, values = read_state(f"{out}/IX.y.csv")
    worst_sum = worst_int = 0.0
    for c in range(3):
        acc = 0.0
        for m, t in enumerate(times, start=1):
            acc += x_direct(c, (m - 1) * DT) * DT / 1.0  # x(t_k) over step k, k < m
            y = values[m - 1][c]
            worst_sum = max(worst_sum, abs(y - acc) / max(1.0, abs(acc)))
            exact = 0.5 * t + 0.4 * 50 / (2 * math.pi) * (math.cos(c) - math.cos(2 * math.pi * t / 50 + c))
            worst_int = max(worst_int, abs(y - exact))
    print(f"direct: IX.y equals the left sum of x(t_k) dt / 1 ms: relative error {worst_sum:.1e}")
    if worst_sum > 1e-9:
        fail("IX.y is not the sum of x(t_k) dt")
    # The left sum differs from the integral by dt/2 (x(t) - x(0)) + O(dt^2): at most
    # dt/2 * 0.8 (x spans 0.8) = 0.04, 0.05 with the O(dt^2) term.
    print(f"direct: IX.y against the integral of x: max error {worst_int:.4f} (bound 0.05)")
    if worst_int > 0.05:
        fail("IX.y is farther than 0.05 from the integral of x")
    times, values = read_state(f"{out}/IU.y.csv")
    worst = max(abs(v[0] - 200 * t) for t, v in zip(times, values))
    print(f"direct: 0.2 nA onto an input in pA integrates to 200 t: max error {worst:.1e}")
    if worst > 1e-9 * 200 * times[-1]:
        fail("IU.y is not 200 t (unit conversion nA -> pA)")


def delta(out, theta):
    N = counts_by_step(out, "CD", 4)
    worst = 0.0
    events = 0
    mismatches = 0
    for c in range(4):
        prev = 0.0
        for j in range(1, STEPS):
            x = x_delta(c, j * DT)
            n = N[j][c]
            events += abs(n - prev)
            err = abs(x - theta * n)
            worst = max(worst, err / theta)
            if err >= theta * (1 + SLACK):
                fail(f"channel {c} at t = {j * DT:.1f} ms: |x - r| = {err} >= threshold")
                return
            # The rule: N moves to floor(x/theta) or ceil(x/theta) only when outside them.
            q = x / theta
            lo, hi = math.floor(q), math.ceil(q)
            want = lo if prev < lo else hi if prev > hi else prev
            near = abs(q - round(q)) < 1e-9
            if n != want and not near:
                mismatches += 1
            prev = n
    print(f"delta: {int(events)} events on 4 channels; |x - r| < threshold at every step "
          f"(max {worst:.5f} threshold)")
    if mismatches:
        fail(f"{mismatches} steps where the count is not the send-on-delta rule's")
    else:
        print("delta: every step's count is the send-on-delta rule's")


def sigma(out, theta):
    # Without adaptation: X(t_j) = sum_{i<=j} x(t_i) dt / tau, Q = theta N; |X - Q| < theta.
    N = counts_by_step(out, "CS", 2)
    worst = 0.0
    events_plain = 0
    for c in range(2):
        X = 0.0
        for j in range(1, STEPS):
            X += x_sigma(c, j * DT) * DT / TAU
            err = abs(X - theta * N[j][c])
            worst = max(worst, err / theta)
            if err >= theta * (1 + SLACK) + SLACK:
                fail(f"sigma_delta channel {c} at t = {j * DT:.1f} ms: |X - Q| = {err} >= threshold")
                return
        events_plain += sum(abs(N[j][c] - N[j - 1][c]) for j in range(1, STEPS))
    print(f"sigma_delta: {int(events_plain)} events; integral of x and theta * count differ by less "
          f"than the threshold (max {worst:.5f} threshold)")

    # The low-pass decoder: LS.y adds w = theta tau / tau_f per event at t_j + dt. Against
    # the same filter applied to x (sum over steps of x(t_j) dt / tau_f, arriving at t_j + dt)
    # it is off by at most 2 theta tau / tau_f (summation by parts with |X - Q| < theta).
    tau_f = 5.0
    times, values = read_state(f"{out}/LS.y.csv")
    decay = math.exp(-DT / tau_f)
    bound_q = 2 * theta * TAU / tau_f
    worst_q = worst_x = 0.0
    for c in range(2):
        ideal = 0.0
        for m in range(1, STEPS + 1):
            ideal *= decay
            j = m - 1          # events stamped t_j arrive at t_m
            if j >= 1:
                ideal += x_sigma(c, j * DT) * DT / tau_f
            y = values[m - 1][c]
            worst_q = max(worst_q, abs(y - ideal))
            if m * DT >= 5 * tau_f:   # after the filter's start-up
                worst_x = max(worst_x, abs(y - x_sigma(c, m * DT)))
    # The filter lags x by at most tau_f max|x'| (0.8 * 2 pi / 100 ms * 5 ms = 0.251).
    bound_x = tau_f * 0.8 * 2 * math.pi / 100 + bound_q + 2 * DT * 0.8 * 2 * math.pi / 100
    print(f"sigma_delta: low-pass (tau_f 5 ms) of the events against the same filter of x: max error "
          f"{worst_q:.4f} (bound 2 theta tau / tau_f = {bound_q:.3f})")
    print(f"sigma_delta: low-pass of the events against x itself after 25 ms: max error {worst_x:.4f} "
          f"(bound tau_f max|x'| + {bound_q:.3f} + 2 dt max|x'| = {bound_x:.3f})")
    if worst_q > bound_q:
        fail("the low-pass reconstruction is farther than 2 theta tau / tau_f from the filtered x")
    if worst_x > bound_x:
        fail("the low-pass reconstruction does not track x within its bound")

    # Adaptive: theta relaxes to its base with 20 ms each step, grows by 1.05 per event; each
    # event carries the threshold it crossed. The decoder replays the thresholds from the
    # signed counts alone.
    adapt, tau_a = 0.05, 20.0
    N = counts_by_step(out, "CSA", 2)
    worst = 0.0
    events_adapt = 0
    relax = math.exp(-DT / tau_a)
    for c in range(2):
        X = Q = 0.0
        th = theta
        for j in range(1, STEPS):
            th = theta + (th - theta) * relax
            X += x_sigma(c, j * DT) * DT / TAU
            m = int(N[j][c] - N[j - 1][c])
            p = 1 if m > 0 else -1
            for _ in range(abs(m)):
                Q += p * th
                th *= 1 + adapt
            events_adapt += abs(m)
            err = abs(X - Q)
            worst = max(worst, err / theta)
            if err >= th * (1 + SLACK) + SLACK:
                fail(f"adaptive channel {c} at t = {j * DT:.1f} ms: |X - Q| = {err} >= its threshold {th}")
                return
    print(f"sigma_delta adapt 0.05: {events_adapt} events; the decoded integral is within the current "
          f"threshold (max {worst:.3f} base threshold)")
    if not events_adapt * 3 < events_plain:
        fail("adaptation does not cut the events by 3 or more")
    else:
        print(f"sigma_delta adapt 0.05: {events_plain / events_adapt:.1f} times fewer events")


def zcheck(label, observed, expected):
    sd = math.sqrt(expected)
    z = (observed - expected) / sd if sd else float("inf") * (observed - expected)
    ok = abs(z) <= 5 if sd else observed == expected
    print(f"{label}: {observed} spikes, expected {expected:.1f} +- {sd:.1f}: "
          f"{'within 5 sd' if ok else 'OUTSIDE 5 sd'}")
    return ok


def rate(out, max_rate):
    spikes = read_spikes(f"{out}/spikes.csv")
    ok = True
    # R1: per 100 ms window (stamps in (100 w, 100 (w + 1)]), 20 channels.
    per_window = [0] * 10
    for _, k in spikes.get("R1", []):
        per_window[(k - 1) // 1000] += 1
    lam = [20 * max_rate * min(max(x_rate(k * DT), 0), 1) * DT * 1e-3 for k in range(STEPS + 1)]
    for w in range(10):
        expected = sum(lam[k] for k in range(w * 1000 + 1, (w + 1) * 1000 + 1))
        ok &= zcheck(f"R1 ({100 * w}, {100 * (w + 1)}] ms", per_window[w], expected)
    ok &= zcheck("R1 total", sum(per_window), sum(lam[1:]))
    ok &= zcheck("R2 (x = 1.5: max_rate)", len(spikes.get("R2", [])), 20 * max_rate * 1.0)
    r3 = len(spikes.get("R3", []))
    print(f"R3 (x = -0.5): {r3} spikes")
    ok &= r3 == 0
    if not ok:
        fail("rate counts")


def latency(out, t_max):
    spikes = read_spikes(f"{out}/spikes.csv").get("L", [])
    got = {}
    for c, k in spikes:
        got.setdefault(c, []).append(k)
    for c in range(11):
        x = (c - 1) / 8
        if x <= 0:
            want = []
        else:
            q = t_max * (1 - min(x, 1)) / DT
            want = [max(1, math.floor(q + 0.5 + 1e-9 * q))]
        have = sorted(got.get(c, []))
        print(f"latency x = {x:+.3f}: spikes at {[round(k * DT, 1) for k in have]} ms, expected "
              f"{[round(k * DT, 1) for k in want]}")
        if have != want:
            fail(f"latency channel {c}")


def main():
    what, out = sys.argv[1], sys.argv[2]
    if what == "direct":
        direct(out)
    elif what == "delta":
        delta(out, float(sys.argv[3]))
    elif what == "sigma":
        sigma(out, float(sys.argv[3]))
    elif what == "rate":
        rate(out, float(sys.argv[3]))
    elif what == "latency":
        latency(out, float(sys.argv[3]))
    else:
        sys.exit("unknown check " + what)
    if failed:
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
