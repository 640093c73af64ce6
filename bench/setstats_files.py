#!/usr/bin/env python3
"""Size of a .gestats file per feature dimension, and the cost of writing, reading and merging one.
Runs `setstats-bench --file-sizes` (4 shards x 5,000 rows of seeded Gaussian features per
dimension: a file's size depends only on d and the subsample, not on the values). Writes
bench/results/setstats_files.md.

Run: .venv/bin/python bench/setstats_files.py [.build/release/setstats-bench]
"""
import json, os, subprocess, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/setstats-bench"))
runs = [json.loads(l) for l in subprocess.run([BIN, "--file-sizes"], check=True, capture_output=True, text=True).stdout.splitlines()]
rows = "\n".join(
    f"| {r['d']} | {r['bytes_moments_only']:,} | {8 * (r['d'] + r['d'] ** 2):,} | {r['bytes_with_1000_row_subsample']:,} | "
    f"{r['build_4x5000_rows_s']:.3f} | {r['encode_s'] * 1000:.1f} | {r['decode_s'] * 1000:.1f} | {r['merge_4_s'] * 1000:.1f} |" for r in runs)
md = f"""## Stats files: size per feature dimension, and merge cost

`bench/setstats_files.py` (`setstats-bench --file-sizes`): one feature space per file; 4 shards of 5,000 rows each
(one process, 1 thread). A file holds n, the Float64 mean and the Float64 co-moment matrix: 8·(d + d²) bytes plus a
short text header; `--keep 1000` adds 1,000 × (d + 1) Float64 values. Histograms (256 bins) and the entropy's fine
histogram add a few kB.

| d | bytes (moments only) | of which 8·(d + d²) | bytes with a 1,000-row subsample | moments + subsample of 4 × 5,000 rows (s) | encode (ms) | decode (ms) | merge 4 shards (ms) |
|---|---|---|---|---|---|---|---|
{rows}
"""
with open(os.path.join(ROOT, "bench/results/setstats_files.md"), "w") as f:
    f.write(md)
print(md)
