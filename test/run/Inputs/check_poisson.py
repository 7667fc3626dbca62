"""Checks the spike counts of a Poisson source against their expectation.

usage: check_poisson.py OUT POP N RATE_HZ START_MS STOP_MS

POP has N channels firing at RATE_HZ between START and STOP (spikes stamped in
(START, STOP]). A channel's count over the window of length T is Poisson(rate T) (one
Poisson(rate dt) draw per step, independent across steps and channels; had the source been
Bernoulli(rate dt) per step the count would be binomial(T/dt, rate dt), with the same mean and a
variance smaller by a factor 1 - rate dt = 0.999, which changes nothing below). So, with
lambda = rate T:
  * the total over N channels is Poisson(N lambda): mean N lambda, sd sqrt(N lambda);
    accepted within 5 sd (a false alarm about once in 1.7 million runs; the seed is fixed
    anyway, so the outcome is deterministic);
  * the sample variance s^2 of the N counts has mean lambda and
    Var(s^2) = mu4/N - lambda^2 (N - 3)/(N (N - 1)), mu4 = lambda + 3 lambda^2 (the fourth
    central moment of a Poisson), accepted within 5 sd: catches channels that share one
    random stream (s^2 = 0) or draw too coarsely;
  * no spike outside (START, STOP].
Exit status 1 when a check fails (so a negative control can run it under `not`).
"""
import math
import statistics
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes  # noqa: E402

out, pop, N, rate, start, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
spikes = read_spikes(out)
counts = [len(spikes.get((pop, c), [])) for c in range(N)]
outside = sum(1 for (p, c), ts in spikes.items() if p == pop for t in ts if not (start < t <= stop + 1e-9))
extra = sum(1 for (p, c) in spikes if p == pop and not 0 <= c < N)
lam = rate * (stop - start) / 1000.0
total, mean_total, sd_total = sum(counts), N * lam, math.sqrt(N * lam)
z = (total - mean_total) / sd_total
s2 = statistics.variance(counts)
sd_s2 = math.sqrt((lam + 3 * lam * lam) / N - lam * lam * (N - 3) / (N * (N - 1)))
z2 = (s2 - lam) / sd_s2
ok_total, ok_var = abs(z) < 5, abs(z2) < 5
print(f"{pop}: {N} channels, {total} spikes; expected {mean_total:g} +- {sd_total:.1f} at {rate:g} Hz: "
      f"z = {z:+.2f}, " + ("within 5 sd" if ok_total else "OUTSIDE 5 sd"))
print(f"{pop}: variance of the counts {s2:.3f}, expected {lam:g} +- {sd_s2:.3f}: z = {z2:+.2f}, "
      + ("within 5 sd" if ok_var else "OUTSIDE 5 sd"))
print(f"{pop}: spikes outside ({start:g}, {stop:g}] ms or channels out of range: {outside + extra}")
sys.exit(0 if ok_total and ok_var and outside + extra == 0 else 1)
