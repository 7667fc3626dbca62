"""Checks spikes.csv of test/run/wide-targets.soma against the rule in its header."""
import csv
import sys

expected = {(j, 1.2) for j in range(65536, 69999)} | {(69999, 1.5)} | {(j, 1.3) for j in range(65530, 65536)}
seen = set()
with open(sys.argv[1] + "/spikes.csv") as f:
    for row in csv.DictReader(f):
        seen.add((int(row["index"]), round(float(row["t_ms"]), 9)))
missing, extra = sorted(expected - seen), sorted(seen - expected)
if missing or extra:
    sys.exit(f"missing {missing[:5]} ({len(missing)}), unexpected {extra[:5]} ({len(extra)})")
print(f"{len(seen)} spikes, as expected")
