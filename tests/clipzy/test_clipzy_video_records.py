"""A video as the store keeps it (video_records.py): one packed string, VideoInfo rebuilt the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from clipzy.support import API, create, upload, video
from helpers import advance, running

from emulator.engine import sqlite_store
from emulator.services.clipzy.video_records import pack, unpack
from emulator.services.clipzy.videos import VIDEO
from emulator.settings import Settings


def test_round_trip() -> None:
    info = {**video("vid_00000000000a"), "filename": "dir\\my clip é.mp4"}
    info["storage_url"] = "file:///storage/vid_00000000000a/my%20clip%20%C3%A9.mp4"
    record = pack(info, "vid_00000000000b", "http://127.0.0.1:9/hook", "/data/clipzy/videos/x.mp4")
    assert list(record) == ["v"] and isinstance(record["v"], str)
    assert unpack("vid_00000000000a", record) == {
        "info": info, "template_video_id": "vid_00000000000b", "webhook_url": "http://127.0.0.1:9/hook",
        "path": "/data/clipzy/videos/x.mp4"}
    assert list(unpack("vid_00000000000a", record)["info"]) == list(info)  # the same key order


def test_a_record_from_before_packing_reads_as_it_was() -> None:
    old = {"info": video(), "template_video_id": None, "webhook_url": None, "path": None}
    assert unpack("vid_0123456789ab", old) is old


async def test_on_sqlite_only_the_videos_used_last_stay_in_memory(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # One record per upload, never deleted: memory must not grow with them. Nobody lists videos, so SQLite keeps
    # only the RECENT_RECORDS used last; the others are read back from the file, unchanged.
    monkeypatch.setattr(sqlite_store, "RECENT_RECORDS", 2)
    async with running(Settings(data_dir=tmp_path, time_scale=0, seed=1)) as c:
        videos = [await upload(c, f"v{n}.mp4") for n in range(5)]
        store = c._transport.app.state.engine.store  # type: ignore[attr-defined]
        assert VIDEO not in store.records and len(store._recent_records) == 2
        for info in videos:
            r = await c.get(f"{API}/videos/info/{info['video_id']}")
            assert r.status_code == 200 and r.json()["data"] == info
        job = await create(c, videos[0]["video_id"])
        await advance(c, 100_000)
        r = await c.get(f"{API}/jobs/{job['job_id']}")
        assert r.status_code == 200 and r.json()["data"]["status"] == "completed"
        assert VIDEO not in store.records and len(store._recent_records) == 2
