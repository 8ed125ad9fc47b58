"""speech_to_text_srt / _vtt / _ttml / _avid_txt: the speech segments of a core document, the same text and
times in every format."""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape

from ...media import subtitles
from ...media.subtitles import clock, lines

SPEECH_TYPES = ("audio.speech", "transcript.speech")


def segments(core: dict[str, Any]) -> list[tuple[float, float, str]]:
    detections = core.get("detections", {})
    out = [(o["ss"], o["se"], det["label"]) for det in detections.values() if det.get("t") in SPEECH_TYPES
           for o in det.get("occs", [])]
    return sorted(out, key=lambda s: s[0])


def srt(segs: list[tuple[float, float, str]], fps: float, lang: str) -> str:
    return subtitles.srt(segs)


def vtt(segs: list[tuple[float, float, str]], fps: float, lang: str) -> str:
    return subtitles.vtt(segs)


def ttml(segs: list[tuple[float, float, str]], fps: float, lang: str) -> str:
    cues = "".join(f'      <p xml:id="s{i}" begin="{clock(s, ".")}" end="{clock(e, ".")}">'
                   + "<br/>".join(escape(line) for line in lines(t)) + "</p>\n"
                   for i, (s, e, t) in enumerate(segs, 1))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" '
            f'ttp:timeBase="media" xml:lang="{escape(lang)}">\n  <body>\n    <div>\n'
            + cues + "    </div>\n  </body>\n</tt>\n")


def _timecode(seconds: float, fps: float) -> str:
    """HH:MM:SS:FF at the nominal (integer) frame rate, as Avid uses it."""
    nominal = max(1, round(fps))
    frames = math.floor(round(seconds * nominal, 6))
    s, ff = divmod(frames, nominal)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{ff:02d}"


def avid_txt(segs: list[tuple[float, float, str]], fps: float, lang: str) -> str:
    body = "".join(f"{_timecode(s, fps)} {_timecode(e, fps)}\n" + "\n".join(lines(t)) + "\n\n" for s, e, t in segs)
    return "@ This file written with the Avid Caption plugin, version 1\n\n<begin subtitles>\n\n" + body + \
        "<end subtitles>\n"


FORMATS = {"speech_to_text_srt": srt, "speech_to_text_vtt": vtt, "speech_to_text_ttml": ttml,
           "speech_to_text_avid_txt": avid_txt}
