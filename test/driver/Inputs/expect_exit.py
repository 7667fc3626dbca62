"""expect_exit.py CODE COMMAND [ARGS...]: runs COMMAND, passes its output through, and
exits 0 only if COMMAND exited with status CODE (lit's `not` accepts any non-zero)."""
import subprocess
import sys

want = int(sys.argv[1])
proc = subprocess.run(sys.argv[2:])
if proc.returncode != want:
    sys.stderr.write("expect_exit: '%s' exited with %d, expected %d\n"
                     % (" ".join(sys.argv[2:]), proc.returncode, want))
    sys.exit(1)
