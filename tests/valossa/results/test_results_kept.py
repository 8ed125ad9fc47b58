"""What job_results keeps is bounded in bytes: rendered bodies up to KEEP_BYTES, and the core document as its
JSON body only (its objects are ~8x its JSON), which the other types are derived from without building it
again."""

from __future__ import annotations

from typing import Any

import pytest
from valossa.results.support import Emu

from emulator.services.valossa.results import KEEP_BYTES, Results

TYPES = ("core", "frames_faces", "speech_to_text_srt", "visual_captions", "seconds_objects")


@pytest.fixture
def spied(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The app's Results (seen as it keeps a body) and how many times a core document was built."""
    seen: dict[str, Any] = {"builds": 0}
    build, keep = Results._build, Results._keep

    def counting_build(self: Results, job: Any) -> dict[str, Any]:
        seen["builds"] += 1
        return build(self, job)

    def spying_keep(self: Results, *args: Any) -> None:
        seen["results"] = self
        keep(self, *args)

    monkeypatch.setattr(Results, "_build", counting_build)
    monkeypatch.setattr(Results, "_keep", spying_keep)
    return seen


async def test_other_types_are_derived_from_the_kept_core_body(emu: Emu, spied: dict[str, Any]) -> None:
    job_id = await emu.finished()
    answers = {t: await emu.results(job_id, t) for t in TYPES}
    assert all(r.status_code in (200, 400) for r in answers.values())
    assert answers["core"].status_code == 200
    assert spied["builds"] == 1  # the core, once: every other type parsed its kept body
    assert {t: (await emu.results(job_id, t)).content for t in TYPES} == {t: r.content for t, r in answers.items()}
    assert spied["builds"] == 1


async def test_kept_bodies_stay_within_their_bytes(emu: Emu, spied: dict[str, Any]) -> None:
    ids = [await emu.job(f"https://example.com/kept-{n}.mp4") for n in range(3)]
    await emu.finish()
    first = {t: (await emu.results(ids[0], t)).content for t in TYPES}
    results = spied["results"]
    assert results.keep_bytes == KEEP_BYTES and results.kept()[1] == sum(map(len, first.values())) < KEEP_BYTES
    results.keep_bytes = 1  # the newest body only
    for job_id in ids[1:]:
        for t in TYPES:
            await emu.results(job_id, t)
            assert results.kept()[0] == 1
    # Pushed out, rendered again: the same bytes.
    assert {t: (await emu.results(ids[0], t)).content for t in TYPES} == first
    assert results.kept() == (1, len(first[TYPES[-1]]))
