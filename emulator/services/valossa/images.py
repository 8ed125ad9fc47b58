"""Training images (docs: upload_image): JPG or PNG, judged by their first bytes, at most 8 MB; the width and
height read from the header when it is where it should be (PNG's IHDR, JPEG's first SOF marker)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_IMAGE_BYTES = 8 * 1024 * 1024  # docs: 8 MB
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
# Start-of-frame markers: every JPEG coding process (C4 DHT, C8 JPG and CC DAC are not frames).
SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class NotAnImage(ValueError):
    pass


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "jpeg" or "png"
    width: int | None
    height: int | None


def sniff(data: bytes) -> ImageInfo:
    if data.startswith(PNG):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return ImageInfo("png", width, height)
        return ImageInfo("png", None, None)
    if data.startswith(JPEG):
        return ImageInfo("jpeg", *_jpeg_size(data))
    raise NotAnImage("expected a JPG or PNG image")


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    """Walk the marker segments up to the first start-of-frame (cheap: one length read per segment)."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None, None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD9)):  # standalone markers: no length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if marker in SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header: give up
            return None, None
        i += 2 + length
    return None, None
