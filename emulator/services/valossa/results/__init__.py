"""job_results: the core document (generated, or canned from a fixture) and every other type derived from it,
rendered once per job and kept, so polling job_results costs nothing extra. A first render can take a few hundred
ms for a long video, so the route runs it in a worker thread (`cached` first, on the loop): the caches are
guarded by a lock for that.

What is kept is bounded in bytes, not only in entries: a core document of 10 min of media is ~1 MB of JSON but
~8 MB as Python objects. So the core is kept as its JSON body only, and a type derived from it parses that
(~10-40 ms, against 0.1-0.5 s to build it again); kept bodies stop at KEEP_BYTES."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .context import request_key
from .fixtures import FixtureError, Fixtures, check, load_core, read
from .transcript import TranscriptError, parse_srt

# The generators and renderers (core, subtitles, frames, captions: ~50 ms of imports) are imported by the first
# job_results that needs them, not at startup (docs/architecture.md, "Startup").
__all__ = ["RESULT_TYPES", "Results", "ResultsError"]

RESULT_TYPES = (
    "core", "frames_faces", "seconds_objects", "frames_objects", "speech_to_text_srt",
    "speech_to_text_vtt", "speech_to_text_ttml", "speech_to_text_avid_txt", "visual_captions",
)
TEXT_TYPES = {
    "speech_to_text_srt": "text/plain; charset=utf-8",
    "speech_to_text_vtt": "text/vtt; charset=utf-8",
    "speech_to_text_ttml": "text/xml; charset=utf-8",
    "speech_to_text_avid_txt": "text/plain; charset=utf-8",
}
JSON = "application/json"
KEEP_BYTES = 16 * 2**20  # rendered bodies kept, at most (the newest one always)


class ResultsError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _missing(result_type: str, what: str) -> ResultsError:
    return ResultsError(400, f"No results of type {result_type} for this job: {what}")


class Results:
    def __init__(self, seed: int | None, fixtures_dir: Path | None = None, keep: int = 64,
                 keep_bytes: int | None = None) -> None:
        self.seed = seed
        self.fixtures = Fixtures(fixtures_dir, RESULT_TYPES)
        self.keep, self.keep_bytes = keep, KEEP_BYTES if keep_bytes is None else keep_bytes
        self._bodies: OrderedDict[tuple[str, str, str], tuple[str, bytes]] = OrderedDict()
        self._kept = 0  # bytes of the bodies in _bodies
        self._lock = threading.Lock()  # render() runs in worker threads; forget() on the event loop

    def forget(self, job_id: str) -> None:
        with self._lock:
            for key in [k for k in self._bodies if k[0] == job_id]:
                self._kept -= len(self._bodies.pop(key)[1])

    def kept(self) -> tuple[int, int]:
        """(bodies, bytes) kept."""
        with self._lock:
            return len(self._bodies), self._kept

    def cached(self, job: Any, result_type: str) -> tuple[str, bytes] | None:
        """The rendered body if it is kept: cheap, so the route asks this before sending render() to a thread."""
        with self._lock:
            return self._bodies.get((job.id, request_key(self.seed, job.request), result_type))

    def render(self, job: Any, result_type: str) -> tuple[str, bytes]:
        """(content type, body). Raises ResultsError when the job has no such data or a fixture is broken."""
        key = (job.id, request_key(self.seed, job.request), result_type)
        with self._lock:
            body = self._bodies.get(key)
        if body is None:
            try:
                body = self._render(job, result_type)
            except FixtureError as exc:
                raise ResultsError(500, f"Canned results are broken: {exc}") from None
            self._keep(key, body)
        return body

    def _keep(self, key: tuple[str, str, str], body: tuple[str, bytes]) -> None:
        with self._lock:
            old = self._bodies.pop(key, None)
            if old is not None:
                self._kept -= len(old[1])
            self._bodies[key] = body
            self._kept += len(body[1])
            while len(self._bodies) > 1 and (len(self._bodies) > self.keep or self._kept > self.keep_bytes):
                self._kept -= len(self._bodies.popitem(last=False)[1][1])

    def core(self, job: Any) -> dict[str, Any]:
        """The core document as a new dict: parsed from its kept body, else built (and its body kept)."""
        key = (job.id, request_key(self.seed, job.request), "core")
        with self._lock:
            body = self._bodies.get(key)
        if body is not None:
            core: dict[str, Any] = json.loads(body[1])
            return core
        core = self._build(job)
        self._keep(key, (JSON, _json(core)))
        return core

    def _files(self, job: Any) -> tuple[dict[str, Path], list[str]]:
        """Canned files for the job (its scenario's `results`, else the mapping) and types it must not have."""
        options = dict(job.options or {})
        unavailable = list(options.pop("unavailable", []) or [])
        options.pop("recognize", None)  # a generator option (recognition.py), not a file
        if options:
            check(options, RESULT_TYPES, "scenario results")
            return {k: Path(v).resolve() for k, v in options.items()}, unavailable
        url = job.request.get("media", {}).get("video", {}).get("url", "")
        return self.fixtures.match(url) or {}, unavailable

    def _build(self, job: Any) -> dict[str, Any]:
        from .core import build_core, echo

        files, _ = self._files(job)
        if "core" in files:
            return load_core(files["core"], job.id, echo(job.request))
        cues = None
        if "speech_to_text_srt" in files:
            try:
                cues = parse_srt(read(files["speech_to_text_srt"]))
            except TranscriptError as exc:
                raise FixtureError(f"{files['speech_to_text_srt']}: {exc}") from None
        return build_core(job, self.seed, cues)

    def _render(self, job: Any, result_type: str) -> tuple[str, bytes]:
        from .captions import visual_captions
        from .frames import FORMATS as FRAME_FORMATS
        from .frames import NEEDS
        from .subtitles import FORMATS as SUBTITLE_FORMATS
        from .subtitles import segments

        files, unavailable = self._files(job)
        if result_type in unavailable:
            raise _missing(result_type, "the scenario makes it unavailable")
        if result_type in files and result_type != "core":
            return TEXT_TYPES.get(result_type, JSON), read(files[result_type])
        if result_type == "core":
            return JSON, _json(self._build(job))  # render() keeps it
        core = self.core(job)
        if result_type in SUBTITLE_FORMATS:
            segs = segments(core)
            if not segs:
                raise _missing(result_type, "no speech was detected")
            fps = float(core.get("media_info", {}).get("technical", {}).get("fps") or 25)
            lang = (core.get("job_info", {}).get("request", {}).get("media") or {}).get("language") or "en-US"
            return TEXT_TYPES[result_type], SUBTITLE_FORMATS[result_type](segs, fps, lang).encode()
        if result_type in FRAME_FORMATS:
            t, what = NEEDS[result_type]
            if not core.get("detection_groupings", {}).get("by_detection_type", {}).get(t):
                raise _missing(result_type, f"no {what} were detected")
            return JSON, _json(FRAME_FORMATS[result_type](core))
        if not core.get("segmentations", {}).get("detected_shots"):
            raise _missing(result_type, "no shots were detected")
        return JSON, _json(visual_captions(core))


def _json(body: Any) -> bytes:
    # Like the real API: no line breaks or indentation.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
