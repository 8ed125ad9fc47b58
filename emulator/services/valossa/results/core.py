"""build_core: the whole Core metadata document (format 1.8.1) for a job, from its request, its media facts and
its transcript, deterministic for a seed."""

from __future__ import annotations

import random
from typing import Any

from ...media.shots import make_shots
from ...media.speech import Segment, from_cues, generate
from ...media.vocabulary import faker_for
from ..facts import ValossaFacts
from . import recognition
from .context import Ctx, request_key
from .document import Doc
from .faces import add_face_groups, add_faces
from .groupings import by_detection_property, by_detection_type, by_frequency, by_second
from .ocr import add_text_regions
from .sources import readable
from .spoken import add_speech
from .topics import add_topics
from .transcript import TranscriptError, load
from .visual import add_audio_context, add_color, add_logos, add_visual_context

VERSION = {"metadata_type": "core", "metadata_format": "1.8.1", "backend": "3.1.1"}
CODECS = {
    "h264": "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10", "hevc": "H.265 / HEVC (High Efficiency Video Coding)",
    "vp9": "Google VP9", "av1": "Alliance for Open Media AV1", "aac": "AAC (Advanced Audio Coding)",
    "opus": "Opus (Opus Interactive Audio Codec)", "mp3": "MP3 (MPEG audio layer 3)",
}
FOURCC = {"avc1": "h264", "avc3": "h264", "hvc1": "hevc", "hev1": "hevc", "vp09": "vp9", "av01": "av1",
          "mp4a": "aac", "Opus": "opus"}


def echo(request: dict[str, Any]) -> dict[str, Any]:
    """job_info.request: the media and analysis parameters as the service stored them."""
    media = request.get("media") or {}
    echoed: dict[str, Any] = {
        "video": {"url": (media.get("video") or {}).get("url")},
        "transcript": {"url": (media.get("transcript") or {}).get("url")},
        "description": media.get("description"), "language": media.get("language", "en-US"),
        "title": media.get("title"),
    }
    if media.get("customer_media_info"):
        echoed["customer_media_info"] = media["customer_media_info"]
    out: dict[str, Any] = {"media": echoed}
    if request.get("analysis_parameters"):
        out["analysis_parameters"] = request["analysis_parameters"]
    return out


def _codec(name: str | None, bps: int) -> dict[str, Any]:
    short = FOURCC.get(name or "", name or "h264")
    return {"name_long": CODECS.get(short, short), "name_short": short, "bps": bps}


# A job's media where its facts are silent (nothing probed, no scenario media block).
MEDIA_DEFAULTS = {"x_pixels": 1920, "y_pixels": 1080, "video_codec": "h264", "audio_codec": "aac",
                  "n_audio_channels": 2}


def media_info(request: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    facts = {**MEDIA_DEFAULTS, **facts}
    x, y, fps = facts["x_pixels"], facts["y_pixels"], float(facts["fps"])
    media = request.get("media") or {}
    return {
        "technical": {
            "duration_s": float(facts["duration_s"]), "fps": fps, "resolution": {"x_pixels": x, "y_pixels": y},
            "video_codec": _codec(facts["video_codec"], int(x * y * fps * 0.07)),
            "audio_codec": _codec(facts["audio_codec"], 128000),
            "n_audio_channels": facts["n_audio_channels"],
        },
        "from_customer": {"title": media.get("title"), "description": media.get("description")},
    }


def _generated(ctx: Ctx) -> list[Segment]:
    rng = ctx.rng("speech")  # seeds ctx.fake too
    return generate(rng, ctx.fake, ctx.doc.duration, ctx.cast, ctx.things)


def _speech(ctx: Ctx, job: Any, cues: list[tuple[float, float, str]] | None) -> tuple[list[Any], bool]:
    """(segments, from a customer transcript?)."""
    url = (ctx.media.get("transcript") or {}).get("url")
    if url:
        stored: list[Any] | None = ValossaFacts(job).transcript
        if stored is None and readable(url):
            try:  # a job completed early never went through the transcript check
                stored = list(load(url))
            except TranscriptError:
                stored = None
        # An unreadable (remote) transcript is emulated: generated speech stands in for its cues.
        return (from_cues([tuple(c) for c in stored], ctx.doc.duration) if stored else _generated(ctx)), True
    return (from_cues(cues, ctx.doc.duration) if cues is not None else _generated(ctx)), False


def build_core(job: Any, seed: int | None, cues: list[tuple[float, float, str]] | None = None) -> dict[str, Any]:
    """cues: subtitles a fixture supplies; they become the speech (the service's own output)."""
    facts = job.media
    duration, fps = float(facts["duration_s"]), float(facts["fps"])
    key = request_key(seed, job.request)
    shots = make_shots(random.Random(f"{key}:shots"), duration, fps)
    ctx = Ctx(Doc(duration, fps, shots), key, job.request, faker_for(job.request.get("media", {}).get("language")))
    ctx.gallery = recognition.gallery(job)
    add_faces(ctx)
    add_face_groups(ctx)
    add_visual_context(ctx)
    add_logos(ctx)
    add_text_regions(ctx)
    add_color(ctx)
    add_audio_context(ctx)
    segments, transcript = _speech(ctx, job, cues)
    add_speech(ctx, segments, transcript)
    add_topics(ctx, ["visual", "transcript" if transcript else "speech"])
    detections = ctx.doc.detections
    order = by_detection_type(detections)
    return {
        "version_info": dict(VERSION),
        "job_info": {"job_id": job.id, "request": echo(job.request)},
        "media_info": media_info(job.request, facts),
        "detections": detections,
        "detection_groupings": {
            "by_detection_property": by_detection_property(detections),
            "by_detection_type": order,
            "by_frequency": by_frequency(detections, order),
            "by_second": by_second(detections, order, duration, shots, key),
        },
        "segmentations": {"detected_shots": shots},
    }
