"""What Valossa keeps about a job beyond its request and the engine's facts."""

from __future__ import annotations

from typing import Any

from ..lifecycle import Fact, JobFacts


class ValossaFacts(JobFacts):
    __slots__ = ()
    # The transcript's cues [start, end, text], read once the media is in (results/transcript.py).
    transcript = Fact[list[list[Any]]]()
    # The gallery the job recognizes faces from, as it was when the job was created: {"id", "faces": [{"id",
    # "name", "gender", "images"}]} (galleries.py snapshot; results/recognition.py reads it).
    gallery = Fact[dict[str, Any]]()
