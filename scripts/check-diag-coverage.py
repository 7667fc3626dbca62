#!/usr/bin/env python3
"""Checks that every diagnostic of compiler/frontend/Diagnostics.def is tested and used.

For each DIAG(id, severity, "format") it requires:
  (a) tested: some lit test under test/ has a FileCheck line (CHECK:, CHECK-NEXT:, or any
      --check-prefix the test's RUN lines name; not -NOT) that contains the printed id
      `[id-with-dashes]` AND a line:column, e.g. `:[[@LINE+1]]:12:`, `:{{[0-9]+}}:5:` or
      `:12:5:`. Notes are exempt (they print no id), as are the few diagnostics that
      have no position by nature (NO_LOCATION below), which need only the id.
  (b) used: the compiler refers to it as `DiagId::id` somewhere under compiler/ or targets/.
Lists every gap and exits 1 if there is any; exits 0 with a one-line summary otherwise.

    scripts/check-diag-coverage.py [--root REPO] [-v]
"""
import argparse
import os
import re
import sys

# Diagnostics that cannot carry a line:column: the file named on the command line could
# not be opened, so there is no source text to point into.
NO_LOCATION = {"file_not_found"}

DIAG_RE = re.compile(r'^\s*DIAG\(\s*(\w+)\s*,\s*(\w+)\s*,')
PREFIX_ARG_RE = re.compile(r'-?-check-prefix(?:es)?[= ]([A-Za-z0-9_,-]+)')
# A line:column in a check pattern: each part a number, a [[@LINE...]] / [[VAR]]
# expression, or a {{regex}}.
PART = r'(?:\d+|\[\[[^\]]+\]\]|\{\{.+?\}\})'
LINE_COL_RE = re.compile(r':' + PART + r':' + PART + r':')
SKIP_DIRS = {"Inputs", "corpus", "Output", "__pycache__"}
TEST_SUFFIXES = (".soma", ".test")


def read_diags(def_path):
    diags = []
    with open(def_path, encoding="utf-8") as f:
        for line in f:
            m = DIAG_RE.match(line)
            if m:
                diags.append((m.group(1), m.group(2)))
    return diags


def test_files(test_dir):
    for dirpath, dirnames, names in os.walk(test_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for n in sorted(names):
            if n.endswith(TEST_SUFFIXES):
                yield os.path.join(dirpath, n)


def check_lines(path):
    """The FileCheck directive lines of one test (positive ones only), as text."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    prefixes = {"CHECK"}
    for line in lines:
        if "RUN:" in line:
            for m in PREFIX_ARG_RE.finditer(line):
                prefixes.update(p for p in m.group(1).split(",") if p)
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    directive = re.compile(r'(?:^|[^A-Za-z0-9_-])(?:' + alternatives +
                           r')(?:-NEXT|-SAME|-DAG|-LABEL|-EMPTY|-COUNT-\d+)?:(.*)$')
    out = []
    for line in lines:
        m = directive.search(line)
        if m:
            out.append(m.group(1))
    return out


def referenced_ids(compiler_dir):
    used = set()
    ref = re.compile(r'DiagId::(\w+)\b')
    for dirpath, dirnames, names in os.walk(compiler_dir):
        for n in names:
            if n.endswith((".cpp", ".h", ".hpp", ".cc")):
                with open(os.path.join(dirpath, n), encoding="utf-8", errors="replace") as f:
                    used.update(ref.findall(f.read()))
    return used


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.dirname(here), help="repository root")
    ap.add_argument("-v", "--verbose", action="store_true", help="also name a covering test per id")
    args = ap.parse_args()

    def_path = os.path.join(args.root, "compiler", "frontend", "Diagnostics.def")
    diags = read_diags(def_path)
    if not diags:
        print("check-diag-coverage: no DIAG(...) lines in %s" % def_path)
        return 1

    # printed id -> tests with a positioned check of it / with any check of it
    positioned, mentioned = {}, {}
    for path in test_files(os.path.join(args.root, "test")):
        rel = os.path.relpath(path, args.root)
        for text in check_lines(path):
            for tag in re.findall(r'\[([a-z0-9-]+)\]', text):
                mentioned.setdefault(tag, rel)
                if LINE_COL_RE.search(text):
                    positioned.setdefault(tag, rel)
    used = referenced_ids(os.path.join(args.root, "compiler")) | referenced_ids(os.path.join(args.root, "targets"))

    untested, dead = [], []
    for ident, severity in diags:
        printed = ident.replace("_", "-")
        if ident not in used:
            dead.append(ident)
        if severity == "Note":
            continue
        if ident in NO_LOCATION:
            if printed not in mentioned:
                untested.append((ident, "no CHECK line with [%s]" % printed))
        elif printed not in positioned:
            why = "no CHECK line with [%s] and a line:column" % printed
            if printed in mentioned:
                why += " (%s checks it without a position)" % mentioned[printed]
            untested.append((ident, why))
        elif args.verbose:
            print("ok:       %-32s %s" % (ident, positioned[printed]))

    for ident, why in untested:
        print("untested: %-32s %s" % (ident, why))
    for ident in dead:
        print("dead:     %-32s DiagId::%s is never used under compiler/" % (ident, ident))
    total = len(diags)
    if untested or dead:
        print("check-diag-coverage: %d diagnostics, %d untested, %d dead" % (total, len(untested), len(dead)))
        return 1
    print("check-diag-coverage: all %d diagnostics tested with a position and used" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
