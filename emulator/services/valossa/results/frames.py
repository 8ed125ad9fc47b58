"""frames_faces, frames_objects and seconds_objects: boxes (relative x, y, w, h; x, y = upper-left corner) for
every frame or second of each human.face / visual.object.localized occurrence of the core document."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

VERSIONS = {"frames_faces": "1.0.3", "seconds_objects": "1.0.2", "frames_objects": "1.0.0"}
Box = tuple[float, float, float, float]


def _version(kind: str) -> dict[str, str]:
    return {"metadata_type": kind, "metadata_format": VERSIONS[kind]}


def _path(det_id: str, occ: dict[str, Any], min_h: float, aspect: float, face: bool) -> tuple[Box, Box]:
    """Start and end box of an occurrence; the box glides between them. Seeded by the occurrence alone."""
    rng = random.Random(f"{det_id}:{occ['id']}:{occ['ss']}")

    def box() -> Box:
        h = rng.uniform(max(min_h, 0.12), 0.45) if face else rng.uniform(0.04, 0.2)
        w = min(0.95, h * aspect * (0.8 if face else rng.uniform(1.0, 3.0)))
        return rng.uniform(0, 1 - w), rng.uniform(0, 1 - h), w, h

    start = box()
    x, y, w, h = start
    return start, (min(max(0, x + rng.uniform(-0.05, 0.05)), 1 - w), min(max(0, y + rng.uniform(-0.03, 0.03)), 1 - h),
                   w, h)


def _at(path: tuple[Box, Box], share: float) -> dict[str, float]:
    (x0, y0, w, h), (x1, y1, _, _) = path
    return {"x": round(x0 + (x1 - x0) * share, 4), "y": round(y0 + (y1 - y0) * share, 4), "w": round(w, 4),
            "h": round(h, 4)}


def _occurrences(core: dict[str, Any], t: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for det_id in core["detection_groupings"]["by_detection_type"].get(t, []):
        for occ in core["detections"][det_id].get("occs", []):
            yield det_id, occ


def _geometry(core: dict[str, Any]) -> tuple[float, int, float, float]:
    tech = core["media_info"]["technical"]
    fps = float(tech.get("fps") or 25)
    res = tech.get("resolution") or {}
    aspect = res.get("y_pixels", 9) / res.get("x_pixels", 16)
    shots = core.get("segmentations", {}).get("detected_shots") or []
    n_frames = shots[-1]["fe"] + 1 if shots else math.floor(tech["duration_s"] * fps)
    min_h = ((core["job_info"].get("request") or {}).get("analysis_parameters") or {}).get(
        "face_min_relative_height") or 0.0
    return fps, n_frames, aspect, min_h


def _frames(occ: dict[str, Any], fps: float, n_frames: int) -> range:
    return range(math.ceil(occ["ss"] * fps - 1e-9), min(n_frames, math.ceil(occ["se"] * fps - 1e-9)))


def frames_faces(core: dict[str, Any]) -> dict[str, Any]:
    fps, n_frames, aspect, min_h = _geometry(core)
    frames: list[list[dict[str, Any]]] = [[] for _ in range(n_frames)]
    for det_id, occ in _occurrences(core, "human.face"):
        path, span = _path(det_id, occ, min_h, aspect, True), _frames(occ, fps, n_frames)
        for f in span:
            frames[f].append({"id": det_id, **_at(path, (f - span.start) / max(1, len(span) - 1))})
    return {"version_info": _version("frames_faces"), "faces_by_frame": frames}


def frames_objects(core: dict[str, Any]) -> dict[str, Any]:
    fps, n_frames, aspect, _ = _geometry(core)
    frames: list[list[dict[str, Any]]] = [[] for _ in range(n_frames)]
    for det_id, occ in _occurrences(core, "visual.object.localized"):
        path, span = _path(det_id, occ, 0.0, aspect, False), _frames(occ, fps, n_frames)
        c = random.Random(f"{det_id}:{occ['id']}:c").uniform(0.6, 0.99)
        for f in span:
            box = {**_at(path, (f - span.start) / max(1, len(span) - 1)), "c": round(c, 3)}
            frames[f].append({"d": det_id, "o": [occ["id"]], "b": [box]})
    return {"version_info": _version("frames_objects"), "objects_by_frame": frames}


def seconds_objects(core: dict[str, Any]) -> dict[str, Any]:
    _, _, aspect, _ = _geometry(core)
    seconds: list[list[dict[str, Any]]] = [[] for _ in range(math.ceil(core["media_info"]["technical"]["duration_s"]))]
    for det_id, occ in _occurrences(core, "visual.object.localized"):
        path = _path(det_id, occ, 0.0, aspect, False)
        c = random.Random(f"{det_id}:{occ['id']}:c").uniform(0.6, 0.99)
        first, last = math.floor(occ["ss"]), min(len(seconds), math.ceil(occ["se"]))
        for sec in range(first, last):
            box = {**_at(path, (sec - first) / max(1, last - first - 1)), "c": round(c, 3)}
            seconds[sec].append({"d": det_id, "o": [occ["id"]], "b": [box]})
    return {"version_info": _version("seconds_objects"), "objects_by_second": seconds}


FORMATS = {"frames_faces": frames_faces, "frames_objects": frames_objects, "seconds_objects": seconds_objects}
NEEDS = {"frames_faces": ("human.face", "faces"), "frames_objects": ("visual.object.localized", "logos"),
         "seconds_objects": ("visual.object.localized", "logos")}
