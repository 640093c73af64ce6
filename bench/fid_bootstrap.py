#!/usr/bin/env python3
"""The cost of fid's 95% intervals: the demo's fid step (real vs generated, judge features and pixels)
with --bootstrap 0 and --bootstrap 200 (floor off in both), alternating, REPEATS times each, and the
default (bootstrap 200 plus the real-vs-real floor) once. Needs `make demo` first.

    bench/fid_bootstrap.py BIN [REPEATS]      writes bench/results/fid_bootstrap.md
"""
import os, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else ".build/release/gan-eval"
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
DEMO = os.path.join(ROOT, "gan-eval-out/demo")


def run(extra):
    started = time.time()
    subprocess.run([BIN, "fid", DEMO + "/real", DEMO + "/generated", "--model", DEMO + "/judge", "--out", "/tmp/gan-eval-fid-bench", "--quiet"] + extra,
                   check=True, stdout=subprocess.DEVNULL)
    return time.time() - started


times = {0: [], 200: []}
for _ in range(REPEATS):
    for b in (0, 200):
        times[b].append(run(["--bootstrap", str(b), "--floor", "false"]))
default = run([])
ratios = [with_ / without for with_, without in zip(times[200], times[0])]
lines = [
    "## Cost of the intervals in the demo's fid step",
    "",
    "`gan-eval fid` on the demo's real (5,000) and generated (4,800) digits in the judge's features and in pixels, 2 threads; "
    "bench/fid_bootstrap.py, %d alternating pairs on a shared machine." % REPEATS,
    "",
    "| run | seconds (each run) | ratio to no intervals (each pair) |",
    "|---|---|---|",
    "| `--bootstrap 0 --floor false` | %s | 1 |" % ", ".join("%.1f" % t for t in times[0]),
    "| `--bootstrap 200 --floor false` | %s | %s (median **%.2f×**, target ≤ 3×) |" % (
        ", ".join("%.1f" % t for t in times[200]), ", ".join("%.2f×" % r for r in ratios), statistics.median(ratios)),
    "| default (`--bootstrap 200` and the real-vs-real floor) | %.1f | %.2f× the median without |" % (default, default / statistics.median(times[0])),
]
os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
with open(os.path.join(ROOT, "bench/results/fid_bootstrap.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
