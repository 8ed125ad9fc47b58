"""Face recognition against a trained gallery (Training API): which human.face detections list which of the
job's gallery identities in a.similar_to, and how confidently.

The identities are the gallery as it was when the job was created (ValossaFacts.gallery: only identities with
at least one image), narrowed by the scenario's `results: {recognize: ...}`. Which faces an identity matches
is decided from the job's content key and the identity's id, so the same training and the same request give
the same results for a seed. Every identity appears on at least one face: on a face of its own among the most
visible ones still free, or, once every face has one, as a weaker second match; a matched face sometimes lists
a weaker runner-up too. similar_to is sorted by confidence, highest first."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

from ..facts import ValossaFacts
from .context import Ctx
from .fixtures import FixtureError

PROMINENT = 5  # an identity's own face is one of the 5 most visible faces still free
RUNNER_UP = 0.25  # chance that a matched face also lists a weaker match with another identity


@dataclass
class Hit:
    """What a face matched: its best identity's name and gender, and the whole similar_to list."""

    name: str | None
    gender: str | None
    similar_to: list[dict[str, Any]]


def gallery(job: Any) -> dict[str, Any] | None:
    """The job's gallery snapshot with the identities the scenario lets appear; None: the job has no gallery."""
    snapshot = ValossaFacts(job).gallery
    if not snapshot:
        return None
    wanted = (job.options or {}).get("recognize", "all")
    faces = snapshot["faces"]
    if wanted == "none":
        faces = []
    elif isinstance(wanted, list) and all(isinstance(w, str) for w in wanted):
        faces = [f for f in faces if f["id"] in wanted or (f["name"] is not None and f["name"] in wanted)]
    elif wanted != "all":
        raise FixtureError("scenario results: recognize: expected a list of face ids or names, all or none")
    return {"id": snapshot["id"], "faces": faces}


def matches(ctx: Ctx, n_faces: int) -> dict[int, Hit]:
    """Face rank (0 = most visible) -> what it matched, for the faces that match a trained identity."""
    known = ctx.gallery
    if not known or not known["faces"] or n_faces <= 0:
        return {}
    order = sorted(known["faces"], key=lambda f: hashlib.sha256(f"{ctx.key}:{f['id']}".encode()).digest())
    found: dict[int, list[tuple[float, dict[str, Any]]]] = {}
    free = list(range(n_faces))
    for face in order:
        rng = random.Random(f"{ctx.key}:recognition:{face['id']}")
        if free:
            rank = free.pop(rng.randrange(min(PROMINENT, len(free))))
            c = min(0.99, rng.uniform(0.8, 0.95) + 0.01 * min(face["images"], 4))  # more images, surer
        else:
            rank, c = rng.randrange(n_faces), rng.uniform(0.5, 0.75)
        found.setdefault(rank, []).append((round(c, 3), face))
    for rank, listed in found.items():
        best_c, best = max(listed, key=lambda m: m[0])
        rng = random.Random(f"{ctx.key}:runner-up:{rank}:{best['id']}")
        others = [f for f in order if all(f["id"] != g["id"] for _, g in listed)]
        if others and rng.random() < RUNNER_UP:
            listed.append((round(max(0.4, best_c - rng.uniform(0.15, 0.3)), 3), others[rng.randrange(len(others))]))
    hits = {}
    for rank, listed in found.items():
        listed.sort(key=lambda m: (-m[0], m[1]["id"]))
        best = listed[0][1]
        hits[rank] = Hit(best["name"], best["gender"], [_entry(c, f, known["id"]) for c, f in listed])
    return hits


def _entry(c: float, face: dict[str, Any], gallery_id: str) -> dict[str, Any]:
    return {"c": c, "name": face["name"], "gallery": {"id": gallery_id},
            "gallery_face": {"id": face["id"], "name": face["name"]}}
