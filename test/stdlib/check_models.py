"""Checks every model file of the stdlib and the examples, and that each one's canonical
form (`emit --stage=ast`) is a fixed point of printing and parsing.

usage: check_models.py SOMAC SRCROOT TMPDIR
Prints one line per failure and a closing line `N files checked, M failed`.
"""
import os
import shlex
import subprocess
import sys

somac = shlex.split(sys.argv[1])
root, tmp = sys.argv[2], sys.argv[3]
os.makedirs(tmp, exist_ok=True)
files = sorted(
    os.path.join(d, f)
    for top in ("stdlib", "examples")
    for d, _, fs in os.walk(os.path.join(root, top))
    for f in fs
    if f.endswith(".soma"))
failed = 0
for path in files:
    rel = os.path.relpath(path, root)
    check = subprocess.run(somac + ["check", "-Werror", path], capture_output=True, text=True)
    if check.returncode != 0:
        failed += 1
        print(f"FAIL check {rel}:\n{check.stderr}")
        continue
    first = subprocess.run(somac + ["emit", "--stage=ast", path], capture_output=True, text=True)
    # The printed form must parse to the same AST, so printing it again gives the same text.
    again_path = os.path.join(tmp, rel.replace(os.sep, "_"))
    with open(again_path, "w") as f:
        f.write(first.stdout)
    second = subprocess.run(somac + ["emit", "--stage=ast", "--stdlib", os.path.join(root, "stdlib"),
                                     "-I", os.path.dirname(path), again_path], capture_output=True, text=True)
    if first.returncode != 0 or second.returncode != 0 or first.stdout != second.stdout:
        failed += 1
        print(f"FAIL round trip {rel}:\n{first.stderr}{second.stderr}")
        continue
    print(f"ok {rel}")
print(f"{len(files)} files checked, {failed} failed")
sys.exit(1 if failed or not files else 0)
