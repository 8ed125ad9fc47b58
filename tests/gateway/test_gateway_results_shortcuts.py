"""A transcript's shortcuts (reused Faker instances; the speakers taken from the cast without face_tracks)
give exactly what the long way gives: every speech below is compared with one made as before, from new Faker
instances and the video's full faces."""

from __future__ import annotations

import random

import pytest
from faker import Faker
from helpers import faker_now

from emulator.services.gateway.results.video import REGIONS, Video, _digest, face_count
from emulator.services.media.faces import cast, face_tracks
from emulator.services.media.speech import Segment, generate
from emulator.services.media.vocabulary import CONCRETE, DATE_ANCHOR, faker_for, faker_locale


@pytest.fixture(autouse=True)
def _anchored(monkeypatch: pytest.MonkeyPatch) -> None:
    faker_now(monkeypatch, DATE_ANCHOR)  # the long way's new Fakers date things as ours do


def long_way(video: Video, language: str) -> list[Segment]:
    """Video.speech as it was: a new Faker each time, the speakers from the full faces."""
    base = language.split("-")[0].lower()
    fake = Faker(faker_locale(REGIONS.get(base, language) if base == language.lower() else language))
    fake.seed_instance(int.from_bytes(_digest(f"{video.key}:faker:speech")[:8], "big"))
    if video.visual:
        faces_fake = Faker("en_US")
        faces_fake.seed_instance(int.from_bytes(_digest(f"{video.key}:faker:faces")[:8], "big"))
        tracks = face_tracks(video.rng("faces"), faces_fake, video.duration, video.shots)
        people = [p for p, _ in zip(cast(video.rng("cast"), video.seed, len(tracks)), tracks, strict=False)][:4]
    else:
        people = list(cast(video.rng("voices"), video.seed, 2))
    things = [label for label, tags in video.labels if CONCRETE.intersection(tags)]
    return generate(video.rng("speech"), fake, video.duration, people, things)


@pytest.mark.parametrize("duration", [30.0, 120.0, 179.9, 180.0, 400.0, 1200.0])
@pytest.mark.parametrize("language", ["en-US", "fr", "de-DE", "ja"])
@pytest.mark.parametrize("visual", [True, False])
def test_speech_is_the_long_way_s(duration: float, language: str, visual: bool) -> None:
    facts = {"duration_s": duration, "fps": 25.0}
    url = f"https://example.com/{duration}-{language}.mp4"
    assert Video(7, url, facts, visual=visual).speech(language) == long_way(Video(7, url, facts, visual=visual),
                                                                           language)


def test_speech_after_the_faces_and_twice_in_a_row() -> None:
    facts = {"duration_s": 300.0, "fps": 25.0}
    video = Video(None, "https://example.com/a.mp4", facts)
    assert video.faces  # computed first (as a video analysis does): speech takes its speakers from them
    expected = long_way(Video(None, "https://example.com/a.mp4", facts), "en")
    assert video.speech("en") == expected and video.speech("en") == expected


def test_face_count_is_face_tracks_own() -> None:
    fake = faker_for(None)
    for duration in (0.0, 30.0, 89.9, 90.0, 179.9, 180.0, 181.0, 1000.0, 5310.0, 5400.0, 9000.0):
        shots = [{"ss": 0.0, "se": max(duration, 1.0), "sdur": max(duration, 1.0)}]
        assert len(face_tracks(random.Random(1), fake, duration, shots)) == face_count(duration)
