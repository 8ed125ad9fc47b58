"""The StyleJSON a job carries (emulator/services/clipzy/stylejson.py): complete, in range, deterministic, and the
template's when there is one."""

from __future__ import annotations

import pytest
from clipzy.support import errors, video

from emulator.services.clipzy.models import StyleJSON
from emulator.services.clipzy.stylejson import style_json

FIELDS = set(StyleJSON.model_fields)


def _valid(style: dict) -> None:
    StyleJSON.model_validate(style)
    assert errors("StyleJSON", style) == []
    assert set(style) == FIELDS  # every field, always (optional ones as null or [])


def test_every_field_in_range_over_many_videos() -> None:
    seen_music = seen_silence = seen_overlays = seen_secondary = 0
    for n in range(300):
        v = video(f"vid_{n:012x}", duration=(n * 7.3) % 900 + 1, width=(1920, 1080, 1080)[n % 3],
                  height=(1080, 1920, 1080)[n % 3], fps=(23.976, 25, 29.97, 30, 50, 60)[n % 6])
        style = style_json(n % 5 or None, v)
        _valid(style)
        seen_music += style["tempo_bpm"] is not None
        seen_silence += style["tempo_bpm"] is None
        seen_overlays += bool(style["text_overlays"])
        seen_secondary += style["secondary_transition"] is not None
        if style["tempo_bpm"] is None:
            assert style["music_genre"] is None and style["detected_beats"] == []
        else:
            stamps = [b["timestamp_ms"] for b in style["detected_beats"]]
            assert stamps == sorted(stamps) and all(t < v["metadata"]["duration_seconds"] * 1000 for t in stamps)
        assert style["use_subtitles"] == style["audio_style"]["enhance_speech"]
        assert style["source_duration_seconds"] == round(v["metadata"]["duration_seconds"], 3)
    assert min(seen_music, seen_silence, seen_overlays, seen_secondary) > 20  # every branch is exercised


def test_deterministic_per_seed_and_video() -> None:
    v = video()
    assert style_json(1, v) == style_json(1, v)
    assert style_json(None, v) == style_json(None, v)
    assert style_json(1, v) != style_json(2, v)
    assert style_json(1, v) != style_json(1, video("vid_ba9876543210"))
    # the same facts under another upload time: the same style, with the given extraction time
    later = video(uploaded_at="2025-01-01T00:00:00Z")
    assert {**style_json(1, later), "created_at": None} == {**style_json(1, v), "created_at": None}
    assert style_json(1, v, created_at="2024-04-05T10:31:07.250Z")["created_at"] == "2024-04-05T10:31:07.250Z"
    assert style_json(1, v)["created_at"] == v["uploaded_at"]


def test_facts_shape_the_style() -> None:
    assert style_json(1, video(width=1920, height=1080))["aspect_ratio"] == "16:9"
    assert style_json(1, video(width=1080, height=1920))["aspect_ratio"] == "9:16"
    assert style_json(1, video(width=1080, height=1080))["aspect_ratio"] == "1:1"
    assert [style_json(1, video(fps=f))["frame_rate"] for f in (23.976, 25, 29.97, 30, 50, 59.94)] == [
        24, 24, 30, 30, 60, 60]
    bare = {"video_id": "vid_0123456789ab"}  # no metadata at all: the docs' example facts
    style = style_json(3, bare)
    _valid(style)
    assert (style["aspect_ratio"], style["frame_rate"], style["source_duration_seconds"]) == ("16:9", 30, 60.0)


def test_short_sources_extract_less_reliably() -> None:
    short = [style_json(s, video(duration=12))["extraction_confidence"] for s in range(40)]
    long = [style_json(s, video(duration=240))["extraction_confidence"] for s in range(40)]
    assert max(short) <= 0.7 and min(long) >= 0.62


def test_with_a_template_the_style_is_the_templates() -> None:
    source = video("vid_0123456789ab", duration=300, width=1920, height=1080, fps=30)
    template = video("vid_fedcba987654", duration=45, width=1080, height=1920, fps=25)
    own = style_json(7, source)
    styled = style_json(7, source, template)
    _valid(styled)
    assert styled != own
    assert styled == style_json(7, video("vid_aaaaaaaaaaaa", duration=12), template)  # whatever the source
    assert styled == style_json(7, template)  # the template analysed as a video of its own
    assert (styled["aspect_ratio"], styled["frame_rate"], styled["source_duration_seconds"]) == ("9:16", 24, 45.0)
    other = style_json(7, source, video("vid_111111111111", duration=45, width=1080, height=1920, fps=25))
    assert other != styled  # another template, another style
    assert style_json(8, source, template) != styled


@pytest.mark.parametrize("seed", [None, 0, 1, 12345])
def test_colour_grade_stays_moderate(seed: int | None) -> None:
    grade = style_json(seed, video())["color_grade"]
    assert all(-40 <= v <= 40 for v in grade.values())  # in -100..100, and looks like a real grade
