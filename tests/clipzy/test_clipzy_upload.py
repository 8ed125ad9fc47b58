"""POST /api/v1/videos/upload and GET /api/v1/videos/info/{video_id}: every format, every rejection, metadata
from real media or derived per seed, bytes streamed to the data dir (or only probed, in memory)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import httpx
import pytest
from clipzy.support import API, FILLER, check, failure, upload
from helpers import running

from emulator.services.clipzy.mp4 import mp4_bytes
from emulator.settings import Settings


@pytest.mark.parametrize("filename", ["a.mp4", "b.mov", "c.avi", "d.mkv", "e.webm", "F.MP4", "g.MoV", "my.clip.WebM"])
async def test_each_format_by_its_extension_in_any_case(client: httpx.AsyncClient, filename: str) -> None:
    video = await upload(client, filename)
    assert re.fullmatch(r"vid_[0-9a-f]{12}", video["video_id"])
    assert video["filename"] == filename and video["file_size_bytes"] == len(FILLER)
    assert video["metadata"]["format"] == filename.rsplit(".", 1)[1].lower()
    assert video["storage_url"] == f"file:///storage/{video['video_id']}/{filename}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", video["uploaded_at"])


@pytest.mark.parametrize("content_type", ["application/octet-stream", "video/mp4", "text/plain", None])
async def test_any_part_content_type(client: httpx.AsyncClient, content_type: str | None) -> None:
    part = ("clip.mp4", FILLER) if content_type is None else ("clip.mp4", FILLER, content_type)
    r = await client.post(f"{API}/videos/upload", files={"file": part})
    assert r.status_code == 200 and check("VideoEnvelope", r.json())["message"] == "Video uploaded successfully"


async def test_metadata_of_real_media_is_probed(client: httpx.AsyncClient) -> None:
    data = mp4_bytes(61.2, 25)
    video = await upload(client, "real.mp4", data)
    assert video["metadata"] == {"width": 320, "height": 180, "duration_seconds": 61.2, "frame_rate": 25.0,
                                 "codec": "h264", "bitrate_kbps": round(len(data) * 8 / 61.2 / 1000),
                                 "format": "mp4"}


async def test_metadata_of_other_bytes_is_derived_per_seed_and_upload() -> None:
    async def videos(seed: int) -> list[dict[str, object]]:
        async with running(Settings(in_memory=True, time_scale=0, seed=seed)) as client:
            return [await upload(client, name, data) for name, data in
                    (("a.mp4", FILLER), ("a.mp4", FILLER + b"x"), ("b.mov", FILLER))]

    first, again, other = await videos(1), await videos(1), await videos(2)
    for v in (*first, *again):
        v.pop("uploaded_at")  # each run's clock starts at the wall time
    assert first == again  # ids and metadata
    assert [v["video_id"] for v in first] != [v["video_id"] for v in other]
    metas = [v["metadata"] for v in first]
    assert metas[0] != metas[1] != metas[2]  # the bytes and the name count
    for meta in metas:
        assert 15 <= meta["duration_seconds"] <= 300 and meta["width"] > 0 and meta["height"] > 0
        assert meta["bitrate_kbps"] == round(len(FILLER) * 8 / meta["duration_seconds"] / 1000)


async def test_unsupported_formats(client: httpx.AsyncClient) -> None:
    for name, detail in (("clip.flv", "Received file with extension .flv. Supported formats: mp4, mov, avi, "
                                      "mkv, webm."),
                         ("clip", "Received file with no extension. Supported formats: mp4, mov, avi, mkv, webm."),
                         ("mp4", "Received file with no extension. Supported formats: mp4, mov, avi, mkv, webm."),
                         ("clip.mp4.exe", "Received file with extension .exe. Supported formats: mp4, mov, avi, "
                                          "mkv, webm.")):
        r = await client.post(f"{API}/videos/upload", files={"file": (name, FILLER)})
        assert failure(r, 422, "UNSUPPORTED_FORMAT") == {"detail": detail, "code": "UNSUPPORTED_FORMAT"}
        assert r.json()["message"] == "The uploaded file format is not supported."


async def test_missing_file(client: httpx.AsyncClient) -> None:
    missing = {"detail": "The multipart field 'file' is required.", "code": "MISSING_FIELD"}
    for kwargs in ({"files": {"video": ("clip.mp4", FILLER)}},  # another name
                   {"data": {"template_video_id": ""}, "files": {"other": ("x.txt", b"x")}},
                   {"json": {"file": "clip.mp4"}},  # not multipart at all
                   {"content": b""}):
        r = await client.post(f"{API}/videos/upload", **kwargs)  # type: ignore[arg-type]
        assert failure(r, 422, "MISSING_FIELD") == missing, kwargs


async def test_malformed_multipart(client: httpx.AsyncClient) -> None:
    r = await client.post(f"{API}/videos/upload", content=b"--b\r\nnonsense",
                          headers={"content-type": "multipart/form-data"})  # no boundary
    assert "boundary" in failure(r, 422, "VALIDATION_ERROR")["detail"]
    r = await client.post(f"{API}/videos/upload", content=b"garbage without any boundary line",
                          headers={"content-type": "multipart/form-data; boundary=xyz"})
    failure(r, 422, "VALIDATION_ERROR")


async def test_too_large(settings: Settings) -> None:
    settings = settings.model_copy(update={"clipzy": settings.clipzy.model_copy(update={"max_file_size_mb": 0.5})})
    async with running(settings) as client:
        limit = 512 * 1024
        await upload(client, "fits.mp4", bytes(limit))
        r = await client.post(f"{API}/videos/upload", files={"file": ("big.mp4", bytes(limit + 1))})
        assert failure(r, 413, "FILE_TOO_LARGE") == {"detail": "File size is 1 MB. Maximum allowed is 0.5 MB.",
                                                     "code": "FILE_TOO_LARGE"}
        assert r.json()["message"] == "Uploaded file exceeds the maximum allowed size."
        r = await client.post(f"{API}/videos/upload", files={"file": ("big.mp4", bytes(3 * 1024 * 1024 + 5))})
        assert failure(r, 413, "FILE_TOO_LARGE")["detail"] == "File size is 4 MB. Maximum allowed is 0.5 MB."
        r = await client.post(f"{API}/videos/upload", files={"file": ("big.flv", bytes(limit + 1))})
        failure(r, 422, "UNSUPPORTED_FORMAT")  # the extension is judged first, as the real code does


def test_default_limit_is_1000_mb() -> None:
    assert Settings().clipzy.max_file_size_mb == 1000


async def test_template_and_webhook_fields(client: httpx.AsyncClient) -> None:
    template = await upload(client, "template.mp4")
    await upload(client, "source.mp4", template_video_id=template["video_id"], webhook_url="https://example.com/h")
    r = await client.post(f"{API}/videos/upload", files={"file": ("s.mp4", FILLER)},
                          data={"template_video_id": "vid_000000000000"})
    assert failure(r, 404, "VIDEO_NOT_FOUND")["detail"] == "No video with id 'vid_000000000000' exists."
    r = await client.post(f"{API}/videos/upload", files={"file": ("s.mp4", FILLER)}, data={"webhook_url": "nope"})
    assert failure(r, 422, "VALIDATION_ERROR")["detail"] == "webhook_url: expected an absolute http or https URL"


async def test_video_info(client: httpx.AsyncClient) -> None:
    video = await upload(client, "info.webm")
    r = await client.get(f"{API}/videos/info/{video['video_id']}")
    body = check("VideoEnvelope", r.json())
    assert (r.status_code, body["message"], body["data"]) == (200, "Video info retrieved", video)
    for unknown in ("vid_000000000000", "nope"):
        r = await client.get(f"{API}/videos/info/{unknown}")
        assert failure(r, 404, "VIDEO_NOT_FOUND")["detail"] == f"No video with id '{unknown}' exists."


async def test_bytes_are_streamed_to_the_data_dir_and_forgotten_on_reset(tmp_path: Path) -> None:
    data = bytes(range(256)) * 20_000  # 5 MB: many chunks, written as they come
    async with running(Settings(data_dir=tmp_path, time_scale=0, seed=3)) as client:
        video = await upload(client, "My Holiday (1).MP4", data)
        stored = tmp_path / "clipzy" / "videos" / video["video_id"] / "My_Holiday__1_.MP4"
        assert stored.read_bytes() == data
        assert list((tmp_path / "clipzy" / "incoming").iterdir()) == []  # nothing half-written left
        r = await client.post(f"{API}/videos/upload", files={"file": ("x.flv", data)})
        assert r.status_code == 422 and list((tmp_path / "clipzy" / "incoming").iterdir()) == []
        assert (await client.post("/_emulator/reset")).status_code == 200
        assert not (tmp_path / "clipzy").exists()
        r = await client.get(f"{API}/videos/info/{video['video_id']}")
        failure(r, 404, "VIDEO_NOT_FOUND")


async def test_videos_survive_a_restart(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, time_scale=0, seed=3)
    async with running(settings) as client:
        video = await upload(client, "keep.mp4")
    async with running(settings) as client:
        r = await client.get(f"{API}/videos/info/{video['video_id']}")
        assert r.status_code == 200 and r.json()["data"] == video


async def test_in_memory_keeps_only_size_and_probe(client: httpx.AsyncClient, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    video = await upload(client, "probe-me.mp4", mp4_bytes(10, 30))
    assert video["metadata"]["duration_seconds"] == 10.0  # it was probed from the bytes on disk ...
    assert list(tmp_path.iterdir()) == []  # ... which are gone
    r = await client.post(f"{API}/videos/upload", files={"file": ("x.mp4", FILLER)},
                          data={"template_video_id": "vid_000000000000"})
    assert r.status_code == 404 and list(tmp_path.iterdir()) == []  # a refused upload leaves nothing either


async def test_a_large_upload_is_never_held_whole_in_memory(tmp_path: Path) -> None:
    import tracemalloc

    size, chunk = 24 * 1024 * 1024, bytes(1024 * 1024)
    head = (b'--bound\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n")

    async def body():  # type: ignore[no-untyped-def]
        yield head
        for _ in range(size // len(chunk)):
            yield chunk  # the same bytes object each time: the client side allocates nothing
        yield b"\r\n--bound--\r\n"

    async with running(Settings(data_dir=tmp_path, time_scale=0, seed=3)) as client:
        tracemalloc.start()
        try:
            r = await client.post(f"{API}/videos/upload", content=body(),
                                  headers={"content-type": "multipart/form-data; boundary=bound"})
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert r.status_code == 200, r.text
        video = r.json()["data"]
        assert video["file_size_bytes"] == size
        assert (tmp_path / "clipzy" / "videos" / video["video_id"] / "big.mp4").stat().st_size == size
        assert peak < size / 4, f"peak {peak} bytes for a {size}-byte upload"
