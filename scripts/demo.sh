#!/usr/bin/env bash
# The demo: the study in pipelines/study.yaml on the 5,000 real MNIST digits (train a conditional
# GAN, sample 4,800 digits, smooth them, evaluate with every metric, write report.html).
# About 5 minutes on 2 cores; a second run skips the unchanged steps. Usage: scripts/demo.sh BIN OUT
set -euo pipefail
bin=${1:-.build/release/gan-eval}
out=${2:-gan-eval-out/demo}
"$bin" pipeline pipelines/study.yaml --out "$out"
echo "demo: open $out/report.html (or read $out/report.md)"
