"""Classifies the firing pattern of each listed neuron from its spike times.

usage: classify_izh.py OUT T_STOP_MS POP...   (neuron 0 of each POP)

Spikes are grouped into bursts: a new group starts after an ISI longer than SHORT = 10 ms
(intra-burst ISIs of the Izhikevich 2003 bursting cells are 1.5-6 ms; the tonic ISIs
are >= 20 ms). The label is decided from the groups alone, with no knowledge of which
parameters produced the train, in this order:
  FS  fast spiking: one group to the end of the run (no ISI > SHORT), at least 20 spikes,
      steady rate >= 100 Hz (mean of the last 10 ISIs <= 10 ms) and little adaptation: the
      ISIs after the 4th spike vary by less than 5 % (CV < 0.05) and the steady ISI is less
      than twice the first one;
  CH  chattering: at least 3 groups and every group has >= 2 spikes (repeated bursts), and
      every gap between groups is > 3 * SHORT = 30 ms;
  IB  intrinsically bursting: a first group of >= 2 spikes, then >= 3 groups that are
      all single spikes;
  RS  regular spiking: all groups single spikes (>= 5 of them), ISIs non-decreasing (each
      at least the previous minus one step, 0.1 ms) and adapting: last ISI >= 1.5 * first;
  other  anything else.
Prints the evidence and the label.
"""
import statistics
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from simout import read_spikes  # noqa: E402

SHORT = 10.0


def classify(ts, t_stop):
    isis = [b - a for a, b in zip(ts, ts[1:])]
    groups = [[ts[0]]] if ts else []
    for t, isi in zip(ts[1:], isis):
        if isi > SHORT:
            groups.append([t])
        else:
            groups[-1].append(t)
    sizes = [len(g) for g in groups]
    gaps = [b[0] - a[-1] for a, b in zip(groups, groups[1:])]
    print(f"  {len(ts)} spikes, group sizes {sizes[:12]}{' ...' if len(sizes) > 12 else ''}")
    print(f"  ISIs (ms) {[round(x, 1) for x in isis[:12]]}{' ...' if len(isis) > 12 else ''}")
    if len(groups) == 1 and len(ts) >= 20 and t_stop - ts[-1] <= SHORT:
        steady = isis[3:]
        cv = statistics.pstdev(steady) / statistics.mean(steady)
        last10 = statistics.mean(isis[-10:])
        print(f"  steady ISI {last10:.2f} ms ({1000 / last10:.0f} Hz), CV after the 4th spike {cv:.3f}, "
              f"steady/first ISI {last10 / isis[0]:.2f}")
        if last10 <= 10 and cv < 0.05 and last10 < 2 * isis[0]:
            return "FS"
        return "other"
    if len(groups) >= 3 and min(sizes) >= 2 and min(gaps) > 3 * SHORT:
        print(f"  bursts of {min(sizes)}-{max(sizes)} spikes, gaps {min(gaps):.1f}-{max(gaps):.1f} ms")
        return "CH"
    if len(groups) >= 4 and sizes[0] >= 2 and max(sizes[1:]) == 1:
        print(f"  initial burst of {sizes[0]} spikes, then {len(groups) - 1} single spikes")
        return "IB"
    if len(groups) >= 5 and max(sizes) == 1:
        monotone = all(b >= a - 0.1 - 1e-9 for a, b in zip(isis, isis[1:]))
        print(f"  ISIs non-decreasing: {'yes' if monotone else 'no'}, last/first ISI {isis[-1] / isis[0]:.2f}, "
              f"steady rate {1000 / isis[-1]:.1f} Hz")
        if monotone and isis[-1] >= 1.5 * isis[0]:
            return "RS"
    return "other"


out, t_stop = sys.argv[1], float(sys.argv[2])
spikes = read_spikes(out)
for pop in sys.argv[3:]:
    print(f"{pop}:")
    label = classify(spikes.get((pop, 0), []), t_stop)
    print(f"{pop}: pattern {label}")
