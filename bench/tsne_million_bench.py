#!/usr/bin/env python3
"""A 1,000,000-point 2D FFT t-SNE: time and peak RSS (GNU time), approximate kNN, on this machine.

Usage: bench/tsne_million_bench.py TSNE_BENCH_BIN [--opentsne]
Input: the 70,000 Fashion-MNIST images (train + test) and shifted / mirrored copies (shifts of 1
and 2 pixels in each direction, with and without a left-right flip), the first 1,000,000 rows;
PCA-50 fitted on the 70,000 originals (numpy SVD of pixels/255) and applied to every copy.
gan-eval runs `--method fft` with approximate kNN (NN-descent), 2 threads, 750 iterations (its
default for FFT, and openTSNE's). --opentsne also runs openTSNE's default FFT fit (n_jobs 2, 250 +
500 iterations) on the same rows with a one-hour limit.
Writes bench/results/tsne_million.md.
"""
import gzip, json, os, platform, re, subprocess, sys, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench/work/tsne")
PY = os.path.join(ROOT, ".venv/bin/python")
N = 1_000_000
LIMIT = 3600


def fashion():
    def idx(path):
        with gzip.open(os.path.join(ROOT, "data/fashion-mnist", path)) as f:
            return np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
    return np.concatenate([idx("train-images-idx3-ubyte.gz"), idx("t10k-images-idx3-ubyte.gz")])


def shifted(images, dy, dx, flip):
    out = images[:, :, ::-1] if flip else images
    out = np.roll(out, (dy, dx), axis=(1, 2))
    # zero the wrapped-around border
    if dy > 0: out[:, :dy, :] = 0
    if dy < 0: out[:, dy:, :] = 0
    if dx > 0: out[:, :, :dx] = 0
    if dx < 0: out[:, :, dx:] = 0
    return out


def million():
    path = os.path.join(WORK, "fashion_million.npy")
    if os.path.exists(path):
        return path
    os.makedirs(WORK, exist_ok=True)
    images = fashion()
    base = images.reshape(len(images), -1).astype(np.float64) / 255.0
    mean = base.mean(axis=0)
    _, _, vt = np.linalg.svd(base - mean, full_matrices=False)
    basis = vt[:50].T
    variants = [(0, 0, False), (0, 0, True)] + [(dy, dx, f) for f in (False, True)
                for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1), (2, 0), (-2, 0), (0, 2), (0, -2))]
    out = np.lib.format.open_memmap(path + ".partial", mode="w+", dtype=np.float64, shape=(N, 50))
    row = 0
    for dy, dx, flip in variants:
        if row >= N:
            break
        block = shifted(images.copy(), dy, dx, flip).reshape(len(images), -1).astype(np.float64) / 255.0
        take = min(len(block), N - row)
        out[row:row + take] = (block[:take] - mean) @ basis
        row += take
    out.flush()
    del out
    os.replace(path + ".partial", path)
    return path


def timed(cmd, env=None, limit=None):
    start = time.perf_counter()
    try:
        proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env, timeout=limit)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024
    return json.loads(proc.stdout.strip().splitlines()[-1]) | {"wall": time.perf_counter() - start, "rss_mib": rss}


OPENTSNE = r'''
import json, sys, time, numpy as np
from openTSNE import TSNE
x = np.load(sys.argv[1])
start = time.perf_counter()
e = TSNE(n_jobs=2, random_state=0).fit(x)
print(json.dumps({"seconds": time.perf_counter() - start, "kl": float(e.kl_divergence)}))
'''


def main():
    binary = os.path.abspath(sys.argv[1])
    path = million()
    load = os.getloadavg()
    env = dict(os.environ, TSNE_KNN="approx")
    mine = timed(["nice", "-n", "5", binary, path, "2", "fft", "750", "2"], env=env)
    lines = ["## t-SNE of 1,000,000 points (2D FFT, approximate kNN)", "",
             f"Input: {N:,} rows = the 70,000 Fashion-MNIST images and shifted (1 and 2 pixels, 4 directions) and mirrored copies, "
             "PCA-50 fitted on the originals (bench/tsne_million_bench.py). gan-eval: `--method fft`, approximate kNN (NN-descent, k = 90), "
             f"2 threads, 750 iterations (250 exaggerated; the default, as openTSNE's), openTSNE's learning rates; run niced on the shared 2-core machine "
             f"(load average {load[0]:.1f} at the start). Peak RSS from GNU time.", "",
             "| tool | seconds | KL | peak RSS (MiB) |", "|---|---|---|---|",
             f"| gan-eval | {mine['seconds']:.0f} (wall {mine['wall']:.0f}) | {mine['kl']:.4f} | {mine['rss_mib']:.0f} |"]
    if "--opentsne" in sys.argv:
        peer_env = dict(os.environ, OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2")
        peer = timed(["nice", "-n", "5", PY, "-c", OPENTSNE, path], env=peer_env, limit=LIMIT)
        if peer is None:
            lines.append(f"| openTSNE (defaults, n_jobs 2) | did not finish within {LIMIT} s | – | – |")
        else:
            lines.append(f"| openTSNE (defaults, n_jobs 2) | {peer['seconds']:.0f} | {peer['kl']:.4f} | {peer['rss_mib']:.0f} |")
    else:
        lines.append("| openTSNE | not run in this session (pass --opentsne; it is given one hour) | – | – |")
    with open(os.path.join(ROOT, "bench/results/tsne_million.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
