"""SubRip and WebVTT text from timed cues, lines wrapped at a broadcast width."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

LINE = 42  # characters per subtitle line, a common broadcast limit
Cue = tuple[float, float, str]


def clock(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def lines(text: str) -> list[str]:
    return textwrap.wrap(text, LINE, break_on_hyphens=False, break_long_words=False) or [text]


def srt(cues: Sequence[Cue]) -> str:
    return "".join(f"{i}\n{clock(s, ',')} --> {clock(e, ',')}\n" + "\n".join(lines(t)) + "\n\n"
                   for i, (s, e, t) in enumerate(cues, 1))


def vtt(cues: Sequence[Cue], voices: Sequence[str | None] | None = None) -> str:
    """voices: a speaker name per cue (a <v> tag on its first line), or None."""
    out = ["WEBVTT\n\n"]
    for i, (s, e, t) in enumerate(cues, 1):
        text = "\n".join(lines(t))
        voice = voices[i - 1] if voices else None
        out.append(f"{i}\n{clock(s, '.')} --> {clock(e, '.')}\n" + (f"<v {voice}>{text}" if voice else text)
                   + "\n\n")
    return "".join(out)
