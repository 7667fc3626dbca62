"""Checks test/plasticity/resume-rule.soma: the recorded weights of connects p and q
change only in the samples at 20.1 ms and 25.1 ms, by sign fb eta (a + A x_pre) with the
closed-form trace, +1 at the teacher spike (20 ms) and -1 at the output spike (25 ms).

usage: resume_rule.py OUT [SHIFT_MS]   SHIFT_MS moves the arrivals of the closed form (a
negative control: a trace one step off, 0.1 ms, must not match)."""
import csv
import math
import sys

ARRIVALS = [11.0, 13.0]
PARAMS = {"p": dict(sign=1, fb=1, eta=0.01, a=0.05, A=1, tau=5.0),
          "q": dict(sign=-1, fb=0.5, eta=0.1, a=0.2, A=2, tau=10.0)}


def step(c, t):
    x = sum(math.exp(-(t - ta) / c["tau"]) for ta in ARRIVALS if ta <= t)
    return c["sign"] * c["fb"] * c["eta"] * (c["a"] + c["A"] * x)


def main():
    out = sys.argv[1]
    shift = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    ARRIVALS[:] = [ta + shift for ta in ARRIVALS]
    ok = True
    for name, c in PARAMS.items():
        rows = [(float(r[0]), float(r[1])) for r in list(csv.reader(open(f"{out}/{name}.w.csv")))[1:]]
        w0 = rows[0][1]
        w1 = w0 + step(c, 20.0)
        w2 = w1 - step(c, 25.0)
        bad = []
        for t, w in rows:
            want = w0 if t < 20.05 else (w1 if t < 25.05 else w2)
            if abs(w - want) > 1e-12:
                bad.append((t, w, want))
        changes = [t for (t, w), (_, wp) in zip(rows[1:], rows) if w != wp]
        when = [f"{t:g}" for t in changes] + ["never", "never"]
        print(f"{name}: w {w0:.6f} -> {w1:.6f} at {when[0]} ms, {w2:.6f} at {when[1]} ms; "
              + ("closed form matches" if not bad else f"differs: {bad[:3]}"))
        ok = ok and not bad and len(changes) == 2
    print("ok" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
