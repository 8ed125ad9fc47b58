"""The customer's SRT transcript (media.transcript.url): fetched when it is on this machine, parsed strictly so a
broken file fails the job with a message that says where it is broken."""

from __future__ import annotations

import asyncio
import re

from ....engine import Job
from ..facts import ValossaFacts
from .sources import SourceError, read, readable

MAX_BYTES = 5 * 1024 * 1024  # docs: SRT transcript up to 5 MB
TIMING = re.compile(
    r"^\s*(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{1,3})\s*-->\s*(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{1,3})(\s.*)?$"
)
Cue = tuple[float, float, str]


class TranscriptError(ValueError):
    pass


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def parse_srt(data: bytes) -> list[Cue]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"not UTF-8 text (byte {exc.start})") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cues: list[Cue] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        number = i + 1
        if not lines[i].strip().isdigit():
            raise TranscriptError(f"line {number}: expected a cue number, got {lines[i].strip()[:40]!r}")
        if i + 1 >= len(lines) or not (m := TIMING.match(lines[i + 1])):
            got = lines[i + 1].strip()[:60] if i + 1 < len(lines) else "end of file"
            raise TranscriptError(f"line {number + 1}: expected a timing like 00:00:01,000 --> 00:00:02,500, "
                                  f"got {got!r}")
        start, end = _seconds(*m.group(1, 2, 3, 4)), _seconds(*m.group(5, 6, 7, 8))
        if end < start:
            raise TranscriptError(f"line {number + 1}: cue ends before it starts")
        i += 2
        body = []
        while i < len(lines) and lines[i].strip():
            body.append(lines[i].strip())
            i += 1
        if not body:
            raise TranscriptError(f"line {number}: cue {lines[number - 1].strip()} has no text")
        cues.append((round(start, 3), round(end, 3), " ".join(re.sub(r"<[^>]+>", "", b) for b in body)))
    if not cues:
        raise TranscriptError("no cues found")
    return sorted(cues, key=lambda c: c[0])


def load(url: str) -> list[Cue]:
    try:
        return parse_srt(read(url, MAX_BYTES))
    except SourceError as exc:
        raise TranscriptError(str(exc)) from None


async def prepare(job: Job) -> str | None:
    """Read the job's transcript into its facts; the error details if it cannot be used."""
    facts = ValossaFacts(job)
    url = ((job.request.get("media") or {}).get("transcript") or {}).get("url")
    if url is None or not readable(url) or facts.transcript is not None:
        return None
    try:
        cues = await asyncio.to_thread(load, url)
    except TranscriptError as exc:
        return f"Transcript could not be used: {exc}"
    facts.transcript = [list(c) for c in cues]
    return None
