"""Uploaded videos (POST /videos/upload, GET /videos/info/{video_id}) as engine store records.

The multipart body is parsed as it streams: text fields are kept (at most 64 KB each), the `file` part is
written to disk chunk by chunk and never held whole in memory. Its bytes go to the data dir
(<data_dir>/clipzy/videos/<video_id>/<name>), or, with --in-memory, to a temporary file that is deleted once
probed. Metadata comes from the bytes when they are real media (services/media/probe.py: ffprobe, else the
MP4/QuickTime header), and is otherwise derived from the seed and the upload, the same every time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import os
import random
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from starlette.requests import Request

from ...engine import Engine
from ...engine.ids import prefixed
from ..errors import BodyTimeout, MalformedBody
from ..media.probe import probe_file
from ..requests import BODY_TIMEOUT, within
from .errors import FORMATS, FileTooLarge, MissingFile, UnsupportedFormat
from .video_records import basename, pack, storage_url, unpack

VIDEO = "clipzy-video"  # store record kind
MB = 1024 * 1024
FIELD_LIMIT = 64 * 1024  # a text field longer than this is a malformed upload
FLUSH = 1024 * 1024  # file bytes buffered before a write
# Codec names the MP4 header gives (sample entry types) as ffprobe names them.
CODECS = {"avc1": "h264", "avc3": "h264", "hvc1": "hevc", "hev1": "hevc", "mp4v": "mpeg4", "vp09": "vp9",
          "av01": "av1"}
# What a derived video looks like: common phone and camera outputs.
RESOLUTIONS = ((1920, 1080), (1920, 1080), (1920, 1080), (1280, 720), (1080, 1920), (1080, 1920), (3840, 2160),
               (1080, 1080))
FRAME_RATES = (24.0, 25.0, 29.97, 30.0, 30.0, 60.0)
DERIVED_DURATION = (15.0, 300.0)  # seconds


def extension(filename: str | None) -> str:
    return os.path.splitext(filename or "")[1].lower().lstrip(".")


@dataclass
class Received:
    """An upload as it arrived: its text fields and what became of its `file` part."""

    fields: dict[str, str] = field(default_factory=dict)
    has_file: bool = False
    filename: str | None = None
    size: int = 0
    digest: str = ""
    path: Path | None = None  # where its bytes are (None when not kept: unsupported or too large)

    @property
    def format(self) -> str:
        return extension(self.filename)

    def discard(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self.path = None


class _Reader:
    """python-multipart's streaming parser with Clipzy's rules: the first `file` part is the video."""

    def __init__(self, boundary: bytes, directory: Path | None, limit: int) -> None:
        from python_multipart.multipart import MultipartParser

        self.received = Received()
        self.directory, self.limit = directory, limit
        self.broken = False
        self._headers: list[tuple[bytes, bytes]] = []
        self._name = self._value = b""
        self._part: str | None = None  # "file", "text" or "skip"
        self._field = ""
        self._text = bytearray()
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._out: IO[bytes] | None = None
        self._hash = hashlib.sha256()
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._data, "on_part_end": self._end,
        })

    # callbacks (synchronous: file bytes are only buffered here, written by feed())
    def _begin(self) -> None:
        self._headers, self._part = [], None

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers.append((self._name.lower(), self._value))
        self._name = self._value = b""

    def _headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        disposition = next((v for k, v in self._headers if k == b"content-disposition"), b"")
        _, options = parse_options_header(disposition)
        name = _text(options.get(b"name", b""))
        filename = _text(options[b"filename"]) if b"filename" in options else None
        received = self.received
        if name == "file" and not received.has_file:
            received.has_file, received.filename = True, filename
            self._part = "file"
            if received.format in FORMATS:
                fd, path = tempfile.mkstemp(prefix="upload-", suffix="." + received.format,
                                            dir=self.directory)
                self._out, received.path = os.fdopen(fd, "wb"), Path(path)
        elif filename is None and name and name != "file":
            self._part, self._field, self._text = "text", name, bytearray()
        else:
            self._part = "skip"  # another file part, a second `file`: counted by nobody, never kept

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._part == "file":
            received = self.received
            received.size += end - start
            if self._out is not None:
                if received.size > self.limit:  # too large: stop keeping it, go on counting
                    self._close()
                    received.discard()
                else:
                    chunk = data[start:end]
                    self._buffer.append(chunk)
                    self._buffered += len(chunk)
        elif self._part == "text":
            if len(self._text) + end - start > FIELD_LIMIT:
                raise ValueError(f"field {self._field!r} is longer than {FIELD_LIMIT} bytes")
            self._text += data[start:end]

    def _end(self) -> None:
        if self._part == "text" and self._field not in self.received.fields:
            self.received.fields[self._field] = self._text.decode("utf-8", errors="replace")
        self._part = None

    # the stream
    async def feed(self, chunk: bytes) -> None:
        if not self.broken:
            try:
                self.parser.write(chunk)
            except Exception:  # python-multipart raises several types for a broken body
                self.broken = True
                self._close()
                self.received.discard()
        if self._buffered >= FLUSH:
            await self._flush()

    async def finish(self) -> None:
        if not self.broken:
            try:
                self.parser.finalize()
            except Exception:
                self.broken = True
        await self._flush()
        self._close()
        if self.received.path is not None:
            self.received.digest = self._hash.hexdigest()

    async def _flush(self) -> None:
        data, self._buffer, self._buffered = b"".join(self._buffer), [], 0
        out = self._out
        if data and out is not None:
            def write() -> None:
                self._hash.update(data)
                out.write(data)

            await asyncio.to_thread(write)

    def _close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        self._buffer, self._buffered = [], 0

    def abort(self) -> None:
        self._close()
        self.received.discard()


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


async def drain(request: Request) -> None:
    """Read a body to its end without keeping it (a refused upload: the client then sees the answer)."""
    async for _ in _chunks(request):
        pass


async def _chunks(request: Request) -> Any:
    """The body's chunks, each within BODY_TIMEOUT of the previous one (a large upload may take long, a
    stalled one may not)."""
    stream = request.stream().__aiter__()
    while True:
        try:
            async with within(BODY_TIMEOUT):
                chunk = await stream.__anext__()
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise BodyTimeout(f"the request body stalled for more than {BODY_TIMEOUT:g} s") from None
        if chunk:
            yield chunk


class Videos:
    def __init__(self, engine: Engine, data_dir: Path | None, max_file_size_mb: float) -> None:
        self.engine = engine
        self.root = data_dir / "clipzy" if data_dir is not None else None  # None: --in-memory
        self.limit_mb = max_file_size_mb
        self.limit = int(max_file_size_mb * MB)

    async def receive(self, request: Request) -> Received:
        """Read the whole multipart body (a refused upload is still read to its end, so the client sees the
        answer rather than a broken pipe). Raises MissingFile or MalformedBody; the caller discards the
        result's file if it does not accept it."""
        ctype = request.headers.get("content-type", "")
        if not ctype.lower().startswith("multipart/form-data"):
            await drain(request)
            raise MissingFile()  # FastAPI: a body without its `file` part
        from python_multipart.multipart import parse_options_header

        boundary = parse_options_header(ctype)[1].get(b"boundary")
        if not boundary:
            await drain(request)
            raise MalformedBody("multipart/form-data without a boundary")
        directory = self.root / "incoming" if self.root is not None else None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
        reader = _Reader(boundary, directory, self.limit)
        try:
            async for chunk in _chunks(request):
                await reader.feed(chunk)
            await reader.finish()
        except BaseException:  # a client that left, a stalled body: nothing is kept
            reader.abort()
            raise
        if reader.broken:
            reader.abort()
            raise MalformedBody("the multipart body is malformed")
        return reader.received

    def check(self, received: Received) -> None:
        """The docs' upload errors, in the real code's order: the file part, its extension, its size."""
        if not received.has_file:
            raise MissingFile()
        if received.format not in FORMATS:
            raise UnsupportedFormat(received.format)
        if received.size > self.limit:
            raise FileTooLarge(math.ceil(received.size / MB), self.limit_mb)

    async def accept(self, received: Received, *, template_video_id: str | None,
                     webhook_url: str | None) -> dict[str, Any]:
        """Store the checked upload as a video; its VideoInfo."""
        assert received.filename is not None
        probed = await asyncio.to_thread(probe_file, received.path) if received.path is not None else None
        video_id = self.engine.ids.next(VIDEO, prefixed("vid_"))
        path = None
        if self.root is None:
            received.discard()  # --in-memory: only the size and the probe are kept
        elif received.path is not None:
            final = self.root / "videos" / video_id / _safe_name(received.filename, received.format)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(received.path, final)
            received.path, path = None, str(final)
        filename = received.filename
        info = {
            "video_id": video_id,
            "filename": filename,
            "file_size_bytes": received.size,
            "metadata": metadata(self.engine.seed, received, probed),
            "uploaded_at": self.engine.clock.iso(self.engine.clock.now()),
            "storage_url": storage_url(video_id, filename),
        }
        await self.engine.store.put_record(VIDEO, video_id, pack(info, template_video_id, webhook_url, path))
        return info

    async def get(self, video_id: str) -> dict[str, Any] | None:
        """The video's record: {"info": VideoInfo, "template_video_id", "webhook_url", "path"}."""
        record = await self.engine.store.get_record(VIDEO, video_id)
        return None if record is None else unpack(video_id, record)

    async def forget_files(self) -> None:
        """After POST /_emulator/reset: the uploaded bytes go with their records."""
        if self.root is not None:
            await asyncio.to_thread(shutil.rmtree, self.root, True)


def _safe_name(filename: str, fmt: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", basename(filename)).lstrip(".")[:200]
    return name if extension(name) == fmt else f"video.{fmt}"


def metadata(seed: int | None, received: Received, probed: dict[str, Any] | None) -> dict[str, Any]:
    """VideoMetadata: the probe's facts where it found them, derived ones for the rest."""
    facts = {**derived(seed, received), **(probed or {})}
    duration = float(facts["duration_s"])
    codec = str(facts.get("video_codec") or ("vp9" if received.format == "webm" else "h264"))
    return {
        "width": int(facts["x_pixels"]),
        "height": int(facts["y_pixels"]),
        "duration_seconds": round(duration, 3),
        "frame_rate": float(facts["fps"]),
        "codec": CODECS.get(codec, codec),
        "bitrate_kbps": round(received.size * 8 / duration / 1000) if duration > 0 else 0,
        "format": received.format,
    }


def derived(seed: int | None, received: Received) -> dict[str, Any]:
    """Facts for bytes that are not media a probe reads: the same for the same seed, name and content."""
    key = f"clipzy-media:{seed}:{received.filename}:{received.size}:{received.digest}"
    rnd = random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))
    width, height = rnd.choice(RESOLUTIONS)
    return {"duration_s": round(rnd.uniform(*DERIVED_DURATION), 3), "fps": rnd.choice(FRAME_RATES),
            "x_pixels": width, "y_pixels": height}
