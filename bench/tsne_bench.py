#!/usr/bin/env python3
"""t-SNE side by side: gan-eval's engine against scikit-learn and openTSNE, same input, same run.

Usage: bench/tsne_bench.py TSNE_BENCH_BIN   (make bench-tsne does set-up and the release build)
Every method gets the same PCA-50 matrix (numpy SVD of pixels/255), 2 threads, 1,000 iterations
(250 exaggerated), perplexity 30, PCA initialisation. Writes bench/results/tsne.md.
"""
import gzip, json, os, platform, re, subprocess, sys, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/tsne-bench"))
WORK = os.path.join(ROOT, "bench/work/tsne")
PY = os.path.join(ROOT, ".venv/bin/python")
THREADS = "2"


def pca50(x):
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    return np.ascontiguousarray(x @ vt[:50].T)


def inputs():
    os.makedirs(WORK, exist_ok=True)
    rows = np.loadtxt(gzip.open(os.path.join(ROOT, "data/mnist_5k.csv.gz")), delimiter=",")
    digits = rows[:, :784] / 255.0
    def idx(path):
        with gzip.open(os.path.join(ROOT, "data/fashion-mnist", path)) as f:
            return np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784) / 255.0
    fashion = np.concatenate([idx("train-images-idx3-ubyte.gz"), idx("t10k-images-idx3-ubyte.gz")])
    sets = {
        "digits2000": digits[(np.arange(2000) * 5000) // 2000],
        "digits5000": digits,
        "fashion20000": fashion[:20000],
        "fashion70000": fashion,
    }
    for name, x in sets.items():
        path = os.path.join(WORK, name + ".npy")
        if not os.path.exists(path):
            np.save(path, pca50(x))
    return {name: os.path.join(WORK, name + ".npy") for name in sets}


PEER = r'''
import json, sys, time, numpy as np
kind, path, dims, method = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
x = np.load(path)
start = time.perf_counter()
if kind == "sklearn":
    from sklearn.manifold import TSNE
    t = TSNE(n_components=dims, perplexity=30, method=method, init="pca", learning_rate="auto", max_iter=1000,
             n_iter_without_progress=1000, random_state=0, n_jobs=2)
    t.fit_transform(x)
    kl = float(t.kl_divergence_)
else:
    from openTSNE import TSNE
    t = TSNE(n_components=dims, perplexity=30, negative_gradient_method=method, initialization="pca", n_jobs=2,
             random_state=0, early_exaggeration_iter=250, n_iter=750, neighbors="exact" if len(x) <= 20000 else "auto")
    e = t.fit(x)
    kl = float(e.kl_divergence)
print(json.dumps({"seconds": time.perf_counter() - start, "kl": kl}))
'''


def timed(cmd, env=None):
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024
    return json.loads(proc.stdout.strip().splitlines()[-1]) | {"rss_mib": rss}


def ours(path, dims, method, schedule=None):
    env = dict(os.environ, TSNE_SCHEDULE=schedule) if schedule else None
    return timed([BIN, path, str(dims), method, "1000", THREADS], env=env)


def peer(kind, path, dims, method):
    env = dict(os.environ, OMP_NUM_THREADS=THREADS, OPENBLAS_NUM_THREADS=THREADS, MKL_NUM_THREADS=THREADS)
    return timed([PY, "-c", PEER, kind, path, str(dims), method], env=env)


def main():
    paths = inputs()
    runs = []
    def record(label, n, mine, peers):
        runs.append((label, n, mine, peers))
        best = min(p["seconds"] for _, p in peers)
        print(f"{label}: gan-eval {mine['seconds']:.1f} s (KL {mine['kl']:.4f}); "
              + ", ".join(f"{k} {p['seconds']:.1f} s (KL {p['kl']:.4f})" for k, p in peers)
              + f"; ratio to fastest peer {mine['seconds'] / best:.2f}", file=sys.stderr, flush=True)

    record("exact 2D, 2,000 MNIST digits", 2000, ours(paths["digits2000"], 2, "exact"),
           [("scikit-learn exact", peer("sklearn", paths["digits2000"], 2, "exact"))])
    record("Barnes-Hut 3D, 5,000 MNIST digits", 5000, ours(paths["digits5000"], 3, "barnes-hut"),
           [("scikit-learn Barnes-Hut 3D", peer("sklearn", paths["digits5000"], 3, "barnes_hut"))])
    bh20k = [("scikit-learn Barnes-Hut", peer("sklearn", paths["fashion20000"], 2, "barnes_hut")),
             ("openTSNE Barnes-Hut", peer("openTSNE", paths["fashion20000"], 2, "bh"))]
    record("Barnes-Hut 2D, 20,000 Fashion-MNIST (`--learning-rate scikit-learn`)", 20000,
           ours(paths["fashion20000"], 2, "barnes-hut", schedule="scikit-learn"), bh20k)
    record("Barnes-Hut 2D, 20,000 Fashion-MNIST (openTSNE's learning rates, the default)", 20000,
           ours(paths["fashion20000"], 2, "barnes-hut"), bh20k)
    opentsne_fft = peer("openTSNE", paths["fashion70000"], 2, "fft")
    record("2D, all 70,000 Fashion-MNIST (train + test), FFT interpolation (openTSNE's grid and learning rates)", 70000,
           ours(paths["fashion70000"], 2, "fft"), [("openTSNE FFT", opentsne_fft)])
    record("2D, all 70,000 Fashion-MNIST (train + test), Barnes-Hut (scikit-learn's learning rate)", 70000,
           ours(paths["fashion70000"], 2, "barnes-hut", schedule="scikit-learn"), [("openTSNE FFT", opentsne_fft)])
    crossover = []
    for n in (250, 500, 1000, 1500):
        path = os.path.join(WORK, f"digits{n}.npy")
        if not os.path.exists(path):
            rows = np.load(paths["digits5000"])
            np.save(path, np.ascontiguousarray(rows[(np.arange(n) * 5000) // n]))
        crossover.append((n, ours(path, 2, "exact")["seconds"], ours(path, 2, "barnes-hut")["seconds"]))
        print(f"crossover n={n}: exact {crossover[-1][1]:.2f} s, Barnes-Hut {crossover[-1][2]:.2f} s", file=sys.stderr, flush=True)

    versions = subprocess.run([PY, "-c", "import sklearn, openTSNE, numpy; print(f'scikit-learn {sklearn.__version__}, openTSNE {openTSNE.__version__}, numpy {numpy.__version__}')"],
                              capture_output=True, text=True).stdout.strip()
    lines = ["## t-SNE: gan-eval's engine against scikit-learn and openTSNE", "",
             f"Same PCA-50 input matrix for every method (bench/tsne_bench.py), {THREADS} threads each, 1,000 iterations "
             f"(250 with exaggeration 12), perplexity 30, PCA initialisation; peers: {versions}, Python {platform.python_version()}. "
             "One run each, in one session; gan-eval's time includes its kNN/affinities and optimisation, the peers' their whole fit. "
             "gan-eval uses one degree of freedom in 3D; scikit-learn uses two (its own default). "
             "Learning rates: gan-eval's exact method uses scikit-learn's (N/48 throughout); its Barnes-Hut and FFT "
             "methods default to openTSNE's (N/12 during exaggeration, then N, in openTSNE's scale), the schedule the "
             "openTSNE peer uses; rows marked `--learning-rate scikit-learn` run Barnes-Hut with scikit-learn's.", "",
             "| run | N | gan-eval s (KL) | peer s (KL) | gan-eval / peer time | peak RSS gan-eval / peer (MiB) |",
             "|---|---|---|---|---|---|"]
    for label, n, mine, peers in runs:
        for name, p in peers:
            lines.append(f"| {label} | {n:,} | {mine['seconds']:.1f} ({mine['kl']:.4f}) | {name}: {p['seconds']:.1f} ({p['kl']:.4f}) | "
                         f"**{mine['seconds'] / p['seconds']:.2f}×** | {mine['rss_mib']:.0f} / {p['rss_mib']:.0f} |")
    lines += ["", "Exact against Barnes-Hut in gan-eval (2D, digits, 1,000 iterations), which sets `--method auto`:", "",
              "| N | exact s | Barnes-Hut s |", "|---|---|---|"]
    lines += [f"| {n:,} | {e:.2f} | {b:.2f} |" for n, e, b in crossover]
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/tsne.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
