"""Shared by the Clipzy tests: the OpenAPI document and a validator for any of its schemas."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

import emulator.services.clipzy as clipzy

OPENAPI = Path(clipzy.__file__).with_name("openapi.json")


@cache
def document() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text())


def validator(name: str) -> Draft202012Validator:
    """A validator of components/schemas/<name>, its $refs resolved inside the document."""
    root = {**document(), "$ref": f"#/components/schemas/{name}"}
    return Draft202012Validator(root, format_checker=FormatChecker())


def errors(name: str, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(instance)]


def video(video_id: str = "vid_0123456789ab", *, duration: float = 95.5, width: int = 1920, height: int = 1080,
          fps: float = 29.97, uploaded_at: str = "2024-04-05T10:30:00Z") -> dict[str, Any]:
    """An upload's data object."""
    return {
        "video_id": video_id, "filename": "clip.mp4", "file_size_bytes": 123456,
        "metadata": {"width": width, "height": height, "duration_seconds": duration, "frame_rate": fps,
                     "codec": "h264", "bitrate_kbps": 5000, "format": "mp4"},
        "uploaded_at": uploaded_at, "storage_url": f"file:///storage/{video_id}/clip.mp4",
    }
