"""Where content comes from: the customer's SRT transcript, canned fixtures, real local media files."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest
import srt
from valossa.results.structure import check_core
from valossa.results.support import FIXTURES, Emu, emulator

TRANSCRIPT = """1
00:00:01,000 --> 00:00:03,500
Welcome aboard the morning ferry.

2
00:00:04,000 --> 00:00:07,250
My name is Maria Lindqvist and I run
this crossing every day.

3
00:00:08,000 --> 00:00:10,000
The archipelago looks calm today.
"""
CUES = [(1.0, 3.5, "Welcome aboard the morning ferry."),
        (4.0, 7.25, "My name is Maria Lindqvist and I run this crossing every day."),
        (8.0, 10.0, "The archipelago looks calm today.")]


def _types(core: dict) -> dict:
    return core["detection_groupings"]["by_detection_type"]


async def _transcript_job(emu: Emu, url: str) -> dict:
    job_id = await emu.finished("https://example.com/ferry.mp4", transcript={"url": url})
    assert (await emu.status(job_id))["status"] == "finished"
    core = (await emu.results(job_id)).json()
    assert check_core(core) == []
    return core | {"_id": job_id}


async def test_transcript_cues_replace_speech(emu: Emu, tmp_path: Path) -> None:
    path = tmp_path / "ferry.srt"
    path.write_text(TRANSCRIPT)
    core = await _transcript_job(emu, path.as_uri())
    types = _types(core)
    assert "audio.speech" not in types and "audio.speech_detailed" not in types
    assert "audio.context" in types and "human.face" in types
    got = [(o["ss"], o["se"], core["detections"][d]["label"]) for d in types["transcript.speech"]
           for o in core["detections"][d]["occs"]]
    assert got == CUES
    names = [core["detections"][d]["label"] for d in types["transcript.keyword.name.person"]]
    assert names == ["Maria Lindqvist"]
    assert [core["detections"][d]["label"] for d in types["transcript.keyword.novelty_word"]] == ["archipelago"]
    body = (await emu.results(core["_id"], "speech_to_text_srt")).text
    assert [(c.start.total_seconds(), c.end.total_seconds(), " ".join(c.content.split()))
            for c in srt.parse(body)] == CUES


async def test_transcript_over_loopback_http(emu: Emu, served: tuple[Path, str]) -> None:
    folder, base = served
    (folder / "t.srt").write_text(TRANSCRIPT)
    core = await _transcript_job(emu, f"{base}/t.srt")
    assert len(_types(core)["transcript.speech"]) == 3


async def test_remote_transcript_is_emulated_with_transcript_types(emu: Emu) -> None:
    core = await _transcript_job(emu, "https://example.com/subs.srt")
    assert "transcript.speech" in _types(core) and "audio.speech" not in _types(core)


async def test_broken_transcript_fails_the_job(emu: Emu, tmp_path: Path) -> None:
    broken = tmp_path / "broken.srt"
    broken.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03 -> 00:00:04\nOops\n")
    cases = {broken.as_uri(): "line 6: expected a timing", (tmp_path / "none.srt").as_uri(): "file not found"}
    for url, problem in cases.items():
        job_id = await emu.finished("https://example.com/b.mp4", transcript={"url": url})
        status = await emu.status(job_id)
        assert status["status"] == "error" and status["media_transfer_status"] == "finished"
        assert status["details"].startswith("Transcript could not be used:") and problem in status["details"]
        assert (await emu.results(job_id)).status_code == 400


async def test_shipped_fixtures(emu: Emu) -> None:
    url = "https://media.example.org/canned/charade-first-10-minutes.mp4"
    job_id = await emu.finished(url, title="My title")
    core = (await emu.results(job_id)).json()
    assert core["version_info"]["metadata_format"] == "1.3.1"  # served as canned, not regenerated
    assert core["job_info"]["job_id"] == job_id
    assert core["job_info"]["request"]["media"]["video"]["url"] == url
    assert core["job_info"]["request"]["media"]["title"] == "My title"
    assert check_core(core, lenient=True) == []
    assert (await emu.results(job_id, "visual_captions")).status_code == 200

    job_id = await emu.finished("https://media.example.org/canned/interview-harbour.mp4")
    canned = (FIXTURES / "interview" / "subtitles.srt").read_bytes()
    assert (await emu.results(job_id, "speech_to_text_srt")).content == canned
    core = (await emu.results(job_id)).json()
    duration = core["media_info"]["technical"]["duration_s"]
    cues = [(c.start.total_seconds(), " ".join(c.content.split())) for c in srt.parse(canned.decode())]
    spoken = [(o["ss"], core["detections"][d]["label"]) for d in _types(core)["audio.speech"]
              for o in core["detections"][d]["occs"]]
    assert spoken == [c for c in cues if c[0] < duration]
    people = [core["detections"][d]["label"] for d in _types(core)["audio.keyword.name.person"]]
    assert "Maria Lindqvist" in people


async def test_shipped_fixtures_whatever_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # e.g. `video-ai-emulator serve` started from a project of one's own
    async with emulator(fixtures_dir=None) as emu:
        job_id = await emu.finished("https://media.example.org/canned/charade-first-10-minutes.mp4")
        assert (await emu.results(job_id)).json()["version_info"]["metadata_format"] == "1.3.1"


async def test_fixture_mapping_in_a_folder_of_ones_own(tmp_path: Path) -> None:
    async with emulator(seed=3) as emu:
        core = (await emu.results(await emu.finished("https://example.com/original.mp4"))).json()
    core["detections"]["1"]["label"] = "my own face"
    (tmp_path / "mine.json").write_text(json.dumps(core))
    (tmp_path / "mine.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nMine\n")
    (tmp_path / "mapping.yaml").write_text(
        "mappings:\n"
        "  - url: https://cdn.example.com/exact.mp4\n    core: mine.json\n"
        "  - url: https://cdn.example.com/*.mp4\n    speech_to_text_vtt: mine.vtt\n")
    async with emulator(seed=9, fixtures_dir=tmp_path) as emu:
        exact = await emu.finished("https://cdn.example.com/exact.mp4")
        body = (await emu.results(exact)).json()
        assert body["detections"]["1"]["label"] == "my own face" and body["job_info"]["job_id"] == exact
        srt_body = (await emu.results(exact, "speech_to_text_srt")).text  # derived from the canned core
        assert srt_body.count(" --> ") == len(_types(core)["audio.speech"])
        globbed = await emu.finished("https://cdn.example.com/other.mp4")
        r = await emu.results(globbed, "speech_to_text_vtt")
        assert r.text.endswith("Mine\n") and r.headers["content-type"].startswith("text/vtt")
        (tmp_path / "mapping.yaml").write_text("mappings:\n  - url: x\n    cor: mine.json\n")
        r = await emu.results(await emu.finished("https://cdn.example.com/third.mp4"))
        assert r.status_code == 500 and "unknown result type 'cor'" in r.json()["errors"][0]["message"]


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def tiny_mp4(seconds: float, fps: int, width: int, height: int) -> bytes:
    """The header boxes of an H.264 MP4 (no media data): enough for a probe."""
    samples, delta, scale = round(seconds * fps), 512, 512 * fps
    mvhd = _box(b"mvhd", struct.pack(">4xIIII", 0, 0, 1000, round(seconds * 1000)) + bytes(80))
    tkhd = _box(b"tkhd", bytes(76) + struct.pack(">II", width << 16, height << 16))
    mdhd = _box(b"mdhd", struct.pack(">4xIIII", 0, 0, scale, samples * delta) + bytes(4))
    hdlr = _box(b"hdlr", bytes(8) + b"vide" + bytes(13))
    stsd = _box(b"stsd", struct.pack(">4xI", 1) + struct.pack(">I4s", 16, b"avc1") + bytes(8))
    stts = _box(b"stts", struct.pack(">4xIII", 1, samples, delta))
    stbl = _box(b"stbl", stsd + stts)
    trak = _box(b"trak", tkhd + _box(b"mdia", mdhd + hdlr + _box(b"minf", stbl)))
    return _box(b"ftyp", b"isom" + bytes(4)) + _box(b"moov", mvhd + trak)


async def test_local_media_is_probed(emu: Emu, served: tuple[Path, str]) -> None:
    folder, base = served
    (folder / "clip.mp4").write_bytes(tiny_mp4(95.5, 25, 1280, 720))
    shutil.copy(folder / "clip.mp4", folder / "copy.mp4")
    for url in ((folder / "clip.mp4").as_uri(), f"{base}/copy.mp4"):
        core = (await emu.results(await emu.finished(url))).json()
        tech = core["media_info"]["technical"]
        assert (tech["duration_s"], tech["fps"], tech["resolution"]) == (95.5, 25.0, {"x_pixels": 1280,
                                                                                       "y_pixels": 720})
        assert tech["video_codec"]["name_short"] == "h264"
        assert len(core["detection_groupings"]["by_second"]) == 96


async def test_media_duration_from_the_url_without_a_file(emu: Emu) -> None:
    durations = set()
    for n in range(8):
        core = (await emu.results(await emu.finished(f"https://example.com/v{n}.mp4"))).json()
        duration = core["media_info"]["technical"]["duration_s"]
        assert 30 <= duration <= 1200
        durations.add(duration)
    assert len(durations) == 8
