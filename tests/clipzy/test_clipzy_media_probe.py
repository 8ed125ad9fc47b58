"""The media probing shared by services (emulator/services/media/probe.py), which Clipzy's upload will use."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emulator.services.clipzy.mp4 import boxes, mp4_bytes
from emulator.services.media import probe


def _moov_last(data: bytes) -> bytes:
    """The same file with its moov box after the media data (as a camera writes it)."""
    parts = {kind: data[body - 8 : stop] for kind, body, stop in boxes(data)}
    return parts[b"ftyp"] + parts[b"mdat"] + parts[b"moov"]


@pytest.fixture
def no_ffprobe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe.shutil, "which", lambda name: None)


@pytest.mark.usefixtures("no_ffprobe")
@pytest.mark.parametrize("moov_last", [False, True])
def test_header_facts_without_ffprobe(tmp_path: Path, moov_last: bool) -> None:
    data = mp4_bytes(96.4, 25)
    path = tmp_path / "clip.MP4"
    path.write_bytes(_moov_last(data) if moov_last else data)
    facts = probe.probe_file(path)
    assert facts == {"duration_s": 96.4, "fps": 25.0, "x_pixels": 320, "y_pixels": 180, "video_codec": "avc1"}
    assert probe.file_facts(path) == probe.mp4_facts(data) == facts


@pytest.mark.skipif(not shutil.which("ffprobe"), reason="ffprobe is not installed")
def test_ffprobe_facts(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4_bytes(61.2, 30))
    facts = probe.probe_file(path)
    assert facts == {"duration_s": 61.2, "fps": 30.0, "x_pixels": 320, "y_pixels": 180, "video_codec": "h264"}


def test_not_media(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"not a video at all, just some text " * 64)
    assert probe.probe_file(path) is None
    assert probe.probe_file(tmp_path / "missing.mp4") is None
    assert probe.mp4_facts(b"") is None


def test_a_header_ffprobe_cannot_size_is_completed_from_the_boxes(tmp_path: Path) -> None:
    """ffprobe reports 0x0 for a header without sample data; the MP4 boxes still tell the frame size."""
    data = mp4_bytes(10, 30)
    parts = {kind: data[body - 8 : stop] for kind, body, stop in boxes(data)}
    path = tmp_path / "header-only.mp4"
    path.write_bytes(parts[b"ftyp"] + parts[b"moov"])
    facts = probe.probe_file(path)
    assert facts and (facts["duration_s"], facts["x_pixels"], facts["y_pixels"]) == (10.0, 320, 180)


def test_shared_module_knows_no_service() -> None:
    source = Path(probe.__file__).read_text()
    assert "valossa" not in source and "clipzy" not in source
    assert not Path(probe.__file__).parents[1].joinpath("valossa", "results", "probe.py").exists()
