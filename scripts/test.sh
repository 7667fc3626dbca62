#!/usr/bin/env bash
# The Soma test command. README and .ci/run both run exactly this. Stages:
#
#   1. build/       Release build (configured here if it is not yet)
#   2. unit tests   GoogleTest (build/bin/soma_unit_tests, soma_runtime_tests)
#   3. lit          the whole suite under test/, against build/bin/somac
#   4. build-asan/  ASan+UBSan build; its unit tests, then the lit directories that drive
#                   the front end (parse, sema, units, diagnostics, robustness) against it
#   5. build-fuzz/  clang-19 libFuzzer build; test/fuzz (corpus replay, seeded fuzz run)
#   6. scripts/check-diag-coverage.py
#
# The last line of output is always "N passed, N failed" (tests of every stage; a build
# or configure step that fails counts as one failure). Exit status 0 only if none failed.
#
# Environment:
#   SOMA_SKIP_SANITIZERS=1   skip stage 4        SOMA_SKIP_FUZZ=1   skip stage 5
#   SOMA_JOBS=N              build and lit parallelism (default: number of CPUs)
#   CXX                      compiler for build/ and build-asan/ on first configure
# Dependencies are not installed here: see scripts/install-deps.sh (.ci/run calls it).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LLVM_BIN=/usr/lib/llvm-19/bin
LIT=${LIT:-/usr/lib/llvm-19/build/utils/lit/lit.py}
JOBS=${SOMA_JOBS:-$(nproc 2>/dev/null || echo 2)}
RESULTS=$ROOT/build/test-results
PASSED=0
FAILED=0
SUMMARY=()

die_missing() {
  echo "test.sh: missing $1; install the dependencies with: bash scripts/install-deps.sh" >&2
  echo "0 passed, 1 failed"
  exit 1
}

need_tool() { command -v "$1" >/dev/null 2>&1 || die_missing "'$1' ($2)"; }

need_tool cmake "CMake"
need_tool ninja "Ninja"
need_tool python3 "Python 3"
need_tool antlr4 "the ANTLR 4 tool"
[ -f "$LIT" ] || die_missing "lit ($LIT, package llvm-19-tools)"
for t in FileCheck not count; do
  [ -x "$LLVM_BIN/$t" ] || die_missing "$LLVM_BIN/$t (package llvm-19-tools)"
done
if [ "${SOMA_SKIP_FUZZ:-0}" != 1 ]; then
  need_tool clang++-19 "clang 19, for the fuzz build; or set SOMA_SKIP_FUZZ=1"
fi

stage() { printf '\n==== %s\n' "$*"; }

# add NAME PASSED FAILED
add() {
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
  SUMMARY+=("$(printf '%-28s %5d passed, %d failed' "$1" "$2" "$3")")
}

# configure DIR CMAKE-ARGS...: configures DIR with Ninja unless it is configured already.
configure() {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then return 0; fi
  cmake -G Ninja -S "$ROOT" -B "$dir" "$@"
}

# build NAME DIR TARGETS...: builds; on failure records one failed test named NAME.
build() {
  local name=$1 dir=$2
  shift 2
  if ninja -C "$dir" -j "$JOBS" "$@"; then return 0; fi
  echo "test.sh: building $name failed" >&2
  add "$name" 0 1
  return 1
}

# gtest NAME BINARY: runs a GoogleTest binary and records its counts.
gtest() {
  local name=$1 bin=$2 json="$RESULTS/$1.json"
  rm -f "$json"
  "$bin" --gtest_brief=1 --gtest_output="json:$json"
  local status=$?
  local counts
  counts=$(python3 - "$json" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("0 1")
    sys.exit()
failed = r.get("failures", 0) + r.get("errors", 0)
ran = r.get("tests", 0) - r.get("disabled", 0)
print(ran - failed, failed)
EOF
)
  set -- $counts
  # A crash after the report was written still fails the stage.
  if [ "$status" != 0 ] && [ "$2" = 0 ]; then set -- "$1" 1; fi
  add "$name" "$1" "$2"
}

# lit NAME [LIT-ARGS...] PATHS...: runs lit and records its counts (from its JSON output).
lit() {
  local name=$1 json="$RESULTS/$1.json"
  shift
  rm -f "$json"
  python3 "$LIT" -sv -j "$JOBS" -o "$json" "$@"
  local status=$?
  local counts
  counts=$(python3 - "$json" <<'EOF'
import json, sys
try:
    tests = json.load(open(sys.argv[1]))["tests"]
except (OSError, ValueError, KeyError):
    print("0 1")
    sys.exit()
ok = sum(t["code"] in ("PASS", "XFAIL", "FLAKYPASS") for t in tests)
bad = sum(t["code"] in ("FAIL", "XPASS", "UNRESOLVED", "TIMEOUT") for t in tests)
print(ok, bad)
EOF
)
  set -- $counts
  if [ "$status" != 0 ] && [ "$2" = 0 ]; then set -- "$1" 1; fi
  add "$name" "$1" "$2"
}

CXX_ARG=()
if [ -n "${CXX:-}" ]; then CXX_ARG=(-DCMAKE_CXX_COMPILER="$CXX"); fi

# ---------------------------------------------------------------- 1-3: Release build
stage "build/ (Release)"
if configure build -DCMAKE_BUILD_TYPE=Release "${CXX_ARG[@]}" && build "build" build; then
  mkdir -p "$RESULTS"
  stage "unit tests"
  gtest "unit tests" build/bin/soma_unit_tests
  gtest "runtime tests" build/bin/soma_runtime_tests
  gtest "cpu target tests" build/bin/soma_cpu_tests
  stage "lit: test/"
  lit "lit" build/test
  HAVE_BUILD=1
else
  [ -f build/build.ninja ] || add "configure build/" 0 1
  mkdir -p "$RESULTS"
  HAVE_BUILD=0
fi

# ---------------------------------------------------------------- 4: sanitizers
if [ "${SOMA_SKIP_SANITIZERS:-0}" = 1 ]; then
  stage "sanitizers: skipped (SOMA_SKIP_SANITIZERS=1)"
else
  stage "build-asan/ (ASan + UBSan)"
  if ! configure build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOMA_SANITIZE=ON "${CXX_ARG[@]}"; then
    add "configure build-asan/" 0 1
  elif build "build-asan" build-asan somac soma_unit_tests soma_runtime_tests; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}
    stage "unit tests (ASan + UBSan)"
    gtest "unit tests (asan)" build-asan/bin/soma_unit_tests
    gtest "runtime tests (asan)" build-asan/bin/soma_runtime_tests
    if [ "$HAVE_BUILD" = 1 ]; then
      dirs=()
      for d in parse sema units diagnostics robustness; do
        [ -d "test/$d" ] && dirs+=("build/test/$d")
      done
      stage "lit (ASan + UBSan): ${dirs[*]#build/test/}"
      lit "lit (asan)" --param somac="$ROOT/build-asan/bin/somac" "${dirs[@]}"
    fi
  fi
fi

# ---------------------------------------------------------------- 5: fuzzing
if [ "${SOMA_SKIP_FUZZ:-0}" = 1 ]; then
  stage "fuzz: skipped (SOMA_SKIP_FUZZ=1)"
else
  stage "build-fuzz/ (clang-19, libFuzzer + ASan + UBSan)"
  if ! configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-19 -DSOMA_FUZZ=ON; then
    add "configure build-fuzz/" 0 1
  elif build "build-fuzz" build-fuzz soma_fuzz_frontend && [ "$HAVE_BUILD" = 1 ]; then
    stage "lit: test/fuzz"
    lit "lit (fuzz)" --param fuzzer="$ROOT/build-fuzz/bin/soma_fuzz_frontend" build/test/fuzz
  fi
fi

# ---------------------------------------------------------------- 6: diagnostics coverage
stage "diagnostic coverage"
if python3 scripts/check-diag-coverage.py; then
  add "diagnostic coverage" 1 0
else
  add "diagnostic coverage" 0 1
fi

stage "summary"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
