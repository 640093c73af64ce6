#!/usr/bin/env python3
"""Cost of the bootstrap intervals: FD + KID + PRDC + 1-NN on 5,000 x 5,000 real features at d = 128,
without intervals (today's engines) and with B = 200 replicates (SetStatistics), alternating in
one process, repeated. Writes bench/results/setstats.md.

Run: .venv/bin/python bench/make_setstats_features.py &&
     swift build -c release --product setstats-bench &&
     .venv/bin/python bench/setstats_bench.py [.build/release/setstats-bench] [repeats]
"""
import json, os, statistics, subprocess, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/setstats-bench"))
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
real, fake = (os.path.join(ROOT, f"bench/work/setstats_{s}.npy") for s in ("real", "fake"))
if not os.path.exists(real):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench/make_setstats_features.py")], check=True)
out = subprocess.run([BIN, real, fake, "200", str(REPEATS), "2"], check=True, capture_output=True, text=True).stdout
lines = [json.loads(l) for l in out.splitlines()]
head, runs = lines[0], lines[1:]
wall = [r["bootstrap_s"] / r["plain_s"] for r in runs]
cpu = [r["bootstrap_cpu_s"] / r["plain_cpu_s"] for r in runs]
last = runs[-1]
p, b = last["plain"], last["bootstrap"]


def spread(xs):
    return f"median {statistics.median(xs):.2f}, min {min(xs):.2f}, max {max(xs):.2f}"


uptime = open("/proc/loadavg").read().split()[:3]
md = f"""## Bootstrap intervals: cost (FD + KID + PRDC + 1-NN, B = 200)

`bench/setstats_bench.py` → `setstats-bench`: {head['n_real']:,} real vs {head['n_fake']:,} generated feature rows at
d = {head['d']} (the classifier's feature size; real data: Fashion-MNIST test images, PCA-128, the generated side
blurred), {head['threads']} threads, {len(runs)} alternating repeats in one process. "Without" = today's engines
(FD; KID over 100 subsets of 1,000; PRDC k = 5; 1-NN). "With" = the same numbers plus 95% intervals from
B = {head['replicates']} seeded replicates (SetStatistics; KID's subset mean is still computed and its interval comes
from one weighted pass over the full kernel matrices). Load average at the end: {' '.join(uptime)} (the machine is shared).

| | ratio with / without (wall) | ratio with / without (process CPU) |
|---|---|---|
| FD + KID + PRDC + 1-NN | {spread(wall)} | {spread(cpu)} |

Target: at most 3x. Per repeat (seconds, wall | CPU):

| repeat | without | with |
|---|---|---|
""" + "\n".join(f"| {r['repeat']} | {r['plain_s']:.2f} \\| {r['plain_cpu_s']:.2f} | {r['bootstrap_s']:.2f} \\| {r['bootstrap_cpu_s']:.2f} |" for r in runs) + f"""

Parts of the last repeat (wall seconds): without — FD {p['fd_s']:.2f}, KID {p['kid_s']:.2f}, PRDC {p['prdc_s']:.2f},
1-NN {p['onenn_s']:.2f}; with — FD {b['fd_s']:.2f}, KID (subsets + interval) {b['kid_s']:.2f}, PRDC + 1-NN {b['neighbours_s']:.2f}
(brute-force replicates: {int(b['brute_force_replicates'])}).

Values of the last repeat: FD {b['fd']:.4f} (95% {b['fd_low']:.4f}–{b['fd_high']:.4f}; replicate bias +{b['fd_bias']:.4f},
removed from the percentiles), KID {b['kid']:.5f} (full-set MMD² {b['kid_full_set']:.5f}, 95% {b['kid_low']:.5f}–{b['kid_high']:.5f}),
recall {b['recall']:.4f} ({b['recall_low']:.4f}–{b['recall_high']:.4f}), 1-NN accuracy {b['onenn']:.4f}
({b['onenn_low']:.4f}–{b['onenn_high']:.4f}). The point values equal the runs without intervals
(FD {p['fd']:.10f} vs {b['fd']:.10f}; recall {p['recall']} vs {b['recall']}; 1-NN {p['onenn']} vs {b['onenn']}).
"""
os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
with open(os.path.join(ROOT, "bench/results/setstats.md"), "w") as f:
    f.write(md)
print(md)
