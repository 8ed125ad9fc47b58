"""visual.context (explicit content included, tagged content_compliance), visual.object.localized (logos),
visual.color, and audio.context, which shares the concept-on-a-timeline shape."""

from __future__ import annotations

import random
from typing import Any

from ...media.concepts import AUDIO, VISUAL
from ...media.shots import runs
from ...media.vocabulary import CONCRETE, EXPLICIT, concept_id
from .context import Ctx


def _runs(rng: random.Random, ctx: Ctx, count: int, max_shots: int) -> list[tuple[float, float]]:
    return runs(rng, ctx.doc.shots, ctx.doc.duration, count, max_shots)


def _concepts(ctx: Ctx, t: str, rows: list[tuple[str, str, str, list[str]]], n: int, density: float,
              salt: str, max_shots: int = 3, med: bool = True) -> None:
    rng = ctx.rng(salt)
    picked = rng.sample(rows, min(n, len(rows)))
    total = max(n, int(ctx.doc.duration * density))
    counts = [1] * len(picked)
    for i in rng.choices(range(len(picked)), [1 / (i + 1) ** 0.8 for i in range(len(picked))], k=total - n):
        counts[i] += 1
    for (label, cid, gkg, tags), count in zip(picked, counts, strict=True):
        occs = []
        for ss, se in _runs(rng, ctx, count, max_shots):
            c = round(rng.uniform(0.5, 0.99), 3)
            extra: dict[str, Any] = {"c_max": c}
            if med:
                extra["c_med"] = round(c * rng.uniform(0.75, 1.0), 3)
            occs.append(ctx.doc.occ(ss, se, **extra))
        ctx.doc.add(t, label, cid=cid, ext_refs={"gkg": {"id": gkg}} if gkg else None,
                    categ={"tags": tags} if tags else None, occs=occs)
        if t == "visual.context":
            ctx.seen.append(label)
            if CONCRETE.intersection(tags):
                ctx.things.append(label)


def add_visual_context(ctx: Ctx) -> None:
    n = max(15, min(len(VISUAL), 15 + int(ctx.doc.duration / 15)))
    _concepts(ctx, "visual.context", VISUAL, n, 1 / 2.5, "visual.context")
    rng = ctx.rng("explicit")
    for label in rng.sample(EXPLICIT, rng.randint(1, 2)):
        occs = [ctx.doc.occ(ss, se, c_max=(c := round(rng.uniform(0.3, 0.7), 3)), c_med=round(c * 0.9, 3))
                for ss, se in _runs(rng, ctx, rng.randint(1, 3), 1)]
        ctx.doc.add("visual.context", label, cid=concept_id(label), categ={"tags": ["content_compliance"]},
                    occs=occs)


def add_audio_context(ctx: Ctx) -> None:
    n = max(5, min(len(AUDIO), 5 + int(ctx.doc.duration / 200)))
    _concepts(ctx, "audio.context", AUDIO, n, 1 / 12, "audio.context", max_shots=4, med=False)


def add_logos(ctx: Ctx) -> None:
    doc, rng, fake = ctx.doc, ctx.rng("logos"), ctx.fake
    brands = sorted({fake.company().split(",")[0].split(" ")[0] for _ in range(max(1, min(12, 1 + int(
        doc.duration / 300))))})
    for brand in brands:
        occs = []
        for index in sorted(rng.sample(range(len(doc.shots)), min(len(doc.shots), rng.randint(1, 4)))):
            shot = doc.shots[index]
            ss = shot["ss"] + rng.uniform(0, 0.3) * shot["sdur"]
            occs.append(doc.occ(ss, min(shot["se"], ss + rng.uniform(1.0, 5.0))))
        doc.add("visual.object.localized", brand, cid=concept_id("logo:" + brand), categ={"tags": ["brand_product"]},
                occs=occs)


def add_color(ctx: Ctx) -> None:
    ctx.doc.add("visual.color", "dominant colors", occs=[ctx.doc.occ(0.0, ctx.doc.duration)])


def shot_colors(shot_index: int, key: str) -> list[dict[str, Any]]:
    """The dominant colors of a shot (by_second `a.colors` of visual.color), stable for the job."""
    rng = random.Random(f"{key}:color:{shot_index}")
    shares = sorted((rng.random() for _ in range(3)), reverse=True)
    total = sum(shares)
    return [{"rgb": f"{rng.randrange(0x1000000):06x}", "f": round(s / total, 3)} for s in shares]
