#!/usr/bin/env bash
# Quick start: install the dependencies, build somac, and check every model of the
# standard library and the examples, printing what each file defines.
#
#   bash scripts/quickstart.sh
#
# Exit status 0 when every model checks cleanly.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

echo "==== dependencies"
bash scripts/install-deps.sh || { echo "quickstart: installing the dependencies failed" >&2; exit 1; }

echo "==== building somac (build/, Release)"
if [ ! -f build/build.ninja ]; then
  cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release || exit 1
fi
ninja -C build somac || { echo "quickstart: the build failed" >&2; exit 1; }
SOMAC=build/bin/somac
"$SOMAC" --version

echo "==== checking the standard library and the examples"
mapfile -t FILES < <(find stdlib examples -name '*.soma' 2>/dev/null | sort)
if [ ${#FILES[@]} -eq 0 ]; then
  echo "quickstart: no models found under stdlib/ or examples/" >&2
  exit 1
fi

ok=0 bad=0
declare -A kinds=([neuron]=0 [synapse]=0 [network]=0 [function]=0 [const]=0)
for f in "${FILES[@]}"; do
  # What the file itself defines (not its imports), from its canonical form.
  defs=$("$SOMAC" emit --stage=ast "$f" 2>/dev/null |
         sed -n -E 's/^(neuron|synapse|network) ([^ ]+) \{$/\1 \2/p; s/^(function) ([^(]+)\(.*/\1 \2/p; s/^(const) ([^ :]+).*/\1 \2/p')
  if errors=$("$SOMAC" check -q "$f" 2>&1); then
    ok=$((ok + 1))
    status="ok"
  else
    bad=$((bad + 1))
    status="FAILED"
  fi
  printf '%-44s %-6s %s\n' "$f" "$status" "$(echo "$defs" | paste -sd, - | sed 's/,/, /g')"
  if [ "$status" = FAILED ]; then echo "$errors" | sed 's/^/    /'; fi
  while read -r kind _; do
    [ -n "$kind" ] && kinds[$kind]=$((kinds[$kind] + 1))
  done <<< "$defs"
done

echo
echo "${#FILES[@]} files: $ok ok, $bad with errors; they define ${kinds[neuron]} neurons," \
     "${kinds[synapse]} synapses, ${kinds[network]} networks, ${kinds[function]} functions" \
     "and ${kinds[const]} constants"
[ "$bad" -eq 0 ] || exit 1

# The main job: compile and simulate the CUBA benchmark network (Vogels & Abbott 2005).
echo
echo "== somac run examples/cuba.soma --out out/cuba"
"$SOMAC" run examples/cuba.soma --out out/cuba
echo "Open out/cuba/raster.svg in a browser to see the spikes."
