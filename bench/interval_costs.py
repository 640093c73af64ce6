#!/usr/bin/env python3
"""The cost of the newer intervals and fits on the demo's sets, alternating with/without REPEATS times:
histogram's and classify's bootstrap
(--bootstrap 200 against 0); and what `train --evaluate-every` cost inside the demo's GAN step
(quality.csv's seconds against the step's time). Needs `make demo` first.

    bench/interval_costs.py BIN [REPEATS]      writes bench/results/interval_costs.md
"""
import csv, os, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else ".build/release/gan-eval"
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
DEMO = os.path.join(ROOT, "gan-eval-out/demo")
SETS = [DEMO + "/" + s for s in ("real", "generated", "smoothed", "copies", "naive-samples")]
CASES = [
    ("histogram (5 sets, 10 pairs)", ["histogram"] + SETS, ["--bootstrap", "0"], ["--bootstrap", "200"]),
    ("classify (generated, --real)", ["classify", DEMO + "/generated", "--model", DEMO + "/judge", "--real", DEMO + "/real"], ["--bootstrap", "0"], ["--bootstrap", "200"]),
]


def run(command):
    started = time.time()
    subprocess.run([BIN] + command + ["--out", "/tmp/gan-eval-interval-bench", "--quiet"], check=True, stdout=subprocess.DEVNULL)
    return time.time() - started


lines = [
    "## Cost of the newer intervals and fits",
    "",
    "The demo's sets (real 5,000, each generated set 4,800), 2 threads, on a machine shared with other builds; "
    "bench/interval_costs.py, %d alternating pairs per row (each pair: without, then with)." % REPEATS,
    "",
    "| command | without | seconds (each run) | with | seconds (each run) | ratio (each pair) |",
    "|---|---|---|---|---|---|",
]
for name, command, without, with_ in CASES:
    a, b = [], []
    for _ in range(REPEATS):
        a.append(run(command + without))
        b.append(run(command + with_))
    ratios = [y / x for x, y in zip(a, b)]
    lines.append("| %s | `%s` | %s | `%s` | %s | %s (median %.2f×) |" % (
        name, " ".join(without), ", ".join("%.1f" % t for t in a), " ".join(with_),
        ", ".join("%.1f" % t for t in b), ", ".join("%.2f×" % r for r in ratios), statistics.median(ratios)))

quality = os.path.join(DEMO, "gan/quality.csv")
seconds = os.path.join(DEMO, "gan/.gan-eval-seconds")
if os.path.exists(quality) and os.path.exists(seconds):
    rows = list(csv.DictReader(open(quality)))
    probe = sum(float(r["seconds"]) for r in rows)
    step = float(open(seconds).read())
    each = sorted(float(r["seconds"]) for r in rows)
    lines += [
        "",
        "`train --evaluate-every 10 --judge judge` in the demo's GAN step (200 epochs): %d points of %s images, %.1f s in all "
        "(each %.2f–%.2f s, median %.2f s) of the step's %.1f s: **%.1f%%** of the step." % (
            len(rows), rows[0]["n"], probe, each[0], each[-1], statistics.median(each), step, 100 * probe / step),
    ]
os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
with open(os.path.join(ROOT, "bench/results/interval_costs.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
