"""One source file as every job kind sees it: its facts, shots, faces (people of the seed), labels on screen and
speech, derived from (seed, URL, audio track) alone, so a transcription and a video analysis of one URL agree
(the same words, the same people) whatever their options."""

from __future__ import annotations

import hashlib
import random
import re
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...media.concepts import VISUAL
from ...media.faces import FaceTrack, Identity, cast, face_tracks
from ...media.shots import make_shots
from ...media.speech import Segment, generate
from ...media.vocabulary import CONCRETE, faker_for

if TYPE_CHECKING:
    from faker import Faker

DEFAULTS = {"x_pixels": 1920, "y_pixels": 1080, "video_codec": "h264", "audio_codec": "aac"}
# Two-letter codes the Eden AI (Google) engine turns into its regional form, as the seed says (en -> en-US).
REGIONS = {"en": "en-US", "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "it": "it-IT", "pt": "pt-BR", "nl": "nl-NL",
           "sv": "sv-SE", "fi": "fi-FI", "da": "da-DK", "nb": "nb-NO", "pl": "pl-PL", "ja": "ja-JP", "zh": "zh-CN",
           "ko": "ko-KR", "ru": "ru-RU", "ar": "ar-SA", "hi": "hi-IN", "tr": "tr-TR"}
DEFAULT_LANGUAGE = "en-US"  # the deployment default the seed names for an omitted language
# "auto" detection: a language code standing alone in the file name or path ("talk_fr.mp4", "/de/clip.mp4").
HINT = re.compile(r"(?<![a-z0-9])(" + "|".join(REGIONS) + r")(?:[-_][a-z]{2})?(?![a-z0-9])")
FORMATS = {"mp4": "mp4", "m4v": "mp4", "mov": "mov", "webm": "webm", "mkv": "mkv", "avi": "avi", "mp3": "mp3",
           "wav": "wav", "m4a": "m4a", "flac": "flac", "ogg": "ogg"}


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def derived_facts(url: str, seed: int | None) -> dict[str, Any]:
    """Facts for media the emulator cannot read: 30 s to 20 min, a common frame rate, 1080p H.264, the same
    for the same URL and seed (the wiring phase may probe local files instead)."""
    digest = _digest(f"{seed}:gateway-media:{url}")
    duration = round(30 + int.from_bytes(digest[:8], "big") % (1170 * 1000) / 1000, 3)
    return {"duration_s": duration, "fps": (23.976, 24.0, 25.0, 29.97, 30.0)[digest[8] % 5], **DEFAULTS}


def seeded_faker(language: str | None, seed: int) -> Faker:
    """faker_for(language) seeded (one instance per language, reseeded for each use, which resets all it draws
    from). Use it up before the next call."""
    fake = faker_for(language)
    fake.seed_instance(seed)
    return fake


def face_count(duration: float) -> int:
    """How many faces face_tracks finds in a video this long (its n_faces)."""
    return max(2, min(60, 2 + int(duration / 90)))


def container(url: str) -> str:
    suffix = urlsplit(url).path.rsplit(".", 1)[-1].lower() if "." in urlsplit(url).path else ""
    return FORMATS.get(suffix, "mp4")


def detect_language(url: str) -> str:
    """What "auto" detects for a file: a language code in its path, else English."""
    match = HINT.search(urlsplit(url).path.lower())
    return match.group(1) if match else "en"


def spoken_language(requested: str | None, provider: str, url: str) -> str:
    """The language a result reports: detected for "auto", the deployment default when omitted, as given
    otherwise (Eden AI's Google engine reports two-letter codes in regional form)."""
    if requested is None:
        return DEFAULT_LANGUAGE
    if requested == "auto":
        return detect_language(url)
    if provider == "eden-ai":
        return REGIONS.get(requested.lower(), requested)
    return requested


class Video:
    def __init__(self, seed: int | None, url: str, facts: dict[str, Any] | None = None, audio_track: int = 0,
                 visual: bool = True) -> None:
        """facts: duration_s, fps, x_pixels, y_pixels, video_codec (a probe's or derived_facts'); visual: False
        for an audio file (no shots, faces or labels)."""
        self.seed, self.url, self.visual = seed, url, visual
        self.facts = {**DEFAULTS, **(facts or derived_facts(url, seed))}
        self.duration = float(self.facts["duration_s"])
        self.fps = float(self.facts.get("fps") or 25.0)
        self.key = hashlib.sha256(f"{seed}:{url}:{audio_track}".encode()).hexdigest()

    def rng(self, salt: str) -> random.Random:
        """An independent stream per part, so adding a part never changes another."""
        return random.Random(f"{self.key}:{salt}")

    def metadata(self) -> dict[str, Any]:
        return {"duration": self.duration, "width": self.facts["x_pixels"], "height": self.facts["y_pixels"],
                "frame_rate": self.fps, "format": container(self.url), "codec": self.facts["video_codec"]}

    @cached_property
    def shots(self) -> list[dict[str, Any]]:
        return make_shots(self.rng("shots"), self.duration, self.fps)

    @cached_property
    def faces(self) -> list[tuple[Identity, FaceTrack]]:
        """Who is seen and when, the most visible first; the people come from the seed's population."""
        if not self.visual:
            return []
        shots = self.shots
        fake = seeded_faker(None, int.from_bytes(_digest(f"{self.key}:faker:faces")[:8], "big"))
        tracks = face_tracks(self.rng("faces"), fake, self.duration, shots)
        return list(zip(cast(self.rng("cast"), self.seed, len(tracks)), tracks, strict=False))

    @cached_property
    def labels(self) -> list[tuple[str, list[str]]]:
        """(label, categ tags) of what is on screen, the most prominent first."""
        if not self.visual:
            return []
        rng = self.rng("labels")
        n = max(8, min(40, 8 + int(self.duration / 30)))
        return [(label, tags) for label, _, _, tags in rng.sample(VISUAL, n)]

    def speech(self, language: str, *, words: bool = True) -> list[Segment]:
        """What is said: the same words for every language asked (names and places follow its locale).
        words=False: segments without their words (generate's), what a transcript needs."""
        people = self.speakers()
        things = [label for label, tags in self.labels if CONCRETE.intersection(tags)]
        base = language.split("-")[0].lower()
        fake = seeded_faker(REGIONS.get(base, language) if base == language.lower() else language,  # en = en-US
                            int.from_bytes(_digest(f"{self.key}:faker:speech")[:8], "big"))
        return generate(self.rng("speech"), fake, self.duration, people, things, words=words)

    def speakers(self) -> list[Identity]:
        """The people of faces[:4] (or two voices for an audio file). Those are the first of the cast, which
        face_tracks (most of a transcript's cost) does not choose: a transcript skips it."""
        if not self.visual:
            return list(cast(self.rng("voices"), self.seed, 2))
        if "faces" in self.__dict__:
            return [person for person, _ in self.faces[:4]]
        return cast(self.rng("cast"), self.seed, min(4, face_count(self.duration)))
