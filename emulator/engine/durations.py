"""Durations in scenario files: 30s, 2m, 1h, 1h30m, 250ms, plain seconds, 0.5x (times the media
duration), a sum such as 60s + 0.5x; "forever" for a step that never ends by itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
HINT = "a duration like 30s, 2m, 1h30m, 0.5x, 60s + 0.5x or forever"


@dataclass(frozen=True)
class Duration:
    seconds: float = 0.0
    media_factor: float | None = None  # 0.5x: half the media duration
    forever: bool = False

    def resolve(self, media_seconds: float) -> float | None:
        if self.forever:
            return None
        return round(self.seconds + (self.media_factor or 0.0) * media_seconds, 3)


def parse_duration(value: object) -> Duration:
    if isinstance(value, bool):
        raise ValueError(f"expected {HINT}, got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"expected {HINT}, got {value!r}")
        return Duration(float(value))
    if not isinstance(value, str):
        raise ValueError(f"expected {HINT}, got {value!r}")
    text = value.strip().lower()
    if text == "forever":
        return Duration(forever=True)
    if "+" in text:
        parts = [_one(p.strip(), value) for p in text.split("+")]
        factors = [p.media_factor for p in parts if p.media_factor is not None]
        return Duration(sum(p.seconds for p in parts), sum(factors) if factors else None)
    return _one(text, value)


def _one(text: str, value: object) -> Duration:
    if text.endswith("x"):
        try:
            factor = float(text[:-1])
        except ValueError:
            raise ValueError(f"expected {HINT}, got {value!r}") from None
        if factor < 0:
            raise ValueError(f"expected {HINT}, got {value!r}")
        return Duration(media_factor=factor)
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds < 0 or seconds != seconds:
            raise ValueError(f"expected {HINT}, got {value!r}")
        return Duration(seconds)
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        raise ValueError(f"expected {HINT}, got {value!r}")
    return Duration(sum(float(n) * _UNITS[u] for n, u in parts))


def parse_seconds(value: object) -> float:
    """A duration that must be a fixed time (no 'x', no 'forever')."""
    d = parse_duration(value)
    if d.forever or d.media_factor is not None:
        raise ValueError(f"expected a fixed duration like 500ms, 2s or 1m, got {value!r}")
    return d.seconds
