#!/usr/bin/env python3
"""How many neighbours a 3D t-SNE point has within a radius R, and how much of the normaliser Z
those pairs carry: the numbers that decide whether a near-field/far-field split (pairs within R
summed directly, a smooth remainder on a coarse FFT grid) could make 3D FFT t-SNE faster than
Barnes-Hut.

Usage: bench/tsne_fft3d_nearfield.py GAN_EVAL_BIN   (prints a Markdown table; ~20 s)
Embeds the first 20,000 Fashion-MNIST training PNGs (bench/work/fashion-train, made by
bench/tsne_e2e_bench.py) in 3D with Barnes-Hut, 1,000 iterations, 2 threads, then counts with a
k-d tree (scipy). Z's shares are over 500 seeded points.
"""
import csv, os, subprocess, sys, tempfile
import numpy as np
from scipy.spatial import cKDTree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/gan-eval"))
with tempfile.TemporaryDirectory() as out:
    subprocess.run([BIN, "tsne", os.path.join(ROOT, "bench/work/fashion-train"), "--max-per-set", "20000", "--dims", "3",
                    "--method", "barnes-hut", "--iterations", "1000", "--threads", "2", "--quiet", "--out", out], check=True, stdout=subprocess.DEVNULL)
    y = np.array([[float(r["x"]), float(r["y"]), float(r["z"])] for r in csv.DictReader(open(os.path.join(out, "tsne.csv")))])
tree = cKDTree(y)
sample = np.random.default_rng(0).choice(len(y), 500, replace=False)
print(f"{len(y):,} points, span per axis {', '.join(f'{s:.0f}' for s in np.ptp(y, axis=0))}, "
      f"median nearest-neighbour distance {np.median(tree.query(y, k=2)[0][:, 1]):.2f}")
print("\n| R | mean neighbours within R | share of Z from pairs within R |\n|---:|---:|---:|")
for radius in (2, 3, 5, 8, 12, 25):
    count = tree.query_ball_point(y, radius, return_length=True) - 1
    near = far = 0.0
    for i in sample:
        r2 = ((y - y[i]) ** 2).sum(1)
        r2[i] = np.inf
        k = 1 / (1 + r2)
        near += k[r2 < radius * radius].sum()
        far += k[r2 >= radius * radius].sum()
    print(f"| {radius} | {count.mean():.1f} | {near / (near + far):.3f} |")
