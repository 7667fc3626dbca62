"""The largest error of a recorded state against a closed form (closed_forms.py).

usage: check_closed_form.py OUT POP MODEL LO HI [POP2 MODEL2 FACTOR]

E = max over the recorded samples of POP[0].x of |x - x_exact| / scale (scale 1, or the
model's SCALE); passes when LO <= E < HI (LO > 0 asserts that an error is visible at all).
With POP2 MODEL2 FACTOR, E must also be at least FACTOR times the error E2 of POP2
(measured the same way): one setting is that much less accurate than another.
"""
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from closed_forms import EXACT, SCALE  # noqa: E402
from simout import read_state  # noqa: E402


def error(out, pop, model):
    times, vals = read_state(out, pop, "x")
    assert times, (out, pop)
    exact = EXACT[model]
    return len(times), max(abs(x - exact(t)) for t, x in zip(times, vals[0])) / SCALE.get(model, 1.0)


out, pop, model, lo, hi = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
n, err = error(out, pop, model)
ok = lo <= err < hi
print(f"{pop}: {n} samples, error {err:.3e} " + ("inside" if ok else "OUTSIDE") + f" [{lo:g}, {hi:g})")
if len(sys.argv) > 6:
    pop2, model2, factor = sys.argv[6], sys.argv[7], float(sys.argv[8])
    _, err2 = error(out, pop2, model2)
    ratio = err / err2 if err2 > 0 else float("inf")
    more = ratio >= factor
    print(f"{pop} vs {pop2}: error ratio {ratio:.3g} " + ("at least" if more else "BELOW") + f" {factor:g}")
    ok = ok and more
sys.exit(0 if ok else 1)
