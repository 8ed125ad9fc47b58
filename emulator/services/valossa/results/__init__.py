"""job_results: the core document (generated, or canned from a fixture) and every other type derived from it,
rendered once per job and kept, so polling job_results costs nothing extra. A first render can take a few hundred
ms for a long video, so the route runs it in a worker thread (`cached` first, on the loop): the caches are
guarded by a lock for that."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .captions import visual_captions
from .context import request_key
from .core import build_core, echo
from .fixtures import FixtureError, Fixtures, check, load_core, read
from .frames import FORMATS as FRAME_FORMATS
from .frames import NEEDS
from .subtitles import FORMATS as SUBTITLE_FORMATS
from .subtitles import segments
from .transcript import TranscriptError, parse_srt

__all__ = ["RESULT_TYPES", "Results", "ResultsError", "build_core"]

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


class ResultsError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _missing(result_type: str, what: str) -> ResultsError:
    return ResultsError(400, f"No results of type {result_type} for this job: {what}")


class Results:
    def __init__(self, seed: int | None, fixtures_dir: Path | None = None, keep: int = 64) -> None:
        self.seed = seed
        self.fixtures = Fixtures(fixtures_dir, RESULT_TYPES)
        self.keep = keep
        self._cores: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._bodies: OrderedDict[tuple[str, str, str], tuple[str, bytes]] = OrderedDict()
        self._lock = threading.Lock()  # render() runs in worker threads; forget() on the event loop

    def forget(self, job_id: str) -> None:
        with self._lock:
            for key in [k for k in self._cores if k[0] == job_id]:
                del self._cores[key]
            for body in [k for k in self._bodies if k[0] == job_id]:
                del self._bodies[body]

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
            with self._lock:
                self._bodies[key] = body
                while len(self._bodies) > self.keep:
                    self._bodies.popitem(last=False)
        return body

    def core(self, job: Any) -> dict[str, Any]:
        key = (job.id, request_key(self.seed, job.request))
        with self._lock:
            core = self._cores.get(key)
        if core is None:
            core = self._build(job)
            with self._lock:
                self._cores[key] = core
                while len(self._cores) > max(4, self.keep // 8):  # cores are large; their bodies stay cached
                    self._cores.popitem(last=False)
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
        files, unavailable = self._files(job)
        if result_type in unavailable:
            raise _missing(result_type, "the scenario makes it unavailable")
        if result_type in files and result_type != "core":
            return TEXT_TYPES.get(result_type, JSON), read(files[result_type])
        core = self.core(job)
        if result_type == "core":
            return JSON, _json(core)
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
