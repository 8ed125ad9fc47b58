"""topic.iab (video level), topic.iab.section (scene level, with ad score) and topic.general, following the
categ tags of what is on screen."""

from __future__ import annotations

from typing import Any

from ...media.vocabulary import GENERAL_TOPICS, IAB, TAG_TO_IAB
from .context import Ctx


def _iab_ranked(ctx: Ctx) -> list[str]:
    weights: dict[str, float] = {}
    for _, det in ctx.doc.of_type("visual.context"):
        seconds = sum(o["se"] - o["ss"] for o in det["occs"])
        for tag in det.get("categ", {}).get("tags", []):
            if tag in TAG_TO_IAB:
                weights[TAG_TO_IAB[tag]] = weights.get(TAG_TO_IAB[tag], 0.0) + seconds
    ranked = sorted(weights, key=lambda k: (-weights[k], k))
    return ranked + [k for k in ("IAB1", "IAB14", "IAB12") if k not in ranked]


def _iab(iab_id: str) -> dict[str, Any]:
    return {"iab": {"labels_hierarchy": IAB[iab_id], "id": iab_id}}


def add_topics(ctx: Ctx, sources: list[str]) -> None:
    doc, rng = ctx.doc, ctx.rng("topics")
    ranked = _iab_ranked(ctx)
    for iab_id in ranked[: rng.randint(2, 4)]:
        doc.add("topic.iab", IAB[iab_id][-1], ext_refs=_iab(iab_id))
    # Sections: runs of whole shots of about one to three minutes.
    sections, start = [], 0
    for i, shot in enumerate(doc.shots):
        if shot["se"] - doc.shots[start]["ss"] >= rng.uniform(60, 180) or i == len(doc.shots) - 1:
            sections.append((doc.shots[start]["ss"], shot["se"]))
            start = i + 1
    spans: dict[str, list[dict[str, Any]]] = {}
    for ss, se in sections:
        for iab_id in rng.sample(ranked[:6], rng.randint(1, 2)):
            ad = {"max": round(rng.uniform(0.05, 0.95), 3), "s_max": float(int(rng.uniform(ss, se)))}
            spans.setdefault(iab_id, []).append(doc.occ(ss, se, c=round(rng.uniform(0.5, 0.95), 3),
                                                        a={"sources": sources, "ad_score": ad}))
    for iab_id, occs in sorted(spans.items(), key=lambda s: -len(s[1])):
        best = max(occs, key=lambda o: o["a"]["ad_score"]["max"])
        doc.add("topic.iab.section", IAB[iab_id][-1], ext_refs=_iab(iab_id),
                a={"sources": sources, "ad_score": dict(best["a"]["ad_score"])}, occs=occs)
    for label in rng.sample(GENERAL_TOPICS, rng.randint(2, 4)):
        doc.add("topic.general", label, c=round(rng.uniform(0.5, 0.95), 3))
