"""visual.text_region.*: on-screen text. Name captions appear in the lower third when a recognized face is
first seen; a title card opens the video; a channel name sits in the upper third."""

from __future__ import annotations

from ...media.vocabulary import PROFANITY
from .context import Ctx


def _add(ctx: Ctx, region: str, text: str, spans: list[tuple[float, float]]) -> None:
    occs = [ctx.doc.occ(ss, se) for ss, se in spans if se > ss]
    if occs:
        ctx.doc.add(f"visual.text_region.{region}", text, a={"text": {"as_one_string": text}}, occs=occs)


def add_text_regions(ctx: Ctx) -> None:
    doc, rng, fake = ctx.doc, ctx.rng("ocr"), ctx.fake
    first = doc.shots[0]
    title = ctx.media.get("title") or fake.catch_phrase().title()
    _add(ctx, "full_frame_analysis", title, [(first["ss"], min(first["se"], 4.0))])
    for person in ctx.cast:
        if person.face_id:
            occ = doc.detections[person.face_id]["occs"][0]
            _add(ctx, "lower_third", f"{person.name} {person.job}", [(occ["ss"], min(occ["se"], occ["ss"] + 4))])
    channel = fake.company().split(",")[0].upper()
    spans = []
    for index in sorted(rng.sample(range(len(doc.shots)), min(len(doc.shots), 1 + int(doc.duration / 120)))):
        shot = doc.shots[index]
        spans.append((shot["ss"], shot["se"]))
    _add(ctx, "upper_third", channel, spans)
    shot = doc.shots[rng.randrange(len(doc.shots))]
    _add(ctx, "middle_third", fake.catch_phrase(), [(shot["ss"], shot["se"])])
    if rng.random() < 0.5:
        word = rng.choice(PROFANITY)
        shot = doc.shots[rng.randrange(len(doc.shots))]
        occs = [doc.occ(shot["ss"], shot["se"], **doc.frames(shot["ss"], shot["se"]))]
        doc.add("visual.text_region.keyword.compliance", word, occs=occs)
