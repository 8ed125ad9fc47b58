"""The StyleJSON ("Style DNA") a completed job carries: every field of the schema, in range, the same for the same
seed and video.

With a template the style is the template's ("the engine extracts style parameters from this video and applies
them to the source"): it is derived from the template's id and facts alone, so two jobs with the same template
get the same style whatever their source. Without one, the real worker takes the source video as its own
template (app/workers/tasks.py), and so does this.

A video here is the upload's data object: {"video_id", "metadata": {"width", "height", "duration_seconds",
"frame_rate", ...}, "uploaded_at", ...}; missing facts fall back to the docs' example (1920x1080, 30 fps, 60 s).
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

GENRES = {  # genre: tempo range (BPM)
    "pop": (100, 130), "hip-hop": (80, 100), "ambient": (60, 90), "cinematic": (70, 110),
    "electronic": (118, 135), "rock": (110, 150), "lo-fi": (70, 90), "acoustic": (80, 120),
}
TRANSITIONS = ("cut", "fade", "dissolve", "wipe", "slide", "zoom")
EASINGS = ("linear", "ease-in", "ease-out", "ease-in-out")
FONTS = ("Inter", "Montserrat", "Roboto", "Bebas Neue", "Open Sans")
POSITIONS = ("top-left", "top-center", "top-right", "center", "bottom-left", "bottom-center", "bottom-right")
CAPTIONS = ("Subscribe for more", "Part 1", "Wait for it...", "Behind the scenes", "Link in bio", "Day in my life")
MAX_BEATS = 16  # the real extractor keeps the first few beats only (5 in app/pipelines/style_extraction.py)
SHORT_TEMPLATE_S = 30  # the docs recommend templates of at least 30 s; shorter ones extract less reliably


def style_json(seed: int | None, video: dict[str, Any], template: dict[str, Any] | None = None, *,
               created_at: str | None = None) -> dict[str, Any]:
    """The StyleJSON of a job on `video` (with `template` when the job has one). created_at: when extraction
    finished (ISO 8601 with Z); by default the analysed video's uploaded_at."""
    source = template or video
    facts = _facts(source)
    key = f"clipzy-style:{seed}:{source.get('video_id')}:{facts['duration']}:{facts['width']}x{facts['height']}:" \
          f"{facts['fps']}"
    rnd = random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))

    has_music = rnd.random() < 0.8
    has_speech = rnd.random() < 0.6
    genre = rnd.choice(sorted(GENRES)) if has_music else None
    tempo = round(rnd.uniform(*GENRES[genre]), 1) if genre else None
    motion = round(rnd.uniform(5, 95), 1)
    primary = _transition(rnd, rnd.choice(("cut", "cut", "fade", "fade", "dissolve", "wipe", "slide", "zoom")))
    secondary = None
    if rnd.random() < 0.5:
        secondary = _transition(rnd, rnd.choice([t for t in TRANSITIONS if t != primary["type"]]))
    short = facts["duration"] < SHORT_TEMPLATE_S
    return {
        "version": "1.0",
        "color_grade": {
            "temperature": round(rnd.uniform(-30, 30), 1),
            "tint": round(rnd.uniform(-15, 15), 1),
            "saturation": round(rnd.uniform(-20, 35), 1),
            "contrast": round(rnd.uniform(-10, 35), 1),
            "highlights": round(rnd.uniform(-25, 20), 1),
            "shadows": round(rnd.uniform(-25, 20), 1),
        },
        "aspect_ratio": _aspect_ratio(facts["width"], facts["height"]),
        "frame_rate": _frame_rate(facts["fps"]),
        "audio_style": {
            "normalization_level": round(rnd.uniform(0.6, 0.95), 2),
            "compression_ratio": rnd.choice((2.0, 2.5, 3.0, 4.0, 4.0, 6.0, 8.0)),
            "bass_boost": round(rnd.uniform(0, 60), 1) if has_music else 0.0,
            "enhance_speech": has_speech,
        },
        # Busier footage is cut faster: 2 to 30 cuts a minute.
        "cut_frequency": round(2 + (motion / 100) * rnd.uniform(6, 28), 1),
        "motion_intensity": motion,
        "zoom_usage": round(rnd.uniform(0, 70), 1),
        "primary_transition": primary,
        "secondary_transition": secondary,
        "text_overlays": [_overlay(rnd) for _ in range(rnd.choice((0, 0, 1, 2)))],
        "use_subtitles": has_speech,  # the real extractor: audio_analysis["has_speech"]
        "detected_beats": _beats(rnd, tempo, facts["duration"]) if tempo else [],
        "tempo_bpm": tempo,
        "music_genre": genre,
        "created_at": created_at or source.get("uploaded_at") or "1970-01-01T00:00:00Z",
        "source_duration_seconds": round(facts["duration"], 3),
        "extraction_confidence": round(rnd.uniform(0.45, 0.7) if short else rnd.uniform(0.62, 0.97), 2),
    }


def _facts(video: dict[str, Any]) -> dict[str, Any]:
    meta = video.get("metadata") or {}
    return {
        "duration": float(meta.get("duration_seconds") or 60.0),
        "width": int(meta.get("width") or 1920),
        "height": int(meta.get("height") or 1080),
        "fps": float(meta.get("frame_rate") or 30.0),
    }


def _aspect_ratio(width: int, height: int) -> str:
    ratio = width / height if height else 16 / 9
    return "16:9" if ratio > 1.15 else "9:16" if ratio < 0.87 else "1:1"


def _frame_rate(fps: float) -> int:
    """The nearest target rate the schema allows (24, 30 or 60): 23.976 and 25 become 24, 29.97 30, 50 60."""
    return 24 if fps < 27 else 30 if fps < 45 else 60


def _transition(rnd: random.Random, kind: str) -> dict[str, Any]:
    if kind == "cut":
        return {"type": "cut", "duration_ms": 0, "easing": "linear"}
    return {"type": kind, "duration_ms": rnd.randrange(150, 801, 10), "easing": rnd.choice(EASINGS)}


def _overlay(rnd: random.Random) -> dict[str, Any]:
    return {
        "content": rnd.choice(CAPTIONS),
        "font": rnd.choice(FONTS),
        "size": rnd.randrange(24, 97, 2),
        "color": "#" + "".join(rnd.choice("0123456789ABCDEF") for _ in range(6)),
        "position": rnd.choice(POSITIONS),
        "duration_ms": rnd.choice((None, rnd.randrange(1500, 5001, 100))),
    }


def _beats(rnd: random.Random, tempo: float, duration_s: float) -> list[dict[str, Any]]:
    """The first beats of the music: one every 60/tempo seconds from a random phase, bass on the downbeats."""
    interval = 60000 / tempo
    at = rnd.uniform(0, interval)
    beats = []
    for i in range(MAX_BEATS):
        if at >= duration_s * 1000:
            break
        band = "bass" if i % 2 == 0 else rnd.choice(("mid", "mid", "treble"))
        beats.append({"timestamp_ms": round(at, 1), "confidence": round(rnd.uniform(0.6, 0.99), 2),
                      "frequency": band})
        at += interval
    return beats
