"""Every job_results type parses with a standard parser and agrees with the core document of the same job."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import srt
import webvtt
from valossa.results.support import Emu

TEXT = {"speech_to_text_srt": "text/plain", "speech_to_text_vtt": "text/vtt", "speech_to_text_ttml": "text/xml",
        "speech_to_text_avid_txt": "text/plain"}
JSON_TYPES = ("core", "frames_faces", "seconds_objects", "frames_objects", "visual_captions")
TT = "{http://www.w3.org/ns/ttml}"


@pytest.fixture
async def job(emu: Emu) -> tuple[Emu, str, dict[str, Any]]:
    job_id = await emu.finished("https://example.com/types.mp4")
    return emu, job_id, (await emu.results(job_id)).json()


def speech(core: dict[str, Any]) -> list[tuple[float, float, str]]:
    ids = core["detection_groupings"]["by_detection_type"]["audio.speech"]
    return [(o["ss"], o["se"], core["detections"][d]["label"]) for d in ids for o in core["detections"][d]["occs"]]


def _flat(text: str) -> str:
    return " ".join(text.split())


async def test_content_types(job: tuple[Emu, str, dict[str, Any]]) -> None:
    emu, job_id, _ = job
    for result_type, media_type in TEXT.items():
        r = await emu.results(job_id, result_type)
        assert r.status_code == 200 and r.headers["content-type"] == f"{media_type}; charset=utf-8"
    for result_type in JSON_TYPES:
        r = await emu.results(job_id, result_type)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"


async def test_subtitles_carry_the_speech_of_core(job: tuple[Emu, str, dict[str, Any]]) -> None:
    emu, job_id, core = job
    expected = speech(core)
    assert len(expected) > 3
    body = (await emu.results(job_id, "speech_to_text_srt")).text
    assert "\r" not in body  # docs: SRT uses LF newlines
    cues = list(srt.parse(body, ignore_errors=False))
    assert [(c.start.total_seconds(), c.end.total_seconds(), _flat(c.content)) for c in cues] == expected
    vtt = webvtt.from_string((await emu.results(job_id, "speech_to_text_vtt")).text)
    assert [(_secs(c.start), _secs(c.end), _flat(c.text)) for c in vtt] == expected
    root = ET.fromstring((await emu.results(job_id, "speech_to_text_ttml")).content)
    paragraphs = root.iter(f"{TT}p")
    assert [(_secs(p.get("begin")), _secs(p.get("end")), _flat(" ".join(p.itertext()))) for p in paragraphs] == expected
    avid = (await emu.results(job_id, "speech_to_text_avid_txt")).text
    blocks = re.findall(r"^(\d\d:\d\d:\d\d:\d\d) (\d\d:\d\d:\d\d:\d\d)\n(.+?)\n\n", avid, re.M | re.S)
    assert avid.startswith("@ This file written with the Avid Caption plugin") and avid.endswith("<end subtitles>\n")
    fps = round(core["media_info"]["technical"]["fps"])
    assert len(blocks) == len(expected)
    for (start, end, text), (ss, se, label) in zip(blocks, expected, strict=True):
        assert _flat(text) == label
        assert abs(_timecode(start, fps) - ss) < 1 / fps and abs(_timecode(end, fps) - se) < 1 / fps


def _secs(clock: str) -> float:
    h, m, s = clock.replace(",", ".").split(":")
    return round(int(h) * 3600 + int(m) * 60 + float(s), 3)


def _timecode(code: str, fps: int) -> float:
    h, m, s, f = (int(x) for x in code.split(":"))
    return h * 3600 + m * 60 + s + f / fps


def _covers(core: dict[str, Any], det_id: str, t: float) -> bool:
    return any(o["ss"] - 1e-6 <= t < o["se"] + 1e-6 for o in core["detections"][det_id]["occs"])


async def test_frames_faces_boxes_belong_to_face_occurrences(job: tuple[Emu, str, dict[str, Any]]) -> None:
    emu, job_id, core = job
    body = (await emu.results(job_id, "frames_faces")).json()
    assert body["version_info"]["metadata_type"] == "frames_faces"
    frames = body["faces_by_frame"]
    fps = core["media_info"]["technical"]["fps"]
    assert len(frames) == core["segmentations"]["detected_shots"][-1]["fe"] + 1
    seen = set()
    for f, boxes in enumerate(frames):
        for box in boxes:
            assert core["detections"][box["id"]]["t"] == "human.face"
            assert _covers(core, box["id"], f / fps)
            assert 0 <= box["x"] and box["x"] + box["w"] <= 1.0001 and 0 <= box["y"] and box["y"] + box["h"] <= 1.0001
            seen.add(box["id"])
    assert seen == set(core["detection_groupings"]["by_detection_type"]["human.face"])


async def test_object_boxes_agree_with_logo_occurrences(job: tuple[Emu, str, dict[str, Any]]) -> None:
    emu, job_id, core = job
    logos = set(core["detection_groupings"]["by_detection_type"]["visual.object.localized"])
    fps = core["media_info"]["technical"]["fps"]
    frames = (await emu.results(job_id, "frames_objects")).json()["objects_by_frame"]
    for f, items in enumerate(frames):
        for item in items:
            assert item["d"] in logos and _covers(core, item["d"], f / fps)
            assert [o["id"] for o in core["detections"][item["d"]]["occs"] if o["id"] in item["o"]] == item["o"]
            assert all(0 < b["c"] <= 1 for b in item["b"])
    seconds = (await emu.results(job_id, "seconds_objects")).json()["objects_by_second"]
    assert len(seconds) == math.ceil(core["media_info"]["technical"]["duration_s"])
    listed = {(s, i["d"], o) for s, items in enumerate(seconds) for i in items for o in i["o"]}
    expected = {(s, i["d"], o) for s, items in enumerate(core["detection_groupings"]["by_second"]) for i in items
                if i["d"] in logos for o in i["o"]}
    assert listed == expected and listed


async def test_visual_captions_sit_on_shots(job: tuple[Emu, str, dict[str, Any]]) -> None:
    emu, job_id, core = job
    body = (await emu.results(job_id, "visual_captions")).json()
    assert body["version_info"] == {"metadata_type": "visual_captions", "metadata_format_version": "1.2.0"}
    shots = core["segmentations"]["detected_shots"]
    ends = {s["se"] for s in shots}
    sections = body["selected_sections"]
    assert sections[0]["section"]["s_start"] == 0 and sections[-1]["section"]["s_end"] == shots[-1]["se"]
    for prev, item in zip(sections, sections[1:], strict=False):
        assert item["section"]["s_start"] == prev["section"]["s_end"]
    for item in sections:
        section = item["section"]
        assert shots[section["shot_index"]]["ss"] == section["s_start"] and section["s_end"] in ends
        assert len(item["caption"]) > 10 and item["caption"][0].isupper()


async def test_a_type_without_data_answers_the_error_envelope(emu: Emu) -> None:
    # Valossa's own sample (canned) holds no audio.speech and no logos.
    job_id = await emu.finished("https://media.example.org/canned/charade-first-10-minutes.mp4")
    for result_type in ("speech_to_text_srt", "speech_to_text_vtt", "frames_objects", "seconds_objects"):
        r = await emu.results(job_id, result_type)
        assert r.status_code == 400
        assert r.json()["errors"][0]["message"].startswith(f"No results of type {result_type} for this job")
    assert (await emu.results(job_id, "frames_faces")).status_code == 200
