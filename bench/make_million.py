"""Writes the scale benchmark's sample sets once, under bench/work/ (git-ignored):

  bench/work/fashion70k/   the 70,000 Fashion-MNIST images (train then test), PNG, one folder per class
  bench/work/million/      1,000,000 images: each of the 70,000 shifted by (dx, dy) in {-1, 0, 1}^2 and
                           optionally mirrored left-right (18 variants), in that order, cut at 1,000,000

File names are <class>/<variant>-<index>.png, so the class folders are the labels. Shifts fill
with black (0). Existing sets with the right file count are left alone.

Usage: .venv/bin/python bench/make_million.py [--count 1000000] [--workers 2]
"""

import argparse
import gzip
import os
import sys
from multiprocessing import Pool

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(ROOT, "..", "data", "fashion-mnist")
WORK = os.path.join(ROOT, "work")
VARIANTS = [(dx, dy, flip) for flip in (False, True) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
VARIANTS.sort(key=lambda v: (v != (0, 0, False)))  # the unchanged images first


def idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def variant(image, dx, dy, flip):
    out = np.zeros_like(image)
    h, w = image.shape
    src = image[:, ::-1] if flip else image
    out[max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)] = src[max(0, -dy):h + min(0, -dy), max(0, -dx):w + min(0, -dx)]
    return out


def write_range(args):
    directory, images, labels, start, stop = args
    n = len(images)
    for k in range(start, stop):
        v, i = divmod(k, n)
        dx, dy, flip = VARIANTS[v]
        path = os.path.join(directory, str(labels[i]), f"{v:02d}-{i:05d}.png")
        Image.fromarray(variant(images[i], dx, dy, flip)).save(path, compress_level=6)
    return stop - start


def count_pngs(directory):
    return sum(len([f for f in files if f.endswith(".png")]) for _, _, files in os.walk(directory))


def make(directory, images, labels, count, workers):
    if os.path.isdir(directory) and count_pngs(directory) == count:
        print(f"{directory}: {count} images already there")
        return
    for c in range(10):
        os.makedirs(os.path.join(directory, str(c)), exist_ok=True)
    step = 5000
    jobs = [(directory, images, labels, s, min(count, s + step)) for s in range(0, count, step)]
    done = 0
    with Pool(workers) as pool:
        for n in pool.imap_unordered(write_range, jobs):
            done += n
            print(f"\r{directory}: {done}/{count}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    images = np.concatenate([idx("train-images-idx3-ubyte.gz"), idx("t10k-images-idx3-ubyte.gz")])
    labels = np.concatenate([idx("train-labels-idx1-ubyte.gz"), idx("t10k-labels-idx1-ubyte.gz")])
    assert args.count <= len(images) * len(VARIANTS)
    make(os.path.join(WORK, "fashion70k"), images, labels, len(images), args.workers)
    make(os.path.join(WORK, "million"), images, labels, args.count, args.workers)


if __name__ == "__main__":
    main()
