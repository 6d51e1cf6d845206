#!/usr/bin/env python3
"""Rebuild corpus/ from the shared image corpus.

The shared corpus is ~50 MiB; the repository keeps a subset that still covers every category (see
PROVENANCE.md for what was left out and why). Most files are byte-for-byte copies under their
original names. The nine 2268x1512 "flower" sampling variants are replaced by lossless jpegtran crops
of the same files, which keep the sampling factors, the Huffman/quantisation tables and the coefficients
(so the decoder sees exactly the same kind of stream) at a sixteenth of the bytes.

Usage: python3 corpus/tools/curate.py [--shared ../shared/corpus]
Needs jpegtran from libjpeg-turbo 2.1.5 (Debian: libjpeg-turbo-progs) for the crops.
"""

import argparse
import csv
import shutil
import struct
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent

# Shared files not copied, with the reason recorded in PROVENANCE.md.
SKIPPED = {
    "jpeg-variants/huge-dims_20000x14000_gray.jpg": "1.1 MB; the limit tests use tiny bomb headers instead",
    "jpeg-variants/icc_display-p3_iphone-xr_4032x3024.jpg": "1.9 MB; Display P3 ICC is covered by png-variants/sharp-p3.png",
    "jpeg-variants/ultrahdr_gain-map_3840x2160.jpg": "1.2 MB; multi-picture (MPF) files are covered by mpo_sugarshack.jpg",
    "png-variants/exoplanet-diagram_3840x2160.png": "0.8 MB, 8 MP",
}

# Photos kept: the smallest real camera files that carry EXIF orientation 6 and 8.
PHOTOS = {
    "photos/samsung-sm-j327t1_2576x1932_5mp_orient6.jpg",
    "photos/canon-powershot-a85_1704x2272_4mp_orient8.jpg",
}

# Lossless crop of the centre flower; the offset is a multiple of the 16x16 iMCU of every variant, the
# size is deliberately not, so the right and bottom edges end in partial MCUs.
CROP = "517x389+1072+624"
FLOWER_CROPS = {
    # shared file -> extra jpegtran options that restore what a plain transcode would drop
    "jpeg-variants/flower_420.jpg": [],
    "jpeg-variants/flower_420_R13B.jpg": ["-restart", "13B"],
    "jpeg-variants/flower_420_progr.jpg": ["-progressive"],
    "jpeg-variants/flower_422.jpg": [],
    "jpeg-variants/flower_440.jpg": [],
    "jpeg-variants/flower_444.jpg": [],
    "jpeg-variants/flower_asymmetric.jpg": [],
    "jpeg-variants/flower_gray.jpg": [],
    "jpeg-variants/flower_luma_subsample.jpg": [],
}

COLUMNS = ["path", "category", "format", "width", "height", "bytes", "source", "license", "note"]


def jpeg_structure(data: bytes) -> dict:
    """Frame type, sampling factors, restart interval and scan count, read from the markers."""
    info = {"sof": None, "sampling": [], "dri": 0, "scans": 0, "width": 0, "height": 0}
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            pos += 1
            continue
        marker = data[pos + 1]
        if marker in (0x00, 0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            pos += 1 if marker == 0xFF else 2
            continue
        if marker == 0xD9:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        seg = data[pos + 4 : pos + 2 + length]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC) and info["sof"] is None:
            info["sof"] = marker - 0xC0
            info["height"], info["width"] = struct.unpack(">HH", seg[1:5])
            info["sampling"] = [(seg[7 + 3 * i] >> 4, seg[7 + 3 * i] & 15) for i in range(seg[5])]
        elif marker == 0xDD:
            (info["dri"],) = struct.unpack(">H", seg[:2])
        elif marker == 0xDA:
            info["scans"] += 1
        pos += 2 + length
    return info


def crop_flower(src: Path, dst: Path, options: list[str]) -> None:
    cmd = ["jpegtran", "-copy", "all", "-crop", CROP, *options, "-outfile", str(dst), str(src)]
    subprocess.run(cmd, check=True)
    before, after = jpeg_structure(src.read_bytes()), jpeg_structure(dst.read_bytes())
    for key in ("sof", "sampling"):
        if before[key] != after[key]:
            sys.exit(f"{dst.name}: jpegtran changed {key}: {before[key]} -> {after[key]}")
    if bool(before["dri"]) != bool(after["dri"]):
        sys.exit(f"{dst.name}: restart interval {before['dri']} -> {after['dri']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=CORPUS.parent.parent / "shared" / "corpus")
    args = parser.parse_args()

    with open(args.shared / "MANIFEST.tsv", newline="") as f:
        shared = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))

    rows = []
    for row in shared:
        path = row["path"]
        if path in SKIPPED or (row["category"] == "photos" and path not in PHOTOS):
            continue
        src = args.shared / path
        if path in FLOWER_CROPS:
            new_path = path.replace(".jpg", "_crop.jpg")
            dst = CORPUS / new_path
            dst.parent.mkdir(parents=True, exist_ok=True)
            crop_flower(src, dst, FLOWER_CROPS[path])
            info = jpeg_structure(dst.read_bytes())
            extra = " ".join(FLOWER_CROPS[path])
            rows.append(
                {
                    **row,
                    "path": new_path,
                    "width": str(info["width"]),
                    "height": str(info["height"]),
                    "bytes": str(dst.stat().st_size),
                    "source": "generated for this corpus: lossless jpegtran (libjpeg-turbo 2.1.5) "
                    f"-copy all -crop {CROP}{' ' + extra if extra else ''}; from {row['source']}",
                    "license": f"derived from: {row['license']}",
                    "note": row["note"].replace("2268x1512 photo", f"{info['width']}x{info['height']} "
                                                "lossless crop of a photo"),
                }
            )
            continue
        dst = CORPUS / path
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        rows.append(row)

    rows.sort(key=lambda r: r["path"])
    with open(CORPUS / "MANIFEST.tsv", "w", newline="") as f:
        # Plain tab-joined lines, as in the shared manifest: notes contain quotes, never tabs.
        f.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            f.write("\t".join(row[c] for c in COLUMNS) + "\n")
    total = sum(int(r["bytes"]) for r in rows)
    print(f"{len(rows)} files, {total / 2**20:.2f} MiB")


if __name__ == "__main__":
    main()
