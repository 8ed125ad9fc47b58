"""Duration, frame rate and resolution of a real media file on this machine: ffprobe when installed, else the
MP4/QuickTime header (moov: mvhd, tkhd, mdhd, stts), which needs no tool."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from typing import Any

from .sources import SourceError, local_path, read

MAX_DOWNLOAD = 512 * 1024 * 1024  # loopback media is read whole to find its moov box, which may be at the end
CONTAINERS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")


def probe(url: str) -> dict[str, Any] | None:
    """Facts found (duration_s, fps, x_pixels, y_pixels, codec names), or None when nothing could be read."""
    path = local_path(url)
    target = str(path) if path is not None else url
    if shutil.which("ffprobe"):
        facts = _ffprobe(target)
        if facts:
            return facts
    try:
        return mp4_facts(read(url, MAX_DOWNLOAD))
    except SourceError:
        return None


def _ffprobe(target: str) -> dict[str, Any] | None:
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
    return {k: v for k, v in facts.items() if v is not None} or None


def _boxes(data: bytes, start: int, end: int):  # type: ignore[no-untyped-def]
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[start + 8 : start + 16])[0], 16
        elif size == 0:
            size = end - start
        if size < header:
            return
        yield kind, start + header, min(start + size, end)
        start += size


def mp4_facts(data: bytes) -> dict[str, Any] | None:
    facts: dict[str, Any] = {}
    track: dict[str, Any] = {}

    def walk(start: int, end: int) -> None:
        for kind, body, stop in _boxes(data, start, end):
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
