#!/usr/bin/env bash
# The demo: import the 5,000 real MNIST digits, make a degraded copy with the Gaussian post-filter,
# and compare the two with every metric: pixels, t-SNE, and a classifier trained on the real digits. Usage: scripts/demo.sh BIN OUT
set -euo pipefail
bin=${1:-.build/release/gan-eval}
out=${2:-gan-eval-out/demo}
mkdir -p "$out"
"$bin" import data/mnist_5k.csv.gz --out "$out/real" --overwrite
"$bin" filter "$out/real" --sigma 1 --out "$out/degraded" --overwrite
"$bin" entropy "$out/real" "$out/degraded" --svg --out "$out/entropy"
"$bin" histogram "$out/real" "$out/degraded" --svg --out "$out/histogram"
"$bin" tsne "$out/real" "$out/degraded" --max-per-set 1000 --svg --out "$out/tsne"
"$bin" tsne "$out/real" "$out/degraded" --max-per-set 1000 --dims 3 --svg --out "$out/tsne3d"
"$bin" tsne "$out/real" "$out/degraded" --class 5 --svg --out "$out/tsne-class5"
"$bin" classifier train "$out/real" --svg --out "$out/classifier"
"$bin" classify "$out/degraded" --model "$out/classifier" --real "$out/real" --svg --out "$out/classify"
"$bin" fid "$out/real" "$out/degraded" --model "$out/classifier" --svg --out "$out/fid"
echo "demo: outputs in $out (entropy/, histogram/, tsne/, tsne3d/, tsne-class5/, classifier/, classify/, fid/, real/, degraded/)"
