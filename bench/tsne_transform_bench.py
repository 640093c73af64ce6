#!/usr/bin/env python3
"""Placing new points into a fixed t-SNE map: gan-eval's `TSNEMap.place` against openTSNE's
`TSNEEmbedding.transform`, same split, same run.

Usage: bench/tsne_transform_bench.py TSNE_BENCH_BIN [REPEATS]
The 5,000 real digits (pixels / 255): every fifth (i % 5 == 4) is held out, the other 4,000 make
the map. Each tool maps the 4,000 with its defaults (gan-eval: PCA-50 inside, Barnes-Hut;
openTSNE: PCA-50 by scikit-learn, its default FFT fit, exact neighbours), then places the 1,000
with its transform defaults; only the placement is timed against the peer (2 threads each).
Quality: the placed points' 10-NN class agreement with their map. Writes bench/results/tsne_transform.md.
"""
import gzip, json, os, platform, subprocess, sys, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/tsne-bench"))
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
WORK = os.path.join(ROOT, "bench/work/tsne")
PY = os.path.join(ROOT, ".venv/bin/python")
THREADS = "2"

PEER = r'''
import json, sys, time, numpy as np
from sklearn.decomposition import PCA
import openTSNE
ref, new = np.load(sys.argv[1]), np.load(sys.argv[2])
start = time.perf_counter()
pca = PCA(50, svd_solver="full").fit(ref)
fit = openTSNE.TSNE(random_state=0, n_jobs=2, neighbors="exact").fit(pca.transform(ref))
map_seconds = time.perf_counter() - start
start = time.perf_counter()
placed = fit.transform(pca.transform(new))
print(json.dumps({"map_seconds": map_seconds, "place_seconds": time.perf_counter() - start,
                  "map": np.asarray(fit).ravel().tolist(), "placed": np.asarray(placed).ravel().tolist()}))
'''


def agreement(result, map_labels, new_labels):
    reference = np.asarray(result["map"]).reshape(-1, 2)
    placed = np.asarray(result["placed"]).reshape(-1, 2)
    d = ((placed[:, None, :] - reference[None, :, :]) ** 2).sum(-1)
    nearest = np.argsort(d, axis=1, kind="stable")[:, :10]
    return float(np.mean(map_labels[nearest] == new_labels[:, None]))


def run(cmd, env=None):
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"failed: {cmd[:3]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    os.makedirs(WORK, exist_ok=True)
    rows = np.loadtxt(gzip.open(os.path.join(ROOT, "data/mnist_5k.csv.gz")), delimiter=",")
    pixels, labels = rows[:, :784] / 255.0, rows[:, 784].astype(int)
    held = np.arange(5000) % 5 == 4
    ref_path, new_path = os.path.join(WORK, "digits_map4000.npy"), os.path.join(WORK, "digits_new1000.npy")
    np.save(ref_path, pixels[~held])
    np.save(new_path, pixels[held])
    env = dict(os.environ, OMP_NUM_THREADS=THREADS, OPENBLAS_NUM_THREADS=THREADS, NUMBA_NUM_THREADS=THREADS)
    ours, peers = [], []
    for _ in range(REPEATS):
        ours.append(run([BIN, "place", ref_path, new_path, THREADS]))
        peers.append(run([PY, "-c", PEER, ref_path, new_path], env=env))
        print(f"gan-eval place {ours[-1]['place_seconds']:.2f} s, openTSNE transform {peers[-1]['place_seconds']:.2f} s",
              file=sys.stderr, flush=True)
    a_ours = agreement(ours[0], labels[~held], labels[held])
    a_peer = agreement(peers[0], labels[~held], labels[held])
    t_ours = [r["place_seconds"] for r in ours]
    t_peer = [r["place_seconds"] for r in peers]
    ratios = [a / b for a, b in zip(t_ours, t_peer)]
    version = subprocess.run([PY, "-c", "import openTSNE; print(openTSNE.__version__)"], capture_output=True, text=True).stdout.strip()
    lines = ["## t-SNE placement into a fixed map: gan-eval against openTSNE's transform", "",
             f"1,000 held-out digits (every fifth of the 5,000) placed into a map of the other 4,000; each tool maps with its own "
             f"defaults and places with its transform defaults; {THREADS} threads; openTSNE {version}, Python {platform.python_version()}. "
             f"{REPEATS} runs each, alternating, in one session; only the placement is timed.", "",
             "| | gan-eval `TSNEMap.place` | openTSNE `transform` |", "|---|---|---|",
             f"| placement s, median (min–max) | {np.median(t_ours):.2f} ({min(t_ours):.2f}–{max(t_ours):.2f}) | "
             f"{np.median(t_peer):.2f} ({min(t_peer):.2f}–{max(t_peer):.2f}) |",
             f"| map s, median | {np.median([r['map_seconds'] for r in ours]):.2f} | {np.median([r['map_seconds'] for r in peers]):.2f} |",
             f"| 10-NN class agreement of the placed digits with the map | {a_ours:.4f} | {a_peer:.4f} |", "",
             f"Placement time ratio gan-eval / openTSNE: **{np.median(ratios):.2f}×** (per-run ratios {', '.join(f'{r:.2f}' for r in ratios)})."]
    with open(os.path.join(ROOT, "bench/results/tsne_transform.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
