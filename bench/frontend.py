#!/usr/bin/env python3
"""Front-end benchmark: how fast `somac check` parses and analyses large models.

Generates (bench/gen_model.py) a 10,000-line model and a ~5 MB model in a temporary
folder, then times `somac check -q` on them, `somac emit --stage=ast` (parse and print
only) on the 10,000-line one, and `somac check -q` on the whole standard library in one
call. Each figure is the best of N runs (wall clock); peak RSS is that run's maximum
resident set. Prints a table and writes bench/results/frontend.json. Not a test.

    python3 bench/frontend.py [--somac build/bin/somac] [--runs 5]

Target: well under 0.5 s for 10,000 lines.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen_model  # noqa: E402


def run_once(cmd):
    """Runs cmd; returns (wall seconds, peak RSS in MiB, exit status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit("bench: '%s' failed (%d):\n%s" % (" ".join(cmd), code, err[:2000]))
    return wall, usage.ru_maxrss / 1024.0, code


def measure(name, cmd, files, runs):
    lines = sum(sum(1 for _ in open(f, "rb")) for f in files)
    size = sum(os.path.getsize(f) for f in files)
    best, rss = None, 0.0
    for _ in range(runs):
        wall, peak, _ = run_once(cmd)
        if best is None or wall < best:
            best = wall
        rss = max(rss, peak)
    return {
        "name": name,
        "command": " ".join(os.path.relpath(c, ROOT) if os.path.isabs(c) and c.startswith(ROOT) else c
                            for c in cmd),
        "files": len(files),
        "lines": lines,
        "bytes": size,
        "runs": runs,
        "best_seconds": round(best, 4),
        "lines_per_second": round(lines / best) if best > 0 else None,
        "mb_per_second": round(size / 1e6 / best, 2) if best > 0 else None,
        "peak_rss_mb": round(rss, 1),
    }


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--somac", default=os.path.join(ROOT, "build", "bin", "somac"))
    ap.add_argument("--runs", type=int, default=5, help="runs per measurement (best is kept)")
    ap.add_argument("--output", default=os.path.join(HERE, "results", "frontend.json"))
    args = ap.parse_args()
    somac = os.path.abspath(args.somac)
    if not os.access(somac, os.X_OK):
        sys.exit("bench: no somac at %s (build it: ninja -C build somac)" % somac)
    version = subprocess.run([somac, "--version"], capture_output=True, text=True).stdout.strip()

    stdlib = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(ROOT, "stdlib"))
                    for f in fs if f.endswith(".soma"))
    results = []
    with tempfile.TemporaryDirectory(prefix="soma-bench-") as tmp:
        m10k = os.path.join(tmp, "model_10k_lines.soma")
        m5mb = os.path.join(tmp, "model_5mb.soma")
        with open(m10k, "w") as f:
            f.write(gen_model.generate(lines=10000))
        with open(m5mb, "w") as f:
            f.write(gen_model.generate(size=5_000_000))
        results.append(measure("check 10k lines", [somac, "check", "-q", m10k], [m10k], args.runs))
        results.append(measure("emit ast 10k lines", [somac, "emit", "--stage=ast", m10k], [m10k], args.runs))
        results.append(measure("check 5 MB", [somac, "check", "-q", m5mb], [m5mb], max(1, min(args.runs, 3))))
        if stdlib:
            results.append(measure("check stdlib (one call)", [somac, "check", "-q"] + stdlib, stdlib, args.runs))

    print("%-26s %6s %9s %8s %10s %8s %9s" % ("benchmark", "files", "lines", "MB", "best s", "lines/s", "peak MB"))
    for r in results:
        print("%-26s %6d %9d %8.2f %10.4f %8s %9.1f" % (
            r["name"], r["files"], r["lines"], r["bytes"] / 1e6, r["best_seconds"],
            "%.0fk" % (r["lines_per_second"] / 1000), r["peak_rss_mb"]))
    target = results[0]["best_seconds"]
    print("10,000 lines: %.3f s (target: well under 0.5 s) -> %s" % (target, "ok" if target < 0.5 else "SLOW"))

    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump({
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "somac": version,
            "commit": git_commit(),
            "machine": {"cpu": cpu_model(), "cpus": os.cpu_count(), "system": platform.platform()},
            "results": results,
        }, f, indent=2)
        f.write("\n")
    print("wrote %s" % os.path.relpath(args.output, ROOT))


if __name__ == "__main__":
    main()
