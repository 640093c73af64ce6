#!/usr/bin/env bash
# The colour study in pipelines/color.yaml: makes Colored-MNIST from the 5,000 real digits
# (scripts/colored_mnist.py, seeded: 4,000 training and 1,000 held-out images, as .npz) when it
# is missing, then runs the pipeline (a second run skips the unchanged steps).
# Usage: scripts/demo-color.sh BIN OUT
set -euo pipefail
bin=${1:-.build/release/gan-eval}
out=${2:-gan-eval-out/color}
for part in train test; do
  target=data/colored_mnist_$part.npz
  if [ ! -s "$target" ]; then
    echo "demo-color: making $target (scripts/colored_mnist.py --part $part)" >&2
    python3 scripts/colored_mnist.py "data/colored_mnist_$part.partial.npz" --npz --part "$part"
    mv "data/colored_mnist_$part.partial.npz" "$target"
  fi
done
"$bin" pipeline pipelines/color.yaml --out "$out"
echo "demo-color: open $out/report.html (or read $out/report.md)"
