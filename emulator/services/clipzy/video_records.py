"""How a video is kept in the store: its facts as one JSON array in a one-key record. Kept as dicts (the record,
VideoInfo, its metadata) a video cost ~1.1 KB of memory for as long as the store lives, a string ~0.45 KB;
the record's own id and the storage URL are not stored (both follow from the id and the filename)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson

from ...engine import codec

PACKED = "v"
META = ("width", "height", "duration_seconds", "frame_rate", "codec", "bitrate_kbps", "format")


def pack(info: dict[str, Any], template_video_id: str | None, webhook_url: str | None,
         path: str | None) -> dict[str, Any]:
    meta = info["metadata"]
    row = [info["filename"], info["file_size_bytes"], *(meta[key] for key in META), info["uploaded_at"],
           template_video_id, webhook_url, path]
    return {PACKED: codec.dumps(row)}


def unpack(video_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """{"info": VideoInfo, "template_video_id", "webhook_url", "path"}; a record written before packing (a
    data dir from an earlier version) is that already."""
    if PACKED not in record:
        return record
    filename, size, *rest = orjson.loads(record[PACKED])  # written by pack(): no integer beyond 64 bits
    meta, (uploaded_at, template_video_id, webhook_url, path) = rest[:len(META)], rest[len(META):]
    info = {
        "video_id": video_id,
        "filename": filename,
        "file_size_bytes": size,
        "metadata": dict(zip(META, meta, strict=True)),
        "uploaded_at": uploaded_at,
        "storage_url": storage_url(video_id, filename),
    }
    return {"info": info, "template_video_id": template_video_id, "webhook_url": webhook_url, "path": path}


def storage_url(video_id: str, filename: str) -> str:
    return f"file:///storage/{video_id}/{quote(basename(filename), safe='')}"


def basename(filename: str) -> str:
    return filename.replace("\\", "/").rsplit("/", 1)[-1]
