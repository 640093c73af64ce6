"""Scale: peak memory and throughput of the streaming commands (`entropy`, `histogram`, `stats`) at
70,000 and 1,000,000 images, and one pass against 4 shards + merge.

Sets from bench/make_million.py (Fashion-MNIST, 28x28 gray PNGs). Every run: --threads 2 (shards:
2 at a time with --threads 1 each, by xargs -P 2), peak RSS and wall time from /usr/bin/time -v.
Writes bench/results/scale.md.

Usage: .venv/bin/python bench/scale_bench.py .build/release/gan-eval [repeats-at-70k] [repeats-at-1M]
       .venv/bin/python bench/scale_bench.py .build/release/gan-eval throughput PAIRS BASELINE-BINARY
The second form alternates `entropy` and `histogram` of a baseline build (e.g. one from before the
commands streamed) with this build's on the 70k set, and writes bench/results/scale_throughput.md.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(ROOT, "work")
SETS = {"70k": (os.path.join(WORK, "fashion70k"), 70_000), "1M": (os.path.join(WORK, "million"), 1_000_000)}


def timed(command):
    """(wall seconds, peak RSS in MB) of one command run under /usr/bin/time -v."""
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) / 1024
    clock = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", result.stderr).group(1).split(":")
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(clock)))
    return seconds, rss


def sharded(binary, directory, out, shards, features):
    """Wall time of N shard runs, 2 at a time (1 thread each), then of the merge; peak RSS of one shard."""
    tasks = [f"{i}/{shards}" for i in range(shards)]
    script = (
        f"printf '%s\\n' {' '.join(tasks)} | xargs -P 2 -I{{}} sh -c "
        f"'/usr/bin/time -f %M -a -o {out}/rss {binary} stats {directory} --shard {{}} {features} --threads 1 --quiet "
        f"--out {out}/shard-$(echo {{}} | tr / -).gestats >/dev/null'"
    )
    start = time.perf_counter()
    subprocess.run(["bash", "-c", script], check=True)
    shard_seconds = time.perf_counter() - start
    rss = max(int(line) for line in open(f"{out}/rss") if line.strip()) / 1024
    os.remove(f"{out}/rss")
    files = sorted(f"{out}/{f}" for f in os.listdir(out) if f.startswith("shard-"))
    merge_seconds, _ = timed([binary, "merge", *files, "--out", f"{out}/merged.gestats", "--quiet"])
    for f in files:
        os.remove(f)
    return shard_seconds, merge_seconds, rss


def spread(values):
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})" if len(values) > 1 else f"{values[0]:.1f}"


def throughput(binary, pairs, baseline):
    """`entropy` and `histogram` of a baseline build and of this one on the 70k set, alternated in
    pairs so both see the same load; writes bench/results/scale_throughput.md."""
    directory, count = SETS["70k"]
    out = tempfile.mkdtemp(prefix="scale-pairs-")
    version = subprocess.run([baseline, "--version"], capture_output=True, text=True).stdout.strip()
    rows = []
    for command in ("entropy", "histogram"):
        ratios, before, after, rss_before, rss_after = [], [], [], [], []
        for _ in range(pairs):
            a, ra = timed([baseline, command, directory, "--out", f"{out}/a", "--threads", "2", "--quiet"])
            b, rb = timed([binary, command, directory, "--out", f"{out}/b", "--threads", "2", "--quiet"])
            before.append(count / a)
            after.append(count / b)
            rss_before.append(ra)
            rss_after.append(rb)
            ratios.append(a / b)
            print("pair", command, count / a, count / b, file=sys.stderr, flush=True)
        rows.append((command, before, after, ratios, rss_before, rss_after))
    lines = [
        "### Throughput against the whole-set commands, side by side",
        "",
        f"`bench/scale_bench.py BINARY throughput {pairs} BASELINE`: {pairs} alternating pairs per command on the 70,000-image set,",
        f"`--threads 2`; the baseline is the build before `entropy` and `histogram` streamed ({version or 'an earlier build'}),",
        "which loaded the whole set, then computed.",
        "",
        "| command | whole set: images/s | streaming: images/s | ratio per pair | whole set: peak RSS (MB) | streaming: peak RSS (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for command, before, after, ratios, rb, ra in rows:
        lines.append(
            f"| `{command}` | {spread(before)} | {spread(after)} | **{statistics.median(ratios):.2f}×** ({min(ratios):.2f}–{max(ratios):.2f}) | {spread(rb)} | {spread(ra)} |")
    with open(os.path.join(ROOT, "results", "scale_throughput.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote bench/results/scale_throughput.md", file=sys.stderr)


def main():
    binary = os.path.abspath(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2] == "throughput":
        if len(sys.argv) < 5:
            sys.exit("usage: scale_bench.py BINARY throughput PAIRS BASELINE-BINARY")
        return throughput(binary, int(sys.argv[3]), os.path.abspath(sys.argv[4]))
    repeats = {"70k": int(sys.argv[2]) if len(sys.argv) > 2 else 3, "1M": int(sys.argv[3]) if len(sys.argv) > 3 else 1}
    for name, (directory, count) in SETS.items():
        if not os.path.isdir(directory):
            sys.exit(f"{directory} is missing: run .venv/bin/python bench/make_million.py first")
    out = tempfile.mkdtemp(prefix="scale-bench-")
    runs = {
        "entropy (streaming: per-image entropies)": lambda d: [binary, "entropy", d, "--out", f"{out}/entropy"],
        "histogram (streaming)": lambda d: [binary, "histogram", d, "--out", f"{out}/histogram"],
        "histogram against the 70k set (+ intervals and floors, B = 200)": lambda d: [binary, "histogram", SETS["70k"][0], d, "--name", "real", "--name", "set", "--out", f"{out}/histogram2"],
        "stats (streaming: histogram + entropy + classes)": lambda d: [binary, "stats", d, "--out", f"{out}/a.gestats"],
        "stats --features pixels (+ 784-d moments)": lambda d: [binary, "stats", d, "--features", "pixels", "--out", f"{out}/b.gestats"],
    }
    rows = {}
    for size in ("70k", "1M"):
        directory, count = SETS[size]
        for label, command in runs.items():
            samples = [timed(command(directory) + ["--threads", "2", "--quiet"]) for _ in range(repeats[size])]
            rows[(label, size)] = ([count / s for s, _ in samples], [r for _, r in samples], [s for s, _ in samples])
            print(label, size, rows[(label, size)], file=sys.stderr, flush=True)
    shard_rows = {}
    for size in ("70k", "1M"):
        directory, count = SETS[size]
        samples = [sharded(binary, directory, out, 4, "--features pixels") for _ in range(repeats[size])]
        shard_rows[size] = samples
        print("4 shards", size, samples, file=sys.stderr, flush=True)

    lines = [
        "## Scale: streaming stats in bounded memory, and sharded runs",
        "",
        "`bench/scale_bench.py` on the sets of `bench/make_million.py` (Fashion-MNIST 28×28 PNGs: the 70,000 images, and",
        "1,000,000 made of them shifted by up to one pixel and mirrored), `--threads 2`, peak RSS and wall time from",
        f"`/usr/bin/time -v`; median (min–max) of {repeats['70k']} runs at 70k and {repeats['1M']} at 1M, on the shared 2-core machine.",
        "",
        "| command | images | images/s | peak RSS (MB) | wall (s) |",
        "|---|---|---|---|---|",
    ]
    for (label, size), (speeds, rss, seconds) in rows.items():
        lines.append(f"| {label} | {SETS[size][1]:,} | {spread(speeds)} | {spread(rss)} | {spread(seconds)} |")
    for label in runs:
        if (label, "70k") in rows and (label, "1M") in rows:
            ratio = statistics.median(rows[(label, "1M")][1]) / statistics.median(rows[(label, "70k")][1])
            lines.append(f"- {label}: peak RSS at 1M / at 70k = **{ratio:.2f}×**.")
    lines += [
        "- Before they streamed, `entropy` and `histogram` held every image: 3,362 and 3,117 MB at 1M on this machine",
        "  (12.8× their 70k figure).",
        "- Per set, the streaming commands hold one chunk (2,048 images) and no file list (a directory is counted, then walked",
        "  in its sorted order); `entropy` keeps two numbers per image (entropy and label: 12 bytes) and spools entropy.csv's rows to a temporary file; `histogram`'s intervals hold B × bins counts per set and channel.",
        "",
        "One pass (`stats --features pixels`, 2 threads) against 4 shards run 2 at a time (1 thread each, `xargs -P 2`), then `merge`:",
        "",
        "| images | one pass (s) | 4 shards (s) | merge (s) | 4 shards + merge / one pass | peak RSS of a shard (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for size, samples in shard_rows.items():
        single = statistics.median(rows[("stats --features pixels (+ 784-d moments)", size)][2])
        total = [s + m for s, m, _ in samples]
        lines.append(
            f"| {SETS[size][1]:,} | {single:.1f} | {spread([s for s, _, _ in samples])} | {spread([m for _, m, _ in samples])} | "
            f"{statistics.median(total) / single:.2f}× | {spread([r for _, _, r in samples])} |")
    lines += [
        "",
        "A stats file's size against the feature dimension: see *Stats files* above (8·(d + d²) bytes of moments per space plus",
        "a ~130-byte header; 2 kB for the pixel histogram and 64 kB for the entropy's 8,000-bin histogram).",
    ]
    with open(os.path.join(ROOT, "results", "scale.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote bench/results/scale.md; the paired throughput: scale_bench.py BINARY throughput 5", file=sys.stderr)


if __name__ == "__main__":
    main()
