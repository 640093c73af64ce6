#!/usr/bin/env python3
"""The PyTorch peer of `gan-eval train gan --arch dcgan`: the same layers, losses, optimiser and
step, on the same 5,000 digits, timed the same way (images trained / wall seconds of the loop).

Usage: python3 bench/gan_torch.py [--epochs 4] [--threads 2] [--g-norm batch|instance|none]
                                  [--spectral-norm] [--progressive] [--seed 7]
Prints one JSON line: {"images_per_second": ..., "seconds": ..., "steps": ..., "torch": ...}.

Needs Debian's python3-torch for the system python3 (`apt-get install python3-torch`); bench/run.sh
installs it when missing. Mirrors Sources/Generators/GAN.swift and GANTrainer.swift:
  G: z(100)+one-hot → Linear 128·7·7 → norm → ReLU → view 128×7×7 → Upsample ×2 (nearest) →
     Conv 3×3 pad 1 (64) → norm → ReLU → Upsample ×2 → Conv 3×3 pad 1 (1) → tanh.
     norm: batch = BatchNorm1d/2d; instance = per-sample over all 6,272 features with a
     per-feature affine (LayerNorm) after the dense layer, InstanceNorm2d(affine) after the conv.
  D: image plane + one constant plane per class (11×28×28) → Conv 4×4/2 pad 1 (64) → LeakyReLU 0.2
     → Dropout 0.3 → Conv 4×4/2 pad 1 (128) → LeakyReLU 0.2 → Dropout 0.3 → Linear 6272 → 1,
     optionally every layer spectrally normalised (one power iteration per training pass).
  Step: D on real (target 0.9) and on G(z) (target 0), Adam(2e-4, 0.5, 0.999) on D; then G's
  non-saturating loss through the updated D (D's gradients computed and discarded, as gan-eval
  does), Adam on G. Progressive growing blends D's input x ↦ αx + (1−α)·(2×2 block mean) with the
  same α schedule (0 for the first quarter of the epochs, rising to 1 at half-way).
"""
import argparse, gzip, json, os, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_digits(path):
    """The 5,000 digits as float32 in [0, 1] and int labels (label column: the one holding 0–9)."""
    with gzip.open(path, "rt") as fh:
        rows = np.loadtxt(fh, delimiter=",", dtype=np.float32)
    last = rows[:, -1]
    label_col = -1 if last.max() <= 9 and last.max() > 0 and np.all(last == np.round(last)) else 0
    labels = rows[:, label_col].astype(np.int64)
    pixels = np.delete(rows, label_col if label_col >= 0 else rows.shape[1] - 1, axis=1)
    if pixels.max() > 1:
        pixels /= 255.0
    return pixels.reshape(-1, 1, 28, 28), labels


def make_generator(noise, classes, norm):
    def norm_layer(kind, n, shape):
        if norm == "batch":
            return [nn.BatchNorm1d(n) if kind == "rows" else nn.BatchNorm2d(n)]
        if norm == "instance":
            return [nn.LayerNorm(shape, eps=1e-5) if kind == "rows" else nn.InstanceNorm2d(n, affine=True, eps=1e-5)]
        return []
    return nn.Sequential(
        nn.Linear(noise + classes, 128 * 7 * 7), *norm_layer("rows", 128 * 7 * 7, 128 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (128, 7, 7)), nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(128, 64, 3, padding=1),
        *norm_layer("planes", 64, None), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(64, 1, 3, padding=1),
        nn.Tanh())


def make_discriminator(classes, spectral, dropout=0.3):
    sn = nn.utils.spectral_norm if spectral else (lambda m: m)
    return nn.Sequential(
        sn(nn.Conv2d(1 + classes, 64, 4, stride=2, padding=1)), nn.LeakyReLU(0.2), nn.Dropout(dropout),
        sn(nn.Conv2d(64, 128, 4, stride=2, padding=1)), nn.LeakyReLU(0.2), nn.Dropout(dropout),
        nn.Flatten(), sn(nn.Linear(128 * 7 * 7, 1)))


def blend(x, alpha):
    """α·x + (1−α)·(2×2 block mean of x shown at full size)."""
    return alpha * x + (1 - alpha) * F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--g-norm", default="batch", choices=["batch", "instance", "none"])
    ap.add_argument("--spectral-norm", action="store_true")
    ap.add_argument("--progressive", action="store_true")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", default=os.path.join(ROOT, "data/mnist_5k.csv.gz"))
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    pixels, labels = load_digits(args.data)
    real_all = torch.from_numpy(pixels) * 2 - 1
    labels_all = torch.from_numpy(labels)
    classes, noise, batch = 10, 100, args.batch
    G = make_generator(noise, classes, args.g_norm)
    D = make_discriminator(classes, args.spectral_norm)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    steps_per_epoch = max(1, len(real_all) // batch)

    def d_input(images, y):
        planes = torch.zeros(images.shape[0], classes, 28, 28)
        planes[torch.arange(images.shape[0]), y] = 1
        return torch.cat([images, planes], dim=1)

    def alpha(epoch, step):
        if not args.progressive:
            return 1.0
        t = ((epoch - 1) + step / steps_per_epoch) / args.epochs
        return min(1.0, max(0.0, (t - 0.25) / 0.25))

    G.train()
    D.train()
    steps = 0
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(real_all))
        for step in range(steps_per_epoch):
            idx = order[step * batch:(step + 1) * batch]
            real, y = real_all[idx], labels_all[idx]
            a = alpha(epoch, step)
            if a < 1:
                real = blend(real, a)
            z = torch.cat([torch.randn(batch, noise), F.one_hot(y, classes).float()], dim=1)
            # D: real → 0.9, fake → 0
            opt_d.zero_grad(set_to_none=False)
            loss_real = bce(D(d_input(real, y)), torch.full((batch, 1), 0.9))
            loss_real.backward()
            fake = G(z)
            fake_d = blend(fake, a) if a < 1 else fake
            loss_fake = bce(D(d_input(fake_d.detach(), y)), torch.zeros(batch, 1))
            loss_fake.backward()
            opt_d.step()
            # G: non-saturating, through the updated D (D's gradients are computed and discarded)
            opt_g.zero_grad(set_to_none=False)
            loss_g = bce(D(d_input(fake_d, y)), torch.ones(batch, 1))
            loss_g.backward()
            opt_d.zero_grad(set_to_none=False)
            opt_g.step()
            steps += 1
    seconds = time.perf_counter() - start
    print(json.dumps({"images_per_second": steps * batch / seconds, "seconds": seconds, "steps": steps, "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "g_norm": args.g_norm, "spectral_norm": args.spectral_norm,
                      "progressive": args.progressive}))


if __name__ == "__main__":
    main()
