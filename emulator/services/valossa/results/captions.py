"""visual_captions (format 1.2.0): one caption per section; sections are runs of whole detected shots (short
shots join the next one) covering the video; shot_index is the section's first shot."""

from __future__ import annotations

import random
from typing import Any

from ...media.vocabulary import CAPTIONS, NUMBERS, article

MIN_SECTION = 3.0  # seconds; shorter shots are described together with the next


def _sections(shots: list[dict[str, Any]]) -> list[tuple[int, float, float]]:
    sections, first = [], 0
    for i, shot in enumerate(shots):
        if shot["se"] - shots[first]["ss"] >= MIN_SECTION or i == len(shots) - 1:
            sections.append((first, shots[first]["ss"], shot["se"]))
            first = i + 1
    return sections


def _labels(core: dict[str, Any], ss: float, se: float) -> tuple[list[str], int]:
    """visual.context labels seen in [ss, se), best first, and how many faces are there."""
    seen: dict[str, float] = {}
    faces: set[str] = set()
    for sec in core.get("detection_groupings", {}).get("by_second", [])[int(ss) : max(int(ss) + 1, int(se))]:
        for item in sec:
            det = core["detections"][item["d"]]
            if det["t"] == "visual.context" and "content_compliance" not in det.get("categ", {}).get("tags", []):
                seen[det["label"]] = max(seen.get(det["label"], 0), item.get("c", 0))
            elif det["t"] == "human.face":
                faces.add(item["d"])
    return sorted(seen, key=lambda k: -seen[k]), len(faces)


def _caption(rng: random.Random, labels: list[str], faces: int) -> str:
    a, b = (f"{article(x)} {x}" for x in (labels + ["street", "room"])[:2])
    count = NUMBERS[faces] if faces < len(NUMBERS) else "several"
    people = {0: "nobody is", 1: "a person stands"}.get(faces, f"{count} people stand")
    text = rng.choice(CAPTIONS).format(A=a[0].upper() + a[1:], a=a, b=b, people=people,
                                       People="A person" if faces <= 1 else f"{count.capitalize()} people")
    return text.replace("while nobody is nearby", "with nobody nearby")


def visual_captions(core: dict[str, Any]) -> dict[str, Any]:
    shots = core.get("segmentations", {}).get("detected_shots") or []
    sections = []
    for index, ss, se in _sections(shots):
        labels, faces = _labels(core, ss, se)
        rng = random.Random(f"{index}:{ss}:{','.join(labels[:2])}")
        sections.append({"caption": _caption(rng, labels, faces),
                         "section": {"s_start": ss, "s_end": se, "shot_index": index}})
    return {"version_info": {"metadata_type": "visual_captions", "metadata_format_version": "1.2.0"},
            "selected_sections": sections}
