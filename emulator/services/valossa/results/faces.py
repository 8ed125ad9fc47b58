"""human.face (gender, visibility, quality, gallery matches: recognition.py) and human.face_group (faces seen
together)."""

from __future__ import annotations

from typing import Any

from ...media.faces import face_tracks
from . import recognition
from .context import Ctx, Person

RECOGNIZED = 3  # the most visible faces a trained identity did not take match a celebrity


def add_faces(ctx: Ctx) -> None:
    doc, rng, fake = ctx.doc, ctx.rng("faces"), ctx.fake
    faces = face_tracks(rng, fake, doc.duration, doc.shots)  # detection ids follow prominence
    trained = recognition.matches(ctx, len(faces))  # rank -> the gallery identities that face matches
    for rank, face in enumerate(faces):
        gender, name, spans, gender_c, low = face.gender, face.name, face.spans, face.gender_c, face.low_quality
        hit = trained.get(rank)
        if hit:
            name, gender = hit.name or name, hit.gender or gender
        occs = [doc.occ(ss, se) for ss, se in spans]
        attrs: dict[str, Any] = {
            "gender": {"c": gender_c, "value": gender},
            "s_visible": round(sum(o["se"] - o["ss"] for o in occs), 3),
            "quality": "low" if low else "normal",
        }
        if hit:
            attrs["similar_to"] = hit.similar_to
        elif rank < RECOGNIZED:
            attrs["similar_to"] = [_match(rng, name)]
        det_id, _ = doc.add("human.face", "face", a=attrs, occs=occs)
        ctx.cast.append(Person(name, gender, fake.job(), det_id if hit or rank < RECOGNIZED else None))


def _match(rng: Any, name: str) -> dict[str, Any]:
    return {"c": round(rng.uniform(0.8, 0.99), 3), "name": name}  # celebrity-gallery style, as in the sample


def add_face_groups(ctx: Ctx) -> None:
    doc = ctx.doc
    spans = sorted((o["ss"], o["se"], d) for d, det in doc.of_type("human.face") for o in det["occs"])
    pairs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for i, (_, se, d) in enumerate(spans):
        for ss2, se2, d2 in spans[i + 1 :]:
            if ss2 >= se:
                break
            start, end = ss2, min(se, se2)
            if d2 != d and end - start >= 0.5:
                low, high = sorted((d, d2), key=int)
                pairs.setdefault((low, high), []).append((start, end))
    ranked = sorted(pairs.items(), key=lambda p: -sum(e - s for s, e in p[1]))[:40]
    for ids, overlaps in ranked:
        occs = [doc.occ(s, e) for s, e in _merged(overlaps)]
        doc.add("human.face_group", "face group", a={"face_det_ids": list(ids)}, occs=occs)


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
