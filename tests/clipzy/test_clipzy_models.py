"""Clipzy's pydantic models (emulator/services/clipzy/models.py), and their agreement with openapi.json."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from clipzy.support import document, errors
from pydantic import BaseModel, ValidationError

from emulator.services.clipzy import models
from emulator.services.clipzy.models import JobCreateRequest, StyleJSON

CANONICAL = {  # the docs' and the code's example (it lacks use_subtitles, which the docs mark required)
    "version": "1.0",
    "color_grade": {"temperature": 10, "tint": 5, "saturation": 20, "contrast": 15, "highlights": 10, "shadows": -5},
    "aspect_ratio": "16:9", "frame_rate": 30,
    "audio_style": {"normalization_level": 0.85, "compression_ratio": 4.0, "bass_boost": 20, "enhance_speech": True},
    "cut_frequency": 3.5, "motion_intensity": 65, "zoom_usage": 30,
    "primary_transition": {"type": "fade", "duration_ms": 300, "easing": "ease-in-out"},
    "detected_beats": [{"timestamp_ms": 0, "confidence": 0.95, "frequency": "bass"}],
    "tempo_bpm": 120.0, "music_genre": "pop", "created_at": "2024-04-05T10:30:00Z",
    "source_duration_seconds": 60.0, "extraction_confidence": 0.92,
}
PAIRS = {  # model -> its schema in openapi.json
    models.ColorGrade: "ColorGrade",
    models.AudioStyle: "AudioStyle",
    models.TransitionStyle: "TransitionStyle",
    models.TextOverlay: "TextOverlay",
    models.DetectedBeat: "DetectedBeat",
    StyleJSON: "StyleJSON",
    JobCreateRequest: "JobCreateRequest",
}
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const", "pattern", "minLength")


def test_job_create_request() -> None:
    r = JobCreateRequest.model_validate({"video_id": "vid_0123456789ab", "unknown": 1})
    assert r.model_dump() == {"video_id": "vid_0123456789ab", "template_video_id": None, "config": {},
                              "webhook_url": None}
    full = {"video_id": "vid_0123456789ab", "template_video_id": "vid_ba9876543210", "config": {"quality": "low"},
            "webhook_url": "http://127.0.0.1:9999/hook"}
    assert JobCreateRequest.model_validate(full).model_dump() == full
    assert JobCreateRequest.model_validate({"video_id": "v", "config": None}).config is None
    for bad in ({}, {"video_id": None}, {"video_id": 12}, {"video_id": "v", "config": []},
                {"video_id": "v", "webhook_url": 5}):
        with pytest.raises(ValidationError):
            JobCreateRequest.model_validate(bad)


def test_style_json_canonical_example() -> None:
    with pytest.raises(ValidationError, match="use_subtitles"):
        StyleJSON.model_validate(CANONICAL)
    style = StyleJSON.model_validate({**CANONICAL, "use_subtitles": False})
    assert style.secondary_transition is None and style.text_overlays == []
    assert errors("StyleJSON", style.model_dump()) == []


@pytest.mark.parametrize(("path", "value"), [
    (("color_grade", "temperature"), 100.5), (("color_grade", "shadows"), -101), (("aspect_ratio",), "4:3"),
    (("frame_rate",), 25), (("audio_style", "normalization_level"), 1.1), (("audio_style", "bass_boost"), -1),
    (("audio_style", "compression_ratio"), 0.5), (("motion_intensity",), 100.1), (("zoom_usage",), -0.1),
    (("cut_frequency",), -1), (("primary_transition", "easing"), "bounce"), (("primary_transition", "type"), ""),
    (("primary_transition", "duration_ms"), -5), (("detected_beats", 0, "frequency"), "sub"),
    (("detected_beats", 0, "confidence"), 1.5), (("tempo_bpm",), 0), (("created_at",), "2024-04-05 10:30"),
    (("extraction_confidence",), 1.01), (("version",), "2.0"), (("source_duration_seconds",), -1),
    (("surprise",), 1), (("color_grade", "vibrance"), 3),
])
def test_out_of_range_rejected_by_model_and_schema(path: tuple[Any, ...], value: Any) -> None:
    doc = copy.deepcopy({**CANONICAL, "use_subtitles": True})
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValidationError):
        StyleJSON.model_validate(doc)
    assert errors("StyleJSON", doc)


def _bounds(schema: dict[str, Any]) -> dict[str, Any]:
    """The constraints of a property, looking through anyOf/oneOf [X, null]."""
    out = {k: schema[k] for k in BOUNDS if k in schema}
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        out.update({k: branch[k] for k in BOUNDS if k in branch})
    return out


@pytest.mark.parametrize("model", list(PAIRS), ids=lambda m: m.__name__)
def test_models_agree_with_the_openapi_schemas(model: type[BaseModel]) -> None:
    mine = model.model_json_schema()
    theirs = document()["components"]["schemas"][PAIRS[model]]
    assert set(mine["properties"]) == set(theirs["properties"])
    assert set(mine.get("required", [])) <= set(theirs["required"])
    for name, prop in mine["properties"].items():
        if "$ref" in prop or "items" in prop or any("$ref" in b for b in prop.get("anyOf", [])):
            continue  # nested models are compared on their own
        assert _bounds(prop) == _bounds(theirs["properties"][name]), name
    if model is not JobCreateRequest:
        assert theirs["additionalProperties"] is False and mine.get("additionalProperties") is False
