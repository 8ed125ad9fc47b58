"""detection_groupings, computed from the detections so they can never disagree with them."""

from __future__ import annotations

import bisect
import math
import random
from typing import Any

from ...media.vocabulary import EMOTIONS
from .visual import shot_colors

CONTEXT = ("visual.context", "audio.context")  # the only types with a per-second confidence
CHRONOLOGICAL = ("audio.speech", "audio.speech_detailed", "transcript.speech")


def _seconds(det: dict[str, Any]) -> float:
    return sum(o["se"] - o["ss"] for o in det.get("occs", []))


def by_detection_type(detections: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Most prominent first (faces by s_visible, others by time on screen or on air); speech in time order;
    video-level types in the order they were found."""
    groups: dict[str, list[str]] = {}
    for det_id, det in detections.items():
        groups.setdefault(det["t"], []).append(det_id)
    for t, ids in groups.items():
        if t in CHRONOLOGICAL:
            ids.sort(key=lambda d: (detections[d]["occs"][0]["ss"], int(d)))
        elif t == "human.face":
            ids.sort(key=lambda d: (-detections[d]["a"]["s_visible"], int(d)))
        elif "occs" in detections[ids[0]]:
            ids.sort(key=lambda d: (-_seconds(detections[d]), int(d)))
    return groups


def by_second(detections: dict[str, dict[str, Any]], order: dict[str, list[str]], duration: float,
              shots: list[dict[str, Any]], key: str) -> list[list[dict[str, Any]]]:
    """Occurrence [ss, se) is listed in seconds floor(ss) .. ceil(se)-1; one item per detection and second."""
    seconds: list[list[dict[str, Any]]] = [[] for _ in range(math.ceil(duration))]
    rng = random.Random(f"{key}:by_second")
    starts = [s["ss"] for s in shots]
    for ids in order.values():
        for det_id in ids:
            det = detections[det_id]
            t = det["t"]
            for occ in det.get("occs", []):
                first, last = math.floor(occ["ss"]), min(len(seconds), math.ceil(occ["se"]))
                peak = (first + last - 1) // 2
                for sec in range(first, last):
                    items = seconds[sec]
                    if items and items[-1]["d"] == det_id:  # two occurrences touch this second
                        items[-1]["o"].append(occ["id"])
                        if "c" in items[-1]:
                            items[-1]["c"] = max(items[-1]["c"], occ["c_max"])
                        continue
                    item: dict[str, Any] = {"d": det_id, "o": [occ["id"]]}
                    if t in CONTEXT and "c_max" in occ:
                        item["c"] = occ["c_max"] if sec == peak else round(occ["c_max"] * rng.uniform(0.8, 1), 3)
                    elif t == "human.face":
                        item["a"] = _face_second(rng)
                    elif t == "visual.color":
                        item["a"] = {"colors": shot_colors(_shot(starts, sec), key)}
                    items.append(item)
    return seconds


def _shot(starts: list[float], sec: int) -> int:
    return max(0, bisect.bisect_right(starts, sec + 0.5) - 1)


def _face_second(rng: random.Random) -> dict[str, Any]:
    val = round(rng.uniform(-1, 1), 3)
    return {"sen": {"val": val, "emo": [{"e": rng.choice(EMOTIONS), "c": round(rng.uniform(0.4, 0.95), 3)}]}}


def by_frequency(detections: dict[str, dict[str, Any]], order: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per type with occurrences: detection ids by number of occurrences, most frequent first."""
    return {t: sorted(ids, key=lambda d: (-len(detections[d]["occs"]), int(d)))
            for t, ids in order.items() if "occs" in detections[ids[0]]}


def by_detection_property(detections: dict[str, dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """Detection ids by the value of a few properties integrations filter on."""
    out: dict[str, dict[str, list[str]]] = {"categ.tags": {}, "a.gender.value": {}, "a.similar_to.name": {},
                                            "a.s.id": {}}
    for det_id, det in detections.items():
        for tag in det.get("categ", {}).get("tags", []):
            out["categ.tags"].setdefault(tag, []).append(det_id)
        a = det.get("a") or {}
        if "gender" in a:
            out["a.gender.value"].setdefault(a["gender"]["value"], []).append(det_id)
        for match in a.get("similar_to", []):
            if match["name"] is not None:  # a trained identity may have no name
                out["a.similar_to.name"].setdefault(match["name"], []).append(det_id)
        if "s" in a:
            out["a.s.id"].setdefault(a["s"]["id"], []).append(det_id)
    return {k: v for k, v in out.items() if v}
