#!/usr/bin/env python3
"""The Python peer: what a user of Pillow + scikit-image + numpy + scipy runs for the same job.

Usage: python_peer.py entropy|histogram|gaussian[-rgb] DIR [OUTDIR]
Prints one JSON line: {"task", "images", "seconds"} (seconds exclude interpreter start-up).
The -rgb tasks compute what gan-eval reports for an RGB set: the entropy of the H×W×3 array and
of each channel; histograms of R, G, B and the luminance; the filter per channel, σ = (1, 1, 0).
"""
import json, os, sys, time
import numpy as np
from PIL import Image

task, root = sys.argv[1], sys.argv[2]
start = time.perf_counter()
files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root, followlinks=True)
               for f in fs if f.lower().endswith(".png"))
if task == "entropy":
    from skimage.measure import shannon_entropy
    with open(os.path.join(sys.argv[3], "entropy.csv"), "w") as out:
        out.write("file,entropy_bits\n")
        for f in files:
            img = np.asarray(Image.open(os.path.join(root, f)).convert("L"))
            out.write(f"{f},{shannon_entropy(img, base=2)!r}\n")
elif task == "histogram":
    counts = np.zeros(256, dtype=np.int64)
    for f in files:
        img = np.asarray(Image.open(os.path.join(root, f)).convert("L"))
        counts += np.histogram(img / 255.0, bins=256, range=(0.0, 1.0))[0]
    with open(os.path.join(sys.argv[3], "histogram.csv"), "w") as out:
        out.write("bin,count\n" + "".join(f"{i},{c}\n" for i, c in enumerate(counts)))
elif task == "gaussian":
    from scipy import ndimage
    out_root = sys.argv[3]
    for f in files:
        img = np.asarray(Image.open(os.path.join(root, f)).convert("L"), dtype=np.float64)
        smoothed = np.clip(np.round(ndimage.gaussian_filter(img, 1.0, mode="reflect", truncate=4.0)), 0, 255)
        target = os.path.join(out_root, f)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        Image.fromarray(smoothed.astype(np.uint8), "L").save(target)
elif task == "entropy-rgb":
    from skimage.measure import shannon_entropy
    with open(os.path.join(sys.argv[3], "entropy.csv"), "w") as out:
        out.write("file,entropy_bits,entropy_r_bits,entropy_g_bits,entropy_b_bits\n")
        for f in files:
            img = np.asarray(Image.open(os.path.join(root, f)).convert("RGB"))
            values = [shannon_entropy(img, base=2)] + [shannon_entropy(img[..., c], base=2) for c in range(3)]
            out.write(f + "," + ",".join(repr(v) for v in values) + "\n")
elif task == "histogram-rgb":
    counts = np.zeros((4, 256), dtype=np.int64)
    for f in files:
        image = Image.open(os.path.join(root, f)).convert("RGB")
        img = np.asarray(image)
        for c in range(3):
            counts[c] += np.histogram(img[..., c] / 255.0, bins=256, range=(0.0, 1.0))[0]
        counts[3] += np.histogram(np.asarray(image.convert("L")) / 255.0, bins=256, range=(0.0, 1.0))[0]
    with open(os.path.join(sys.argv[3], "histogram.csv"), "w") as out:
        out.write("channel,bin,count\n")
        for name, row in zip(["R", "G", "B", "luma"], counts):
            out.write("".join(f"{name},{i},{c}\n" for i, c in enumerate(row)))
elif task == "gaussian-rgb":
    from scipy import ndimage
    out_root = sys.argv[3]
    for f in files:
        img = np.asarray(Image.open(os.path.join(root, f)).convert("RGB"), dtype=np.float64)
        smoothed = np.clip(np.round(ndimage.gaussian_filter(img, (1.0, 1.0, 0), mode="reflect", truncate=4.0)), 0, 255)
        target = os.path.join(out_root, f)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        Image.fromarray(smoothed.astype(np.uint8), "RGB").save(target)
else:
    sys.exit(f"unknown task {task}")
print(json.dumps({"task": task, "images": len(files), "seconds": time.perf_counter() - start}))
