"""Structural checks a Core metadata parser relies on, valid for Valossa's real 1.3.1 sample and for what the
emulator generates (1.8.1). Each returns a list of problems; empty means the document holds together.

lenient=True allows what the real sample shows and the emulator never does: detection ids that are not
1..N (the 600 s excerpt drops detections), an occurrence whose se was rounded up to a whole second listing
that second too (one case in the sample), and a last shot running past duration_s (frame rounding; the excerpt
keeps every shot that starts before 600 s)."""

from __future__ import annotations

import math
from typing import Any

CONTEXT_PREFIXES = ("visual.context", "audio.context", "explicit_content.")
CHRONOLOGICAL = ("audio.speech", "audio.speech_detailed", "transcript.speech")
EPS = 0.002


def check_core(core: dict[str, Any], lenient: bool = False) -> list[str]:
    problems: list[str] = []
    for key in ("version_info", "job_info", "media_info", "detections", "detection_groupings", "segmentations"):
        if key not in core:
            problems.append(f"missing top-level {key}")
    if problems:
        return problems
    if core["version_info"].get("metadata_type") != "core":
        problems.append("version_info.metadata_type is not core")
    duration = core["media_info"]["technical"]["duration_s"]
    detections = core["detections"]
    if not all(d.isdigit() for d in detections):
        problems.append("detection ids are not decimal strings")
    elif not lenient and list(detections) != [str(i) for i in range(1, len(detections) + 1)]:
        problems.append("detection ids are not the contiguous decimal strings 1..N")
    problems += _occurrences(detections, duration)
    problems += _by_type(detections, core["detection_groupings"]["by_detection_type"])
    problems += _by_second(detections, core["detection_groupings"]["by_second"], duration, lenient)
    problems += _shots(detections, core["segmentations"].get("detected_shots", []), duration, lenient)
    for det_id, det in detections.items():
        if det["t"] == "human.face_group":
            for face in det["a"]["face_det_ids"]:
                if detections.get(face, {}).get("t") != "human.face":
                    problems.append(f"face group {det_id} names {face}, not a human.face")
    return problems


def _occurrences(detections: dict[str, Any], duration: float) -> list[str]:
    problems, seen = [], set()
    for det_id, det in detections.items():
        if "t" not in det or "label" not in det:
            problems.append(f"detection {det_id} lacks t or label")
        for occ in det.get("occs", []):
            if occ["id"] in seen:
                problems.append(f"occurrence id {occ['id']} is used twice")
            seen.add(occ["id"])
            if not (0 <= occ["ss"] <= occ["se"] <= duration + EPS):
                problems.append(f"occurrence {occ['id']} of {det_id}: [{occ['ss']}, {occ['se']}) is not in the media")
    return problems


def _by_type(detections: dict[str, Any], by_type: dict[str, list[str]]) -> list[str]:
    problems = []
    listed = [d for ids in by_type.values() for d in ids]
    if sorted(listed, key=int) != sorted(detections, key=int):
        problems.append("by_detection_type does not list every detection exactly once")
    for t, ids in by_type.items():
        if not ids:
            problems.append(f"by_detection_type lists an empty type {t}")
        if any(detections[d]["t"] != t for d in ids):
            problems.append(f"by_detection_type.{t} holds another type's detection")
        if t in CHRONOLOGICAL:
            starts = [detections[d]["occs"][0]["ss"] for d in ids]
            if starts != sorted(starts):
                problems.append(f"by_detection_type.{t} is not chronological")
    return problems


def expected_seconds(detections: dict[str, Any], n_seconds: int) -> set[tuple[int, str, str]]:
    """(second, detection, occurrence) for every occurrence [ss, se): seconds floor(ss) .. ceil(se)-1."""
    out = set()
    for det_id, det in detections.items():
        for occ in det.get("occs", []):
            for sec in range(math.floor(occ["ss"]), min(n_seconds, math.ceil(occ["se"]))):
                out.add((sec, det_id, occ["id"]))
    return out


def _by_second(detections: dict[str, Any], by_second: list[list[dict[str, Any]]], duration: float,
               lenient: bool) -> list[str]:
    problems = []
    if len(by_second) != math.ceil(duration):
        problems.append(f"by_second has {len(by_second)} entries for {duration} s")
    occs = {o["id"]: (d, o) for d, det in detections.items() for o in det.get("occs", [])}
    listed = set()
    for sec, items in enumerate(by_second):
        for item in items:
            det = detections.get(item["d"])
            if det is None:
                problems.append(f"by_second[{sec}] names unknown detection {item['d']}")
                continue
            for occ_id in item["o"]:
                listed.add((sec, item["d"], occ_id))
                if occs.get(occ_id, (None,))[0] != item["d"]:
                    problems.append(f"by_second[{sec}]: occurrence {occ_id} is not one of detection {item['d']}'s")
            is_context = det["t"].startswith(CONTEXT_PREFIXES)
            if ("c" in item) != is_context:
                problems.append(f"by_second[{sec}] item of {det['t']} {'lacks' if is_context else 'has'} c")
            elif is_context and item["c"] > max(occs[o][1]["c_max"] for o in item["o"]) + 1e-9:
                problems.append(f"by_second[{sec}]: c above the occurrence's c_max")
    expected = expected_seconds(detections, len(by_second))
    if lenient:  # se rounded up to a whole second: that second may be listed too
        listed = {(sec, d, o) for sec, d, o in listed if (sec, d, o) in expected or occs[o][1]["se"] != sec}
    if listed != expected:
        problems.append(f"by_second disagrees with the occurrences: {len(expected - listed)} missing, "
                        f"{len(listed - expected)} extra, e.g. {sorted(expected ^ listed)[:3]}")
    return problems


def _shots(detections: dict[str, Any], shots: list[dict[str, Any]], duration: float, lenient: bool) -> list[str]:
    problems = []
    if not shots:
        return ["no detected_shots"]
    if shots[0]["fs"] != 0:
        problems.append("the first shot does not start at frame 0")
    for k in range(1, len(shots)):
        prev, shot = shots[k - 1], shots[k]
        if shot["ss"] != prev["se"] or shot["fs"] != prev["fe"] + 1:
            problems.append(f"shot {k} does not continue shot {k - 1}")
        if shot["fe"] < shot["fs"] or abs(shot["sdur"] - (shot["se"] - shot["ss"])) > EPS:
            problems.append(f"shot {k} has an inconsistent length")
    if shots[-1]["ss"] >= duration or (shots[-1]["se"] > duration + EPS and not lenient):
        problems.append("the last shot ends after the media")
    for det_id, det in detections.items():
        for occ in det.get("occs", []):
            if "shs" not in occ:
                continue
            shs, she = occ["shs"], occ["she"]
            if not (0 <= shs <= she < len(shots)):
                problems.append(f"occurrence {occ['id']}: shot indexes {shs}..{she} out of range")
            elif shots[shs]["ss"] > occ["ss"] + EPS or shots[she]["se"] < occ["se"] - EPS:
                problems.append(f"occurrence {occ['id']} of {det_id} is not inside shots {shs}..{she}")
    return problems
