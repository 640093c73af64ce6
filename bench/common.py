"""Helpers shared by the bench scripts: timing a command under GNU time, writing a result section."""
import os, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd):
    """Runs cmd under GNU time; returns (wall seconds, peak RSS MiB, stdout). Exits on failure."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return wall, rss_kb / 1024, proc.stdout


def median_range(values, digits=1):
    """'median (min–max)' of repeated timings."""
    import statistics
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def write_section(name, lines):
    """Writes bench/results/<name>.md (BENCHMARKS.md is assembled from these) and prints it."""
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results", name + ".md"), "w") as fh:
        fh.write("\n".join(lines))
    print("\n".join(lines))
