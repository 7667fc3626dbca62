"""Closed-form solutions of the small test models (x dimensionless, t in ms), shared by
check_order.py and check_closed_form.py.

  riccati:      x' = om cos(om t) x^2, x(0) = 0.5, om = 0.2/ms  ->  x = 1 / (2 - sin(om t))
  logistic:     x' = r x (1 - x/K), x(0) = 0.05 K, r = 0.5/ms, K = 1
                ->  x = K / (1 + (1/0.05 - 1) e^(-r t))
  logistic_1e-5: the same with K = 1e-5 (x from 5e-7 to 1e-5)
  decay:        x' = -x / tau, x(0) = 1, tau = 3 ms  ->  x = e^(-t/tau)
  stiff_linear: x' = -k (x - cos(om t)), x(0) = 1, k = 1000/ms, om = 1/ms
                ->  x = xp(t) + (1 - xp(0)) e^(-k t),  xp = k (k cos(om t) + om sin(om t)) / (k^2 + om^2)
  stiff_cubic:  x' = -k (x^3 - cos(om t)^3) - om sin(om t), x(0) = 1, k = 1000/ms, om = 1/ms
                ->  x = cos(om t) (a manufactured solution)
"""
import math


def _logistic(K):
    return lambda t: K / (1.0 + (1.0 / 0.05 - 1.0) * math.exp(-0.5 * t))


def _stiff_linear(t, k=1000.0, om=1.0):
    xp = lambda s: k * (k * math.cos(om * s) + om * math.sin(om * s)) / (k * k + om * om)
    return xp(t) + (1.0 - xp(0.0)) * math.exp(-k * t)


EXACT = {
    "riccati": lambda t: 1.0 / (2.0 - math.sin(0.2 * t)),
    "logistic": _logistic(1.0),
    "logistic_1e-5": _logistic(1e-5),
    "decay": lambda t: math.exp(-t / 3.0),
    "stiff_linear": _stiff_linear,
    "stiff_cubic": lambda t: math.cos(t),
}

# The value the error is measured relative to (the scale of the solution).
SCALE = {"logistic_1e-5": 1e-5}
