#!/usr/bin/env python3
"""GAN speed and quality on the 5,000 real digits; writes bench/results/gan.md.

Run by bench/run.sh after a release build (gan-eval and gemm-bench) and the classifier bench
(which trains bench/work/model-digits):
  - speed: images/s of `gan-eval train gan` (conditional MLP GAN, batch 128, 2 threads) over a
    few epochs, turned into a FLOP rate with the sgemm FLOPs of one step, against the rate
    OpenBLAS sgemm itself reaches on the same 39 matrix shapes (gemm-bench), in the same run;
  - quality: the documented default training, then `gan-eval sample -n 4800` (balanced labels)
    and `gan-eval classify` with the digits classifier: accuracy on the intended labels, classes
    covered, and the wall time of the training.
"""
import json, os, platform, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import timed, write_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/gan-eval"))
GEMM = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, ".build/release/gemm-bench"))
WORK = os.path.join(ROOT, "bench/work")



def main():
    digits = os.path.join(WORK, "digits")
    model = os.path.join(WORK, "model-digits")
    if not os.path.isdir(digits):
        timed([BIN, "import", os.path.join(ROOT, "data/mnist_5k.csv.gz"), "--out", digits, "--overwrite"])
    if not os.path.isdir(model):
        timed([BIN, "classifier", "train", digits, "--out", model, "--quiet"])

    # Speed: alternate the two measurements three times and keep the medians (noisy machine).
    ours, blas = [], []
    for _ in range(3):
        _, _, out = timed([BIN, "train", "gan", digits, "--epochs", "4", "--sample-every", "0", "--checkpoint-every", "1000",
                           "--threads", "2", "--json", "--out", os.path.join(WORK, "gan-speed")])
        ours.append(json.loads(out)["results"]["images_per_second"])
        blas.append(json.loads(subprocess.run([GEMM, "2", "128"], capture_output=True, text=True, check=True).stdout))
    ours.sort()
    blas.sort(key=lambda r: r["gflops"])
    images_per_second = ours[1]
    gemm = blas[1]
    our_gflops = images_per_second / 128 * gemm["flop_per_step"] / 1e9
    ratio = our_gflops / gemm["gflops"]

    # Quality: the default training, sampling and classification.
    run = os.path.join(WORK, "gan-default")
    train_s, train_rss, out = timed([BIN, "train", "gan", digits, "--threads", "2", "--json", "--out", run])
    trained = json.loads(out)
    timed([BIN, "sample", run, "-n", "4800", "--out", os.path.join(WORK, "gan-samples"), "--overwrite", "--seed", "1"])
    _, _, out = timed([BIN, "classify", os.path.join(WORK, "gan-samples"), "--model", model, "--real", digits, "--json", "--quiet",
                       "--out", os.path.join(WORK, "gan-classify")])
    judged = json.loads(out)["results"]

    version = subprocess.run([BIN, "--version"], capture_output=True, text=True).stdout.strip()
    p = trained["parameters"]
    lines = [
        "## GAN generator",
        "",
        f"`bench/gan_bench.py`, gan-eval {version}, {os.cpu_count()} cores ({platform.machine()}), 2 threads.",
        "",
        "**Speed** (conditional MLP GAN z(100)+one-hot → 128 → 256 → 512 → 784, D 794 → 512 → 256 → 1, batch 128; "
        "medians of 3 alternating runs):",
        "",
        "| | value |",
        "|---|---:|",
        f"| gan-eval training throughput | {images_per_second:.0f} images/s ({images_per_second / 128:.1f} steps/s) |",
        f"| sgemm FLOPs in one step (39 products: D forward+backward ×3, G ×1) | {gemm['flop_per_step'] / 1e9:.3f} GFLOP |",
        f"| gan-eval effective rate | {our_gflops:.1f} GFLOP/s |",
        f"| OpenBLAS sgemm alone on the same shapes (gemm-bench, 2 threads) | {gemm['gflops']:.1f} GFLOP/s |",
        f"| **ratio** (target ≥ 50%) | **{ratio * 100:.0f}%** |",
        "",
        f"**Quality** (the default training: {p['epochs']} epochs, Adam lr {p['lr']} β1 {p['beta1']}, batch {p['batch']}, "
        f"G norm {p['g_norm']}, D dropout {p['d_dropout']}, real label {p['real_label']}): trained in {train_s:.0f} s "
        f"(peak RSS {train_rss:.0f} MiB); 4,800 samples (480 per digit) read by the digits classifier: "
        f"**{judged['accuracy'] * 100:.1f}%** recognised as their intended digit (target ≥ 80%), "
        f"**{judged['classes_covered']}/10** classes covered, KL(predicted ‖ real) {judged['class_kl_bits']:.4f} bits, "
        f"mean confidence {judged['mean_confidence']:.3f}, IS analogue {judged['inception_score_mean']:.2f} ± {judged['inception_score_std']:.2f}.",
        "",
        "Per-class accuracy: " + ", ".join(f"{k} {v * 100:.0f}%" for k, v in judged["per_class_accuracy"].items()) + ".",
        "",
    ]
    write_section("gan", lines)


if __name__ == "__main__":
    main()
