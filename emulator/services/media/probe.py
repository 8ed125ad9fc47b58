"""Duration, frame rate, resolution and codecs of real media on this machine: ffprobe when installed, else the
MP4/QuickTime header (moov: mvhd, tkhd, mdhd, stts, stsd), which needs no tool. Knows no URL scheme: a service
resolves its own references to a path (or a loopback URL ffprobe can open) and to bytes."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")
MAX_MOOV = 64 * 1024 * 1024  # a moov box larger than this is not read (hours of media with many tracks)

# Facts (all optional): duration_s, fps, x_pixels, y_pixels, video_codec, audio_codec, n_audio_channels.
ESSENTIAL = ("duration_s", "fps", "x_pixels", "y_pixels")


def probe_file(path: str | Path) -> dict[str, Any] | None:
    """Facts of the media file at path (blocking; call it in a thread), or None when nothing could be read."""
    facts = ffprobe(str(path)) or {}
    if not complete(facts):  # e.g. ffprobe not installed, or a header without sample data (no frame size)
        facts = {**(file_facts(path) or {}), **facts}
    return facts or None


def complete(facts: dict[str, Any]) -> bool:
    return all(key in facts for key in ESSENTIAL)


def ffprobe(target: str) -> dict[str, Any] | None:
    """Facts ffprobe reads from a path or a URL it can open; None when ffprobe is not installed or fails."""
    if not shutil.which("ffprobe"):
        return None
    cmd = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", target]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=15, check=True).stdout
        info = json.loads(out)
    except (subprocess.SubprocessError, OSError, ValueError):
        return None
    facts: dict[str, Any] = {}
    if "duration" in info.get("format", {}):
        facts["duration_s"] = round(float(info["format"]["duration"]), 3)
    for stream in info.get("streams", []):
        if stream.get("codec_type") == "video" and "x_pixels" not in facts:
            facts["x_pixels"], facts["y_pixels"] = stream.get("width"), stream.get("height")
            num, _, den = str(stream.get("avg_frame_rate") or "0/1").partition("/")
            if float(num or 0) and float(den or 1):
                facts["fps"] = round(float(num) / float(den), 3)
            facts["video_codec"] = stream.get("codec_name")
        elif stream.get("codec_type") == "audio" and "audio_codec" not in facts:
            facts["audio_codec"], facts["n_audio_channels"] = stream.get("codec_name"), stream.get("channels")
    return {k: v for k, v in facts.items() if v} or None  # a width of 0 is no fact


def file_facts(path: str | Path) -> dict[str, Any] | None:
    """The MP4/QuickTime header of a file, found by walking its top-level boxes: only the moov box is read,
    wherever it is (faststart files have it first, others at the end)."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            start = 0
            while start + 8 <= size:
                f.seek(start)
                head = f.read(16)
                box_size, kind = struct.unpack(">I4s", head[:8])
                header = 8
                if box_size == 1 and len(head) == 16:
                    box_size, header = struct.unpack(">Q", head[8:16])[0], 16
                elif box_size == 0:
                    box_size = size - start
                if box_size < header:
                    return None
                if kind == b"moov":
                    if box_size > MAX_MOOV:
                        return None
                    f.seek(start)
                    return mp4_facts(f.read(box_size))
                start += box_size
    except (OSError, ValueError, struct.error):
        return None
    return None


def boxes(data: bytes, start: int = 0, end: int | None = None, *, strict: bool = False
          ) -> Iterator[tuple[bytes, int, int]]:
    """(kind, body start, box end) of the ISO-BMFF boxes in data[start:end], one level. A box that does not
    fit ends the walk (clipped to `end`), or with `strict` raises ValueError (checking a file we made)."""
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[start + 8 : start + 16])[0], 16
        elif size == 0:
            size = end - start
        if size < header or (strict and start + size > end):
            if strict:
                raise ValueError(f"bad {kind!r} box at {start}")
            return
        yield kind, start + header, min(start + size, end)
        start += size


def mp4_facts(data: bytes) -> dict[str, Any] | None:
    facts: dict[str, Any] = {}
    track: dict[str, Any] = {}

    def walk(start: int, end: int) -> None:
        for kind, body, stop in boxes(data, start, end):
            if kind == b"trak":
                track.clear()
                walk(body, stop)
                if track.get("handler") == b"vide" and track.get("samples") and track.get("duration"):
                    facts.setdefault("fps", round(track["samples"] * track["scale"] / track["duration"], 3))
                    facts.setdefault("x_pixels", track.get("width"))
                    facts.setdefault("y_pixels", track.get("height"))
                    facts.setdefault("video_codec", track.get("codec"))
                elif track.get("handler") == b"soun":
                    facts.setdefault("audio_codec", track.get("codec"))
            elif kind in CONTAINERS:
                walk(body, stop)
            elif kind == b"mvhd":
                scale, duration = _times(data, body)
                if scale:
                    facts["duration_s"] = round(duration / scale, 3)
            elif kind == b"tkhd":
                track["width"], track["height"] = (v >> 16 for v in struct.unpack(">II", data[stop - 8 : stop]))
            elif kind == b"mdhd":
                track["scale"], track["duration"] = _times(data, body)
            elif kind == b"hdlr":
                track["handler"] = data[body + 8 : body + 12]
            elif kind == b"stts":
                count = struct.unpack(">I", data[body + 4 : body + 8])[0]
                entries = struct.iter_unpack(">II", data[body + 8 : body + 8 + 8 * count])
                track["samples"] = sum(n for n, _ in entries)
            elif kind == b"stsd" and stop - body >= 16:
                track["codec"] = data[body + 12 : body + 16].decode("latin-1").strip()

    try:
        walk(0, len(data))
    except (struct.error, ValueError):
        return None
    facts = {k: v for k, v in facts.items() if v}
    return facts if "duration_s" in facts else None


def _times(data: bytes, body: int) -> tuple[int, int]:
    """(timescale, duration) of an mvhd or mdhd box, version 0 or 1."""
    if data[body] == 1:
        return struct.unpack(">IQ", data[body + 20 : body + 32])
    return struct.unpack(">II", data[body + 12 : body + 20])
