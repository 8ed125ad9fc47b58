"""Multipart bodies summarised as they stream: part headers and text fields kept, file parts only counted."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .masking import MASK, SECRET_FIELDS


def content_type(headers: Iterable[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.decode("latin-1").strip().lower()
    return ""


def multipart_boundary(ctype: str) -> bytes | None:
    if not ctype.startswith("multipart/"):
        return None
    match = re.search(r'boundary="?([^";]+)"?', ctype, re.IGNORECASE)
    return match.group(1).encode("latin-1") if match else None


class MultipartSummary:
    """A multipart body parsed as it streams: each part's headers, text fields (up to `keep` bytes) and
    the size of file parts, which are never kept."""

    def __init__(self, boundary: bytes, keep: int) -> None:
        self.boundary, self.keep = boundary, keep
        self.parts: list[dict[str, Any]] = []
        self.ok = bool(boundary)
        self._field = b""
        self._value = b""
        self._done = False
        self._parser: Any = None
        if boundary:
            from python_multipart.multipart import MultipartParser

            self._parser = MultipartParser(boundary, {
                "on_part_begin": self._begin, "on_part_data": self._data, "on_header_field": self._hfield,
                "on_header_value": self._hvalue, "on_header_end": self._hend,
            })

    def _begin(self) -> None:
        self.parts.append({"headers": [], "name": "", "filename": None, "data": bytearray(), "size": 0})

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _hvalue(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _hend(self) -> None:
        part = self.parts[-1]
        name, value = self._field.decode("latin-1"), self._value.decode("latin-1")
        part["headers"].append((name, value))
        if name.lower() == "content-disposition":
            for key, val in re.findall(r';\s*(name|filename)="((?:[^"\\]|\\.)*)"', value, re.IGNORECASE):
                part[key.lower()] = val
        self._field = self._value = b""

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self.parts[-1]
        part["size"] += end - start
        if part["filename"] is None and len(part["data"]) <= self.keep:
            part["data"] += data[start:end]

    def write(self, chunk: bytes) -> None:
        if not self.ok:
            return
        try:
            self._parser.write(chunk)
        except Exception:  # python-multipart raises several types for a broken body
            self.ok = False

    def finish(self) -> None:
        if self.ok and not self._done:
            self._done = True
            try:
                self._parser.finalize()
            except Exception:
                self.ok = False

    def _shown(self, part: dict[str, Any]) -> str:
        if part["filename"] is not None:
            return f"<file {part['size']} bytes>"
        if part["name"].lower() in SECRET_FIELDS:
            return MASK
        try:
            text = bytes(part["data"]).decode()
        except UnicodeDecodeError:
            return f"<file {part['size']} bytes>"
        return text if part["size"] <= self.keep else text + "..."

    def fields(self) -> dict[str, str]:
        return {p["name"]: self._shown(p) for p in self.parts}

    def render(self) -> str:
        """The body as sent, text fields kept and secret ones masked, file contents replaced."""
        if not self.ok:
            return "<malformed multipart body>"
        sep = "--" + self.boundary.decode("latin-1")
        lines: list[str] = []
        for part in self.parts:
            lines.append(sep)
            lines += [f"{name}: {value}" for name, value in part["headers"]]
            lines += ["", self._shown(part)]
        lines.append(sep + "--")
        return "\r\n".join(lines) + "\r\n"
