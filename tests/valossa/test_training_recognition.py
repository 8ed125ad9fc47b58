"""Trained identities come back as similar_to in human.face: the documented workflow end to end, who appears
(every identity with an image, no other), the default gallery, determinism, a job keeping the gallery it was
given while training goes on, a scenario pinning who is recognized, and training surviving a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import advance, message, running
from valossa.trainer import Trainer, faces, trained_matches

from emulator.settings import Settings

SHORT = {"X-Emulator-Scenario": "two-faces"}  # 30 s of media: 2 faces
LONG = {"X-Emulator-Scenario": "many-faces"}  # 20 min: 15 faces


@pytest.fixture
async def t(client: httpx.AsyncClient) -> Trainer:
    for name, duration in (("two-faces", "30s"), ("many-faces", "20m")):
        body = {"service": "valossa", "media": {"duration": duration}}
        r = await client.put(f"/_emulator/scenarios/{name}", json=body)
        assert r.status_code in (200, 201), r.text
    return Trainer(client)


def by_face(core: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """gallery_face id -> the human.face detections listing it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for face in faces(core):
        for m in face["a"].get("similar_to", []):
            if "gallery" in m:
                found.setdefault(m["gallery_face"]["id"], []).append(face)
    return found


def check_sorted(core: dict[str, Any]) -> None:
    for face in faces(core):
        cs = [m["c"] for m in face["a"].get("similar_to", [])]
        assert cs == sorted(cs, reverse=True) and all(0.4 <= c <= 0.99 for c in cs)


async def finished_core(t: Trainer, job_id: str) -> dict[str, Any]:
    await advance(t.client, 100_000)
    return await t.core(job_id)


async def test_the_documented_workflow(t: Trainer) -> None:
    gallery = await t.gallery("My actors")
    url = await t.upload()
    face_id = await t.face(gallery, name="Ricky Rickson", gender="male")
    await t.ok("add_face_image", {"face": {"id": face_id}, "image": {"url": url}})
    job_id = await t.job(gallery)
    core = await finished_core(t, job_id)
    matched = [f for f in faces(core) if any("gallery" in m for m in f["a"].get("similar_to", []))]
    assert len(matched) == 1  # one identity, one face
    face = matched[0]
    assert face["a"]["similar_to"][0] == {"c": face["a"]["similar_to"][0]["c"], "name": "Ricky Rickson",
                                          "gallery": {"id": gallery},
                                          "gallery_face": {"id": face_id, "name": "Ricky Rickson"}}
    assert face["a"]["similar_to"][0]["c"] >= 0.8 and face["a"]["gender"]["value"] == "male"
    face_det = next(d for d, det in core["detections"].items() if det is face)
    assert face_det in core["detection_groupings"]["by_detection_property"]["a.similar_to.name"]["Ricky Rickson"]
    # The rest of the document knows him too: his name caption when he first appears.
    captions = [core["detections"][d]["label"] for d in
                core["detection_groupings"]["by_detection_type"]["visual.text_region.lower_third"]]
    assert any(c.startswith("Ricky Rickson ") for c in captions)
    check_sorted(core)


@pytest.mark.parametrize("headers", [SHORT, LONG], ids=["2 faces", "15 faces"])
async def test_every_identity_with_an_image_appears_and_no_other(t: Trainer, headers: dict[str, str]) -> None:
    gallery = await t.gallery()
    trained = {await t.trained(gallery, images=1 + i % 3, name=f"Person {i}") for i in range(7)}
    await t.face(gallery, name="No images")
    removed = await t.trained(gallery, name="Removed")
    await t.ok("remove_face_identity", {"face": {"id": removed}})
    emptied = await t.face(gallery, name="Emptied")
    await t.ok("remove_face_image", {"image": {"id": await t.add(emptied)}})
    await t.trained(name="In the default gallery")
    core = await finished_core(t, await t.job(gallery, headers=headers))
    found = by_face(core)
    assert set(found) == trained
    assert {m["gallery"]["id"] for m in trained_matches(core)} == {gallery}
    names = {m["gallery_face"]["id"]: m["name"] for m in trained_matches(core)}
    assert all(names[i] == m["gallery_face"]["name"] and names[i].startswith("Person ") for i, m in
               ((m["gallery_face"]["id"], m) for m in trained_matches(core)))
    check_sorted(core)
    if headers is SHORT:  # 7 identities, 2 faces: faces list several identities each
        assert len(faces(core)) == 2 and all(len(f["a"]["similar_to"]) >= 2 for f in faces(core))
    else:
        assert len(faces(core)) == 15
        # Each identity has a face of its own: the best match of 7 different faces.
        best = {f["a"]["similar_to"][0]["gallery_face"]["id"] for f in faces(core)
                if f["a"].get("similar_to") and "gallery" in f["a"]["similar_to"][0]}
        assert best == trained


async def test_a_job_without_a_gallery_uses_the_default_one(t: Trainer) -> None:
    ann = await t.trained(name="Ann", gender="female")
    default = next(g["id"] for g in (await t.ok("list_face_galleries"))["face_galleries"] if g["is_default"])
    named = await t.gallery("Named")
    bo = await t.trained(named, name="Bo")
    plain, in_named = await t.job(), await t.job(named)
    other_key = await Trainer(t.client, "key-b").job()
    await advance(t.client, 100_000)
    assert [(m["gallery"]["id"], m["gallery_face"]["id"]) for m in trained_matches(await t.core(plain))] == \
        [(default, ann)]
    assert [m["gallery_face"]["id"] for m in trained_matches(await t.core(in_named))] == [bo]
    # A key that never trained: celebrity-style matches on the 3 most visible faces, no gallery.
    core = await Trainer(t.client, "key-b").core(other_key)
    assert trained_matches(core) == []
    assert [set(m) for f in faces(core)[:3] for m in f["a"]["similar_to"]] == [{"c", "name"}] * 3


async def train_and_run(client: httpx.AsyncClient) -> tuple[list[str], dict[str, Any], dict[str, Any]]:
    t = Trainer(client)
    gallery = await t.gallery()
    ids = [await t.trained(gallery, name=n) for n in ("Ann", "Bo", "Cy", "Di")]
    first, second = await t.job(gallery), await t.job(gallery)
    await advance(client, 100_000)
    return ids, await t.core(first), await t.core(second)


async def test_same_seed_and_training_give_the_same_results() -> None:
    runs = []
    for seed in (7, 7, 8):
        async with running(Settings(in_memory=True, time_scale=0, seed=seed)) as c:
            runs.append(await train_and_run(c))
    (ids, first, second), (ids2, again, _), (ids3, other, _) = runs
    assert ids == ids2 and first == again  # byte for byte, ids included
    assert trained_matches(first) == trained_matches(second)  # two jobs of one training
    assert first["job_info"]["job_id"] != second["job_info"]["job_id"]
    assert set(ids3).isdisjoint(ids) and {m["gallery_face"]["id"] for m in trained_matches(other)} == set(ids3)


async def test_a_submitted_job_keeps_the_gallery_it_was_given(t: Trainer) -> None:
    gallery = await t.gallery()
    ann = await t.trained(gallery, name="Ann")
    bo = await t.face(gallery, name="Bo")
    bo_image = await t.add(bo)
    running_job = await t.job(gallery)
    await advance(t.client, 100)  # processing
    assert (await t.client.get("/core/1.0/job_status", params={"api_key": t.key, "job_id": running_job})
            ).json()["status"] == "processing"
    # Training goes on while the job runs: Ann removed, Bo loses his only image and is renamed, Cy is trained.
    await t.ok("remove_face_identity", {"face": {"id": ann}})
    await t.ok("remove_face_image", {"image": {"id": bo_image}})
    await t.ok("update_face_identity", {"face": {"id": bo, "updates": {"name": "Bob"}}})
    cy = await t.trained(gallery, name="Cy")
    later = await t.job(gallery)
    await advance(t.client, 100_000)
    kept = {m["gallery_face"]["id"]: m["name"] for m in trained_matches(await t.core(running_job))}
    assert kept == {ann: "Ann", bo: "Bo"}
    assert {m["gallery_face"]["id"]: m["name"] for m in trained_matches(await t.core(later))} == {cy: "Cy"}


async def test_a_scenario_pins_who_is_recognized(t: Trainer) -> None:
    gallery = await t.gallery()
    ann, bo, cy = [await t.trained(gallery, name=n) for n in ("Ann", "Bo", "Cy")]
    scenarios = {"only-ann": [ann], "bo-by-name": ["Bo", "somebody untrained"], "nobody": "none", "everyone": "all",
                 "broken": 5}
    jobs = {}
    for name, recognize in scenarios.items():
        r = await t.client.put(f"/_emulator/scenarios/{name}",
                               json={"service": "valossa", "results": {"recognize": recognize}})
        assert r.status_code in (200, 201), r.text
        jobs[name] = await t.job(gallery, headers={"X-Emulator-Scenario": name})
    await advance(t.client, 100_000)
    seen = {name: set(by_face(await t.core(jobs[name]))) for name in ("only-ann", "bo-by-name", "nobody", "everyone")}
    assert seen == {"only-ann": {ann}, "bo-by-name": {bo}, "nobody": set(), "everyone": {ann, bo, cy}}
    assert any("similar_to" in f["a"] for f in faces(await t.core(jobs["nobody"])))  # celebrities still
    r = await t.client.get("/core/1.0/job_results", params={"api_key": t.key, "job_id": jobs["broken"]})
    assert r.status_code == 500 and "recognize: expected a list of face ids or names, all or none" in message(r)


async def test_an_unnamed_identity_matches_without_a_name(t: Trainer) -> None:
    face_id = await t.trained(gender="female")
    core = await finished_core(t, await t.job())
    [match] = trained_matches(core)
    assert match["name"] is None and match["gallery_face"] == {"id": face_id, "name": None}
    [face] = by_face(core)[face_id]
    assert face["a"]["gender"]["value"] == "female"
    names = core["detection_groupings"]["by_detection_property"].get("a.similar_to.name", {})
    assert "null" not in names and "None" not in names and None not in names


def on_disk(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", time_scale=0, seed=5)


async def test_training_survives_a_restart(tmp_path: Path) -> None:
    async with running(on_disk(tmp_path)) as c:
        t = Trainer(c)
        gallery = await t.gallery("Kept")
        ann = await t.trained(gallery, name="Ann", gender="female")
        bo = await t.trained(name="Bo")  # the default gallery
        spare = await t.upload()
        used = await t.upload()
        await t.add(bo, used)
        job_id = await t.job(gallery)
        listings = [await t.ok("list_face_galleries"), await t.ok("list_face_identities", **{"gallery.id": gallery}),
                    await t.ok("list_face_identities"), await t.ok("list_face_images", **{"face.id": bo})]
    async with running(on_disk(tmp_path)) as c:
        t = Trainer(c)
        assert [await t.ok("list_face_galleries"), await t.ok("list_face_identities", **{"gallery.id": gallery}),
                await t.ok("list_face_identities"), await t.ok("list_face_images", **{"face.id": bo})] == listings
        r = await t.post("add_face_image", {"face": {"id": ann}, "image": {"url": used}})
        assert r.status_code == 400  # used before the restart, still used
        await t.add(ann, spare)
        assert len((await t.ok("list_face_images", **{"face.id": ann}))["face_images"]) == 2
        later = await t.job()
        await advance(c, 100_000)
        assert {m["gallery_face"]["id"] for m in trained_matches(await t.core(job_id))} == {ann}
        assert {m["gallery_face"]["id"] for m in trained_matches(await t.core(later))} == {bo}
        new_face = await t.face(gallery, name="New")  # ids go on after a restart
        assert new_face not in (ann, bo)
