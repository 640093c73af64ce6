#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/: small valid files
(from the real fixtures and data where there are some) plus today's bad cases.
Standard library only. Run from anywhere: python3 fuzz/make_corpus.py
"""
import gzip, os, struct, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")
SEP = b"\n--labels--\n"  # FuzzTargets.labelSeparator: image file, then its labels


def put(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def gz(data):
    return gzip.compress(data, mtime=0)


# --- png: every fixture format, the damaged fixtures, and hand-made faults -------------------
pngs = os.path.join(ROOT, "fixtures", "png")
for name in sorted(os.listdir(pngs)):
    if name.endswith(".png"):
        put("png", name, open(os.path.join(pngs, name), "rb").read())
for name in sorted(os.listdir(os.path.join(pngs, "bad"))):
    put("png", "bad_" + name, open(os.path.join(pngs, "bad", name), "rb").read())
good = open(os.path.join(pngs, "gray8.png"), "rb").read()
put("png", "truncated.png", good[: len(good) // 2])
put("png", "garbage_after_ihdr.png", good[:33] + b"\x5a" * 200)
put("png", "text.png", b"hello, I am not an image\n")
ihdr = bytearray(good)
ihdr[16:24] = struct.pack(">II", 100000, 100000)
ihdr[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr[12:29])) & 0xFFFFFFFF)
put("png", "bomb_header.png", bytes(ihdr))

# --- idx: three real Fashion-MNIST test images, plain and gzip, with and without labels -------
fashion = os.path.join(ROOT, "data", "fashion-mnist")
with gzip.open(os.path.join(fashion, "t10k-images-idx3-ubyte.gz")) as f:
    images = f.read(16 + 3 * 784)
with gzip.open(os.path.join(fashion, "t10k-labels-idx1-ubyte.gz")) as f:
    labels = f.read(8 + 3)
images = images[:4] + struct.pack(">I", 3) + images[8:]
labels = labels[:4] + struct.pack(">I", 3) + labels[8:]
put("idx", "three.idx", images)
put("idx", "three.idx.gz", gz(images))
put("idx", "three_with_labels", images + SEP + labels)
put("idx", "three_with_gz_labels", gz(images) + SEP + gz(labels))
small = b"\x00\x00\x08\x03" + struct.pack(">III", 2, 2, 2) + bytes([0, 255, 128, 7, 1, 2, 3, 4])
put("idx", "two_2x2", small + SEP + b"\x00\x00\x08\x01" + struct.pack(">I", 2) + b"\x05\x09")
put("idx", "truncated", b"\x00\x00\x08\x03" + struct.pack(">III", 9, 28, 28) + b"\x01\x02\x03")
put("idx", "claims_millions.gz", gz(b"\x00\x00\x08\x03" + struct.pack(">III", 4000000, 28, 28) + bytes(4096)))
put("idx", "huge_dims", b"\x00\x00\x08\x03" + b"\xff" * 12)
put("idx", "bad_gzip.gz", bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2]))
put("idx", "labels_mismatch", small + SEP + b"\x00\x00\x08\x01" + struct.pack(">I", 7) + b"\x05")

# --- csv: real digits (label last, no header), header + label first, floats, gzip, faults -----
with gzip.open(os.path.join(ROOT, "data", "mnist_5k.csv.gz"), "rt") as f:
    digits = [next(f) for _ in range(2)]
put("csv", "digits_label_last.csv", "".join(digits))
put("csv", "digits.csv.gz", gz("".join(digits).encode()))
put("csv", "header_label_first.csv", "label," + ",".join(f"p{i}" for i in range(16)) + "\n" + "3," + ",".join(str(i * 16) for i in range(16)) + "\r\n")
put("csv", "floats.csv", ",".join(f"{i / 16:.4f}" for i in range(16)) + "\n" + ",".join("0.5" for _ in range(16)) + "\n")
put("csv", "ragged.csv", "1,2,3\n4,5\n")
put("csv", "header_only.csv", "a,b,c\n")
put("csv", "not_numbers.csv", "1,2,x,4\n")
put("csv", "out_of_range.csv", "1,2,3,999\n")
put("csv", "empty_lines.csv", "\n\n1,2,3,4\n\n5,6,7,8\n")
put("csv", "long_line.csv.gz", gz(b"0," * 200000))

# --- npy: uint8, float32, flat N×(H·W), labels, and absurd headers ---------------------------
def npy(descr, shape, payload, version=1):
    shape_text = "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(str(s) for s in shape) + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    prefix = 10 if version == 1 else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() + payload


put("npy", "u1_2x3x3.npy", npy("|u1", (2, 3, 3), bytes(range(18))))
put("npy", "f4_2x4.npy", npy("<f4", (2, 4), struct.pack("<8f", *[i / 8 for i in range(8)])))
put("npy", "f8_v2_1x2x2.npy", npy("<f8", (1, 2, 2), struct.pack("<4d", 0, 0.25, 0.5, 1), version=2))
put("npy", "with_labels", npy("|u1", (2, 2, 2), bytes(8)) + SEP + npy("<i8", (2,), struct.pack("<2q", 3, 7)))
put("npy", "huge_shape.npy", npy("|u1", (4000000000, 4000000000, 4000000000), bytes(16)))
put("npy", "negative_shape.npy", npy("|u1", (-1, 28, 28), bytes(16)))
put("npy", "fortran.npy", npy("|u1", (2, 2, 2), bytes(8)).replace(b"False", b"True "))
put("npy", "big_endian.npy", npy(">f4", (1, 2, 2), bytes(16)))
put("npy", "truncated.npy", npy("|u1", (100, 28, 28), bytes(64)))

# --- labels: labels.csv beside one image at 0/a.png ------------------------------------------
put("labels", "header.csv", "file,label\r\n0/a.png,3\r\n")
put("labels", "plain.csv", "0/a.png,seven\n")
put("labels", "quoted.csv", 'file,label\n"0/a.png","a, ""quoted"" label"\n')
put("labels", "three_fields.csv", "0/a.png,3,extra\n")
put("labels", "open_quote.csv", '0/a.png,"never closed\n')
put("labels", "quote_inside.csv", '0/a.png,ab"c\n')
put("labels", "other_file.csv", "1/b.png,4\n")

# --- model: a tiny valid .ganet (flatten + dense 4→2) and faults -----------------------------
def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def model(header, values):
    body = header.encode() + b"".join(struct.pack("<f", v) for v in values)
    return body + struct.pack("<Q", fnv1a64(body))


tiny = "GANEVAL-NET 1\ninput 1 2 2\nmeta kind classifier\nlayer flatten\nlayer dense in=4 out=2\ndata 10\n"
put("model", "tiny.ganet", model(tiny, [0.1 * i for i in range(10)]))
put("model", "tiny_bad_checksum.ganet", model(tiny, [0.1 * i for i in range(10)])[:-1] + b"\x00")
put("model", "tiny_wrong_count.ganet", model(tiny.replace("data 10", "data 9"), [0.0] * 9))
put("model", "conv.ganet", model("GANEVAL-NET 1\ninput 1 4 4\nlayer conv2d in=1 out=1 kernel=3 stride=1 padding=1\nlayer relu\nlayer maxpool size=2\nlayer flatten\nlayer dense in=4 out=1\nlayer sigmoid\ndata 15\n", [0.01] * 15))
put("model", "huge_layer.ganet", model("GANEVAL-NET 1\ninput 1 1 1\nlayer dense in=16777215 out=16777215\ndata 0\n", []))
put("model", "version2.ganet", model("GANEVAL-NET 2\ninput 1 1 1\ndata 0\n", []))
put("model", "not_a_model", b"hello\n")

# --- pipeline: the repository's study, small valid files, and bad ones ----------------------
for name in sorted(os.listdir(os.path.join(ROOT, "pipelines"))):
    put("pipeline", name, open(os.path.join(ROOT, "pipelines", name), "rb").read())
put("pipeline", "minimal.yaml", "steps:\n  - import: {name: real, source: data.csv}\n")
put("pipeline", "variables.yaml", "out: o\nseed: 3\nvariables: {d: data.csv, e: 2}\nsteps:\n  - import: {name: real, source: \"${d}\"}\n  - classifier: {name: judge, input: real, options: {epochs: \"${e}\"}}\n  - evaluate:\n      name: ev\n      metrics:\n        - {metric: entropy, sets: [real]}\n")
put("pipeline", "unknown_key.yaml", "stepz: []\n")
put("pipeline", "unknown_variable.yaml", "steps:\n  - import: {name: real, source: \"${nope}\"}\n")
put("pipeline", "anchors.yaml", "variables: &v {a: x}\nsteps:\n  - import: &s {name: real, source: data.csv}\n  - filter: {name: f, transform: gaussian, input: real, options: *v}\n")
laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
for i, (prev, cur) in enumerate(zip("abcdefgh", "bcdefghi")):
    laughs += "%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n" % (cur, cur, prev, prev, prev, prev, prev, prev, prev, prev, prev)
put("pipeline", "billion_laughs.yaml", laughs + "steps: *i\n")
put("pipeline", "tabs.yaml", "steps:\n\t- import: {}\n")
# --- jpeg: the golden JPEGs (baseline, progressive, gray, CMYK) and hand-made faults ----------
jpegs = os.path.join(ROOT, "fixtures", "jpeg")
for name in sorted(os.listdir(jpegs)):
    if name.endswith(".jpg"):
        put("jpeg", name, open(os.path.join(jpegs, name), "rb").read())
jpg = open(os.path.join(jpegs, "digit_baseline_444.jpg"), "rb").read()
put("jpeg", "truncated.jpg", jpg[: len(jpg) // 2])
put("jpeg", "soi_only.jpg", b"\xff\xd8\xff\xd9")
sof = jpg.find(b"\xff\xc0")
if sof >= 0:  # a frame header claiming 65,535 × 65,535 pixels: refused by the pixel limit
    huge = bytearray(jpg)
    huge[sof + 5:sof + 9] = struct.pack(">HH", 65535, 65535)
    put("jpeg", "bomb_header.jpg", bytes(huge))

# --- cifar: the pickled CIFAR fixtures (protocols 2, 4, 5; CIFAR-100) and faults ----------------
imports = os.path.join(ROOT, "fixtures", "import")
for folder in sorted(os.listdir(imports)):
    if folder.startswith("cifar"):
        for name in sorted(os.listdir(os.path.join(imports, folder))):
            if "." not in name:
                put("cifar", folder + "_" + name, open(os.path.join(imports, folder, name), "rb").read())
try:  # a two-image batch in CIFAR-10's exact layout (a numpy uint8 N×3072 array), small enough to mutate quickly
    import pickle
    import numpy as np
    tiny = {b"batch_label": b"tiny", b"labels": [3, 7], b"data": np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072), b"filenames": [b"a.png", b"b.png"]}
    for protocol in (2, 4):
        put("cifar", "tiny_proto%d" % protocol, pickle.dumps(tiny, protocol=protocol))
except ImportError:
    pass
put("cifar", "evil.pkl", open(os.path.join(imports, "evil.pkl"), "rb").read())
batch = open(os.path.join(imports, "cifar10", "data_batch_1"), "rb").read()
put("cifar", "truncated", batch[: len(batch) // 2])
put("cifar", "deep_lists", b"\x80\x02" + b"]" * 5000 + b".")

# --- npz: numpy's savez and savez_compressed archives, and faults ------------------------------
for name in sorted(os.listdir(os.path.join(imports, "npz"))):
    if name.endswith(".npz"):
        put("npz", name, open(os.path.join(imports, "npz", name), "rb").read())
npz = open(os.path.join(imports, "npz", "positional.npz"), "rb").read()
put("npz", "truncated.npz", npz[: len(npz) // 2])
put("npz", "empty_zip.npz", b"PK\x05\x06" + bytes(18))


# --- gestats: small stats files written by docs/stats-format.md, and faults --------------------
def gestats(header, values):
    body = header.encode() + b"".join(struct.pack("<d", v) for v in values)
    return body + struct.pack("<Q", fnv1a64(body))


space = [0.5, -1.0] + [2.0, 0.5, 0.5, 1.0]  # d = 2: mean, then the co-moment matrix
hist = [3.0, 1.0, 0.0, 2.0]
head = ("GANEVAL-STATS 1\nfiles 6 00000000000000ff\nimage 28 28 1\nextractor pixels -\nshards 2 0\n"
        "classes 2 0=4 1=2\nspace pixels 2 6\nhistogram luma 4 0 1 0\nentropy 4 0 8 0 6\ndata %d\n")
values = space + hist + [1.0, 2.0, 2.0, 1.0, 4.0, 3.5]
put("gestats", "small.gestats", gestats(head % len(values), values))
sub = head.replace("space pixels 2 6\n", "space pixels 2 6 subsample 4 2 0000000000000007\n")
subvalues = space + [1.0, 2.0] + [0.1, 0.2, 0.3, 0.4] + hist + [1.0, 2.0, 2.0, 1.0, 4.0, 3.5]
put("gestats", "subsample.gestats", gestats(sub % len(subvalues), subvalues))
put("gestats", "bad_checksum.gestats", gestats(head % len(values), values)[:-1] + b"\x00")
put("gestats", "huge_space.gestats", gestats("GANEVAL-STATS 1\nfiles 1 0000000000000001\nimage 1 1 1\nextractor pixels -\nshards 1 0\nspace pixels 4294967295 1\ndata 0\n", []))
put("gestats", "version2.gestats", gestats("GANEVAL-STATS 2\ndata 0\n", []))


# --- tsnemap: a small saved map (with and without PCA) written by TSNEMapFile's layout ----------
def tsnemap(dims, n, d, f, k, projection, labels=None):
    values = lambda count, start: [start + 0.25 * i for i in range(count)]
    text = "".join(label + "\n" for label in labels).encode() if labels is not None else None
    length = 80 + 8 * (n * dims + n * f) + 12 * n * k + 8 + (8 * (d + d * f) if projection else 0) + (8 + len(text) if text is not None else 0)
    body = b"TSNEMAP\x00" + struct.pack("<II", 1 if text is None else 2, dims)
    flags = (1 if projection else 0) | (2 if text is not None else 0)
    body += struct.pack("<QQQQQ", n, d, f, flags, k) + struct.pack("<d", 30.0) + struct.pack("<QQ", 42, length)
    body += b"".join(struct.pack("<d", v) for v in values(n * dims, -1.0))
    if projection:
        body += b"".join(struct.pack("<d", v) for v in values(d + d * f, 0.0))
    body += b"".join(struct.pack("<d", v) for v in values(n * f, 0.5))
    body += b"".join(struct.pack("<i", (i // k + 1 + i % k) % n) for i in range(n * k))
    body += b"".join(struct.pack("<d", 1.0 + (i % k)) for i in range(n * k))
    if text is not None:
        body += struct.pack("<Q", len(text)) + text
    return body + struct.pack("<Q", fnv1a64(body))


put("tsnemap", "plain_2d.tsnemap", tsnemap(2, 5, 3, 3, 2, False))
put("tsnemap", "pca_3d.tsnemap", tsnemap(3, 4, 6, 2, 3, True))
put("tsnemap", "labelled_v2.tsnemap", tsnemap(2, 5, 3, 3, 2, False, ["0", "1", "", "7", "sneaker"]))
bad = bytearray(tsnemap(2, 5, 3, 3, 2, False))
bad[16:24] = struct.pack("<Q", 1 << 60)
put("tsnemap", "huge_count.tsnemap", bytes(bad))
put("tsnemap", "truncated.tsnemap", tsnemap(2, 5, 3, 3, 2, False)[:100])

# --- plugin: describe output, then (after the separator) an evaluate run's result.json ---------
RES = b"\n--result--\n"  # FuzzTargets.resultSeparator
describe = (b'{"protocol": 1, "kind": "metric", "name": "intensity-moments", "summary": "mean and spread",'
            b' "options": [{"name": "bins", "type": "int", "default": 16, "min": 2, "max": 4096, "help": "bins"},'
            b' {"name": "mode", "type": "choice", "choices": ["a", "b"], "default": "a", "help": "mode"},'
            b' {"name": "scale", "type": "number", "default": 1.5, "help": "scale"}]}')
result = b'{"scalars": {"mean": 0.25, "spread": 1e-3}, "lines": ["mean 0.25", "spread 0.001"]}'
put("plugin", "valid", describe + RES + result)
put("plugin", "generator", b'{"protocol": 1, "kind": "generator", "name": "pixel-gaussian", "options": []}' + RES + b'{"scalars": {}}')
put("plugin", "wrong_protocol", b'{"protocol": 2, "kind": "metric", "name": "x"}')
put("plugin", "bad_name", b'{"protocol": 1, "kind": "metric", "name": "Not Kebab"}' + RES + b'{"scalars": {"a": "text"}}')
put("plugin", "reserved_option", b'{"protocol": 1, "kind": "transform", "name": "t", "options": [{"name": "seed", "type": "int"}]}')
put("plugin", "deep", b"[" * 10000 + RES + b"{" * 10000)
put("plugin", "not_json", b"hello" + RES + b"\xff\xfe")
print("corpus written to", CORPUS)
