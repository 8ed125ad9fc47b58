"""Reading Valossa requests: JSON bodies for most POSTs, multipart forms for uploads, query strings for
GETs. Every failure is raised as Valossa's own error."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from .errors import ValossaError, invalid, missing

MALFORMED = "Malformed request body"


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValossaError(400, MALFORMED) from None
    if not isinstance(data, dict):
        raise ValossaError(400, MALFORMED)
    return data


async def form_body(request: Request) -> dict[str, Any]:
    """multipart/form-data or urlencoded (the docs' curl -F examples); JSON is accepted too."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        return await json_body(request)
    if not ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise ValossaError(400, f"{MALFORMED}: expected multipart/form-data")
    try:
        form = await request.form(max_part_size=64 * 1024 * 1024)
    except Exception:  # python-multipart raises several types for a broken body
        raise ValossaError(400, MALFORMED) from None
    return dict(form.items())


def text(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise missing(name)
        return None
    if not isinstance(value, str):
        raise invalid(name, "expected a string")
    return value


def integer(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if value is None or value == "":
        raise missing(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid(name, "expected an integer")
    try:
        return int(value)
    except ValueError:
        raise invalid(name, "expected an integer") from None


def boolean(data: dict[str, Any], name: str) -> bool:
    value = data.get(name)
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise invalid(name, "expected true or false")


async def file_bytes(data: dict[str, Any], name: str) -> bytes:
    value = data.get(name)
    if isinstance(value, UploadFile):
        return await value.read()
    if value is None:
        raise missing(name)
    raise invalid(name, "expected a file part")
