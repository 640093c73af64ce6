#!/usr/bin/env python3
"""3D t-SNE: gan-eval's FFT interpolation against its Barnes-Hut and scikit-learn's 3D Barnes-Hut.

Usage: bench/tsne_fft3d_bench.py TSNE_BENCH_BIN   (inputs from bench/tsne_bench.py's PCA-50 sets)
Same PCA-50 input, 2 threads, perplexity 30, PCA initialisation. gan-eval's FFT and Barnes-Hut both
run openTSNE's learning rates (the FFT method's default), so their KL estimates compare the gradient
alone; Barnes-Hut with scikit-learn's rate is listed too. Writes
bench/results/tsne_fft3d.md.
"""
import os, statistics, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsne_bench as tb

REPEATS = 3


def ours(path, method, iterations=1000, schedule=None, grid=None):
    """One run; a run that diverges (a clear error from gan-eval) is returned as {"diverged": message}."""
    env = dict(os.environ, TSNE_THETA="0.5")
    if schedule:
        env["TSNE_SCHEDULE"] = schedule
    for key, value in (grid or {}).items():
        env[key] = str(value)
    def diverged(stderr):
        line = next((line for line in stderr.splitlines() if "diverged" in line), None)
        return {"diverged": line.removeprefix("tsne-bench: ")} if line else None
    return tb.timed([tb.BIN, path, "3", method, str(iterations), tb.THREADS], env=env, on_failure=diverged)


def spread(runs):
    seconds = [r["seconds"] for r in runs]
    return f"{statistics.median(seconds):.1f} ({min(seconds):.1f}–{max(seconds):.1f}, {len(seconds)} runs)"


def main():
    paths = tb.inputs()
    lines = ["## t-SNE in 3D: FFT interpolation against Barnes-Hut", "",
             "Same PCA-50 input, 2 threads, perplexity 30, 1,000 iterations (250 exaggerated), PCA initialisation, "
             "one degree of freedom (scikit-learn: two, its default); bench/tsne_fft3d_bench.py, one session on a quiet machine "
             "(times are median (min–max) over the runs listed). gan-eval's Barnes-Hut and FFT rows use "
             "openTSNE's learning rates unless marked, so their KL estimates differ by the gradient only.", "",
             "| run | N | seconds | KL | KL / Barnes-Hut's (same rates) | time / Barnes-Hut's | final span |", "|---|---|---|---|---|---|---|"]
    digits = paths["digits2000"]
    bh = [ours(digits, "barnes-hut", schedule="opentsne") for _ in range(REPEATS)]
    bh_default = [ours(digits, "barnes-hut", schedule="scikit-learn") for _ in range(REPEATS)]
    sk = [tb.peer("sklearn", digits, 3, "barnes_hut") for _ in range(REPEATS)]
    base_t = statistics.median(r["seconds"] for r in bh)
    base_kl = bh[0]["kl"]
    def row(label, n, runs):
        if "diverged" in runs[0]:
            lines.append(f"| {label} | {n:,} | – | {runs[0]['diverged']} | – | – | – |")
            print(lines[-1], file=sys.stderr, flush=True)
            return
        t = statistics.median(r["seconds"] for r in runs)
        span = f"{runs[0]['span']:.0f}" if "span" in runs[0] else "–"
        lines.append(f"| {label} | {n:,} | {spread(runs)} | {runs[0]['kl']:.4f} | {runs[0]['kl'] / base_kl:.3f} | "
                     f"**{t / base_t:.2f}×** | {span} |")
        print(lines[-1], file=sys.stderr, flush=True)
    row("gan-eval Barnes-Hut θ 0.5", 2000, bh)
    row("gan-eval Barnes-Hut θ 0.5, scikit-learn's rate", 2000, bh_default)
    row("scikit-learn Barnes-Hut 3D (dof 2, its own KL)", 2000, sk)
    for label, grid in [("FFT, default grid (2 nodes per unit interval, side ≤ 128)", {}),
                        ("FFT, 3 nodes per unit interval, side ≤ 128", {"TSNE_FFT3_NODES": 3}),
                        ("FFT, 2 nodes per 2-unit interval, side ≤ 128", {"TSNE_FFT3_WIDTH": 2})]:
        row(label, 2000, [ours(digits, "fft", schedule="opentsne", grid=grid)])
    # 20,000 Fashion-MNIST, the size: full runs of each method, and scikit-learn's 3D Barnes-Hut
    fashion = paths["fashion20000"]
    big_bh = [ours(fashion, "barnes-hut", schedule="opentsne") for _ in range(2)]
    big_fft = [ours(fashion, "fft", schedule="opentsne")]
    big_sk = [tb.peer("sklearn", fashion, 3, "barnes_hut")]
    lines += ["", "20,000 Fashion-MNIST (the issue's size), 1,000 iterations:", "",
              "| run | N | seconds | KL | KL / Barnes-Hut's (same rates) | time / Barnes-Hut's | final span |", "|---|---|---|---|---|---|---|"]
    base_t = statistics.median(r["seconds"] for r in big_bh)
    base_kl = big_bh[0]["kl"]
    row("gan-eval Barnes-Hut θ 0.5", 20000, big_bh)
    row("gan-eval FFT, default grid", 20000, big_fft)
    row("scikit-learn Barnes-Hut 3D (dof 2, its own KL)", 20000, big_sk)
    fft_t, fft_kl = big_fft[0]["seconds"], big_fft[0]["kl"]
    lines += ["", f"At 20,000 images the 3D FFT took {fft_t / base_t:.2f}× Barnes-Hut's time at a KL {fft_kl / base_kl:.3f}× Barnes-Hut's; "
              "the issue's target is at most 0.5× the time at a KL within 2%. After exaggeration a 3D embedding spans "
              f"{big_bh[0]['span']:.0f} units here; intervals of one unit would take a grid of side 2·nodes·span per axis, so the side is "
              "capped (128) and the intervals widen until the Lagrange interpolation misses the kernel's peak: the near-field "
              "repulsion is under-estimated, the embedding contracts (final span above) and KL rises; a finer grid (3 nodes) "
              "diverged. `--method auto` never picks FFT in 3D."]
    os.makedirs(os.path.join(tb.ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(tb.ROOT, "bench/results/tsne_fft3d.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
