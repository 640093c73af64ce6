#!/usr/bin/env python3
"""Where `--method auto` switches from exact to Barnes-Hut, with each method at its default
iteration count (`TSNEOptions.defaultIterations`: exact 1,000, Barnes-Hut 750), as a user who
gives no options runs them.

Usage: bench/tsne_crossover_bench.py TSNE_BENCH_BIN   Writes bench/results/tsne_crossover.md.
Input: rows (i·5000)//N of the 5,000 MNIST digits, PCA-50 (numpy SVD, as bench/tsne_bench.py),
2 threads, perplexity 30; gan-eval's default learning rates (scikit-learn's for exact, openTSNE's
for Barnes-Hut). TSNE_BENCH_REPEATS alternating runs (default 3); median (range).
"""
import os, statistics, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsne_bench as tb
from common import median_range, write_section  # noqa: E402

SIZES = (750, 1000, 1250, 1500, 2000)
REPEATS = int(os.environ.get("TSNE_BENCH_REPEATS", "3"))


def digits(n):
    path = os.path.join(tb.WORK, f"digits{n}.npy")
    if not os.path.exists(path):
        rows = np.load(tb.inputs()["digits5000"])
        np.save(path, np.ascontiguousarray(rows[(np.arange(n) * 5000) // n]))
    return path


def run(path, dims, method, iterations):
    return tb.timed([tb.BIN, path, str(dims), method, str(iterations), tb.THREADS])


def main():
    lines = ["## t-SNE: exact against Barnes-Hut at their default iterations (where `auto` switches)", "",
             "Rows (i·5000)//N of the 5,000 MNIST digits, PCA-50, 2 threads, perplexity 30, each method at its default: exact 1,000 "
             "iterations with scikit-learn's learning rate, Barnes-Hut 750 with openTSNE's (bench/tsne_crossover_bench.py; "
             f"seconds, median (range) of {REPEATS} alternating runs).", "",
             "| N | dims | exact s (KL) | Barnes-Hut s (KL) | Barnes-Hut / exact time |", "|---|---|---|---|---|"]
    for n in SIZES:
        path = digits(n)
        for dims in (2, 3):
            exact, tree = [], []
            for _ in range(REPEATS):
                exact.append(run(path, dims, "exact", 1000))
                tree.append(run(path, dims, "barnes-hut", 750))
            e = [r["seconds"] for r in exact]
            b = [r["seconds"] for r in tree]
            lines.append(f"| {n:,} | {dims} | {median_range(e, 2)} ({exact[0]['kl']:.4f}) | {median_range(b, 2)} ({tree[0]['kl']:.4f}) | "
                         f"{statistics.median(b) / statistics.median(e):.2f}× |")
            print(lines[-1], file=sys.stderr, flush=True)
    write_section("tsne_crossover", lines + [""])


if __name__ == "__main__":
    main()
