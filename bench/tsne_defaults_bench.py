#!/usr/bin/env python3
"""2D t-SNE defaults: gan-eval's defaults (Barnes-Hut, openTSNE's rates, 750 iterations), Barnes-Hut
at 1,000 iterations with openTSNE's and scikit-learn's rates, FFT at 750, and openTSNE with its
defaults (FFT, 750), on 5,000 Fashion-MNIST test images and 20,000 training images; checks the KL
target (the defaults ≤ 1.02× openTSNE's KL). Each run TSNE_BENCH_REPEATS times (default 2),
alternating; times are the median and range.

Usage: bench/tsne_defaults_bench.py TSNE_BENCH_BIN   Writes bench/results/tsne_defaults.md.
"""
import gzip, os, statistics, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsne_bench as tb
from common import median_range, write_section  # noqa: E402

PEER = r'''
import json, sys, time, numpy as np
from openTSNE import TSNE
x = np.load(sys.argv[1])
start = time.perf_counter()
e = TSNE(n_jobs=2, random_state=0, neighbors="exact").fit(x)
print(json.dumps({"seconds": time.perf_counter() - start, "kl": float(e.kl_divergence)}))
'''


def test5000():
    path = os.path.join(tb.WORK, "fashiontest5000.npy")
    if not os.path.exists(path):
        with gzip.open(os.path.join(tb.ROOT, "data/fashion-mnist/t10k-images-idx3-ubyte.gz")) as f:
            x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784) / 255.0
        np.save(path, tb.pca50(x[:5000]))
    return path


def ours(path, method, iterations, schedule=None):
    env = dict(os.environ, TSNE_SCHEDULE=schedule) if schedule else None
    return tb.timed([tb.BIN, path, "2", method, str(iterations), tb.THREADS], env=env)


def main():
    paths = tb.inputs()
    lines = ["## t-SNE 2D defaults: learning rates, iterations and Barnes-Hut against FFT", "",
             "PCA-50 input, 2 threads, perplexity 30, 250 exaggerated iterations; gan-eval's defaults here are Barnes-Hut with "
             "openTSNE's learning rates and 750 iterations (`TSNEOptions.defaultIterations`); openTSNE with its defaults "
             f"(FFT gradients, exact kNN here, 250 + 500 iterations). bench/tsne_defaults_bench.py; seconds are the median (range) of "
             f"{tb.REPEATS} alternating runs.", "",
             "| input | run | seconds | KL | KL / openTSNE's | time / openTSNE's |", "|---|---|---|---|---|---|"]
    for name, path in (("5,000 Fashion-MNIST test images", test5000()), ("20,000 Fashion-MNIST", paths["fashion20000"])):
        env = dict(os.environ, OMP_NUM_THREADS=tb.THREADS)
        runs = [("openTSNE (its defaults: FFT gradients, 250 + 500 iterations)", lambda: tb.timed([tb.PY, "-c", PEER, path], env=env)),
                ("gan-eval defaults (Barnes-Hut, openTSNE's rates, 750 iterations)", lambda: ours(path, "barnes-hut", 750)),
                ("gan-eval Barnes-Hut, openTSNE's rates, 1,000 iterations", lambda: ours(path, "barnes-hut", 1000)),
                ("gan-eval Barnes-Hut, scikit-learn's rate, 1,000 iterations", lambda: ours(path, "barnes-hut", 1000, "scikit-learn")),
                ("gan-eval FFT (default grid), 750 iterations", lambda: ours(path, "fft", 750))]
        results = {label: [] for label, _ in runs}
        for _ in range(tb.REPEATS):
            for label, run in runs:
                results[label].append(run())
        peer = results[runs[0][0]]
        peer_seconds = statistics.median(r["seconds"] for r in peer)
        for label, _ in runs:
            r = results[label]
            seconds = [x["seconds"] for x in r]
            kl = r[0]["kl"]
            lines.append(f"| {name} | {label} | {median_range(seconds)} | {kl:.4f} | {kl / peer[0]['kl']:.3f} | "
                         f"{statistics.median(seconds) / peer_seconds:.2f}× |")
            print(lines[-1], file=sys.stderr, flush=True)
    write_section("tsne_defaults", lines + [""])


if __name__ == "__main__":
    main()
