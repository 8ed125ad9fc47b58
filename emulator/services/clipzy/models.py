"""Clipzy's request body and its StyleJSON ("Style DNA") as pydantic models.

Ranges are the docs' (api/schemas/style-json, concepts) where they give one; where they are silent the bound is
the least a sane value needs (nothing negative; a compression ratio of at least 1:1), and openapi.json carries the
same bounds (tests/clipzy/test_clipzy_models.py compares them). Required fields follow the docs; the optional
ones default as the real code does (app/schemas/style.py). StyleJSON and its parts forbid unknown keys, so a
generated document with a misspelt field fails validation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ISO_Z = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"
HEX_COLOR = r"^#[0-9A-Fa-f]{6}$"

AspectRatio = Literal["16:9", "9:16", "1:1"]
FrameRate = Literal[24, 30, 60]
Easing = Literal["linear", "ease-in", "ease-out", "ease-in-out"]
BeatBand = Literal["bass", "mid", "treble"]


class JobCreateRequest(BaseModel):
    """POST /api/v1/jobs. Unknown keys are ignored, as FastAPI does."""

    # defer_build: built by the first request that uses it, not at startup (docs/architecture.md, "Startup").
    model_config = ConfigDict(extra="ignore", defer_build=True)

    video_id: str = Field(description="The video_id returned by the upload")
    template_video_id: str | None = Field(None, description="A previously uploaded video to take the style from")
    config: dict[str, Any] | None = Field(default_factory=dict, description="Optional processing configuration")
    webhook_url: str | None = Field(None, description="POSTed when the job reaches completed, failed or cancelled")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ColorGrade(_Strict):
    temperature: float = Field(ge=-100, le=100, description="negative is cooler, 0 neutral")
    tint: float = Field(ge=-100, le=100, description="negative is greener, 0 neutral")
    saturation: float = Field(ge=-100, le=100)
    contrast: float = Field(ge=-100, le=100)
    highlights: float = Field(ge=-100, le=100)
    shadows: float = Field(ge=-100, le=100)


class AudioStyle(_Strict):
    normalization_level: float = Field(ge=0, le=1)
    compression_ratio: float = Field(ge=1, description="e.g. 4.0 for 4:1")
    bass_boost: float = Field(ge=0, le=100)
    enhance_speech: bool


class TransitionStyle(_Strict):
    type: str = Field(min_length=1, description="cut, fade, wipe, ...")
    duration_ms: int = Field(ge=0)
    easing: Easing


class TextOverlay(_Strict):
    content: str
    font: str
    size: int = Field(ge=1, description="pixels")
    color: str = Field(pattern=HEX_COLOR)
    position: str = Field(min_length=1, description="top-left, center, bottom-right, ...")
    duration_ms: int | None = Field(None, ge=0)


class DetectedBeat(_Strict):
    timestamp_ms: float = Field(ge=0)
    confidence: float = Field(ge=0, le=1)
    frequency: BeatBand


class StyleJSON(_Strict):
    version: Literal["1.0"] = "1.0"
    color_grade: ColorGrade
    aspect_ratio: AspectRatio
    frame_rate: FrameRate
    audio_style: AudioStyle
    cut_frequency: float = Field(ge=0, description="average cuts per minute")
    motion_intensity: float = Field(ge=0, le=100)
    zoom_usage: float = Field(ge=0, le=100)
    primary_transition: TransitionStyle
    secondary_transition: TransitionStyle | None = None
    text_overlays: list[TextOverlay] = Field(default_factory=list)
    use_subtitles: bool
    detected_beats: list[DetectedBeat] = Field(default_factory=list)
    tempo_bpm: float | None = Field(None, gt=0, description="null when there is no music")
    music_genre: str | None = None
    created_at: str = Field(pattern=ISO_Z)
    source_duration_seconds: float = Field(ge=0)
    extraction_confidence: float = Field(ge=0, le=1, description="below 0.5: unreliable")
