#!/usr/bin/env python3
"""t-SNE as a new user runs each tool: defaults, end to end, on the 60,000 Fashion-MNIST training PNGs.

Usage: bench/tsne_e2e_bench.py GAN_EVAL_BIN [REPEATS]   Writes bench/results/tsne_e2e.md.

gan-eval: `gan-eval tsne DIR --threads 2` with every other option at its default (PCA to 50,
`--method auto`, `--knn auto`, the method's default iterations: 750 for Barnes-Hut), timed from
start to exit (PNG decoding, PCA, kNN and affinities, optimisation, trustworthiness, writing
tsne.csv).
openTSNE: what its documentation has a user do with images: load the PNGs into a numpy array
(Pillow), reduce to 50 principal components (scikit-learn's PCA, as gan-eval does), then
`openTSNE.TSNE(n_jobs=2, random_state=0).fit(x)` with its defaults (FFT gradients for this size,
approximate neighbours, 250 + 500 iterations). Its KL is its own estimate, as gan-eval's is.
Runs alternate between the tools; times are the median and the range over REPEATS (default 2).
"""
import json, os, platform, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import timed, write_section  # noqa: E402
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/gan-eval"))
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
PY = os.path.join(ROOT, ".venv/bin/python")
FASHION = os.path.join(ROOT, "data/fashion-mnist")
TRAIN = os.path.join(ROOT, "bench/work/fashion-train")

PEER = r'''
import json, os, sys, time
import numpy as np
from PIL import Image
start = time.perf_counter()
paths = sorted(os.path.join(d, f) for d, _, files in os.walk(sys.argv[1]) for f in files if f.endswith(".png"))
x = np.stack([np.asarray(Image.open(p), dtype=np.float64).ravel() for p in paths]) / 255.0
loaded = time.perf_counter()
from sklearn.decomposition import PCA
x = PCA(n_components=50, random_state=0).fit_transform(x)
reduced = time.perf_counter()
from openTSNE import TSNE
e = TSNE(n_jobs=2, random_state=0).fit(x)
done = time.perf_counter()
print(json.dumps({"n": len(paths), "seconds": done - start, "load": loaded - start, "pca": reduced - loaded, "fit": done - reduced,
                  "kl": float(e.kl_divergence)}))
'''


def ours():
    with tempfile.TemporaryDirectory() as out:
        seconds, rss, stdout = timed([BIN, "tsne", TRAIN, "--threads", "2", "--quiet", "--json", "--out", out])
    result = json.loads(stdout)["results"]
    return {"seconds": seconds, "kl": result["kl_divergence"], "rss": rss, "method": result["method"],
            "iterations": result["iterations_run"], "parts": result["seconds"]}


def peer():
    seconds, rss, stdout = timed([PY, "-c", PEER, TRAIN])
    return json.loads(stdout.strip().splitlines()[-1]) | {"seconds": seconds, "rss": rss}


def spread(values):
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def main():
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[name] = "2"
    import bench as b  # the PNG sets of the pixel benchmark: imported once, reused
    b.BIN = BIN
    b.imported(f"{FASHION}/train-images-idx3-ubyte.gz", TRAIN)
    mine, theirs = [], []
    for r in range(REPEATS):
        mine.append(ours())
        print(f"gan-eval run {r + 1}: {mine[-1]}", file=sys.stderr, flush=True)
        theirs.append(peer())
        print(f"openTSNE run {r + 1}: {theirs[-1]}", file=sys.stderr, flush=True)
    ratios = [m["seconds"] / t["seconds"] for m, t in zip(mine, theirs)]
    versions = subprocess.run([PY, "-c", "import openTSNE, sklearn, PIL; print(f'openTSNE {openTSNE.__version__}, scikit-learn {sklearn.__version__}, Pillow {PIL.__version__}')"],
                              capture_output=True, text=True).stdout.strip()
    m, t = mine[0], theirs[0]
    parts = ", ".join(f"{k} {statistics.median(x['parts'][k] for x in mine):.1f} s" for k in m["parts"])
    lines = ["## t-SNE with each tool's defaults, end to end", "",
             f"The 60,000 Fashion-MNIST training PNGs, 2 threads, each tool as a new user runs it (bench/tsne_e2e_bench.py; {versions}, "
             f"Python {platform.python_version()}). gan-eval: `gan-eval tsne DIR --threads 2`, all else default ({m['method']}, "
             f"{m['iterations']} iterations, approximate kNN from 20,000 images), from start to exit. openTSNE: PNGs loaded with Pillow, "
             "PCA to 50 (scikit-learn), `TSNE(n_jobs=2).fit` with its defaults (FFT, approximate neighbours, 250 + 500 iterations). "
             f"Times: median (range) of {REPEATS} alternating runs, wall clock; each tool reports its own KL estimate.", "",
             "| tool | seconds end to end | of which | KL | peak RSS (MiB) |", "|---|---|---|---|---|",
             f"| gan-eval | {spread([x['seconds'] for x in mine])} | {parts} | {m['kl']:.4f} | {statistics.median(x['rss'] for x in mine):.0f} |",
             f"| openTSNE | {spread([x['seconds'] for x in theirs])} | load {statistics.median(x['load'] for x in theirs):.1f} s, "
             f"PCA {statistics.median(x['pca'] for x in theirs):.1f} s, fit {statistics.median(x['fit'] for x in theirs):.1f} s | "
             f"{t['kl']:.4f} | {statistics.median(x['rss'] for x in theirs):.0f} |", "",
             f"gan-eval / openTSNE time, end to end: **{statistics.median(ratios):.2f}×** (runs: {', '.join(f'{r:.2f}' for r in ratios)}); "
             f"KL {m['kl'] / t['kl']:.3f}× openTSNE's."]
    write_section("tsne_e2e", lines + [""])


if __name__ == "__main__":
    main()
