#!/usr/bin/env python3
"""Simulation benchmark: CUBA and COBA (Vogels & Abbott 2005) at several sizes, and CUBA
with pair STDP on its excitatory synapses (examples/cuba_stdp.soma) beside static CUBA.

For each network size N (4,000: 2 % connection probability as in the benchmark; larger:
fixed in-degree 80, 80 % excitatory) and each thread count, runs `somac run` on a variant of
examples/MODEL.soma for 1 s of model time at dt = 0.1 ms, without
state recording, and prints the phases from summary.json with the firing rate and the
event count beside every time (a silent network is fast), synaptic events per second, the
real-time factor and the peak memory. Also writes bench/results/sim.json.

usage: bench/sim.py [--somac build/bin/somac] [--sizes 4000,16000,64000] [--threads 1,2]
                    [--models cuba,coba,cuba_stdp,cuba_stdp_interp] [--repeat 1]
This is a benchmark, not a test: it asserts nothing.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def variant(model: str, n: int) -> str:
    text = open(os.path.join(ROOT, "examples", f"{model}.soma")).read()
    n_e = n * 4 // 5
    text = re.sub(r"const N = \d+", f"const N = {n}", text)
    text = re.sub(r"const N_E = \d+", f"const N_E = {n_e}", text)
    if n > 4000:
        # Fixed in-degree 80 (64 excitatory, 16 inhibitory) keeps the rate of the 4,000 net.
        text = text.replace("connect exc: P[0:N_E] -> P", "connect exc: P[0:N_E] -> P", 1)
        text = re.sub(r"(connect exc:[^\n]*) by fixed_probability\(p\)", r"\1 by fixed_indegree(64)", text)
        text = re.sub(r"(connect inh:[^\n]*) by fixed_probability\(p\)", r"\1 by fixed_indegree(16)", text)
    # Benchmark the loop, not the CSV writer: keep spikes, drop state recording.
    text = re.sub(r"\n\s*record P\[0:10\][^\n]*", "\n", text)
    text = re.sub(r"\n\s*record exc\.w[^\n]*", "\n", text)
    return text


def run_once(somac, path, out, threads, extra=()):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([somac, "run", path, "--out", out, "--threads", str(threads), "-q", *extra],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"somac run failed:\n{proc.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, max over children
    summary = json.load(open(os.path.join(out, "summary.json")))
    return wall, max(peak, before), summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--somac", default=os.path.join(ROOT, "build", "bin", "somac"))
    ap.add_argument("--sizes", default="4000,16000,64000")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--models", default="cuba,coba,cuba_stdp,cuba_stdp_interp",
                    help="examples/NAME.soma; cuba_stdp is CUBA with pair STDP (plasticity's cost); "
                         "NAME_interp runs its synapse events on the interpreter (--interpret-synapses)")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    args = ap.parse_args()
    rows = []
    tmp = tempfile.mkdtemp(prefix="soma-bench-")
    header = (f"{'model':16} {'N':>6} {'thr':>3} {'ready s':>8} {'build s':>8} {'loop s':>8} {'total s':>8} "
              f"{'rate Hz':>8} {'events':>11} {'ev/s':>9} {'RT x':>6} {'peak MB':>8}")
    print(header)
    print("-" * len(header))
    for model in args.models.split(","):
        for n in map(int, args.sizes.split(",")):
            path = os.path.join(tmp, f"{model}_{n}.soma")
            interp = model.endswith("_interp")
            with open(path, "w") as f:
                f.write(variant(model.removesuffix("_interp"), n))
            for threads in map(int, args.threads.split(",")):
                best = None
                for _ in range(args.repeat):
                    r = run_once(args.somac, path, os.path.join(tmp, f"out_{model}_{n}_{threads}"), threads,
                                 ["--interpret-synapses"] if interp else [])
                    if best is None or r[0] < best[0]:
                        best = r
                wall, peak_kib, s = best
                m = s["metrics"]
                ready = m["time_front_end_s"] + m["time_lowering_s"] + m["time_jit_s"]
                loop = m["time_simulation_s"]
                events = int(m["synaptic_events"])
                rate = s["populations"][0]["rate_hz"]
                model_s = m["duration_ms"] / 1000
                row = {
                    "model": model, "N": n, "threads": threads, "ready_s": ready,
                    "construction_s": m["time_construction_s"], "loop_s": loop, "total_wall_s": wall,
                    "rate_hz": rate, "synaptic_events": events,
                    "events_per_s": events / loop if loop > 0 else None,
                    "realtime_factor": loop / model_s, "peak_mb": peak_kib / 1024,
                }
                rows.append(row)
                print(f"{model:16} {n:6d} {threads:3d} {ready:8.3f} {row['construction_s']:8.3f} {loop:8.3f} "
                      f"{wall:8.3f} {rate:8.2f} {events:11d} {row['events_per_s']:9.3g} "
                      f"{row['realtime_factor']:6.3f} {row['peak_mb']:8.1f}")
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "sim.json"), "w") as f:
        json.dump({"somac": args.somac, "rows": rows}, f, indent=2)
    # Plasticity's cost: the STDP network's loop over the static one's, side by side.
    for r in rows:
        if not r["model"].startswith("cuba_stdp"):
            continue
        base = [b for b in rows if b["model"] == "cuba" and b["N"] == r["N"] and b["threads"] == r["threads"]]
        if base:
            print(f"{r['model']} / cuba loop, N {r['N']}, {r['threads']} thread(s): "
                  f"{r['loop_s'] / base[0]['loop_s']:.2f}x (rates {r['rate_hz']:.2f} / {base[0]['rate_hz']:.2f} Hz)")
    print("\nRT x = loop seconds per second of model time; peak MB is the largest child so far.")


if __name__ == "__main__":
    main()
