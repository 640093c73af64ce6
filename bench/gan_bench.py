#!/usr/bin/env python3
"""GAN speed and quality on the 5,000 real digits; writes bench/results/gan.md.

Run by bench/run.sh after a release build (gan-eval and gemm-bench) and the classifier bench
(which trains bench/work/model-digits). `gan_bench.py BIN GEMM [mlp|dcgan|all]`; each part rewrites
its own block of bench/results/gan.md. The MLP part:
  - speed: images/s of `gan-eval train gan` (conditional MLP GAN, batch 128, 2 threads) over a
    few epochs, turned into a FLOP rate with the sgemm FLOPs of one step, against the rate
    OpenBLAS sgemm itself reaches on the same 39 matrix shapes (gemm-bench), in the same run;
  - quality: the documented default training, then `gan-eval sample -n 4800` (balanced labels)
    and `gan-eval classify` with the digits classifier: accuracy on the intended labels, classes
    covered, and the wall time of the training.
"""
import gzip, json, os, platform, resource, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import timed  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/gan-eval"))
GEMM = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, ".build/release/gemm-bench"))
WORK = os.path.join(ROOT, "bench/work")
PART = sys.argv[3] if len(sys.argv) > 3 else "all"
TORCH_PYTHON = "/usr/bin/python3"  # Debian's python3-torch lives in the system python, not .venv


def update_part(name, lines):
    """Rewrites the block `name` of bench/results/gan.md (BENCHMARKS.md is assembled from it)."""
    path = os.path.join(ROOT, "bench/results/gan.md")
    text = open(path).read() if os.path.exists(path) else ""
    begin, end = f"<!-- begin {name} -->", f"<!-- end {name} -->"
    block = "\n".join([begin] + lines + [end])
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = (text.rstrip() + "\n\n" if text.strip() else "") + block + "\n"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
    print("\n".join(lines))


def measured(cmd):
    """Runs cmd; returns (stdout, wall seconds, CPU seconds of the child, 1-minute load before)."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc.stdout, wall, cpu, load



def digits_set():
    digits = os.path.join(WORK, "digits")
    if not os.path.isdir(digits):
        timed([BIN, "import", os.path.join(ROOT, "data/mnist_5k.csv.gz"), "--out", digits, "--overwrite"])
    return digits


def mlp():
    digits = digits_set()
    model = os.path.join(WORK, "model-digits")
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
    update_part("mlp", lines)


# The DCGAN variants: gan-eval options and the same model in the PyTorch peer (bench/gan_torch.py).
VARIANTS = [
    ("batch norm (default)", [], []),
    ("instance + spectral norm + progressive", ["--g-norm", "instance", "--spectral-norm", "true", "--progressive", "true"],
     ["--g-norm", "instance", "--spectral-norm", "--progressive"]),
    ("instance norm", ["--g-norm", "instance"], ["--g-norm", "instance"]),
    ("spectral norm", ["--spectral-norm", "true"], ["--spectral-norm"]),
]
EPOCHS = 1
SPEED_IMAGES = 2560  # the first 2,560 digits: 20 steps of 128 images per run (keeps 24 runs short on a busy machine)
REPEATS = int(os.environ.get("GAN_BENCH_REPEATS", "3"))  # alternating runs per variant


def spread(values):
    values = sorted(values)
    return values[len(values) // 2], values[0], values[-1]


def dcgan():
    """`--arch dcgan` against PyTorch (same layers, 2 threads) and against OpenBLAS sgemm's rate at
    the model's nominal FLOPs; the runs alternate so both see the same machine load."""
    rows_csv = os.path.join(WORK, f"digits-{SPEED_IMAGES}.csv.gz")
    digits = os.path.join(WORK, f"digits-{SPEED_IMAGES}")
    if not os.path.isdir(digits):
        with gzip.open(os.path.join(ROOT, "data/mnist_5k.csv.gz"), "rt") as src, gzip.open(rows_csv, "wt") as dst:
            for _, line in zip(range(SPEED_IMAGES), src):
                dst.write(line)
        timed([BIN, "import", rows_csv, "--out", digits, "--overwrite"])
    steps = SPEED_IMAGES // 128
    if subprocess.run([TORCH_PYTHON, "-c", "import torch"], capture_output=True).returncode != 0:
        sys.exit("PyTorch for the system python3 is missing: apt-get install python3-torch (bench/run.sh does it)")
    rows, loads, gemm = [], [], []
    for name, ours_options, torch_options in VARIANTS:
        ours, theirs, ours_cpu, theirs_cpu = [], [], [], []
        for _ in range(REPEATS):
            out, _, cpu, load = measured([BIN, "train", "gan", digits, "--arch", "dcgan", "--epochs", str(EPOCHS), "--sample-every", "0",
                                          "--checkpoint-every", "1000", "--threads", "2", "--json", "--out", os.path.join(WORK, "gan-dcgan-speed")]
                                         + ours_options)
            rate = json.loads(out)["results"]["images_per_second"]
            ours.append(rate)
            ours_cpu.append(EPOCHS * steps * 128 / cpu)
            loads.append(load)
            out, _, cpu, load = measured([TORCH_PYTHON, os.path.join(ROOT, "bench/gan_torch.py"), "--epochs", str(EPOCHS), "--threads", "2",
                                          "--data", rows_csv] + torch_options)
            theirs.append(json.loads(out)["images_per_second"])
            theirs_cpu.append(EPOCHS * steps * 128 / cpu)
            loads.append(load)
            if not ours_options:
                out, _, _, _ = measured([GEMM, "2", "128", "dcgan"])
                gemm.append(json.loads(out))
        ratios = [a / b for a, b in zip(ours, theirs)]
        rows.append((name, spread(ours), spread(theirs), spread(ratios), spread(ours_cpu), spread(theirs_cpu)))
        write_dcgan(rows, loads, gemm, steps)  # after every variant: a long run on a busy machine keeps what it has


def write_dcgan(rows, loads, gemm, steps):
    torch_version = subprocess.run(
        [TORCH_PYTHON, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True).stdout.strip()
    flop = gemm[0]["flop_per_step"]
    default_ours = rows[0][1]
    blas = spread([g["gflops"] for g in gemm])
    ours_gflops = default_ours[0] / 128 * flop / 1e9
    # gan-eval runs fewer multiply-adds than the nominal count: the ×2 upsampling is absorbed into
    # the next 3×3 convolution (four 2×2 sub-pixel phases, 4/9 of the work), the last layer is
    # shift-and-add. Its executed GEMM FLOPs per image:
    executed = 3 * (2 * 3 * 64 * 176 * 196 + 2 * 3 * 128 * 1024 * 49 + 2 * 3 * 6272) + 2 * 3 * 110 * 6272 \
        + 2 * 3 * 4 * 64 * 512 * 49 + 2 * 3 * 16 * 64 * 196
    version = subprocess.run([BIN, "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        "### DCGAN training against PyTorch",
        "",
        f"`bench/gan_bench.py BIN GEMM dcgan`, gan-eval {version} against PyTorch {torch_version} on CPU (Debian's python3-torch, "
        f"`bench/gan_torch.py`, same layers, losses, Adam and step), {os.cpu_count()} cores ({platform.machine()}), 2 threads each; "
        f"`--arch dcgan`, conditional, 28×28, batch 128, {EPOCHS} epoch of {steps} steps per run on the first {SPEED_IMAGES:,} digits; "
        f"{REPEATS} alternating runs per variant: median [min–max]. 1-minute load average during the runs "
        f"{min(loads):.1f}–{max(loads):.1f} on 2 cores (shared machine: wall-clock rates are depressed, read the ratios).",
        "",
        "| variant | gan-eval images/s | PyTorch images/s | ratio | gan-eval images per CPU-second | PyTorch images per CPU-second |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, o, t, r, oc, tc in rows:
        lines.append(f"| {name} | {o[0]:.0f} [{o[1]:.0f}–{o[2]:.0f}] | {t[0]:.0f} [{t[1]:.0f}–{t[2]:.0f}] | "
                     f"**{r[0]:.2f}×** [{r[1]:.2f}–{r[2]:.2f}] | {oc[0]:.0f} [{oc[1]:.0f}–{oc[2]:.0f}] | {tc[0]:.0f} [{tc[1]:.0f}–{tc[2]:.0f}] |")
    lines += [
        "",
        *([f"Not measured in this run (stopped early): {', '.join(v[0] for v in VARIANTS[len(rows):])}.", ""] if len(rows) < len(VARIANTS) else []),
        "The ratio is taken per pair of adjacent runs (target ≥ 1.5×). Against OpenBLAS, at the model's nominal FLOPs "
        "(each convolution as one whole-batch im2col product per pass, the upsampled ones at full size: what a framework runs):",
        "",
        "| | value |",
        "|---|---:|",
        f"| nominal FLOPs in one step (D forward+backward ×3, G ×1) | {flop / 1e9:.2f} GFLOP ({flop / 128 / 1e6:.0f} MFLOP per image) |",
        f"| gan-eval's executed GEMM FLOPs per image (upsampling absorbed, shift-and-add last layer) | {executed / 1e6:.0f} MFLOP |",
        f"| gan-eval nominal rate (median images/s × nominal FLOPs) | {ours_gflops:.1f} GFLOP/s |",
        f"| OpenBLAS sgemm alone on the nominal shapes (gemm-bench dcgan, 2 threads) | {blas[0]:.1f} GFLOP/s [{blas[1]:.1f}–{blas[2]:.1f}] |",
        f"| **ratio** (target ≥ 60%) | **{ours_gflops / blas[0] * 100:.0f}%** (on executed FLOPs: "
        f"{default_ours[0] * executed / 1e9 / blas[0] * 100:.0f}%) |",
        "",
    ]
    update_part("dcgan", lines)


if __name__ == "__main__":
    if PART in ("mlp", "all"):
        mlp()
    if PART in ("dcgan", "all"):
        dcgan()
