"""The core document: shape, internal consistency (over many seeds and durations), determinism, and the same
structural checks passing on Valossa's real sample."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

from valossa.results.structure import check_core
from valossa.results.support import KEY, Emu, emulator

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "tests/data/valossa/metadata_example_core_1.3.1.json.gz"  # Valossa's own, MIT
EXCERPT = ROOT / "fixtures/valossa/charade-600s/core.json.gz"  # its first 600 s
REQUIRED = [
    "visual.context", "audio.context", "human.face", "human.face_group", "audio.speech", "audio.speech_detailed",
    "audio.speech_detailed.stats", "audio.keyword.name.person", "audio.keyword.name.location",
    "audio.keyword.name.organization", "audio.keyword.novelty_word", "audio.keyword.compliance",
    "visual.text_region.lower_third", "visual.object.localized", "visual.color", "topic.iab", "topic.iab.section",
    "topic.general", "audio.speech_summary",
]


async def test_core_is_rich_and_holds_together(emu: Emu) -> None:
    job_id = await emu.finished(title="Harbour life", description="A day at the harbour")
    r = await emu.results(job_id)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert b"\n" not in r.content  # like the real API: no line breaks
    core = r.json()
    assert check_core(core) == []
    assert core["version_info"] == {"metadata_type": "core", "metadata_format": "1.8.1", "backend": "3.1.1"}
    assert core["job_info"]["job_id"] == job_id
    assert core["job_info"]["request"]["media"]["video"]["url"] == "https://example.com/a.mp4"
    assert core["job_info"]["request"]["media"]["title"] == "Harbour life"
    tech = core["media_info"]["technical"]
    assert {"duration_s", "fps", "resolution", "video_codec", "audio_codec", "n_audio_channels"} <= set(tech)
    assert core["media_info"]["from_customer"] == {"title": "Harbour life", "description": "A day at the harbour"}
    by_type = core["detection_groupings"]["by_detection_type"]
    assert [t for t in REQUIRED if t not in by_type] == []
    assert {"by_frequency", "by_detection_property"} <= set(core["detection_groupings"])
    detections = core["detections"]
    visual = detections[by_type["visual.context"][0]]
    assert {"cid", "ext_refs", "occs"} <= set(visual) and {"c_max", "c_med", "shs", "she"} <= set(visual["occs"][0])
    tags = [detections[d].get("categ", {}).get("tags", []) for d in by_type["visual.context"]]
    assert any("content_compliance" in t for t in tags)
    face = detections[by_type["human.face"][0]]
    assert {"gender", "s_visible", "quality", "similar_to"} <= set(face["a"])
    visible = [detections[d]["a"]["s_visible"] for d in by_type["human.face"]]
    assert visible == sorted(visible, reverse=True)
    speech = detections[by_type["audio.speech"][0]]
    assert -1 <= speech["a"]["sen"]["val"] <= 1 and len(speech["label"].split()) >= 3
    word = detections[by_type["audio.speech_detailed"][0]]
    assert {"fs", "fe", "sdur"} <= set(word["occs"][0]) and "id" in word["a"]["s"] and 0 < word["c"] <= 1
    section = detections[by_type["topic.iab.section"][0]]
    assert {"c", "a"} <= set(section["occs"][0]) and "ad_score" in section["a"]
    assert "lorem" not in r.text.lower() and "ipsum" not in r.text.lower()


async def test_a_gallery_without_trained_faces_matches_celebrities_only(emu: Emu) -> None:
    # Trained identities in similar_to: tests/valossa/test_training_recognition.py.
    r = await emu.client.post("/training/1.0/create_face_gallery", json={"api_key": KEY, "gallery": {"name": "G"}})
    gallery = r.json()["gallery_id"]
    job_id = await emu.finished(analysis={"face_galleries": {"custom_gallery": {"id": gallery}}})
    core = (await emu.results(job_id)).json()
    matches = [m for d in core["detections"].values() if d["t"] == "human.face" for m in d["a"].get("similar_to", [])]
    assert len(matches) == 3 and all(set(m) == {"c", "name"} for m in matches)
    assert core["job_info"]["request"]["analysis_parameters"]["face_galleries"]["custom_gallery"]["id"] == gallery


async def test_by_second_matches_occurrences_over_many_seeds_and_durations() -> None:
    """Property: for any seed, duration and frame rate, by_second, shots and ids hold together."""
    pick = random.Random(2024)
    for seed in range(1, 7):
        async with emulator(seed=seed) as emu:
            for i in range(5):
                duration = pick.choice([0.4, 1.0, 30.0, 59.999]) if i == 0 else round(pick.uniform(1, 1500), 3)
                fps = pick.choice([1.0, 12.5, 23.976, 25.0, 29.97, 60.0])
                await emu.scenario(f"media-{i}", {"media": {"duration": duration, "fps": fps}})
                job_id = await emu.job(f"https://example.com/{seed}-{i}.mp4", scenario=f"media-{i}")
                await emu.finish()
                core = (await emu.results(job_id)).json()
                assert core["media_info"]["technical"]["duration_s"] == duration
                assert check_core(core) == [], (seed, duration, fps)


async def test_same_seed_same_bytes_other_seed_other_content() -> None:
    async def fetch(seed: int) -> dict[str, bytes]:
        async with emulator(seed=seed) as emu:
            job_id = await emu.finished("https://example.com/same.mp4", title="Same")
            return {t: (await emu.results(job_id, t)).content for t in ("core", "speech_to_text_srt", "frames_faces")}

    first, again, other = await fetch(5), await fetch(5), await fetch(6)
    assert first == again
    assert all(first[t] != other[t] for t in first)


async def test_two_jobs_with_one_request_differ_only_in_job_id(emu: Emu) -> None:
    a = await emu.job("https://example.com/twice.mp4")
    b = await emu.job("https://example.com/twice.mp4")
    await emu.finish()
    core_a, core_b = (await emu.results(a)).json(), (await emu.results(b)).json()
    assert core_a.pop("job_info")["job_id"] == a and core_b.pop("job_info")["job_id"] == b
    assert core_a == core_b


def test_structural_checks_pass_on_the_real_sample() -> None:
    full = json.loads(gzip.decompress(SAMPLE.read_bytes()))
    excerpt = json.loads(gzip.decompress(EXCERPT.read_bytes()))
    assert check_core(full, lenient=True) == []
    assert check_core(excerpt, lenient=True) == []
    # And they do catch a broken document.
    broken = json.loads(json.dumps(excerpt))
    broken["detection_groupings"]["by_second"][10] = []
    assert check_core(broken, lenient=True)


async def test_generation_keeps_the_format_of_the_sample(emu: Emu) -> None:
    """Field names a 1.3.1 parser reads are where the sample has them."""
    sample = json.loads(gzip.decompress(EXCERPT.read_bytes()))
    core = (await emu.results(await emu.finished())).json()
    for t in ("visual.context", "audio.context", "human.face", "human.face_group"):
        real = next(d for d in sample["detections"].values() if d["t"] == t)
        ours = core["detections"][core["detection_groupings"]["by_detection_type"][t][0]]
        assert set(real) <= set(ours), t
        assert set(real["occs"][0]) <= set(ours["occs"][0]), t
        if "a" in real:
            assert set(real["a"]) <= set(ours["a"]), t
    assert set(sample["segmentations"]["detected_shots"][0]) == set(core["segmentations"]["detected_shots"][0])
