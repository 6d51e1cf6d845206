"""Quality of downscaled outputs: SSIM on luma against a float Lanczos reference.

    ssim.py reference SOURCE WIDTH HEIGHT REF.npy   build the reference luma once
    ssim.py compare REF.npy OUTPUT...               print {"OUTPUT": ssim, ...} as JSON

The reference decodes SOURCE with Pillow, resizes each channel as 32-bit float ('F' mode) with
Lanczos (a = 3, antialiased, as Image.LANCZOS does), so neither 8-bit rounding between passes nor
an integer kernel is in it. Images with alpha are compared premultiplied (what would be seen over
black), so colour under fully transparent pixels, which every resizer is free to change, does not
count. SSIM is Wang et al. (2004): 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03, L 255,
on BT.601 luma, mean over the valid (unpadded) window positions.
"""

import json
import sys

import numpy as np
from PIL import Image


def load_float(path):
    """Decoded pixels as float32 H x W x C (RGB or RGBA, 0..255)."""
    with Image.open(path) as im:
        im.load()
        has_alpha = im.mode in ("RGBA", "LA", "PA") or (
            im.mode == "P" and "transparency" in im.info
        ) or (im.mode in ("RGB", "L") and "transparency" in im.info)
        im = im.convert("RGBA" if has_alpha else "RGB")
        return np.asarray(im, dtype=np.float32)


def premultiplied(rgb_or_rgba):
    if rgb_or_rgba.shape[2] == 4:
        alpha = rgb_or_rgba[:, :, 3:4] / 255.0
        return np.concatenate([rgb_or_rgba[:, :, :3] * alpha, rgb_or_rgba[:, :, 3:4]], axis=2)
    return rgb_or_rgba


def luma(pixels):
    return (
        0.299 * pixels[:, :, 0].astype(np.float64)
        + 0.587 * pixels[:, :, 1]
        + 0.114 * pixels[:, :, 2]
    )


def reference(source, width, height, out):
    pixels = premultiplied(load_float(source))
    channels = []
    for c in range(3):
        plane = Image.fromarray(np.ascontiguousarray(pixels[:, :, c]), mode="F")
        channels.append(np.asarray(plane.resize((width, height), Image.LANCZOS)))
    resized = np.stack(channels, axis=2)
    np.save(out, luma(resized).astype(np.float32))


def gaussian_window(size=11, sigma=1.5):
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    k = np.exp(-(x * x) / (2.0 * sigma * sigma))
    return k / k.sum()


def filter_valid(img, k):
    """Separable correlation with `k` along both axes, 'valid' region only."""
    n = len(k)
    h, w = img.shape
    rows = np.zeros((h, w - n + 1))
    for i in range(n):
        rows += k[i] * img[:, i : w - n + 1 + i]
    out = np.zeros((h - n + 1, w - n + 1))
    for i in range(n):
        out += k[i] * rows[i : h - n + 1 + i, :]
    return out


def ssim(a, b):
    k = gaussian_window()
    c1 = (0.01 * 255) ** 2
    c2 = (0.03 * 255) ** 2
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    mu_a = filter_valid(a, k)
    mu_b = filter_valid(b, k)
    var_a = filter_valid(a * a, k) - mu_a * mu_a
    var_b = filter_valid(b * b, k) - mu_b * mu_b
    cov = filter_valid(a * b, k) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a * mu_a + mu_b * mu_b + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


def compare(ref_path, outputs):
    ref = np.load(ref_path)
    scores = {}
    for path in outputs:
        y = luma(premultiplied(load_float(path)))
        if y.shape != ref.shape:
            raise SystemExit(f"{path}: size {y.shape[::-1]} differs from the reference {ref.shape[::-1]}")
        scores[path] = ssim(ref, y)
    print(json.dumps(scores))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "reference" and len(sys.argv) == 6:
        reference(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif len(sys.argv) >= 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
