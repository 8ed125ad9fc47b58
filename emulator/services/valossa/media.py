"""What the emulator decides about a job's media at new_job: probed from a real local file when the URL points
to one, else derived from (seed, URL); the engine applies a scenario's media block over both."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from ..media.probe import complete, ffprobe, mp4_facts
from .results.sources import SourceError, local_path, read, readable

MAX_DOWNLOAD = 512 * 1024 * 1024  # loopback media is read whole to find its moov box, which may be at the end


def probe(url: str) -> dict[str, Any] | None:
    """Facts of the media at a file:// or loopback URL (blocking), or None when nothing could be read."""
    path = local_path(url)
    facts = ffprobe(str(path) if path is not None else url) or {}
    if not complete(facts):  # no ffprobe, or it could not tell everything: the MP4 header may
        try:
            facts = {**(mp4_facts(read(url, MAX_DOWNLOAD)) or {}), **facts}
        except SourceError:
            pass
    return facts or None


def derived_duration(url: str, seed: int | None) -> float:
    """30 s to 20 min, the same for the same URL and seed, with millisecond precision like a real probe."""
    digest = hashlib.sha256(f"{seed}:{url}".encode()).digest()
    millis = int.from_bytes(digest[:8], "big") % (1170 * 1000)
    return round(30 + millis / 1000, 3)


def derived_facts(url: str, seed: int | None) -> dict[str, Any]:
    """Duration and frame rate; results fill in the rest (results/core.py MEDIA_DEFAULTS), so a stored job holds
    only what was derived or probed."""
    digest = hashlib.sha256(f"{seed}:fps:{url}".encode()).digest()
    fps = (23.976, 24.0, 25.0, 29.97, 30.0)[digest[0] % 5]
    return {"duration_s": derived_duration(url, seed), "fps": fps}


async def media_facts(url: str, seed: int | None) -> dict[str, Any]:
    """Probed from the file when the URL is readable, else derived (the engine applies a scenario's media)."""
    facts = derived_facts(url, seed)
    if readable(url):
        probed = await asyncio.to_thread(probe, url)
        facts.update(probed or {})
    return facts
