"""A video as the store keeps it (video_records.py): one packed string, VideoInfo rebuilt the same."""

from __future__ import annotations

from clipzy.support import video

from emulator.services.clipzy.video_records import pack, unpack


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
