#!/usr/bin/env python3
"""Side-by-side benchmark of gan-eval against the Python peer, in one run; writes BENCHMARKS.md.

Usage: bench/bench.py BIN   (make bench does set-up first)
Workloads on the 60,000 Fashion-MNIST training images written as PNGs:
  load + entropy, load + histogram (gan-eval on 2 threads vs Pillow + scikit-image / numpy),
  load + Gaussian filter + write PNGs (gan-eval on 2 threads vs Pillow + scipy.ndimage);
and the same three on 50,000 colour images: the first 50,000 training images painted as
Colored-MNIST is (scripts/colored_mnist.py's colours, seed 0), imported from an .npz as RGB PNGs.
Each gan-eval run is repeated 3 times (median); the Python peer runs once per task (it is slow and
its spread is small against the ratio). Peak memory is the maximum resident set size (GNU time).
"""
import json, os, platform, re, shutil, statistics, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import timed  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/gan-eval"))
WORK = os.path.join(ROOT, "bench/work")
PY = os.path.join(ROOT, ".venv/bin/python")
FASHION = os.path.join(ROOT, "data/fashion-mnist")



def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


# Directories of written PNGs, removed only after the last timed run. ext4 passes over inodes freed
# in the last 60-300 s when it creates files (fs/ext4/ialloc.c, recently_deleted): on this machine,
# writing 60,000 PNGs right after deleting 60,000 took 36-40 s instead of 4-5 s, for any writer.
# So no timed run writes after a large deletion: every run gets a new directory, the sets are made
# once, and the written directories go at the end.
WRITTEN = []


def new_directory(name):
    path = os.path.join(WORK, f"{name}-{os.getpid()}-{len(WRITTEN)}")
    WRITTEN.append(path)
    return path


def imported(source, target):
    """The IDX file `source` imported as PNGs into `target`, once."""
    if not os.path.isdir(target):
        subprocess.run([BIN, "import", source, "--out", target + ".partial", "--overwrite", "--quiet"], check=True)
        os.rename(target + ".partial", target)
    return target


def main():
    os.makedirs(WORK, exist_ok=True)
    train = imported(f"{FASHION}/train-images-idx3-ubyte.gz", os.path.join(WORK, "fashion-train"))
    test = imported(f"{FASHION}/t10k-images-idx3-ubyte.gz", os.path.join(WORK, "fashion-test"))
    all70k = fresh(os.path.join(WORK, "fashion-all"))
    os.symlink(train, os.path.join(all70k, "train"))
    os.symlink(test, os.path.join(all70k, "test"))
    color = colored_fashion(50000)
    os.sync()  # the sets' pages are written back before anything is timed

    import_s, import_mb, _ = timed([BIN, "import", f"{FASHION}/train-images-idx3-ubyte.gz", "--out", new_directory("import")])
    rows = run_tasks(train, 60000, "")
    color_rows = run_tasks(color, 50000, "-rgb")

    mem_s, mem_mb, _ = timed([BIN, "entropy", all70k, "--threads", "2", "--quiet", "--out", fresh(os.path.join(WORK, "out-70k"))])
    write_results(rows, color_rows, mem_s, mem_mb, import_s, import_mb)
    for path in WRITTEN:
        shutil.rmtree(path, ignore_errors=True)


def colored_fashion(count):
    """The first `count` Fashion-MNIST training images in Colored-MNIST's colours, as RGB PNGs."""
    target = os.path.join(WORK, f"fashion-rgb-{count}")
    if os.path.isdir(target):
        return target
    npz = os.path.join(WORK, f"fashion-rgb-{count}.npz")
    code = (
        "import gzip, sys, numpy as np; sys.path.insert(0, 'scripts'); from colored_mnist import colour; "
        f"x = np.frombuffer(gzip.open('{FASHION}/train-images-idx3-ubyte.gz').read(), np.uint8, offset=16).reshape(-1, 28, 28)[:{count}]; "
        f"y = np.frombuffer(gzip.open('{FASHION}/train-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)[:{count}].astype(np.int64); "
        f"np.savez('{npz}', x=colour(x.astype(np.float64), y, 0), y=y)"
    )
    subprocess.run([PY, "-c", code], check=True, cwd=ROOT)
    subprocess.run([BIN, "import", npz, "--out", target + ".partial", "--overwrite", "--quiet"], check=True)
    os.rename(target + ".partial", target)
    os.remove(npz)
    return target


def run_tasks(images, count, suffix):
    """gan-eval (median of 3) and the Python peer (1 run) on entropy, histogram and the filter."""
    rows = []
    tasks = [
        ("load + entropy", "entropy", ["entropy", images, "--threads", "2", "--quiet"]),
        ("load + histogram (256 bins)", "histogram", ["histogram", images, "--threads", "2", "--quiet"]),
        ("load + Gaussian filter σ=1 + write PNGs", "gaussian", ["filter", images, "--sigma", "1", "--threads", "2", "--quiet"]),
    ]
    for label, task, args in tasks:
        ours = []
        for _ in range(3):
            out = new_directory(f"out-{task}{suffix}") if task == "gaussian" else fresh(os.path.join(WORK, f"out-{task}"))
            wall, rss, _ = timed([BIN] + args + ["--out", out])
            ours.append((wall, rss))
        our_s = statistics.median(w for w, _ in ours)
        our_mb = max(r for _, r in ours)
        if task == "gaussian":
            out = new_directory(f"py-{task}{suffix}")
            os.makedirs(out)
        else:
            out = fresh(os.path.join(WORK, f"py-{task}"))
        wall, py_mb, stdout = timed([PY, os.path.join(ROOT, "bench/python_peer.py"), task + suffix, images, out])
        peer = json.loads(stdout.strip().splitlines()[-1])
        assert peer["images"] == count, peer
        rows.append(dict(label=label, n=count, ours=our_s, ours_mb=our_mb, peer=wall, peer_inner=peer["seconds"], peer_mb=py_mb))
        print(f"{label}{suffix}: gan-eval {our_s:.2f} s, python {wall:.2f} s, ratio {wall / our_s:.1f}x", file=sys.stderr)
    return rows


def table(rows):
    lines = [
        "| task | N | gan-eval (s) | Python peer (s) | speed-up (peer / gan-eval) | gan-eval images/s | peak RSS gan-eval / peer (MiB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['n']:,} | {r['ours']:.2f} | {r['peer']:.2f} | **{r['peer'] / r['ours']:.1f}×** | "
            f"{r['n'] / r['ours']:,.0f} | {r['ours_mb']:.0f} / {r['peer_mb']:.0f} |")
    return lines


def write_results(rows, color_rows, mem_s, mem_mb, import_s, import_mb):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    lines = [
        "## Pixel metrics and the Gaussian filter",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores. gan-eval {subprocess.run([BIN, '--version'], capture_output=True, text=True).stdout.strip()} "
        f"(release build, `--threads 2`); peer: Python {platform.python_version()} with "
        + ", ".join(f"{m} {v}" for m, v in peer_versions().items()) + " (one process, as the notebooks run it).",
        "The machine is shared and noisy: read ratios, not absolute times. gan-eval: median of 3 runs; peer: 1 run.",
        "",
        "60,000 Fashion-MNIST training images (28×28 PNG):",
        "",
    ] + table(rows) + [
        "",
        "50,000 colour images (28×28 RGB PNG: the first 50,000 Fashion-MNIST training images in Colored-MNIST's colours, "
        "scripts/colored_mnist.py seed 0). gan-eval keeps RGB; the peer computes what gan-eval reports for a colour set: "
        "the entropy of the H×W×3 array and of each channel, histograms of R, G, B and the luminance (`convert('L')`), "
        "and the filter with σ = (1, 1, 0):",
        "",
    ] + table(color_rows) + [
        "",
        "Both sides time the whole job as a user runs it: process start, directory scan, PNG decoding, the metric and "
        "writing the output (entropy.csv / histogram.csv / the filtered PNG set). The peer's code is bench/python_peer.py: "
        "`Image.open(f).convert('L')`, `skimage.measure.shannon_entropy(img, base=2)`, `np.histogram(img/255.0, 256, (0,1))`, "
        "`scipy.ndimage.gaussian_filter(img.astype(float64), 1.0)` then `Image.save`. Each filter run, ours and the peer's, "
        "writes into a new directory, and the written directories are deleted only after the last timed run: ext4 passes over "
        "inodes freed in the last 60–300 s when it creates files, and on this machine writing 60,000 PNGs right after deleting "
        "60,000 took 36–40 s instead of 4–5 s, whichever tool wrote them.",
        "",
        f"Memory, all 70,000 Fashion-MNIST images (train + test) as one set: `gan-eval entropy` over the 70,000 PNGs: {mem_s:.2f} s, peak RSS **{mem_mb:.0f} MiB** (target: under 1 GB).",
        "",
        f"Writing the 60,000 training images as PNGs (`gan-eval import` of the IDX file): {import_s:.2f} s, peak RSS {import_mb:.0f} MiB.",
        "",
    ]
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/pixel.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


def peer_versions():
    code = "import numpy, scipy, skimage, PIL, json; print(json.dumps({'numpy': numpy.__version__, 'scipy': scipy.__version__, 'scikit-image': skimage.__version__, 'Pillow': PIL.__version__}))"
    return json.loads(subprocess.run([PY, "-c", code], capture_output=True, text=True).stdout)


if __name__ == "__main__":
    main()
