"""Ids for jobs, uploads and webhooks: random, or with a seed the same sequence every run. Each kind of id
has its own counter and its own format (Valossa: UUIDs; Clipzy: "job_" + 12 hex)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

IdFormat = Callable[[int], str]  # 128 random (or seeded) bits -> the id's text

# Unseeded ids come from a generator seeded once from the OS: uuid4() asks the kernel for every id, which
# was the single most expensive call of new_job. An emulator's ids need to be unique, not secret.
_RANDOM = random.Random()


class Ids:
    def __init__(self, seed: int | None, on_change: Callable[[dict[str, int]], None] | None = None) -> None:
        self.seed = seed
        self.counters: dict[str, int] = {}
        self.on_change = on_change  # persists the counters, so a restart does not hand out an id again

    def next(self, kind: str, fmt: IdFormat | None = None) -> str:
        fmt = fmt or uuid4_text
        n = self.counters[kind] = self.counters.get(kind, 0) + 1
        if self.on_change:
            self.on_change(self.counters)
        if self.seed is None:
            return fmt(_RANDOM.getrandbits(128))
        digest = hashlib.sha256(f"{self.seed}:{kind}:{n}".encode()).digest()
        return fmt(int.from_bytes(digest[:16], "big"))


def prefixed(prefix: str, length: int = 12) -> IdFormat:
    """Ids like "job_3f2a9c1b7d0e": a prefix and `length` lowercase hex digits."""

    def fmt(n: int) -> str:
        return prefix + f"{n:032x}"[:length]

    return fmt


def uuid4_text(n: int) -> str:
    """What str(uuid.UUID(int=n, version=4)) gives, without building the object."""
    n = (n & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
