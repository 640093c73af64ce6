#!/usr/bin/env python3
"""2D t-SNE defaults: Barnes-Hut with openTSNE's rates (the default) and scikit-learn's, FFT, and
openTSNE with its defaults (FFT), on 5,000 Fashion-MNIST test images and 20,000 training
images; sets GradientMethod.fftFrom and checks the KL target (Barnes-Hut ≤ 1.02× openTSNE's).

Usage: bench/tsne_defaults_bench.py TSNE_BENCH_BIN   Writes bench/results/tsne_defaults.md.
"""
import gzip, os, statistics, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsne_bench as tb

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


def ours(path, method, schedule=None):
    env = dict(os.environ, TSNE_SCHEDULE=schedule) if schedule else None
    return tb.timed([tb.BIN, path, "2", method, "1000", tb.THREADS], env=env)


def main():
    paths = tb.inputs()
    lines = ["## t-SNE 2D defaults: learning rates and Barnes-Hut against FFT", "",
             "PCA-50 input, 2 threads, 1,000 iterations (250 exaggerated), perplexity 30; openTSNE with its defaults "
             "(FFT gradients, exact kNN here, 250 + 500 iterations). bench/tsne_defaults_bench.py, one run each.", "",
             "| input | run | seconds | KL | KL / openTSNE's | time / openTSNE's |", "|---|---|---|---|---|---|"]
    for name, path in (("5,000 Fashion-MNIST test images", test5000()), ("20,000 Fashion-MNIST", paths["fashion20000"])):
        env = dict(os.environ, OMP_NUM_THREADS=tb.THREADS)
        peer = tb.timed([tb.PY, "-c", PEER, path], env=env)
        runs = [("openTSNE (its defaults: FFT gradients, 250 + 500 iterations)", peer),
                ("gan-eval Barnes-Hut (default: openTSNE's rates)", ours(path, "barnes-hut")),
                ("gan-eval Barnes-Hut, scikit-learn's rate", ours(path, "barnes-hut", "scikit-learn")),
                ("gan-eval FFT (default grid)", ours(path, "fft"))]
        for label, r in runs:
            lines.append(f"| {name} | {label} | {r['seconds']:.1f} | {r['kl']:.4f} | {r['kl'] / peer['kl']:.3f} | {r['seconds'] / peer['seconds']:.2f}× |")
            print(lines[-1], file=sys.stderr, flush=True)
    with open(os.path.join(tb.ROOT, "bench/results/tsne_defaults.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
