"""Checks that the canonical form is a fixed point for every .soma file under the given
folders: emit --stage=ast of the file, then of that output, must give the same text.

    roundtrip.py "SOMAC [ARGS]" WORKDIR DIR_OR_FILE...

Imports of a printed copy resolve against the original file's folder (-I). Files that do
not parse are skipped (other tests cover them); prints one line per failure and a count.
"""
import os
import shlex
import subprocess
import sys

somac = shlex.split(sys.argv[1])
work = sys.argv[2]
os.makedirs(work, exist_ok=True)
files = []
for root in sys.argv[3:]:
    if os.path.isfile(root):
        files.append(root)
    for dirpath, dirnames, names in os.walk(root):
        dirnames.sort()
        files += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith(".soma")]

checked = failed = 0
for i, path in enumerate(files):
    first = subprocess.run(somac + ["emit", "--stage=ast", path], capture_output=True)
    if not first.stdout:
        continue  # did not parse
    copy = os.path.join(work, "%d.soma" % i)
    with open(copy, "wb") as f:
        f.write(first.stdout)
    second = subprocess.run(somac + ["emit", "--stage=ast", "-I", os.path.dirname(os.path.abspath(path)), copy],
                            capture_output=True)
    checked += 1
    if second.returncode not in (0, 1) or second.stdout != first.stdout:
        failed += 1
        print("NOT A FIXED POINT: %s (printed copy: %s)" % (path, copy))
        sys.stdout.write(second.stderr.decode(errors="replace")[:2000])
print("%d files round-trip, %d fail" % (checked - failed, failed))
sys.exit(1 if failed or checked == 0 else 0)
