#!/usr/bin/env bash
# The demo: import the 5,000 real MNIST digits, make a degraded copy with the Gaussian post-filter,
# and compare the two with every pixel metric. Usage: scripts/demo.sh BIN OUT
set -euo pipefail
bin=${1:-.build/release/gan-eval}
out=${2:-gan-eval-out/demo}
mkdir -p "$out"
"$bin" import data/mnist_5k.csv.gz --out "$out/real" --overwrite
"$bin" filter "$out/real" --sigma 1 --out "$out/degraded" --overwrite
"$bin" entropy "$out/real" "$out/degraded" --svg --out "$out/entropy"
"$bin" histogram "$out/real" "$out/degraded" --svg --out "$out/histogram"
echo "demo: outputs in $out (entropy/, histogram/, real/, degraded/)"
