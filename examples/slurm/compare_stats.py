#!/usr/bin/env python3
"""Checks that two .gestats files hold the same statistics (docs/stats-format.md), e.g. a merge of
shard files against one pass over the whole set: image, class, histogram and entropy counts and
the stored subsample exactly; means and co-moments to 1e-12 of each array's largest entry.
Standard library only. Exit status 0 when they agree, 1 (with the differences) when not.

Usage: compare_stats.py MERGED.gestats SINGLE.gestats
"""

import struct
import sys


def read(path):
    data = open(path, "rb").read()
    body, stored = data[:-8], struct.unpack("<Q", data[-8:])[0]
    h = 0xCBF29CE484222325
    for byte in body:  # FNV-1a 64
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    if h != stored:
        sys.exit(f"{path}: checksum mismatch")
    records, cursor = [], 0
    while True:
        end = body.index(b"\n", cursor)
        words = body[cursor:end].decode().split(" ")
        cursor = end + 1
        records.append(words)
        if words[0] == "data":
            break
    values = struct.unpack(f"<{int(records[-1][1])}d", body[cursor:])
    header, arrays, at = {}, {}, 0

    def take(name, n, kind):
        nonlocal at
        arrays[name] = (kind, values[at:at + n])
        at += n

    for words in records[1:-1]:
        if words[0] == "space":
            d, sub = int(words[2]), words[4:]
            header["space " + words[1]] = words[2:4]
            take(words[1] + " mean", d, "moment")
            take(words[1] + " co-moment", d * d, "moment")
            if sub:
                rows = int(sub[2])
                header["subsample " + words[1]] = [sub[1], sub[3]]
                take(words[1] + " subsample keys", rows, "exact")
                take(words[1] + " subsample rows", rows * d, "exact")
        elif words[0] == "histogram":
            header["histogram " + words[1]] = words[2:]
            take("histogram " + words[1], int(words[2]), "exact")
        elif words[0] == "entropy":
            header["entropy"] = words[1:]
            take("entropy histogram", int(words[1]), "exact")
            take("entropy moments", 2, "moment")
        elif words[0] != "shards":  # shards differ by design: N slices merged against one pass
            header[words[0]] = words[1:]
    return header, arrays


def main():
    (a_path, b_path), problems = sys.argv[1:3], []
    (a_header, a), (b_header, b) = read(a_path), read(b_path)
    for key in sorted(set(a_header) | set(b_header)):
        if a_header.get(key) != b_header.get(key):
            problems.append(f"{key}: {a_header.get(key)} against {b_header.get(key)}")
    for name in sorted(set(a) & set(b)):
        (kind, x), (_, y) = a[name], b[name]
        if kind == "exact" and x != y:
            problems.append(f"{name}: not identical")
        if kind == "moment":
            scale = max((abs(v) for v in y), default=0.0)
            worst = max((abs(p - q) for p, q in zip(x, y)), default=0.0)
            if len(x) != len(y) or worst > 1e-12 * scale:
                problems.append(f"{name}: largest difference {worst:.3g} at scale {scale:.3g} (allowed 1e-12 of it)")
            else:
                print(f"{name}: largest difference {worst:.3g} at scale {scale:.3g}")
    if problems:
        print("\n".join([f"{a_path} and {b_path} differ:"] + problems))
        sys.exit(1)
    print(f"{a_path} equals {b_path}: counts, digest, classes, histograms and subsample exactly; moments to 1e-12")


if __name__ == "__main__":
    main()
