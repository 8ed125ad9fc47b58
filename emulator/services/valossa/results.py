"""What job_results returns: a small but valid Core metadata document (format 1.8.1), built from the job
and the seed, and every other result type derived from it.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

from ...engine import Job

RESULT_TYPES = (
    "core", "frames_faces", "seconds_objects", "frames_objects", "speech_to_text_srt",
    "speech_to_text_vtt", "speech_to_text_ttml", "speech_to_text_avid_txt", "visual_captions",
)
TEXT_TYPES = {
    "speech_to_text_srt": "application/x-subrip; charset=utf-8",
    "speech_to_text_vtt": "text/vtt; charset=utf-8",
    "speech_to_text_ttml": "application/ttml+xml; charset=utf-8",
    "speech_to_text_avid_txt": "text/plain; charset=utf-8",
}
VISUAL = [("car", "gkg", "/m/0k4j", ["automotive"]), ("tree", "gkg", "/m/07j7r", ["flora"]),
          ("dog", "gkg", "/m/0bt9lr", ["fauna", "pets"]), ("building", "gkg", "/m/0cgh4", ["buildings_architecture"])]
SENTENCES = ["Welcome back to the show.", "Today we look at the city from above.",
             "The weather turned quickly in the afternoon.", "Let us meet the team behind the project.",
             "Thank you for watching."]


def _rng(job: Job, seed: int | None, salt: str) -> random.Random:
    return random.Random(f"{seed}:{job.request.get('media', {}).get('video', {}).get('url')}:{salt}")


def build_core(job: Job, seed: int | None) -> dict[str, Any]:
    media = job.data["media"]
    duration = float(media["duration_s"])
    rng = _rng(job, seed, "core")
    shots, t, frame = [], 0.0, 0
    fps = float(media["fps"])
    while t < duration:
        se = min(duration, round(t + rng.uniform(3, 9), 3))
        fe = max(frame, int(se * fps) - 1)
        shots.append({"ss": t, "se": se, "fs": frame, "fe": fe, "sdur": round(se - t, 3)})
        t, frame = se, fe + 1
    detections: dict[str, Any] = {}
    occ_id = 0

    def occ(ss: float, se: float, **extra: Any) -> dict[str, Any]:
        nonlocal occ_id
        occ_id += 1
        shs = next(i for i, s in enumerate(shots) if s["se"] > ss or s is shots[-1])
        she = next(i for i, s in enumerate(shots) if s["se"] >= se or s is shots[-1])
        return {"id": str(occ_id), "ss": ss, "se": se, **extra, "shs": shs, "she": she}

    for label, ref, ref_id, tags in VISUAL:
        shot = shots[rng.randrange(len(shots))]
        c = round(rng.uniform(0.6, 0.99), 3)
        detections[str(len(detections) + 1)] = {
            "t": "visual.context", "label": label, "cid": f"cid{ref_id[-5:]}",
            "ext_refs": {ref: {"id": ref_id}}, "categ": {"tags": tags},
            "occs": [occ(float(math.floor(shot["ss"])), float(math.ceil(shot["se"])), c_max=c,
                         c_med=round(c * 0.9, 3))],
        }
    speech_ids = []
    for i, start in enumerate(range(2, int(duration) - 4, 12)):
        text = SENTENCES[(i + rng.randrange(5)) % len(SENTENCES)]
        det_id = str(len(detections) + 1)
        detections[det_id] = {"t": "audio.speech", "label": text, "a": {"sen": {"val": 0.0}},
                              "occs": [occ(float(start), float(start) + 3.5)]}
        speech_ids.append(det_id)
    by_type: dict[str, list[str]] = {}
    for det_id, det in detections.items():
        by_type.setdefault(det["t"], []).append(det_id)
    by_second: list[list[dict[str, Any]]] = [[] for _ in range(math.ceil(duration))]
    for det_id, det in detections.items():
        for o in det["occs"]:
            for sec in range(math.floor(o["ss"]), min(len(by_second), math.ceil(o["se"]))):
                item: dict[str, Any] = {"d": det_id, "o": [o["id"]]}
                if "c_max" in o:
                    item["c"] = o["c_max"]
                by_second[sec].append(item)
    request = {k: v for k, v in job.request.items() if k in ("media", "analysis_parameters")}
    return {
        "version_info": {"metadata_type": "core", "metadata_format": "1.8.1", "backend": "3.1.1"},
        "job_info": {"job_id": job.id, "request": request},
        "media_info": {
            "technical": {"duration_s": duration, "fps": fps,
                          "resolution": {"x_pixels": media["x_pixels"], "y_pixels": media["y_pixels"]}},
            "from_customer": {"title": job.request["media"].get("title"),
                              "description": job.request["media"].get("description")},
        },
        "detections": detections,
        "detection_groupings": {"by_detection_type": by_type, "by_second": by_second,
                                "by_detection_property": {}, "by_frequency": {}},
        "segmentations": {"detected_shots": shots},
    }


def _speech(core: dict[str, Any]) -> list[tuple[float, float, str]]:
    ids = core["detection_groupings"]["by_detection_type"].get("audio.speech", [])
    return [(o["ss"], o["se"], core["detections"][d]["label"]) for d in ids for o in core["detections"][d]["occs"]]


def _ts(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def render(result_type: str, core: dict[str, Any]) -> tuple[str, bytes]:
    """(content type, body) of one result type, derived from the core document."""
    speech = _speech(core)
    if result_type == "speech_to_text_srt":
        text = "".join(f"{i}\n{_ts(s, ',')} --> {_ts(e, ',')}\n{t}\n\n" for i, (s, e, t) in enumerate(speech, 1))
    elif result_type == "speech_to_text_vtt":
        text = "WEBVTT\n\n" + "".join(f"{_ts(s, '.')} --> {_ts(e, '.')}\n{t}\n\n" for s, e, t in speech)
    elif result_type == "speech_to_text_ttml":
        cues = "".join(f'<p begin="{_ts(s, ".")}" end="{_ts(e, ".")}">{t}</p>' for s, e, t in speech)
        text = ('<?xml version="1.0" encoding="UTF-8"?>\n<tt xmlns="http://www.w3.org/ns/ttml" xml:lang="en">'
                f"<body><div>{cues}</div></body></tt>\n")
    elif result_type == "speech_to_text_avid_txt":
        text = "@ This file written with the Avid Caption plugin, version 1\n\n<begin subtitles>\n\n" + "".join(
            f"{_ts(s, ':')[:8]}:00 {_ts(e, ':')[:8]}:00\n{t}\n\n" for s, e, t in speech) + "<end subtitles>\n"
    else:
        body = core if result_type == "core" else _derived(result_type, core)
        return "application/json", json.dumps(body, separators=(",", ":")).encode()
    return TEXT_TYPES[result_type], text.encode()


def _derived(result_type: str, core: dict[str, Any]) -> dict[str, Any]:
    version = {"metadata_type": result_type, "metadata_format": "1.0.3"}
    seconds = len(core["detection_groupings"]["by_second"])
    if result_type == "frames_faces":
        return {"version_info": version, "faces_by_frame": []}
    if result_type == "seconds_objects":
        return {"version_info": version, "objects_by_second": [[] for _ in range(seconds)]}
    if result_type == "frames_objects":
        return {"version_info": version, "objects_by_frame": []}
    sections = [{"caption": f"A scene with {core['detections'][d]['label']}.",
                 "section": {"s_start": o["ss"], "s_end": o["se"], "shot_index": o["shs"]}}
                for d in core["detection_groupings"]["by_detection_type"].get("visual.context", [])
                for o in core["detections"][d]["occs"]]
    return {"version_info": {"metadata_type": "visual_captions", "metadata_format_version": "1.2.0"},
            "selected_sections": sorted(sections, key=lambda s: s["section"]["s_start"])}
