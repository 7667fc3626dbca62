#!/usr/bin/env bash
# Front-end benchmark (see bench/frontend.py): bash bench/frontend.sh [--runs N] [--somac PATH]
exec python3 "$(dirname "${BASH_SOURCE[0]}")/frontend.py" "$@"
