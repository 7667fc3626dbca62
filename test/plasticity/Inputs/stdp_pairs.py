"""Pair STDP against its closed form (test/plasticity/stdp-pair.test).

`gen RULE [one]` prints a network (`one`: every synapse with the 1.5 ms delay, so the
presynaptic trace is kept once per neuron rather than per synapse): channel c of spike_array Pre spikes once at t_pre = 100 ms
onto synapse c (one_to_one Pre -> Post, delay D_c); the relay neuron Post[c] fires once at
t_post = t_pre + D_c + dt_c, driven by its own spike_array. The plastic synapse delivers
nothing (w_max = 0), so the pairing is exactly the scheduled one. RULE is the synapse:
stdp (additive), stdp_multiplicative, stdp_symmetric, stdp_window (window 30 ms:
0 <= dt <= 30 ms gives +A_plus, -30 ms <= dt < 0 gives -A_minus, otherwise no change) or
astro_stdp (soft bounds, mu = 1, with the constant signal a = 2.5 broadcast onto its
modulator: the multiplicative closed form with depression times a).
`gen stdp dend` / `check stdp OUT dend`: delays 1.5, 2 and 3 ms of which the last
DEND = 1 ms are dendritic (`dendritic_delay`): the pre spike reaches the synapse at
t_pre + D - DEND, the post spike at t_post + DEND, so the pair's interval at the synapse is
dt + 2 DEND.
`check RULE OUT` compares each synapse's final weight with the closed form:
  dt = t_post - (t_pre + D) >= 0:  w = w0 + A_plus exp(-dt / tau_plus)          (additive)
                                   w = w0 + A_plus (1 - w0) exp(-dt / tau_plus)   (multiplicative)
  dt < 0:                          w = w0 - A_minus exp(dt / tau_minus)         (additive)
                                   w = w0 - A_minus w0 exp(dt / tau_minus)        (multiplicative)
                                   w = w0 + A_minus exp(dt / tau_minus)         (symmetric)
                                   w = w0 - a A_minus w0 exp(dt / tau_minus)      (astro_stdp)
(dt = 0 potentiates: `on pre` runs before `on post` at equal times.) Relative error of the
weight change must be < 1e-12.
"""
import csv
import math
import sys

import relay_pairs

DT = 0.1
DELAYS = [0.1, 1.5, 3.0]                          # ms
OFFSETS = [k * 2.5 for k in range(-24, 25)]       # post - arrival, ms: -60 .. 60
TAU_PLUS, TAU_MINUS = 16.8, 33.7                  # ms (Bi & Poo fits; unequal on purpose)
A_PLUS, A_MINUS, W0 = 0.0096, 0.0053, 0.4
T_PRE = 100.0
WINDOW = 30.0                                     # ms, stdp_window
ASTRO = 2.5                                       # the broadcast modulation, astro_stdp
DEND = 0.0                                        # ms of each delay after the synapse


def pairs():
    return [(d, o) for d in DELAYS for o in OFFSETS]


def gen(rule):
    ps = pairs()
    pre = ", ".join(f"[{T_PRE} ms]" for _ in ps)
    # The relay fires at drive time + 0.1 ms (its drive's delay).
    drive = ", ".join(f"[{T_PRE + d + o - 0.1:.4f} ms]" for d, o in ps)
    if len(DELAYS) == 1:
        delay_expr = f"{DELAYS[0]} ms"
    else:
        n = len(OFFSETS)
        delay_expr = f"(i < {n} ? {DELAYS[0]} ms : (i < {2 * n} ? {DELAYS[1]} ms : {DELAYS[2]} ms))"
    if rule == "stdp_window":
        args = f"w_max = 0, w0 = {W0}, window = {WINDOW} ms, A_plus = {A_PLUS}, A_minus = {A_MINUS}"
    else:
        args = (f"w_max = 0, w0 = {W0}, tau_plus = {TAU_PLUS} ms, tau_minus = {TAU_MINUS} ms, A_plus = {A_PLUS}, "
                f"{'A_minus_sym' if rule == 'stdp_symmetric' else 'A_minus'} = {A_MINUS}")
        if rule == "astro_stdp":
            args += ", mu = 1"
        if DEND:
            args += f", dendritic_delay = {DEND} ms"
    astro = f"\n  signal level = {ASTRO}\n  broadcast level -> plastic.a" if rule == "astro_stdp" else ""
    print(relay_pairs.network(
        rule, "Pairs", len(ps), pre, drive, "0.1",
        f"{rule}({args}) by one_to_one delay {delay_expr} onto v{astro}",
        ["record plastic.w every 250 ms"], f"run 250 ms with dt = {DT} ms"))


def check(rule, out):
    ps = pairs()
    with open(out + "/plastic.synapses.csv") as f:
        syn = {int(r["synapse"]): (int(r["pre"]), float(r["delay_ms"])) for r in csv.DictReader(f)}
    with open(out + "/plastic.w.csv") as f:
        rows = list(csv.reader(f))
    header, last = rows[0], rows[-1]
    posts = {}
    with open(out + "/spikes.csv") as f:
        for r in csv.DictReader(f):
            posts.setdefault(int(r["index"]), []).append(float(r["t_ms"]))
    worst, seen_signs = 0.0, set()
    for col in range(1, len(header)):
        s = int(header[col].split("[")[1].split("]")[0])
        c, delay = syn[s]
        d, o = ps[c]
        assert abs(delay - d) < 1e-9, (c, delay, d)
        assert len(posts.get(c, [])) == 1, f"Post[{c}] fired {posts.get(c)}"
        dt = posts[c][0] - (T_PRE + d)
        assert abs(dt - o) < 1e-6, (c, dt, o)
        dt = round((dt + 2 * DEND) / DT) * DT   # the interval at the synapse
        mult = rule in ("stdp_multiplicative", "astro_stdp")
        if dt >= 0:
            dw = A_PLUS * (1 - W0 if mult else 1) * math.exp(-dt / TAU_PLUS)
        else:
            dw = -A_MINUS * (W0 if mult else 1) * math.exp(dt / TAU_MINUS)
            if rule == "astro_stdp":
                dw *= ASTRO
            if rule == "stdp_symmetric":
                dw = -dw
        if rule == "stdp_window":
            dw = A_PLUS if 0 <= dt <= WINDOW + 1e-9 else -A_MINUS if -WINDOW - 1e-9 <= dt < 0 else 0.0
        got = float(last[col]) - W0
        if dw == 0:
            if got != 0:
                sys.exit(f"synapse {s}: dt {dt:g} ms outside the window, but dw = {got!r}")
            seen_signs.add(0)
            continue
        err = abs(got - dw) / abs(dw)
        worst = max(worst, err)
        seen_signs.add((dt > 0) - (dt < 0))
        if err > 1e-12:
            sys.exit(f"synapse {s}: delay {d} ms, post - arrival {dt:g} ms: dw {got!r}, closed form {dw!r}")
    assert seen_signs == ({-1, 1} if DEND else {-1, 0, 1}), seen_signs  # dt + 2 DEND is never 0
    dend = f" ({DEND} ms dendritic)" if DEND else ""
    print(f"{rule}: {len(header) - 1} pairs, delays {DELAYS} ms{dend}, dt -60..60 ms: max relative error of dw < 1e-12")


if __name__ == "__main__":
    if sys.argv[-1] == "one":
        DELAYS = [1.5]
        sys.argv.pop()
    elif sys.argv[-1] == "dend":
        DELAYS, DEND = [1.5, 2.0, 3.0], 1.0
        sys.argv.pop()
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
