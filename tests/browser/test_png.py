"""The browser tests' PNG reader, on images encoded here with every PNG filter."""

from __future__ import annotations

import struct
import zlib

import pytest

from tests.browser.png import columns_of
from tests.browser.png import hex_rgb
from tests.browser.png import read_png

PIXELS = [
    [(255, 255, 255), (164, 22, 26), (11, 79, 156)],
    [(0, 0, 0), (164, 22, 26), (250, 10, 200)],
]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def encode(pixels, kind: int, channels: int) -> bytes:
    """A PNG of ``pixels`` whose every scanline uses filter ``kind``."""
    width, height = len(pixels[0]), len(pixels)
    raw, prior = b"", bytes(width * channels)
    for row in pixels:
        line = b"".join(bytes(p) + (b"\xff" if channels == 4 else b"") for p in row)
        out = bytearray()
        for i, value in enumerate(line):
            left = line[i - channels] if i >= channels else 0
            up, corner = prior[i], prior[i - channels] if i >= channels else 0
            predictor = [0, left, up, (left + up) // 2, _paeth(left, up, corner)][kind]
            out.append((value - predictor) & 0xFF)
        raw += bytes([kind]) + bytes(out)
        prior = line

    def chunk(kind_: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind_ + body + struct.pack(">I", zlib.crc32(kind_ + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
def test_reads_every_filter(kind, channels):
    assert read_png(encode(PIXELS, kind, channels)) == (3, 2, PIXELS)


def test_finds_the_columns_of_a_colour():
    _, _, rows = read_png(encode(PIXELS, 4, 3))
    assert columns_of(rows, hex_rgb("#a4161a")) == [1]
    assert columns_of(rows, hex_rgb("#0b4f9c")) == [2]


@pytest.mark.parametrize("data", [b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x00IEND\xaeB`\x82"])
def test_refuses_what_it_cannot_read(data):
    with pytest.raises(ValueError):
        read_png(data)
