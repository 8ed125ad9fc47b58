"""What the emulator decides about a job's media when nothing real can be probed."""

from __future__ import annotations

import hashlib


def derived_duration(url: str, seed: int | None) -> float:
    """30 s to 20 min, the same for the same URL and seed, with millisecond precision like a real probe."""
    digest = hashlib.sha256(f"{seed}:{url}".encode()).digest()
    millis = int.from_bytes(digest[:8], "big") % (1170 * 1000)
    return round(30 + millis / 1000, 3)


def media_facts(url: str, seed: int | None) -> dict[str, float | int]:
    digest = hashlib.sha256(f"{seed}:fps:{url}".encode()).digest()
    fps = (23.976, 24.0, 25.0, 29.97, 30.0)[digest[0] % 5]
    return {"duration_s": derived_duration(url, seed), "fps": fps, "x_pixels": 1920, "y_pixels": 1080}
