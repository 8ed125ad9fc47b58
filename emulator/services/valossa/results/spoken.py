"""Detections from speech segments: audio.speech (or transcript.speech when the customer sent a transcript),
audio.speech_detailed words and stats, keywords (audio.keyword.* / transcript.keyword.*), the summary."""

from __future__ import annotations

from typing import Any

from ...media.speech import Segment
from .context import Ctx


def add_speech(ctx: Ctx, segments: list[Segment], transcript: bool) -> None:
    doc = ctx.doc
    for seg in segments:
        if transcript:
            doc.add("transcript.speech", seg.text, occs=[doc.occ(seg.ss, seg.se)])
        else:
            doc.add("audio.speech", seg.text, a={"sen": {"val": seg.sen}}, occs=[doc.occ(seg.ss, seg.se)])
    if not transcript:
        _add_words(ctx, segments)
    _add_keywords(ctx, segments, "transcript.keyword." if transcript else "audio.keyword.")
    _add_summary(ctx, segments)


def _add_words(ctx: Ctx, segments: list[Segment]) -> None:
    doc = ctx.doc
    speakers: dict[str, dict[str, Any]] = {}
    for seg in segments:
        for word, ss, se, c in seg.words:
            occ = doc.occ(ss, se, **doc.frames(ss, se))
            doc.add("audio.speech_detailed", word, c=c, a={"s": {"id": seg.speaker}}, occs=[occ])
        stats = speakers.setdefault(seg.speaker, {"id": seg.speaker, "n_words": 0, "s_speech": 0.0})
        stats["n_words"] += sum(1 for w in seg.words if w[0][:1].isalnum())
        stats["s_speech"] += seg.se - seg.ss
    if not speakers:
        return
    n_words = sum(s["n_words"] for s in speakers.values())
    s_speech = round(sum(s["s_speech"] for s in speakers.values()), 3)
    for stats in speakers.values():
        stats["s_speech"] = round(stats["s_speech"], 3)
    doc.add("audio.speech_detailed.stats", "speech statistics", a={
        "n_words": n_words, "s_speech": s_speech, "words_per_minute": round(60 * n_words / max(s_speech, 1), 1),
        "n_speakers": len(speakers), "speakers": sorted(speakers.values(), key=lambda s: int(s["id"])),
    })


def _add_keywords(ctx: Ctx, segments: list[Segment], prefix: str) -> None:
    found: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for seg in segments:
        for kind, text, ss, se in seg.mentions:
            found.setdefault((kind, text), []).append((ss, se))
            ctx.mentions.setdefault(kind, []).append((text, ss, se))
    for (kind, text), spans in sorted(found.items(), key=lambda k: (k[0][0], -len(k[1]), k[0][1])):
        ctx.doc.add(prefix + kind, text, occs=[ctx.doc.occ(ss, se) for ss, se in spans])


def _top(ctx: Ctx, kind: str, n: int) -> list[str]:
    counts: dict[str, int] = {}
    for text, _, _ in ctx.mentions.get(kind, []):
        counts[text] = counts.get(text, 0) + 1
    return [t for t, _ in sorted(counts.items(), key=lambda c: -c[1])[:n]]


def _add_summary(ctx: Ctx, segments: list[Segment]) -> None:
    if not segments:
        return
    people, places, orgs = _top(ctx, "name.person", 2), _top(ctx, "name.location", 2), _top(ctx, "name.organization", 1)
    things = ctx.seen[:2] or ["the surroundings"]
    parts = [f"The video features {' and '.join(people)} in conversation." if people else
             "The video features a conversation between several speakers."]
    if places:
        parts.append(f"They talk about {' and '.join(places)}" + (f" and their work with {orgs[0]}." if orgs else "."))
    parts.append(f"Much of the footage shows {things[0]}" + (f" and {things[1]}." if len(things) > 1 else "."))
    ctx.doc.add("audio.speech_summary", " ".join(parts))
