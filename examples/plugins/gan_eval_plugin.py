"""A tiny helper for gan-eval plugins written in Python (numpy only): reads the request, loads
the sets gan-eval hands over as .npy files, and writes PNG sample sets. The protocol itself is
documented in docs/plugins.md; nothing here is required to speak it."""
import json
import os
import struct
import sys
import zlib

import numpy as np


def main(describe, run):
    """Dispatches `describe` (print the declaration) and `run REQUEST.json`."""
    if len(sys.argv) == 2 and sys.argv[1] == "describe":
        print(json.dumps(describe))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "run":
        with open(sys.argv[2]) as f:
            request = json.load(f)
        if request.get("protocol") != 1:
            print("this plugin speaks protocol 1", file=sys.stderr)
            return 2
        run(request)
        return 0
    print("usage: %s describe | run REQUEST.json" % os.path.basename(sys.argv[0]), file=sys.stderr)
    return 2


def images(set_entry):
    """The set's images as a float32 N×H×W array in [0, 1], rows in sorted file order."""
    return np.load(set_entry["npy"])


def write_png(path, gray):
    """Writes an H×W uint8 array as an 8-bit grayscale PNG (stdlib zlib, no filters)."""
    height, width = gray.shape
    raw = b"".join(b"\x00" + gray[y].tobytes() for y in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def write_set(directory, pixels, labels):
    """Writes a sample set: `<label>/<index>.png`, or `<index>.png` when unlabelled."""
    for i, image in enumerate(pixels):
        label = labels[i] if labels is not None else None
        folder = os.path.join(directory, label) if label is not None else directory
        os.makedirs(folder, exist_ok=True)
        write_png(os.path.join(folder, "%05d.png" % i), np.clip(np.rint(image * 255), 0, 255).astype(np.uint8))
