"""Ids for jobs, uploads and webhooks: random UUIDs, or with a seed the same sequence every run."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable


class Ids:
    def __init__(self, seed: int | None, on_change: Callable[[dict[str, int]], None] | None = None) -> None:
        self.seed = seed
        self.counters: dict[str, int] = {}
        self.on_change = on_change  # persists the counters, so a restart does not hand out an id again

    def next(self, kind: str) -> str:
        n = self.counters[kind] = self.counters.get(kind, 0) + 1
        if self.on_change:
            self.on_change(self.counters)
        if self.seed is None:
            return str(uuid.uuid4())
        digest = hashlib.sha256(f"{self.seed}:{kind}:{n}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))
