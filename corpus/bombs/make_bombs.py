#!/usr/bin/env python3
"""Writes the decompression and CPU bombs of corpus/bombs/ (standard library only).

Each file is small on disk and declares or hides far more work than it carries. The engine must
refuse each one from its header, or handle it without doing the hidden work; engine/tests/bombs.rs
says which, and checks time and memory. Run from anywhere: python3 corpus/bombs/make_bombs.py
"""

import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.dirname(HERE)

# Zeros hidden in each zlib bomb. Deflate tops out near 1032:1, so 200 MB of zeros compress to
# about 200 KB: the file stays small while inflating it would exceed a 128 MB Lambda.
ZLIB_BOMB_BYTES = 200 * 1024 * 1024


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def ihdr(width: int, height: int, bit_depth: int = 8, colour_type: int = 2) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0))


def small_rgb_idat(width: int, height: int) -> bytes:
    """A gradient, each row with filter type 0."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 255 // width, y * 255 // height, 128))
        for y in range(height)
    )
    return chunk(b"IDAT", zlib.compress(rows, 9))


def zlib_of_zeros(n: int) -> bytes:
    z = zlib.compressobj(9)
    block = bytes(1024 * 1024)
    out = []
    for _ in range(n // len(block)):
        out.append(z.compress(block))
    out.append(z.flush())
    return b"".join(out)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_huge_dimensions() -> bytes:
    """IHDR says 100000x100000 RGB (30 GB of pixels); the data is one compressed row of zeros."""
    return (
        PNG_SIGNATURE
        + ihdr(100_000, 100_000)
        + chunk(b"IDAT", zlib.compress(bytes(1 + 3 * 100_000), 9))
        + chunk(b"IEND", b"")
    )


def png_with_bomb(kind: bytes, body_prefix: bytes) -> bytes:
    """A valid 8x8 RGB PNG with a zlib bomb in an ancillary chunk before the image data."""
    bomb = chunk(kind, body_prefix + zlib_of_zeros(ZLIB_BOMB_BYTES))
    return PNG_SIGNATURE + ihdr(8, 8) + bomb + small_rgb_idat(8, 8) + chunk(b"IEND", b"")


def jpeg_segments(data: bytes):
    """(offset, marker, length) of every segment up to EOI; a scan's length includes its data."""
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        if marker == 0xD9:
            yield pos, marker, 2
            return
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0] + 2
        if marker == 0xDA:
            end = pos + length
            while not (data[end] == 0xFF and data[end + 1] not in (0x00, *range(0xD0, 0xD8))):
                end += 1
            length = end - pos
        yield pos, marker, length
        pos += length


def read_corpus(path: str) -> bytes:
    with open(os.path.join(CORPUS, path), "rb") as f:
        return f.read()


def jpeg_huge_dimensions() -> bytes:
    """A real 15x15 baseline JPEG whose SOF is patched to say 65500x65500 (4.3 Gpx)."""
    data = bytearray(read_corpus("jpeg-variants/tiny_15x15.jpg"))
    for pos, marker, _ in jpeg_segments(bytes(data)):
        if marker == 0xC0:
            data[pos + 5 : pos + 9] = struct.pack(">HH", 65500, 65500)
            return bytes(data)
    raise ValueError("no SOF0")


def jpeg_many_scans(repeats: int = 5000) -> bytes:
    """A 1536x2048 progressive camera JPEG whose last scan (and its Huffman table), a 14-byte
    end-of-band run over the whole image, is repeated `repeats` times before EOI: each copy
    makes a decoder walk all 3 MP of coefficients again."""
    data = read_corpus("jpeg-variants/progressive_camera_sony-dsc-p12_1536x2048.jpg")
    segments = list(jpeg_segments(data))
    eoi = segments[-1]
    last_scan = max(i for i, s in enumerate(segments) if s[1] == 0xDA)
    start = last_scan - 1 if segments[last_scan - 1][1] == 0xC4 else last_scan
    tail = data[segments[start][0] : eoi[0]]
    return data[: eoi[0]] + tail * repeats + data[eoi[0] :]


def jpeg_truncated_mid_scan() -> bytes:
    """A 517x389 baseline JPEG cut in the middle of its entropy-coded data."""
    data = read_corpus("jpeg-variants/flower_420_crop.jpg")
    scan = [s for s in jpeg_segments(data) if s[1] == 0xDA][0]
    return data[: scan[0] + scan[2] // 2]


def png_truncated_mid_idat() -> bytes:
    """A 64x64 RGB PNG cut in the middle of its image data."""
    data = PNG_SIGNATURE + ihdr(64, 64) + small_rgb_idat(64, 64) + chunk(b"IEND", b"")
    idat = data.index(b"IDAT")
    (length,) = struct.unpack(">I", data[idat - 4 : idat])
    return data[: idat + 4 + length // 2]


BOMBS = {
    "png-100000x100000.png": png_huge_dimensions,
    "png-ztxt-zlib-bomb-200mb.png": lambda: png_with_bomb(b"zTXt", b"Comment\x00\x00"),
    "png-iccp-zlib-bomb-200mb.png": lambda: png_with_bomb(b"iCCP", b"bomb\x00\x00"),
    "jpeg-sof-65500x65500.jpg": jpeg_huge_dimensions,
    "jpeg-progressive-5000-scans.jpg": jpeg_many_scans,
    "jpeg-truncated-mid-scan.jpg": jpeg_truncated_mid_scan,
    "png-truncated-mid-idat.png": png_truncated_mid_idat,
}


def main() -> None:
    for name, make in BOMBS.items():
        data = make()
        assert len(data) < 1024 * 1024, f"{name} is {len(data)} bytes"
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        print(f"{name}\t{len(data)}")


if __name__ == "__main__":
    main()
