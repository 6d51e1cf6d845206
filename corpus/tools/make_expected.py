#!/usr/bin/env python3
"""Write corpus/expected.tsv: what the engine must do with each corpus file under the default request.

Columns: path, outcome (ok | corrupt | unsupported | too_large), width and height of the "half"
output (empty unless ok), orientation (the EXIF orientation the output must have applied; 1 when the
file has none or an invalid value) and why (the reason for every outcome that is not a plain ok).

The outcome of each file is a judgement written down below, from the file's note in MANIFEST.tsv and
the shared corpus README; the dimensions are computed: the display size (stored size, swapped for
orientation 5-8) halved, each side max(1, round half up). Orientation comes from the EXIF block only
(JPEG APP1, PNG eXIf), never from XMP: browsers and the EXIF spec ignore XMP tiff:Orientation.

Usage: python3 corpus/tools/make_expected.py
"""

import csv
from pathlib import Path

from PIL import Image

CORPUS = Path(__file__).resolve().parent.parent

# Valid JPEG kinds outside what the engine's decoder supports (see the shared README).
UNSUPPORTED = {
    "jpeg-variants/12bit_monkey12.jpg": "12-bit sample precision",
    "jpeg-variants/arithmetic_progressive_sof10_800x600.jpg": "arithmetic coding (SOF10)",
    "jpeg-variants/arithmetic_testimgari.jpg": "arithmetic coding (SOF9)",
    "jpeg-variants/lossless_sof3_testimgl.jpg": "lossless JPEG (SOF3)",
    "broken/jpegdecoder-invalid-prediction-shift.jpg": "lossless JPEG (SOF3): rejected at the frame "
    "header, before the bad point transform in the scan header is reached",
    "broken/webp-named.jpg": "WebP",
    "broken/text-file.jpg": "not an image (text)",
    "broken/zero-bytes.jpg": "empty file",
    "broken/zero-bytes.png": "empty file",
}

# Valid or plausible headers whose declared size is over Limits::default() (sized for a 128 MB Lambda).
TOO_LARGE = {
    "broken/bomb-png-100000x100000-rgba.png": "100000x100000 declared",
    "broken/bomb-sof-65500x65500.jpg": "65500x65500 declared",
    "broken/jpegdecoder-max_size.jpg": "65535x65535 declared",
    "broken/png-2147483647x1.png": "width 2^31-1 declared",
    "broken/sharp-65536x65536-1bit.png": "valid 65536x65536 image, 4.3 Gpx",
}

# Files in broken/ whose image data is intact: decode them best-effort, as libpng/libjpeg would.
BEST_EFFORT = {
    "broken/cicp_pq_hdr_bad-ancillary-crc.png": "bad CRC only on ancillary chunks (cLLI, mDCV)",
    "broken/imagepng-broken_iccp.png": "corrupt iCCP (ancillary) chunk, image data fine",
    "broken/jpeg-named.png": "valid JPEG under a .png name: the format is sniffed from the bytes",
    "broken/png-named.jpg": "valid PNG under a .jpg name: the format is sniffed from the bytes",
    "broken/missing-eoi.jpg": "only the EOI marker is missing",
    "broken/png-no-iend.png": "only the IEND chunk is missing",
    "broken/pillow-truncated_end_chunk.png": "the zlib stream ends inside the complete first IDAT; "
    "only a trailing chunk header after it is cut",
    "broken/pillow-unknown_compression_method.png": "compression method 1 in the iCCP (ancillary) chunk; "
    "IHDR and IDAT are fine (the shared manifest's note says IHDR, but its IHDR byte is 0)",
    "broken/pillow-png_decompression_dos.png": "the bomb is in a zTXt text chunk; the 1x1 image is "
    "fine and text chunks are not needed to resize it",
}

# Everything else in broken/ is corrupt: truncated or missing image data, bad critical chunks,
# invalid header fields, or a damaged PNG signature (one or two bytes wrong or lost, as a
# text-mode transfer or a bit flip does: the file is still recognisably a PNG).
CORRUPT_NOTE = {
    "broken/pngsuite-xs1n0g01.png": "damaged PNG signature: byte 1 wrong",
    "broken/pngsuite-xs2n0g01.png": "damaged PNG signature: byte 2 wrong",
    "broken/pngsuite-xs4n0g01.png": "damaged PNG signature: byte 4 wrong",
    "broken/png-bad-signature.png": "signature starts \\x89PNG but is 7 bytes (CR dropped)",
    "broken/pngsuite-xcrn0g04.png": "signature starts \\x89PNG, CR/LF mangled",
    "broken/pngsuite-xlfn0g04.png": "signature starts \\x89PNG, LF mangled",
    "broken/pngsuite-xs7n0g01.png": "signature starts \\x89PNG, byte 7 wrong",
}


def exif_orientation(path: Path) -> int:
    """Orientation tag of the file's EXIF block (1 when absent or outside 1..=8)."""
    with Image.open(path) as im:
        im.load()  # PNG eXIf may follow IDAT, so Pillow sees it only after loading
        raw = im.info.get("exif")
    if not raw:
        return 1
    exif = Image.Exif()
    exif.load(raw)
    value = exif.get(0x0112, 1)
    return value if 1 <= value <= 8 else 1


def half(n: int) -> int:
    return max(1, (n + 1) // 2)


def main() -> None:
    with open(CORPUS / "MANIFEST.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))

    out = [["path", "outcome", "width", "height", "orientation", "why"]]
    for row in rows:
        path = row["path"]
        if path in UNSUPPORTED:
            out.append([path, "unsupported", "", "", "", UNSUPPORTED[path]])
            continue
        if path in TOO_LARGE:
            out.append([path, "too_large", "", "", "", TOO_LARGE[path]])
            continue
        if row["category"] == "broken" and path not in BEST_EFFORT:
            out.append([path, "corrupt", "", "", "", CORRUPT_NOTE.get(path, row["note"])])
            continue
        width, height = int(row["width"]), int(row["height"])
        try:
            orientation = exif_orientation(CORPUS / path)
        except (OSError, ValueError):
            # Pillow refuses a few best-effort files; none of them carries EXIF.
            orientation = 1
        if orientation >= 5:
            width, height = height, width
        why = BEST_EFFORT.get(path, "")
        if path == "orientation/pillow-xmp_tags_orientation.png":
            why = "orientation 3 only in XMP, which is ignored"
        if path == "orientation/orientation0_invalid.jpg":
            why = "orientation 0 is invalid and treated as 1"
        out.append([path, "ok", str(half(width)), str(half(height)), str(orientation), why])

    with open(CORPUS / "expected.tsv", "w", newline="") as f:
        for line in out:
            f.write("\t".join(line) + "\n")
    counts = {}
    for line in out[1:]:
        counts[line[1]] = counts.get(line[1], 0) + 1
    print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
