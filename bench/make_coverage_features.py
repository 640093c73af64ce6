#!/usr/bin/env python3
"""Feature sets for the interval coverage check (bench/setstats_coverage.py; bench/work/, not committed).

Fashion-MNIST's 60,000 training images (/255) projected onto the top 32 principal axes of the first
20,000: "real" = images 0..19,999; "fake" = images 20,000..39,999 blurred with gaussian_filter(sigma=0.7).
Disjoint blocks of these give independent (real, fake) draws of the same two distributions.
"""
import gzip, os
import numpy as np
from scipy import ndimage

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
with gzip.open(os.path.join(ROOT, "data/fashion-mnist/train-images-idx3-ubyte.gz")) as f:
    images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28) / 255.0
real_px = images[:20000].reshape(20000, 784)
fake_px = np.stack([ndimage.gaussian_filter(im, 0.7) for im in images[20000:40000]]).reshape(20000, 784)
mean = real_px.mean(0)
_, _, vt = np.linalg.svd(real_px - mean, full_matrices=False)
basis = vt[:32].T
os.makedirs(os.path.join(ROOT, "bench/work"), exist_ok=True)
np.save(os.path.join(ROOT, "bench/work/coverage_real.npy"), ((real_px - mean) @ basis).astype(np.float32))
np.save(os.path.join(ROOT, "bench/work/coverage_fake.npy"), ((fake_px - mean) @ basis).astype(np.float32))
print("wrote bench/work/coverage_real.npy, coverage_fake.npy (20000 x 32 each)")
