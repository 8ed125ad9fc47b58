"""What every generator shares for one job: the document, seeded randomness, and facts the parts agree on
(the cast whose faces are seen and whose names are spoken, the concepts on screen)."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .document import Doc

if TYPE_CHECKING:
    from faker import Faker


@dataclass
class Person:
    name: str
    gender: str
    job: str
    face_id: str | None = None


@dataclass
class Ctx:
    doc: Doc
    key: str  # (seed, request) digest: every random choice derives from it
    request: dict[str, Any]
    fake: Faker
    cast: list[Person] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # visual.context labels, most prominent first
    things: list[str] = field(default_factory=list)  # the concrete ones among them
    mentions: dict[str, list[tuple[str, float, float]]] = field(default_factory=dict)  # kind -> (text, ss, se)
    gallery: dict[str, Any] | None = None  # the trained identities faces may match (recognition.py)

    def rng(self, salt: str) -> random.Random:
        """An independent stream per part, so adding a part never changes another part's content."""
        self.fake.seed_instance(int.from_bytes(hashlib.sha256(f"{self.key}:faker:{salt}".encode()).digest()[:8]))
        return random.Random(f"{self.key}:{salt}")

    @property
    def media(self) -> dict[str, Any]:
        return self.request.get("media") or {}


def request_key(seed: int | None, request: dict[str, Any]) -> str:
    wanted = {k: request.get(k) for k in ("media", "analysis_parameters")}
    return hashlib.sha256(f"{seed}:{json.dumps(wanted, sort_keys=True)}".encode()).hexdigest()
