#!/usr/bin/env python3
"""Writes the feature sets for bench/setstats_bench.py (bench/work/, not committed).

Real data at the classifier's feature dimension (128, Sources/Classifier: the dense-128 layer):
Fashion-MNIST's 10,000 test images (/255), projected onto the top 128 principal axes of the first
5,000. "real" = those 5,000; "fake" = the other 5,000 blurred with gaussian_filter(sigma=0.7).
"""
import gzip, os
import numpy as np
from scipy import ndimage

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
with gzip.open(os.path.join(ROOT, "data/fashion-mnist/t10k-images-idx3-ubyte.gz")) as f:
    images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28) / 255.0
real_px = images[:5000].reshape(5000, 784)
fake_px = np.stack([ndimage.gaussian_filter(im, 0.7) for im in images[5000:]]).reshape(5000, 784)
mean = real_px.mean(0)
_, _, vt = np.linalg.svd(real_px - mean, full_matrices=False)
basis = vt[:128].T
os.makedirs(os.path.join(ROOT, "bench/work"), exist_ok=True)
np.save(os.path.join(ROOT, "bench/work/setstats_real.npy"), ((real_px - mean) @ basis).astype(np.float32))
np.save(os.path.join(ROOT, "bench/work/setstats_fake.npy"), ((fake_px - mean) @ basis).astype(np.float32))
print("wrote bench/work/setstats_real.npy, setstats_fake.npy (5000 x 128 each)")
