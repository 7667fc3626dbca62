#!/usr/bin/env bash
# Installs the Debian packages Soma needs. Safe to re-run: apt-get skips what is present.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build python3
  llvm-19-dev llvm-19-tools          # code generation; FileCheck and lit for the test suite
  clang-19 libclang-rt-19-dev        # libFuzzer target and sanitizer builds
  antlr4 libantlr4-runtime-dev       # parser generator (4.7.2) and its C++ runtime (4.9)
  libboost-graph-dev                 # network graph IR
  libgtest-dev                       # unit tests
)
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
