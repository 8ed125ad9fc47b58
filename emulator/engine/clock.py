"""Virtual time: every timestamp and timer of every service reads this clock, never time.time()."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime


class Clock:
    """Runs at `scale` simulated seconds per real second from an anchor, and jumps forward on advance().

    The anchor (virtual, wall) pair is what the store persists, so after a restart the clock resumes
    with the time that passed while the server was down (scaled like the rest).
    """

    def __init__(self, scale: float, wall: Callable[[], float] = time.time) -> None:
        self.scale = scale
        self._wall = wall
        now = wall()
        self._anchor_virtual = now
        self._anchor_wall = now

    def now(self) -> float:
        return self._anchor_virtual + (self._wall() - self._anchor_wall) * self.scale

    def wall(self) -> float:
        """The real time it reads: a span of it times `scale` is the virtual time the span took."""
        return self._wall()

    def anchor(self) -> tuple[float, float]:
        return self._anchor_virtual, self._anchor_wall

    def restore(self, virtual: float, wall: float) -> None:
        self._anchor_virtual, self._anchor_wall = virtual, wall

    def set(self, virtual: float) -> None:
        """Move to `virtual` (never backwards): the timer loop uses it to fire each timer at its due time."""
        if virtual > self.now():
            self._anchor_virtual, self._anchor_wall = virtual, self._wall()

    def advance(self, seconds: float) -> float:
        self.set(self.now() + seconds)
        return self.now()

    def real_seconds_until(self, virtual: float) -> float:
        """How long to sleep (real seconds) until the clock reads `virtual`; inf when time is frozen."""
        gap = virtual - self.now()
        if gap <= 0:
            return 0.0
        return gap / self.scale if self.scale > 0 else float("inf")

    @staticmethod
    def iso(virtual: float) -> str:
        return datetime.fromtimestamp(virtual, UTC).isoformat().replace("+00:00", "Z")
