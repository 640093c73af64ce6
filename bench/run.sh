#!/usr/bin/env bash
# The side-by-side benchmarks; `make bench` calls this after set-up and a release build.
#   bench/run.sh [pixel|tsne|tsne-million|classifier|gan|dcgan|fid|setstats|scale|all]   (default all); BENCHMARKS.md is rebuilt from bench/results/.
#   scale writes 1,000,000 PNGs under bench/work once (bench/make_million.py, ~5 min, ~4 GB on disk);
#   SCALE_BASELINE=/path/to/older/gan-eval adds the paired throughput against that build.
#   gan = the MLP GAN and the DCGAN against PyTorch; dcgan = only the latter.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
if [ "$what" = pixel ] || [ "$what" = all ]; then .venv/bin/python bench/bench.py .build/release/gan-eval; fi
if [ "$what" = tsne ] || [ "$what" = all ]; then
  # the approximate-kNN peer is not part of setup's reference stack: installed here, where it is needed
  .venv/bin/python -c 'import pynndescent' 2>/dev/null || .venv/bin/pip install --quiet pynndescent==0.7.0
  .venv/bin/python bench/tsne_bench.py .build/release/tsne-bench
  .venv/bin/python bench/tsne_knn_bench.py .build/release/tsne-bench
  .venv/bin/python bench/tsne_transform_bench.py .build/release/tsne-bench
  .venv/bin/python bench/tsne_defaults_bench.py .build/release/tsne-bench
  .venv/bin/python bench/tsne_crossover_bench.py .build/release/tsne-bench
  .venv/bin/python bench/tsne_e2e_bench.py .build/release/gan-eval
  .venv/bin/python bench/tsne_fft3d_bench.py .build/release/tsne-bench
fi
# the 1,000,000-point run (an hour or more; openTSNE gets one more hour): only when asked
if [ "$what" = tsne-million ]; then .venv/bin/python bench/tsne_million_bench.py .build/release/tsne-bench --opentsne; fi
if [ "$what" = classifier ] || [ "$what" = all ]; then .venv/bin/python bench/classifier_bench.py .build/release/gan-eval; fi
if [ "$what" = gan ] || [ "$what" = dcgan ] || [ "$what" = all ]; then
  # The PyTorch peer is Debian's python3-torch, for the system python3 (not the .venv).
  if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "installing python3-torch (the PyTorch peer of the DCGAN bench)" >&2
    $(command -v sudo || true) apt-get update -qq && $(command -v sudo || true) apt-get install -y -qq python3-torch >&2
  fi
  part=all
  [ "$what" = dcgan ] && part=dcgan
  .venv/bin/python bench/gan_bench.py .build/release/gan-eval .build/release/gemm-bench $part
fi
if [ "$what" = fid ] || [ "$what" = all ]; then .venv/bin/python bench/fid_bootstrap.py .build/release/gan-eval 3; fi
if [ "$what" = setstats ] || [ "$what" = all ]; then .venv/bin/python bench/setstats_bench.py .build/release/setstats-bench && .venv/bin/python bench/setstats_coverage.py .build/release/setstats-bench && .venv/bin/python bench/setstats_files.py .build/release/setstats-bench; fi
if [ "$what" = scale ] || [ "$what" = all ]; then .venv/bin/python bench/make_million.py && .venv/bin/python bench/scale_bench.py .build/release/gan-eval && if [ -n "${SCALE_BASELINE:-}" ]; then .venv/bin/python bench/scale_bench.py .build/release/gan-eval throughput 5 "$SCALE_BASELINE"; fi; fi
{
  echo "# Benchmarks"
  echo
  echo "Made by \`make bench\` (bench/run.sh); each section comes from one run of its script on this machine (2 cores, shared and noisy: read the ratios)."
  echo
  for section in bench/results/pixel.md bench/results/pixel_notes.md bench/results/tsne.md bench/results/tsne_knn.md bench/results/tsne_transform.md bench/results/tsne_defaults.md bench/results/tsne_crossover.md bench/results/tsne_e2e.md bench/results/tsne_fft3d.md bench/results/tsne_million.md bench/results/classifier.md bench/results/gan.md bench/results/fid_bootstrap.md bench/results/setstats.md bench/results/setstats_coverage.md bench/results/setstats_files.md bench/results/scale.md bench/results/scale_throughput.md bench/results/fuzz.md; do
    [ -f "$section" ] && { cat "$section"; echo; }
  done
} > BENCHMARKS.md.partial && mv BENCHMARKS.md.partial BENCHMARKS.md
echo "wrote BENCHMARKS.md" >&2
