#!/usr/bin/env bash
# Runs the side-by-side benchmark; `make bench` calls it after set-up and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python bench/bench.py "${1:-.build/release/gan-eval}"
