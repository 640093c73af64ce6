#!/usr/bin/env python3
"""Do the bootstrap intervals cover? Independent draws of the same two distributions.

Cuts Fashion-MNIST-derived real and blurred feature sets (bench/make_coverage_features.py) into
disjoint blocks of n = 1,000 rows, computes FD, KID, PRDC and 1-NN with 95% bootstrap intervals
(B = 200) for each block pair, and compares the intervals with the spread of the values across
the independent pairs. The "target" of each interval is the mean over the pairs (the metric's
expected value at this n). Writes bench/results/setstats_coverage.md.

Run: .venv/bin/python bench/setstats_coverage.py [.build/release/setstats-bench] [pairs]
"""
import json, os, statistics, subprocess, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/setstats-bench"))
PAIRS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
real, fake = (os.path.join(ROOT, f"bench/work/coverage_{s}.npy") for s in ("real", "fake"))
if not os.path.exists(real):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench/make_coverage_features.py")], check=True)
if len(sys.argv) > 3:  # reuse a finished run's output
    lines = open(sys.argv[3]).read().splitlines()
else:
    lines = subprocess.run([BIN, "--coverage", real, fake, str(PAIRS), "1000", "200"], check=True, capture_output=True, text=True).stdout.splitlines()
runs = [json.loads(l) for l in lines]
rows = []
for metric in ("fd", "kid", "precision", "recall", "density", "coverage", "onenn"):
    values = [r[metric][0] for r in runs]
    target, sd = statistics.mean(values), statistics.stdev(values)
    shifted = sum(r[metric][1] <= target <= r[metric][2] for r in runs)
    plain = sum(r[metric][1] + r[metric][3] <= target <= r[metric][2] + r[metric][3] for r in runs)
    width = statistics.mean(r[metric][2] - r[metric][1] for r in runs)
    bias = statistics.mean(r[metric][3] for r in runs)
    rows.append(f"| {metric} | {target:.4g} | {sd:.3g} | {width / (2 * 1.96 * sd):.2f} | {bias:+.3g} | {shifted}/{len(runs)} | {plain}/{len(runs)} |")
md = f"""## Bootstrap intervals: do they cover? ({len(runs)} independent draws)

`bench/setstats_coverage.py`: {len(runs)} disjoint pairs of 1,000 real and 1,000 generated rows (Fashion-MNIST
training images, PCA-32; the generated side blurred, sigma 0.7), each with 95% intervals from B = 200
(SetStatistics). Target = the mean of the {len(runs)} values (the metric's expected value at n = 1,000).
"Width ratio" = mean interval width / (2 × 1.96 × the standard deviation across the independent
pairs): 1 means the interval is as wide as the real sampling spread. "Bias" = mean replicate minus
value (the shift removed from the percentiles). "Plain" = the unshifted percentile interval
(clamping ignored), for comparison.

| metric | target | sd across pairs | width ratio | bias | shifted interval holds target | plain percentile holds target |
|---|---|---|---|---|---|---|
""" + "\n".join(rows) + "\n"
with open(os.path.join(ROOT, "bench/results/setstats_coverage.md"), "w") as f:
    f.write(md)
print(md)
