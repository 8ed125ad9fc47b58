"""The download's MP4 (emulator/services/clipzy/mp4.py): real, small, and as long as asked."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from emulator.services.clipzy import mp4
from emulator.services.clipzy.mp4 import boxes, find, frame_size, mp4_bytes

CASES = [(0.5, 30.0), (1.0, 30.0), (10.01, 30.0), (60.0, 29.97), (95.5, 25.0), (7.3, 23.976), (3600.0, 30.0)]


def _u32(data: bytes, at: int) -> int:
    return struct.unpack(">I", data[at : at + 4])[0]


def _times(data: bytes, body: int) -> tuple[int, int]:
    """(timescale, duration) of an mvhd or mdhd body, version 0 or 1."""
    if data[body] == 1:
        return struct.unpack(">IQ", data[body + 20 : body + 32])
    return struct.unpack(">II", data[body + 12 : body + 20])


@pytest.mark.parametrize(("duration", "fps"), CASES)
def test_box_structure(duration: float, fps: float) -> None:
    data = mp4_bytes(duration, fps)
    top = [kind for kind, _, _ in boxes(data)]
    assert top == [b"ftyp", b"moov", b"mdat"]  # ftyp first, moov before the media (plays while downloading)
    ftyp = find(data, [b"ftyp"])
    assert ftyp and data[ftyp[0] : ftyp[0] + 4] == b"isom"

    mvhd = find(data, [b"moov", b"mvhd"])
    mdhd = find(data, [b"moov", b"trak", b"mdia", b"mdhd"])
    tkhd = find(data, [b"moov", b"trak", b"tkhd"])
    assert mvhd and mdhd and tkhd
    scale, movie = _times(data, mvhd[0])
    assert scale == 1000 and movie == round(duration * 1000)
    media_scale, media = _times(data, mdhd[0])
    assert media / media_scale == pytest.approx(duration, abs=0.001)
    assert struct.unpack(">II", data[tkhd[1] - 8 : tkhd[1]]) == (320 << 16, 180 << 16)

    stbl = find(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl"])
    assert stbl
    tables = {kind: body for kind, body, _ in boxes(data, *stbl)}
    assert set(tables) == {b"stsd", b"stts", b"stss", b"stsc", b"stsz", b"stco"}
    stts = tables[b"stts"]
    rows = [struct.unpack(">II", data[stts + 8 + 8 * i : stts + 16 + 8 * i]) for i in range(_u32(data, stts + 4))]
    frames = sum(n for n, _ in rows)
    assert sum(n * d for n, d in rows) == media  # the sample deltas add up to the track's duration
    assert frames == max(1, round(duration * fps))
    assert _u32(data, tables[b"stsz"] + 8) == frames and _u32(data, tables[b"stsz"] + 4) > 0  # one size for all

    mdat = [(body, stop) for kind, body, stop in boxes(data) if kind == b"mdat"][0]
    offsets = [_u32(data, tables[b"stco"] + 8 + 4 * i) for i in range(_u32(data, tables[b"stco"] + 4))]
    size = _u32(data, tables[b"stsz"] + 4)
    assert all(mdat[0] <= o and o + size <= mdat[1] for o in offsets)  # every chunk lies in the mdat


def test_small_whatever_the_duration() -> None:
    assert len(mp4_bytes(1)) < 10_000
    assert len(mp4_bytes(600)) < 15_000
    assert len(mp4_bytes(3600)) < 40_000  # an hour at 30 fps: 108,000 frames


def test_deterministic_and_validated() -> None:
    assert mp4_bytes(12.5, 25) == mp4_bytes(12.5, 25)
    stsz = find(mp4_bytes(0), [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsz"])
    assert stsz and _u32(mp4_bytes(0), stsz[0] + 8) == 1  # one frame at least
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            mp4_bytes(bad)
    with pytest.raises(ValueError):
        mp4_bytes(1, fps=0)


@pytest.mark.parametrize(("fps", "timescale", "delta"), [
    (30.0, 90000, 3000), (25.0, 90000, 3600), (29.97, 90000, 3003), (23.976, 24000, 1001), (59.94, 60000, 1001),
    (12.5, 90000, 7200), (7.0, 1001, 143),
])
def test_frame_rates(fps: float, timescale: int, delta: int) -> None:
    data = mp4_bytes(10, fps)
    mdhd = find(data, [b"moov", b"trak", b"mdia", b"mdhd"])
    stts = find(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stts"])
    assert mdhd and stts
    scale, media = _times(data, mdhd[0])
    assert scale == timescale and _u32(data, stts[0] + 12) == delta
    assert media == round(10 * scale)


def test_very_long_files_lower_the_frame_rate() -> None:
    data = mp4_bytes(10 * 3600, 30)
    mdhd = find(data, [b"moov", b"trak", b"mdia", b"mdhd"])
    assert mdhd
    scale, media = _times(data, mdhd[0])
    assert media / scale == pytest.approx(36000, abs=0.001)
    stsz = find(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsz"])
    assert stsz and _u32(data, stsz[0] + 8) == mp4.MAX_FRAMES


def test_frame_size_is_the_base_pictures() -> None:
    assert frame_size() == (320, 180)
    assert mp4.BASE.stat().st_size < 4096


def _ffprobe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                          "-count_packets", str(path)], capture_output=True, check=True, timeout=60).stdout
    return json.loads(out)


@pytest.mark.skipif(not shutil.which("ffprobe"), reason="ffprobe is not installed")
@pytest.mark.parametrize(("duration", "fps"), CASES)
def test_ffprobe_reads_it(tmp_path: Path, duration: float, fps: float) -> None:
    path = tmp_path / "out.mp4"
    path.write_bytes(mp4_bytes(duration, fps))
    info = _ffprobe(path)
    assert float(info["format"]["duration"]) == pytest.approx(duration, abs=0.1)
    (video,) = [s for s in info["streams"] if s["codec_type"] == "video"]
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 320, 180)
    assert int(video["nb_read_packets"]) == max(1, round(duration * fps))


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed")
def test_ffmpeg_decodes_every_frame_without_an_error(tmp_path: Path) -> None:
    path = tmp_path / "out.mp4"
    path.write_bytes(mp4_bytes(95.5, 25))
    run = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "framemd5", "-"], capture_output=True,
                         timeout=120)
    assert run.returncode == 0 and run.stderr == b""
    frames = [line for line in run.stdout.decode().splitlines() if line and not line.startswith("#")]
    assert len(frames) == 2388
    assert len({line.rsplit(",", 1)[1] for line in frames}) == 1  # a still picture: no drift from frame to frame


@pytest.mark.parametrize(("duration", "fps"), [*CASES, (0.0, 30.0), (0.001, 240.0), (0.034, 1.0), (7200.1, 30.0),
                                               (50_000.0, 24.0), (5e6, 30.0), (12.345, 12.5), (33.3, 59.94)])
def test_size_without_the_bytes(duration: float, fps: float) -> None:
    assert mp4.mp4_size(duration, fps) == len(mp4_bytes(duration, fps))  # render_metadata.file_size_bytes
