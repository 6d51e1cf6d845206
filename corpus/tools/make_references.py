#!/usr/bin/env python3
"""Write corpus/reference/*.png: what each `ok` file should look like after the default request.

The references come from a decoder and resizer independent of the engine (Pillow), so the corpus
test compares the engine against another implementation rather than against its own past output.
For each `ok` row of expected.tsv: decode with Pillow, apply the EXIF orientation
(ImageOps.exif_transpose), convert to 8-bit RGB or RGBA (CMYK with Pillow's CMYK->RGB, 16-bit
samples by their high byte, tRNS to an alpha channel, for 1-4 bit grey by the tRNS level's low
bits as the PNG spec says), resize to the expected size with Lanczos
(reducing_gap=None: one exact convolution, no draft or box pre-reduction), and save as
reference/<path with / replaced by __>.png.

Outputs above MAX_REFERENCE_PIXELS are skipped to keep the repository small; the corpus test still
checks their size and that they decode.

Usage: python3 corpus/tools/make_references.py   (needs pillow and numpy)
"""

import csv
import io
import struct
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, ImageFile, ImageOps

CORPUS = Path(__file__).resolve().parent.parent
REFERENCE = CORPUS / "reference"

# Output size above which no reference is stored (the two camera photos, ~1 MP each, would add
# ~4 MB of PNG; the smaller files already cover their decoding paths).
MAX_REFERENCE_PIXELS = 800_000

# Best-effort files that Pillow refuses as they are: the chunks listed are dropped first (they carry
# nothing that affects the pixels), and truncated-image loading is enabled for the missing trailer.
DROP_CHUNKS = {
    "broken/cicp_pq_hdr_bad-ancillary-crc.png": {b"cLLI", b"mDCV"},
    "broken/pillow-png_decompression_dos.png": {b"zTXt"},
    "broken/pillow-unknown_compression_method.png": {b"iCCP"},
}
LOAD_TRUNCATED = {
    "broken/missing-eoi.jpg",
    "broken/pillow-truncated_end_chunk.png",
    "broken/png-no-iend.png",
}


def reference_name(path: str) -> str:
    return Path(path).with_suffix("").as_posix().replace("/", "__") + ".png"


def without_chunks(data: bytes, drop: set) -> bytes:
    out, pos = [data[:8]], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        end = pos + 12 + length
        if data[pos + 4 : pos + 8] not in drop:
            out.append(data[pos:end])
        pos = end
    return b"".join(out)


def low_bit_gray_trns(data: bytes):
    """The tRNS grey level of a 1/2/4-bit greyscale PNG, scaled to 8 bits (else None).

    Pillow expands such images to 8 bits but keeps the tRNS value unscaled, so its RGBA
    conversion would match the wrong grey; the PNG spec also says to use only the low bits.
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[24] >= 8 or data[25] != 0:
        return None
    bit_depth, pos = data[24], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"tRNS":
            (gray,) = struct.unpack(">H", data[pos + 8 : pos + 10])
            top = (1 << bit_depth) - 1
            return (gray & top) * 255 // top
        pos += 12 + length
    return None


def to_rgb_or_rgba(im: Image.Image, gray_trns=None) -> Image.Image:
    """8-bit RGB, or RGBA when the source has any transparency."""
    transparency = im.info.get("transparency")
    if gray_trns is not None:
        gray = np.asarray(im.convert("L"))
        alpha = np.where(gray == gray_trns, 0, 255).astype(np.uint8)
        return Image.fromarray(np.dstack([gray, gray, gray, alpha]), "RGBA")
    if im.mode in ("I;16", "I;16B", "I"):
        # Pillow's own I->L conversion clips at 255 instead of scaling; take the high byte, as it
        # does for 16-bit RGB and gray+alpha.
        wide = np.asarray(im, dtype=np.uint32)
        gray = (wide >> 8).astype(np.uint8)
        if transparency is not None:
            alpha = np.where(wide == transparency, 0, 255).astype(np.uint8)
            return Image.fromarray(np.dstack([gray, gray, gray, alpha]), "RGBA")
        return Image.fromarray(gray, "L").convert("RGB")
    if im.mode in ("RGBA", "LA", "PA") or transparency is not None:
        return im.convert("RGBA")
    if im.mode == "1":
        im = im.convert("L")
    return im.convert("RGB")


def make_reference(path: str, width: int, height: int) -> Image.Image:
    data = (CORPUS / path).read_bytes()
    if path in DROP_CHUNKS:
        data = without_chunks(data, DROP_CHUNKS[path])
    ImageFile.LOAD_TRUNCATED_IMAGES = path in LOAD_TRUNCATED
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    # Orientation is read from EXIF only; Pillow would also honour an XMP tiff:Orientation.
    im.info.pop("XML:com.adobe.xmp", None)
    im.info.pop("xmp", None)
    im = ImageOps.exif_transpose(im)
    im = to_rgb_or_rgba(im, low_bit_gray_trns(data))
    out = im.resize((width, height), Image.LANCZOS, reducing_gap=None)
    # Pixels only: Pillow would otherwise embed the source's ICC profile (up to 560 KB) in the PNG.
    out.info = {}
    return out


def main() -> None:
    with open(CORPUS / "expected.tsv", newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r["outcome"] == "ok"]
    REFERENCE.mkdir(exist_ok=True)
    for old in REFERENCE.glob("*.png"):
        old.unlink()
    written, total = 0, 0
    for row in rows:
        width, height = int(row["width"]), int(row["height"])
        if width * height > MAX_REFERENCE_PIXELS:
            print(f"skip {row['path']}: {width}x{height} output")
            continue
        out = REFERENCE / reference_name(row["path"])
        make_reference(row["path"], width, height).save(out, optimize=True)
        written += 1
        total += out.stat().st_size
    print(f"Pillow {PIL.__version__}: {written} references, {total / 2**20:.2f} MiB")


if __name__ == "__main__":
    main()
