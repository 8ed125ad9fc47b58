"""Faces in a video: how many, how prominent, in which shots (face_tracks); and who they are across videos
(identities: a population per seed, so the same people recur from video to video, each with an embedding
whose fingerprints compare like a face model's)."""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import random
import struct
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faker import Faker

POPULATION = 48  # people per seed that videos draw their faces from
DIMENSIONS = 128  # of an embedding (float32), as FaceNet-like models give
NOISE = 0.08  # per appearance: the same person scores ~0.99 cosine similarity, two people ~0 (|x| < 0.4)


@dataclass
class FaceTrack:
    gender: str
    name: str
    spans: list[tuple[float, float]]  # (start, end) seconds, one per shot the face is seen in
    gender_c: float
    low_quality: bool

    @property
    def seconds(self) -> float:
        return sum(se - ss for ss, se in self.spans)


def face_tracks(rng: random.Random, fake: Faker, duration: float,
                shots: Sequence[dict[str, Any]]) -> list[FaceTrack]:
    """The faces of a video (2 to 60, more for longer videos), the most visible first. A few faces carry most
    of the screen time; each is seen in whole shots (shots: make_shots' ss/se/sdur), trimmed a little."""
    n_faces = max(2, min(60, 2 + int(duration / 90)))
    weights = [1 / (i + 1) for i in range(n_faces)]
    n_occs = max(n_faces, int(duration / 6))
    shots_by_face: list[set[int]] = [set() for _ in range(n_faces)]
    for face in rng.choices(range(n_faces), weights, k=n_occs):
        shots_by_face[face].add(rng.randrange(len(shots)))
    faces = []
    for i in range(n_faces):
        gender = rng.choice(("male", "female"))
        name = fake.name_male() if gender == "male" else fake.name_female()
        spans = []
        for index in sorted(shots_by_face[i] or {rng.randrange(len(shots))}):
            shot = shots[index]
            ss = shot["ss"] + rng.uniform(0, 0.25) * shot["sdur"]
            se = shot["se"] - rng.uniform(0, 0.25) * shot["sdur"]
            spans.append((ss, max(se, ss + 0.2)))
        faces.append(FaceTrack(gender, name, spans, round(rng.uniform(0.55, 0.99), 3), rng.random() < 0.15))
    faces.sort(key=lambda f: -f.seconds)
    return faces


@dataclass(frozen=True)
class Identity:
    index: int
    name: str
    gender: str
    job: str


@functools.lru_cache(maxsize=8)
def identities(seed: int | None) -> tuple[Identity, ...]:
    """The people of a seed: the same names, genders and jobs every run."""
    from faker import Faker  # kept off the startup path, like every Faker use

    fake = Faker("en_US")
    people = []
    for index in range(POPULATION):
        fake.seed_instance(_int(f"{seed}:identity:{index}"))
        gender = ("male", "female")[_int(f"{seed}:gender:{index}") % 2]
        name = fake.name_male() if gender == "male" else fake.name_female()
        people.append(Identity(index, name, gender, fake.job()))
    return tuple(people)


def cast(rng: random.Random, seed: int | None, n: int) -> list[Identity]:
    """n different people of the seed for one video, the first ones the most likely: a few regulars turn up in
    most videos of a seed, the rest now and then."""
    pool = identities(seed)
    cum, total = _cumulative(len(pool))
    draw, hi = rng.random, len(pool) - 1
    chosen: list[Identity] = []
    seen: set[int] = set()
    while len(chosen) < min(n, len(pool)):
        # rng.choices(pool, weights)[0], draw for draw, without summing the weights again at each draw (a
        # transcript's cast took a tenth of its time so): tests/media/test_cast_identity.py
        index = bisect(cum, draw() * total, 0, hi)
        if index not in seen:
            seen.add(index)
            chosen.append(pool[index])
    return chosen


@functools.lru_cache(maxsize=4)
def _cumulative(n: int) -> tuple[list[float], float]:
    """cast's weights (1 / rank ** 0.8) summed as random.choices sums them, and their total as it takes it."""
    cum = list(accumulate(1 / (i + 1) ** 0.8 for i in range(n)))
    return cum, cum[-1] + 0.0


def _int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


@functools.lru_cache(maxsize=POPULATION * 4)
def _embedding(seed: int | None, model: str, index: int) -> tuple[float, ...]:
    rng = random.Random(f"{seed}:{model}:embedding:{index}")
    return _unit([rng.gauss(0, 1) for _ in range(DIMENSIONS)])


def _unit(vector: list[float]) -> tuple[float, ...]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return tuple(x / norm for x in vector)


def fingerprint(seed: int | None, model: str, person: Identity, rng: random.Random) -> str:
    """Base64 of a float32 embedding (little-endian) of person as model sees them in one video: close to the
    person's embedding for that model (cosine ~0.99), far from anyone else's; another model's is unrelated."""
    base = _embedding(seed, model, person.index)
    seen = _unit([x + rng.gauss(0, NOISE / math.sqrt(DIMENSIONS)) for x in base])
    return base64.b64encode(struct.pack(f"<{DIMENSIONS}f", *seen)).decode()


def similarity(a: str, b: str) -> float:
    """Cosine similarity of two fingerprints (-1..1): above 0.9, the same person."""
    va, vb = (struct.unpack(f"<{len(base64.b64decode(x)) // 4}f", base64.b64decode(x)) for x in (a, b))
    if len(va) != len(vb):
        raise ValueError("fingerprints of different sizes: not from the same model")
    dot = sum(x * y for x, y in zip(va, vb, strict=True))
    return dot / ((math.sqrt(sum(x * x for x in va)) * math.sqrt(sum(y * y for y in vb))) or 1.0)
