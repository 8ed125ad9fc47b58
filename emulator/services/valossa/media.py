"""What the emulator decides about a job's media at new_job: probed from a real local file when the URL points
to one, else derived from (seed, URL); the engine applies a scenario's media block over both."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from .results.probe import probe
from .results.sources import readable


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
        facts.update(await asyncio.to_thread(probe, url) or {})
    return facts
