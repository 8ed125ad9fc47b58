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


# --- talking to the API (the real app behind httpx's ASGI transport, tests/helpers.py running())

API = "/api/v1"
FILLER = b"ftypisom" + bytes(2048)  # not media a probe reads: metadata derived from the seed and the bytes


def check(schema: str, body: Any) -> Any:
    """The body, once it validates against one of openapi.json's schemas."""
    assert errors(schema, body) == [], body
    return body


def failure(response: Any, status: int, code: str) -> dict[str, Any]:
    """An error answer: the status, the docs' error envelope and its code; the envelope's error object."""
    assert response.status_code == status, response.text
    body = check("ErrorEnvelope", response.json())
    assert body["success"] is False and body["error"]["code"] == code, body
    return body["error"]  # type: ignore[no-any-return]


async def upload(client: Any, filename: str = "clip.mp4", data: bytes = FILLER, **fields: str) -> dict[str, Any]:
    r = await client.post(f"{API}/videos/upload", files={"file": (filename, data, "application/octet-stream")},
                          data=fields)
    assert r.status_code == 200, r.text
    return check("VideoEnvelope", r.json())["data"]  # type: ignore[no-any-return]


async def create(client: Any, video_id: str, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    r = await client.post(f"{API}/jobs", json={"video_id": video_id, **body}, headers=headers)
    assert r.status_code == 200, r.text
    data = check("JobEnvelope", r.json())["data"]
    assert (data["status"], data["progress_percent"], data["current_stage"]) == ("queued", 0, None)
    return data  # type: ignore[no-any-return]


async def job(client: Any, job_id: str) -> dict[str, Any]:
    r = await client.get(f"{API}/jobs/{job_id}")
    assert r.status_code == 200, r.text
    return check("JobEnvelope", r.json())["data"]  # type: ignore[no-any-return]


async def result(client: Any, job_id: str) -> dict[str, Any]:
    r = await client.get(f"{API}/jobs/{job_id}/result")
    assert r.status_code == 200, r.text
    return check("JobDetailEnvelope", r.json())["data"]  # type: ignore[no-any-return]


async def new_job(client: Any, filename: str = "clip.mp4", data: bytes = FILLER, **body: Any) -> dict[str, Any]:
    """Upload a video and create a job on it: the job."""
    video = await upload(client, filename, data)
    return await create(client, video["video_id"], **body)
