"""A transcription job's result: attributes.result (JSON) and GET /v1/transcriptions/{id}/result in the format
asked (application/json, text/srt, text/vtt)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...media import subtitles
from ...media.speech import Segment
from .video import Video, spoken_language

CONTENT_TYPES = {"json": "application/json", "srt": "text/srt; charset=utf-8", "vtt": "text/vtt; charset=utf-8"}


@dataclass
class Transcript:
    format: str  # json | srt | vtt
    duration: float
    language: str
    segments: list[dict[str, Any]]  # start, end, text, confidence (+ speaker_id with diarization)
    timestamps: bool

    def result(self) -> dict[str, Any]:
        """attributes.result, and the JSON result: segments when timestamps were asked (the default), the
        plain text otherwise."""
        out: dict[str, Any] = {"format": self.format, "duration": self.duration, "language": self.language}
        if self.timestamps:
            out["segments"] = self.segments
        else:
            out["text"] = " ".join(s["text"] for s in self.segments)
        return out

    def srt(self) -> str:
        return subtitles.srt([(s["start"], s["end"], s["text"]) for s in self.segments])

    def vtt(self) -> str:
        voices = ([f"Speaker {s['speaker_id']}" for s in self.segments]
                  if self.segments and "speaker_id" in self.segments[0] else None)
        return subtitles.vtt([(s["start"], s["end"], s["text"]) for s in self.segments], voices)

    def document(self) -> tuple[str, bytes]:
        """(content type, body) of GET .../result."""
        if self.format == "srt":
            body = self.srt()
        elif self.format == "vtt":
            body = self.vtt()
        else:
            body = json.dumps(self.result(), ensure_ascii=False, separators=(",", ":"))
        return CONTENT_TYPES[self.format], body.encode()


def confidence(seg: Segment) -> float:
    """The mean of its timed words' confidences (punctuation is not timed)."""
    words = seg.confidences
    if words is None:
        words = [c for word, _, _, c in seg.words if word[:1].isalnum()]
    return round(sum(words) / len(words), 3) if words else 1.0


def transcription(seed: int | None, attributes: dict[str, Any], provider: str,
                  facts: dict[str, Any] | None = None) -> Transcript:
    """attributes: the job's create attributes (input, options); facts: the media's (Video)."""
    source, options = attributes.get("input") or {}, attributes.get("options") or {}
    url = source.get("url", "")
    video = Video(seed, url, facts, int(source.get("audio_track") or 0), visual=source.get("type") != "audio")
    language = spoken_language(options.get("language"), provider, url)
    diarization = options.get("diarization") is True
    segments = []
    for seg in video.speech(language, words=False):
        item: dict[str, Any] = {"start": seg.ss, "end": seg.se, "text": seg.text, "confidence": confidence(seg)}
        if diarization:
            item["speaker_id"] = int(seg.speaker) - 1
        segments.append(item)
    return Transcript(options.get("format") or "json", video.duration, language, segments,
                      options.get("timestamps", True) is not False)
