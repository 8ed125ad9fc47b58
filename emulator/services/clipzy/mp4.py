"""The rendered output Clipzy's download serves: a real, playable H.264 MP4 of any duration, a few KB to a few
tens of KB long, written in pure Python (no ffmpeg at run time).

base.mp4 (2.4 KB, shipped beside this file) was made once with

    ffmpeg -f lavfi -i "gradients=s=320x180:c0=0x2b5876:c1=0x4e4376:n=2:seed=7" -frames:v 1 frame.png
    ffmpeg -loop 1 -i frame.png -frames:v 33 -r 30 -pix_fmt yuv420p -c:v libx264 -profile:v main \\
        -preset veryslow -tune stillimage -bf 0 -x264-params keyint=infinite:min-keyint=999:scenecut=0:ref=1 \\
        -crf 32 -an -movflags +faststart -map_metadata -1 -fflags +bitexact base.mp4

a still 320x180 picture: one IDR frame, then P frames that skip every macroblock. Its SPS numbers frames modulo
16 (log2_max_frame_num 4) and orders pictures by frame_num (pic_order_cnt_type 2), so base frames 17..32
(frame_num 1..15, 0) form a cycle that can follow the IDR frame and itself any number of times and stay a valid
stream. The output stores the IDR frame and one cycle once; its sample table points every further group of 16
frames at the same bytes (one chunk offset per group). Every sample is padded to one size with a filler-data NAL
unit, so the sample-size table is a single number: an hour at 30 fps is about 30 KB.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path

from ..media.probe import boxes as probe_boxes

BASE = Path(__file__).with_name("base.mp4")
CYCLE = 16  # MaxFrameNum of the base's SPS
CYCLE_START = 17  # the base frame with frame_num 1 after one full wrap: frames 17..32 are pure skips
MAX_FPS = 240.0
MAX_FRAMES = 216_000  # two hours at 30 fps (54 KB of chunk offsets); a longer file gets a lower frame rate
NAL_SEI, NAL_FILLER = 6, 12
CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")
MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


@dataclass(frozen=True)
class _Base:
    ftyp: bytes  # the whole box
    stsd: bytes  # the whole box (avc1 + avcC with the SPS and PPS)
    width: int
    height: int
    length_size: int  # bytes of each NAL unit's length prefix in a sample
    idr: bytes  # sample 1 without its SEI (x264's settings string)
    cycle: tuple[bytes, ...]  # CYCLE P frames


def frame_size() -> tuple[int, int]:
    """(width, height) of every file mp4_bytes makes."""
    base = _base()
    return base.width, base.height


@dataclass(frozen=True)
class _Layout:
    """Everything about a file but its bytes: the sizes of its tables follow from it."""

    timescale: int
    total: int  # media duration, in timescale units
    movie_ms: int
    frames: int
    size: int  # every sample's size (padded)
    stts: list[tuple[int, int]]  # (samples, delta)
    stsc: list[tuple[int, int]]  # (first chunk, samples per chunk)
    chunks: int  # the IDR frame's, then one per group of up to CYCLE frames


def _layout(duration_s: float, fps: float) -> _Layout:
    if not (duration_s >= 0 and math.isfinite(duration_s)):
        raise ValueError(f"duration_s must be a finite number >= 0, got {duration_s!r}")
    if not (0 < fps <= MAX_FPS):
        raise ValueError(f"fps must be in (0, {MAX_FPS:g}], got {fps!r}")
    timescale, delta = _timescale(_rate(fps))
    total = max(1, round(duration_s * timescale))
    frames = max(1, min(round(total / delta), MAX_FRAMES))
    if frames == MAX_FRAMES and frames * delta < total:
        delta = total // frames  # fewer, longer frames
    last = total - (frames - 1) * delta
    if last <= 0:  # cannot happen with the rounding above; kept as a guard for odd rates
        frames, last = 1, total
    stts = [(frames - 1, delta), (1, last)] if frames > 1 and last != delta else [(frames, delta)]
    if frames == 1:
        stts = [(1, total)]
    full, rest = divmod(frames - 1, CYCLE)
    stsc = [(1, 1)]  # chunk 1 is the IDR frame
    if full:
        stsc.append((2, CYCLE))
    if rest and rest != stsc[-1][1]:
        stsc.append((2 + full, rest))
    return _Layout(timescale, total, max(1, round(total * 1000 / timescale)), frames, _sample_size(), stts, stsc,
                   1 + full + (1 if rest else 0))


@cache
def _sample_size() -> int:
    base = _base()
    return max(len(s) for s in (base.idr, *base.cycle)) + base.length_size + 2  # room for the smallest filler


def mp4_bytes(duration_s: float, fps: float = 30.0) -> bytes:
    """An MP4 lasting duration_s (to the millisecond) at fps frames per second (a frame at least; fps is
    lowered past MAX_FRAMES frames). The picture is the base's still frame, 320x180, no audio track."""
    base, layout = _base(), _layout(duration_s, fps)
    size = layout.size
    payload = _pad(base.idr, size, base.length_size) + b"".join(_pad(s, size, base.length_size) for s in base.cycle)
    head = len(base.ftyp) + len(_moov(layout, 0))  # offsets are fixed-width: the moov's size does not depend on them
    return base.ftyp + _moov(layout, head) + struct.pack(">I4s", 8 + len(payload), b"mdat") + payload


def mp4_size(duration_s: float, fps: float = 30.0) -> int:
    """len(mp4_bytes(duration_s, fps)), without making the bytes."""
    layout = _layout(duration_s, fps)
    empty = _empty_moov(layout.movie_ms >= 2**32, layout.total >= 2**32)
    tables = 8 * len(layout.stts) + 12 * len(layout.stsc) + 4 * layout.chunks
    return len(_base().ftyp) + empty + tables + 8 + (1 + CYCLE) * layout.size


@cache
def _empty_moov(long_movie: bool, long_media: bool) -> int:
    """The size of a moov with empty stts, stsc and stco tables (a version 1 mvhd/tkhd, mdhd when long)."""
    empty = _Layout(1, 2**32 if long_media else 1, 2**32 if long_movie else 1, 1, 0, [], [], 0)
    return len(_moov(empty, 0))


def _moov(layout: _Layout, mdat_start: int) -> bytes:
    base = _base()
    data = mdat_start + 8
    offsets = [data] + [data + layout.size] * (layout.chunks - 1) if layout.chunks else []
    stbl = _box(b"stbl", base.stsd
                + _full(b"stts", 0, 0, _table(">II", layout.stts))
                + _full(b"stss", 0, 0, struct.pack(">II", 1, 1))
                + _full(b"stsc", 0, 0, _table(">III", [(c, n, 1) for c, n in layout.stsc]))
                + _full(b"stsz", 0, 0, struct.pack(">II", layout.size, layout.frames))
                + _full(b"stco", 0, 0, _table(">I", [(o,) for o in offsets])))
    minf = _box(b"minf", _full(b"vmhd", 0, 1, bytes(8))
                + _box(b"dinf", _full(b"dref", 0, 0, struct.pack(">I", 1) + _full(b"url ", 0, 1, b"")))
                + stbl)
    hdlr = _full(b"hdlr", 0, 0, bytes(4) + b"vide" + bytes(12) + b"VideoHandler\0")
    mdia = _box(b"mdia", _mdhd(layout.timescale, layout.total) + hdlr + minf)
    trak = _box(b"trak", _tkhd(layout.movie_ms, base.width, base.height) + mdia)
    return _box(b"moov", _mvhd(layout.movie_ms) + trak)


@lru_cache(maxsize=256)
def _rate(fps: float) -> Fraction:
    """The frame rate as a fraction; the NTSC rates a probe rounds (23.976, 29.97, 59.94) are N*1000/1001."""
    for n in (24, 30, 48, 60, 120):
        if abs(fps - n * 1000 / 1001) < 0.005:
            return Fraction(n * 1000, 1001)
    return Fraction(fps).limit_denominator(1001)


def _timescale(rate: Fraction) -> tuple[int, int]:
    """(timescale, frame delta) for a frame rate: 90 kHz when it divides evenly (24, 25, 29.97, 30, 50, 60...),
    else the rate's own numerator, scaled to at least millisecond precision."""
    num, den = rate.numerator, rate.denominator
    if (90000 * den) % num == 0:
        return 90000, 90000 * den // num
    k = max(1, math.ceil(1000 / num))
    return num * k, den * k


def _pad(sample: bytes, size: int, length_size: int) -> bytes:
    gap = size - len(sample)
    if gap == 0:
        return sample
    body = bytes([NAL_FILLER]) + b"\xff" * (gap - length_size - 2) + b"\x80"
    return sample + len(body).to_bytes(length_size, "big") + body


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def _table(fmt: str, rows: Sequence[tuple[int, ...]]) -> bytes:
    # one pack for the whole table: a long video's chunk offsets run to thousands of rows
    return struct.pack(">I" + fmt[1:] * len(rows), len(rows), *(value for row in rows for value in row))


def _mvhd(duration_ms: int) -> bytes:
    v1 = duration_ms >= 2**32
    times = struct.pack(">QQIQ" if v1 else ">IIII", 0, 0, 1000, duration_ms)
    return _full(b"mvhd", int(v1), 0, times + struct.pack(">IH10x", 0x10000, 0x100) + MATRIX + bytes(24)
                 + struct.pack(">I", 2))


def _tkhd(duration_ms: int, width: int, height: int) -> bytes:
    v1 = duration_ms >= 2**32
    times = struct.pack(">QQI4xQ" if v1 else ">III4xI", 0, 0, 1, duration_ms)
    return _full(b"tkhd", int(v1), 3, times + bytes(8) + struct.pack(">hhH2x", 0, 0, 0) + MATRIX
                 + struct.pack(">II", width << 16, height << 16))


def _mdhd(timescale: int, duration: int) -> bytes:
    v1 = duration >= 2**32
    times = struct.pack(">QQIQ" if v1 else ">IIII", 0, 0, timescale, duration)
    return _full(b"mdhd", int(v1), 0, times + struct.pack(">HH", 0x55C4, 0))  # language "und"


def boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(kind, body start, box end) of the boxes in data[start:end], one level; a bad box raises ValueError."""
    return probe_boxes(data, start, end, strict=True)


def find(data: bytes, path: list[bytes], start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """(body start, end) of the first box along a path of kinds, e.g. [b"moov", b"trak", b"mdia", b"mdhd"]."""
    for kind, body, stop in boxes(data, start, end):
        if kind == path[0]:
            return (body, stop) if len(path) == 1 else find(data, path[1:], body, stop)
    return None


@cache
def _base() -> _Base:
    data = BASE.read_bytes()
    ftyp = find(data, [b"ftyp"])
    stbl = find(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl"])
    tkhd = find(data, [b"moov", b"trak", b"tkhd"])
    if not (ftyp and stbl and tkhd):
        raise ValueError(f"{BASE} is not the expected MP4")
    tables = {kind: (body, stop) for kind, body, stop in boxes(data, *stbl)}
    stsd_body, stsd_end = tables[b"stsd"]
    stsd = data[stsd_body - 8 : stsd_end]
    avcc = stsd.find(b"avcC")
    length_size = (stsd[avcc + 4 + 4] & 3) + 1  # avcC: version, profile, compatibility, level, lengthSizeMinusOne
    width, height = (v >> 16 for v in struct.unpack(">II", data[tkhd[1] - 8 : tkhd[1]]))

    sizes = _sizes(data, tables[b"stsz"][0])
    offsets = _column(data, tables[b"stco"][0], ">I")
    runs = [(first, per) for first, per, _ in _rows(data, tables[b"stsc"][0], ">III")]
    samples: list[bytes] = []
    for chunk, offset in enumerate(offsets, start=1):
        per = [p for first, p in runs if first <= chunk][-1]
        for _ in range(per):
            if len(samples) == len(sizes):
                break
            samples.append(data[offset : offset + sizes[len(samples)]])
            offset += len(samples[-1])
    if len(samples) < CYCLE_START + CYCLE:
        raise ValueError(f"{BASE} has {len(samples)} frames, {CYCLE_START + CYCLE} needed")
    idr = b"".join(nal for nal in _nals(samples[0], length_size) if nal[length_size] & 0x1F != NAL_SEI)
    cycle = tuple(samples[CYCLE_START : CYCLE_START + CYCLE])
    return _Base(data[ftyp[0] - 8 : ftyp[1]], stsd, width, height, length_size, idr, cycle)


def _nals(sample: bytes, length_size: int) -> list[bytes]:
    """The NAL units of a sample, each with its length prefix."""
    out, i = [], 0
    while i + length_size <= len(sample):
        n = int.from_bytes(sample[i : i + length_size], "big")
        out.append(sample[i : i + length_size + n])
        i += length_size + n
    return out


def _rows(data: bytes, body: int, fmt: str) -> list[tuple[int, ...]]:
    count = struct.unpack(">I", data[body + 4 : body + 8])[0]
    return list(struct.iter_unpack(fmt, data[body + 8 : body + 8 + count * struct.calcsize(fmt)]))


def _column(data: bytes, body: int, fmt: str) -> list[int]:
    return [row[0] for row in _rows(data, body, fmt)]


def _sizes(data: bytes, body: int) -> list[int]:
    fixed, count = struct.unpack(">II", data[body + 4 : body + 12])
    if fixed:
        return [fixed] * count
    return list(struct.unpack(f">{count}I", data[body + 12 : body + 12 + 4 * count]))
