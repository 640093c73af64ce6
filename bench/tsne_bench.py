#!/usr/bin/env python3
"""t-SNE side by side: gan-eval's engine against scikit-learn and openTSNE, same input, same run.

Usage: bench/tsne_bench.py TSNE_BENCH_BIN   (make bench-tsne does set-up and the release build)
Every method gets the same PCA-50 matrix (numpy SVD of pixels/255), 2 threads, 1,000 iterations
(250 exaggerated), perplexity 30, PCA initialisation. Each row runs gan-eval and its peers
TSNE_BENCH_REPEATS times (default 2), alternating; times are the median and range. Writes
bench/results/tsne.md.
"""
import gzip, json, os, platform, re, statistics, subprocess, sys, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/tsne-bench"))
WORK = os.path.join(ROOT, "bench/work/tsne")
PY = os.path.join(ROOT, ".venv/bin/python")
THREADS = "2"
REPEATS = int(os.environ.get("TSNE_BENCH_REPEATS", "2"))


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


def timed(cmd, env=None, on_failure=None):
    """Runs cmd under /usr/bin/time: its JSON result with the peak RSS. A failed run stops the bench,
    unless on_failure(stderr) returns a result to record instead."""
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        if on_failure is not None and (handled := on_failure(proc.stderr)) is not None:
            return handled
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

    def median_run(results):
        """The median-time run of several, with every run's seconds kept for the spread."""
        ordered = sorted(results, key=lambda r: r["seconds"])
        return ordered[(len(ordered) - 1) // 2] | {"all": [r["seconds"] for r in results],
                                                   "seconds": statistics.median(r["seconds"] for r in results)}

    def record(label, n, mine, peers):
        """mine: a callable for one gan-eval run; peers: (name, callable) pairs. Runs alternate."""
        mine_runs, peer_runs = [], {name: [] for name, _ in peers}
        for _ in range(REPEATS):
            mine_runs.append(mine())
            for name, run in peers:
                if run is not None:
                    peer_runs[name].append(run())
        result = (label, n, median_run(mine_runs), [(name, median_run(peer_runs[name]) if peer_runs[name] else shared[name])
                                                     for name, _ in peers])
        runs.append(result)
        best = min(p["seconds"] for _, p in result[3])
        print(f"{label}: gan-eval {result[2]['all']} (KL {result[2]['kl']:.4f}); "
              + ", ".join(f"{k} {p['all']} (KL {p['kl']:.4f})" for k, p in result[3])
              + f"; ratio to fastest peer {result[2]['seconds'] / best:.2f}", file=sys.stderr, flush=True)
        return result

    shared = {}
    d2k, d5k, f20k, f70k = paths["digits2000"], paths["digits5000"], paths["fashion20000"], paths["fashion70000"]
    record("exact 2D, 2,000 MNIST digits", 2000, lambda: ours(d2k, 2, "exact"),
           [("scikit-learn exact", lambda: peer("sklearn", d2k, 2, "exact"))])
    record("Barnes-Hut 3D, 5,000 MNIST digits", 5000, lambda: ours(d5k, 3, "barnes-hut"),
           [("scikit-learn Barnes-Hut 3D", lambda: peer("sklearn", d5k, 3, "barnes_hut"))])
    first = record("Barnes-Hut 2D, 20,000 Fashion-MNIST (openTSNE's learning rates, the default)", 20000,
                   lambda: ours(f20k, 2, "barnes-hut"),
                   [("scikit-learn Barnes-Hut", lambda: peer("sklearn", f20k, 2, "barnes_hut")),
                    ("openTSNE Barnes-Hut", lambda: peer("openTSNE", f20k, 2, "bh"))])
    shared.update(first[3])
    record("Barnes-Hut 2D, 20,000 Fashion-MNIST (`--learning-rate scikit-learn`)", 20000,
           lambda: ours(f20k, 2, "barnes-hut", schedule="scikit-learn"),
           [("scikit-learn Barnes-Hut", None), ("openTSNE Barnes-Hut", None)])
    fft = record("2D, all 70,000 Fashion-MNIST (train + test), FFT interpolation (openTSNE's grid and learning rates)", 70000,
                 lambda: ours(f70k, 2, "fft"), [("openTSNE FFT", lambda: peer("openTSNE", f70k, 2, "fft"))])
    shared.update(fft[3])
    record("2D, all 70,000 Fashion-MNIST (train + test), Barnes-Hut (openTSNE's learning rates, the default)", 70000,
           lambda: ours(f70k, 2, "barnes-hut"), [("openTSNE FFT", None)])
    crossover = []
    for n in (1000, 1500, 2000):
        path = os.path.join(WORK, f"digits{n}.npy")
        if not os.path.exists(path):
            rows = np.load(paths["digits5000"])
            np.save(path, np.ascontiguousarray(rows[(np.arange(n) * 5000) // n]))
        for dims in (2, 3):
            exact = [ours(path, dims, "exact")["seconds"] for _ in range(REPEATS)]
            tree = [ours(path, dims, "barnes-hut")["seconds"] for _ in range(REPEATS)]
            crossover.append((n, dims, exact, tree))
            print(f"crossover n={n} {dims}D: exact {exact}, Barnes-Hut {tree}", file=sys.stderr, flush=True)
    grid = []
    f40k = os.path.join(WORK, "fashion40000.npy")
    if not os.path.exists(f40k):
        np.save(f40k, np.ascontiguousarray(np.load(f70k)[:40000]))
    sizes = [(20000, f20k, REPEATS), (40000, f40k, REPEATS), (70000, f70k, REPEATS)]
    million = os.path.join(WORK, "fashion_million.npy")  # bench/tsne_million_bench.py's input, when made
    if os.path.exists(million):
        f150k = os.path.join(WORK, "fashion150000.npy")
        if not os.path.exists(f150k):
            np.save(f150k, np.ascontiguousarray(np.load(million, mmap_mode="r")[:150000]))
        sizes.append((150000, f150k, 1))
    for n, path, repeats in sizes:
        tree = [ours(path, 2, "barnes-hut") for _ in range(repeats)]
        interpolated = [ours(path, 2, "fft") for _ in range(repeats)]
        grid.append((n, tree, interpolated))
        print(f"grid n={n}: Barnes-Hut {[r['seconds'] for r in tree]}, FFT {[r['seconds'] for r in interpolated]}", file=sys.stderr, flush=True)

    versions = subprocess.run([PY, "-c", "import sklearn, openTSNE, numpy; print(f'scikit-learn {sklearn.__version__}, openTSNE {openTSNE.__version__}, numpy {numpy.__version__}')"],
                              capture_output=True, text=True).stdout.strip()
    lines = ["## t-SNE: gan-eval's engine against scikit-learn and openTSNE", "",
             f"Same PCA-50 input matrix for every method (bench/tsne_bench.py), {THREADS} threads each, 1,000 iterations "
             f"(250 with exaggeration 12), perplexity 30, PCA initialisation; peers: {versions}, Python {platform.python_version()}. "
             f"{REPEATS} runs of each tool per row, alternating, in one session: times are the median (range); the ratio is of medians. "
             "gan-eval's time includes its kNN/affinities and optimisation, the peers' their whole fit. "
             "gan-eval uses one degree of freedom in 3D; scikit-learn uses two (its own default). "
             "Learning rates: gan-eval's exact method uses scikit-learn's (N/48 throughout); its Barnes-Hut and FFT "
             "methods default to openTSNE's (N/12 during exaggeration, then N, in openTSNE's scale), the schedule the "
             "openTSNE peer uses; rows marked `--learning-rate scikit-learn` run Barnes-Hut with scikit-learn's.", "",
             "| run | N | gan-eval s (KL) | peer s (KL) | gan-eval / peer time | peak RSS gan-eval / peer (MiB) |",
             "|---|---|---|---|---|---|"]
    def spread(r):
        return f"{r['seconds']:.1f} ({min(r['all']):.1f}–{max(r['all']):.1f})" if len(r["all"]) > 1 else f"{r['seconds']:.1f}"
    for label, n, mine, peers in runs:
        for name, p in peers:
            lines.append(f"| {label} | {n:,} | {spread(mine)} ({mine['kl']:.4f}) | {name}: {spread(p)} ({p['kl']:.4f}) | "
                         f"**{mine['seconds'] / p['seconds']:.2f}×** | {mine['rss_mib']:.0f} / {p['rss_mib']:.0f} |")
    def span(values, digits=2):
        return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"
    lines += ["", "Exact against Barnes-Hut in gan-eval at equal iterations (digits, 1,000 iterations, seconds, median (range)); `--method auto` "
              "is set from bench/tsne_crossover_bench.py, which runs each method at its default iterations:", "",
              "| N | dims | exact s | Barnes-Hut s |", "|---|---|---|---|"]
    lines += [f"| {n:,} | {d} | {span(e)} | {span(b)} |" for n, d, e, b in crossover]
    lines += ["", "Barnes-Hut against FFT interpolation in gan-eval (2D Fashion-MNIST PCA-50, openTSNE's learning rates, 1,000 iterations; "
              "150,000 = the first rows of the million-image set of bench/tsne_million_bench.py, one run each), which sets where `auto` takes the FFT:", "",
              "| N | Barnes-Hut s (KL) | FFT s (KL) | FFT / Barnes-Hut time |", "|---|---|---|---|"]
    for n, tree, interpolated in grid:
        t = statistics.median(r["seconds"] for r in tree)
        f = statistics.median(r["seconds"] for r in interpolated)
        lines.append(f"| {n:,} | {span([r['seconds'] for r in tree], 1)} ({tree[0]['kl']:.4f}) | "
                     f"{span([r['seconds'] for r in interpolated], 1)} ({interpolated[0]['kl']:.4f}) | {f / t:.2f}× |")
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/tsne.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
