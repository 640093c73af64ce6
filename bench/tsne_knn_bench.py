#!/usr/bin/env python3
"""Approximate kNN side by side: gan-eval's NN-descent against pynndescent and exact kNN.

Usage: bench/tsne_knn_bench.py TSNE_BENCH_BIN [REPEATS]   (needs `.venv/bin/pip install pynndescent`)
Same PCA-50 Fashion-MNIST input as bench/tsne_bench.py (numpy SVD of pixels/255), k = 90
(3 x perplexity 30), 2 threads each. Recall@90 = mean over points of |found ∩ exact| / 90, the
exact lists coming from gan-eval's exact BLAS kNN (ties to the lower index). pynndescent is asked
for k + 1 neighbours and its self-match is dropped; its numba compilation is done once beforehand
on a small input and not timed. Writes bench/results/tsne_knn.md.
"""
import json, os, platform, subprocess, sys
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsne_bench  # noqa: E402  (reuses its inputs and paths)

ROOT, WORK, PY = tsne_bench.ROOT, tsne_bench.WORK, tsne_bench.PY
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/tsne-bench"))
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
THREADS, K = "2", 90

PEER = r'''
import json, sys, time, numpy as np
from pynndescent import NNDescent
path, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
x = np.load(path).astype(np.float32)
NNDescent(x[:2000], n_neighbors=k + 1, random_state=0, n_jobs=2).neighbor_graph  # numba compile, untimed
start = time.perf_counter()
index = NNDescent(x, n_neighbors=k + 1, random_state=0, n_jobs=2)
indices, _ = index.neighbor_graph
seconds = time.perf_counter() - start
rows = []
for i, row in enumerate(indices):
    row = [j for j in row if j != i][:k]
    rows.append(row + [-1] * (k - len(row)))
np.save(out, np.asarray(rows, dtype=np.int64))
print(json.dumps({"seconds": seconds}))
'''


def ours(path, method, out):
    proc = subprocess.run([BIN, "knn", path, method, str(K), THREADS, out], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]


def peer(path, out):
    env = dict(os.environ, OMP_NUM_THREADS=THREADS, NUMBA_NUM_THREADS=THREADS, OPENBLAS_NUM_THREADS=THREADS)
    proc = subprocess.run([PY, "-c", PEER, path, str(K), out], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]


def recall(found, exact):
    n = len(exact)
    hits = sum(len(set(found[i]) & set(exact[i])) for i in range(n))
    return hits / (n * K)


def spread(values):
    return f"{np.median(values):.1f} s (min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)"


def main():
    paths = tsne_bench.inputs()
    full = np.load(paths["fashion70000"])
    sizes = [5000, 10000, 20000, 40000, 70000]
    rows = []
    for n in sizes:
        path = os.path.join(WORK, f"fashion{n}.npy")
        if not os.path.exists(path):
            np.save(path, np.ascontiguousarray(full[:n]))
        exact_out, approx_out, peer_out = (os.path.join(WORK, f"knn_{tag}_{n}.npy") for tag in ("exact", "approx", "pynndescent"))
        exact_s, approx_s, peer_s = [], [], []
        for _ in range(REPEATS):
            exact_s.append(ours(path, "exact", exact_out))
            approx_s.append(ours(path, "approx", approx_out))
            peer_s.append(peer(path, peer_out))
        exact = np.load(exact_out).reshape(n, K)
        r_ours = recall(np.load(approx_out).reshape(n, K), exact)
        r_peer = recall(np.load(peer_out), exact)
        rows.append((n, exact_s, approx_s, peer_s, r_ours, r_peer))
        print(f"n={n}: exact {spread(exact_s)}; NN-descent {spread(approx_s)} recall {r_ours:.4f}; "
              f"pynndescent {spread(peer_s)} recall {r_peer:.4f}", file=sys.stderr, flush=True)
    versions = subprocess.run([PY, "-c", "import pynndescent, numba; print(f'pynndescent {pynndescent.__version__}, numba {numba.__version__}')"],
                              capture_output=True, text=True).stdout.strip()
    lines = ["## Approximate kNN for t-SNE: gan-eval's NN-descent against pynndescent", "",
             f"k = {K} neighbours (3 x perplexity 30) of every point among the first N Fashion-MNIST images (train then test), "
             f"PCA-50 input as in the t-SNE bench, {THREADS} threads each, seed 0; {versions}, Python {platform.python_version()}. "
             "Recall@90 against gan-eval's exact BLAS kNN. Times are medians of "
             f"{REPEATS} runs in one session (min/max in brackets); pynndescent's numba compilation is excluded. "
             "`--knn auto` switches to NN-descent from `KNNMethod.approximateFrom` images.", "",
             "| N | exact s | NN-descent s (recall@90) | pynndescent s (recall@90) | NN-descent / exact | NN-descent / pynndescent |",
             "|---|---|---|---|---|---|"]
    for n, e, a, p, ra, rp in rows:
        lines.append(f"| {n:,} | {np.median(e):.2f} ({min(e):.2f}–{max(e):.2f}) | {np.median(a):.2f} ({min(a):.2f}–{max(a):.2f}) ({ra:.4f}) | "
                     f"{np.median(p):.2f} ({min(p):.2f}–{max(p):.2f}) ({rp:.4f}) | **{np.median(a) / np.median(e):.2f}×** | "
                     f"**{np.median(a) / np.median(p):.2f}×** |")
    with open(os.path.join(ROOT, "bench/results/tsne_knn.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
