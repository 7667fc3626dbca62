"""Learned delays align a spiking motif so that a coincidence readout detects it
(test/plasticity/delay-motif.test).

`gen ETA` prints a network: N = 12 input channels (a spike_array, fixed seed) repeat a
motif every PERIOD = 100 ms: channel i spikes at onset + 0.5 ms + o_i (o_i in [0, 15] ms,
drawn once), jittered by up to +-0.2 ms; between presentations (onset + 30 ms to onset +
95 ms) every channel adds Poisson noise spikes at NOISE_HZ = 10 Hz. Each channel reaches
the readout through a std.synapses.delay_shift synapse (w = 1 onto v, initial delay
uniform in [5, 20] ms, eta = ETA, window 16 ms, delays within [1, 25] ms). The readout,
v' = -v / 2 ms, fires when v reaches THETA = 8, i.e. when 8 or more of the 12 arrivals
come within about a millisecond (refractory 5 ms). During the first LEARN = 40
presentations a teacher forces the readout to fire at onset + TEACH = 20 ms; in the next
TEST = 40 the readout is on its own (the rule then pairs with its own spikes).

`gen 0 frozen FILE` prints the same network with the delays of FILE (a learning run's
learn.weights.csv) fixed, through std.synapses.static and from_file: learned delays read
back detect the motif without learning.
`check OUT` reads the readout's spikes of the test presentations: a presentation is
detected when the readout fires within 5 ms of onset + TEACH; a false detection is any
other spike. Learned: at least 80 % detected and at most 4 false detections.
`check OUT control` (learning off, eta = 0): at most 10 % detected. Measured at the test's
seeds: 40/40 and 0 false with eta = 0.5, 0/40 with eta = 0; over six other seeds 34-40/40
detected, 0-6 false (the tolerance is for such variation, not for these seeds).
"""
import csv
import random
import sys

DT = 0.1
N, PERIOD, LEARN, TEST = 12, 100.0, 40, 40
NOISE_HZ, NOISE_FROM, NOISE_TO = 10.0, 30.0, 95.0
THETA, TEACH = 8, 20.0
T_END = PERIOD * (LEARN + TEST)


def spikes():
    rng = random.Random(2023)
    offsets = [rng.randint(0, 150) for _ in range(N)]          # steps
    times = [[] for _ in range(N)]
    for p in range(LEARN + TEST):
        onset = round(p * PERIOD / DT)
        for i in range(N):
            times[i].append(onset + offsets[i] + rng.randint(-2, 2) + 5)  # never before 0
            t = onset + round(NOISE_FROM / DT)
            while True:
                t += max(1, round(rng.expovariate(NOISE_HZ / 1000.0) / DT))
                if t >= onset + round(NOISE_TO / DT):
                    break
                times[i].append(t)
    return [sorted(set(ts)) for ts in times]


def gen(eta, frozen=None):
    times = spikes()
    chans = ", ".join("[" + ", ".join(f"{t * DT:.1f} ms" for t in ts) + "]" for ts in times)
    teach = ", ".join(f"{p * PERIOD + TEACH - DT:.1f} ms" for p in range(LEARN))
    if frozen:
        # The delays a learning run exported (NAME.weights.csv: pre,post,delay_ms), fixed.
        synapses = f'connect frozen: In -> R with static(w = 1) by from_file("{frozen}") onto v'
        record = ""
    else:
        synapses = (f"connect learn: In -> R with delay_shift(w = 1, d0 = uniform(5 ms, 20 ms), eta = {eta}, "
                    f"window = 16 ms,\n      d_min = 1 ms, d_max = 25 ms) by all_to_all delay 25 ms onto v")
        record = f"\n  record learn.learned_delay every {PERIOD} ms"
    print(f"""import std.synapses.delay_shift
import std.synapses.static

neuron Readout {{
  parameter {{ tau: ms = 2 ms; theta = {THETA} }}
  state {{ v = 0 }}
  dynamics {{ v' = -v / tau }}
  threshold v >= theta
  reset {{ v = 0 }}
  refractory 5 ms
}}

network Motif {{
  source In = spike_array[{N}](times = [{chans}])
  source Teacher = spike_array[1](times = [[{teach}]])
  population R = Readout[1]
  connect Teacher -> R with static(w = 100) by all_to_all delay 0.1 ms onto v
  {synapses}
  record R.spikes{record}
  run {T_END:.0f} ms with dt = {DT} ms
}}""")


def check(out, control):
    spk = []
    with open(out + "/spikes.csv") as f:
        for r in csv.DictReader(f):
            if r["population"] == "R":
                spk.append(round(float(r["t_ms"]) / DT))
    per = round(PERIOD / DT)
    detected, false = 0, 0
    for p in range(LEARN, LEARN + TEST):
        onset = p * per
        inside = [s for s in spk if onset + round((TEACH - 5) / DT) <= s <= onset + round((TEACH + 5) / DT)]
        detected += bool(inside)
        false += len([s for s in spk if onset <= s < onset + per]) - (1 if inside else 0)
    frac = detected / TEST
    line = f"{detected}/{TEST} test presentations detected ({100 * frac:.0f} %), {false} false detections"
    if control:
        print(f"control (eta = 0): {line}")
        if frac > 0.10:
            sys.exit("the readout detects the motif without learned delays")
        print("control: at most 10 % detected")
    else:
        print(f"learned: {line}")
        if frac < 0.80 or false > 4:
            sys.exit("the learned delays do not align the motif")
        print("learned: at least 80 % detected, at most 4 false detections")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "frozen" else None)
    else:
        check(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "control")
