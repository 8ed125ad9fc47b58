"""The Training API's happy paths: the docs' own example bodies, every route's answer shape, the default
gallery, key isolation, and what the emulator keeps of an image."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest
from helpers import message, running
from valossa.trainer import TRAINING, Trainer, jpeg, png

from emulator.app import create_app
from emulator.services.valossa.images import MAX_IMAGE_BYTES, sniff
from emulator.settings import Settings
from emulator.testing import Emulator

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
def t(client: httpx.AsyncClient) -> Trainer:
    return Trainer(client)


async def test_the_docs_example_bodies_verbatim(client: httpx.AsyncClient) -> None:
    # docs: create_face_identity and update_face_identity, byte for byte (the key "…" is a key like any other)
    create = '{"api_key":"…","face":{"name":"Ricky Rickson","gender":"male"}}'
    r = await client.post(f"{TRAINING}/create_face_identity", content=create.encode(),
                          headers={"content-type": "application/json"})
    assert r.status_code == 200 and list(r.json()) == ["face_id"] and UUID.match(r.json()["face_id"])
    face_id = r.json()["face_id"]
    update = '{"api_key":"…","face":{"id":"<the id>","updates":{"name":"Ricky Rixon-Borgmann"}}}'
    r = await client.post(f"{TRAINING}/update_face_identity", content=update.replace("<the id>", face_id).encode(),
                          headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (200, {})
    r = await client.get(f"{TRAINING}/list_face_identities", params={"api_key": "…"})
    assert r.json() == {"face_identities": [{"id": face_id, "name": "Ricky Rixon-Borgmann", "gender": "male"}]}


async def test_upload_image_takes_jpg_and_png_by_their_bytes(t: Trainer) -> None:
    urls = []
    # The file name and declared type do not matter: the first bytes do.
    for data, name, ctype in [(png(), "a.png", "image/png"), (jpeg(), "b.jpg", "image/jpeg"),
                              (jpeg(salt="x"), "c.bin", "application/octet-stream")]:
        r = await t.send_image(data, filename=name, content_type=ctype)
        assert r.status_code == 200, r.text
        assert list(r.json()) == ["uploaded_file_url"]
        url = r.json()["uploaded_file_url"]
        assert url.startswith("valossaupload://") and UUID.match(url.removeprefix("valossaupload://"))
        urls.append(url)
    assert len(set(urls)) == 3


async def test_an_image_of_exactly_8_mb_is_taken(t: Trainer) -> None:
    data = png(salt="big")
    r = await t.send_image(data + b"\0" * (MAX_IMAGE_BYTES - len(data)))
    assert r.status_code == 200, r.text
    r = await t.send_image(data + b"\0" * (MAX_IMAGE_BYTES + 1 - len(data)))
    assert (r.status_code, message(r)) == (400, "Invalid value for field image_data: larger than 8 MB (8388608 bytes)")


def test_dimensions_are_read_from_the_header() -> None:
    assert (sniff(png(1280, 720)).format, sniff(png(1280, 720)).width, sniff(png(1280, 720)).height) == \
        ("png", 1280, 720)
    info = sniff(jpeg(800, 600))
    assert (info.format, info.width, info.height) == ("jpeg", 800, 600)
    assert (sniff(b"\xff\xd8\xff\xe0").width, sniff(b"\x89PNG\r\n\x1a\n").height) == (None, None)  # cut short
    with pytest.raises(ValueError, match="expected a JPG or PNG image"):
        sniff(b"GIF89a....")


async def test_only_facts_of_an_image_are_kept() -> None:
    app = create_app(Settings(in_memory=True, time_scale=0, seed=1))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e") as client:
            t = Trainer(client)
            big = png(1920, 1080, salt="x") + bytes(range(256)) * 4096  # 1 MiB
            face_id = await t.trained(name="Ann")
            await t.add(face_id, await t.upload(big))
        store = app.state.engine.store
        kept = [v for kind, records in store.records.items() if kind.startswith("valossa-") for v in records.values()]
        assert kept and max(len(json.dumps(v)) for v in kept) < 1000  # hashes and sizes, no bytes
        images = list(store.records.get("valossa-face-image", {}).values())
        assert {(i["format"], i["width"], i["height"]) for i in images} == {("png", 64, 48), ("png", 1920, 1080)}
        assert {i["size"] for i in images} == {len(png(salt="key-a-1")), len(big)}
        assert store.chunks == {}


async def test_galleries_are_created_renamed_and_listed_oldest_first(t: Trainer) -> None:
    assert await t.ok("list_face_galleries") == {"face_galleries": []}
    first, second = await t.gallery("First"), await t.gallery("Second")
    assert UUID.match(first) and first != second
    assert await t.ok("update_face_gallery", {"gallery": {"id": first, "updates": {"name": "Renamed"}}}) == {}
    assert await t.ok("list_face_galleries") == {"face_galleries": [
        {"id": first, "name": "Renamed", "is_default": False},
        {"id": second, "name": "Second", "is_default": False}]}


async def test_the_default_gallery_is_made_on_first_use_unnamed_and_one_per_key(t: Trainer) -> None:
    named = await t.gallery("Named")
    assert await t.ok("list_face_identities") == {"face_identities": []}  # reading does not make it
    assert len((await t.ok("list_face_galleries"))["face_galleries"]) == 1
    one = await t.face(name="One")
    two = await t.face(name="Two", gender="female")
    in_named = await t.face(named, name="Elsewhere")
    galleries = (await t.ok("list_face_galleries"))["face_galleries"]
    default = [g for g in galleries if g["is_default"]]
    assert len(galleries) == 2 and len(default) == 1 and default[0]["name"] is None
    listed = [{"id": one, "name": "One", "gender": None}, {"id": two, "name": "Two", "gender": "female"}]
    assert await t.ok("list_face_identities") == {"face_identities": listed}
    assert await t.ok("list_face_identities", **{"gallery.id": default[0]["id"]}) == {"face_identities": listed}
    assert await t.ok("list_face_identities", **{"gallery.id": named}) == {"face_identities": [
        {"id": in_named, "name": "Elsewhere", "gender": None}]}
    r = await t.post("update_face_gallery", {"gallery": {"id": default[0]["id"], "updates": {"name": "x"}}})
    assert (r.status_code, message(r)) == (400, "The default gallery cannot be named")
    other = Trainer(t.client, "key-b")
    await other.face(name="Theirs")
    theirs = (await other.ok("list_face_galleries"))["face_galleries"]
    assert len(theirs) == 1 and theirs[0]["is_default"] and theirs[0]["id"] != default[0]["id"]


async def test_identity_updates_change_only_what_they_name(t: Trainer) -> None:
    face_id = await t.face(name="Ann", gender="female")

    async def listed() -> dict:
        return (await t.ok("list_face_identities"))["face_identities"][0]

    await t.ok("update_face_identity", {"face": {"id": face_id, "updates": {"gender": "male"}}})
    assert await listed() == {"id": face_id, "name": "Ann", "gender": "male"}
    await t.ok("update_face_identity", {"face": {"id": face_id, "updates": {"name": None}}})
    assert await listed() == {"id": face_id, "name": None, "gender": "male"}
    await t.ok("update_face_identity", {"face": {"id": face_id, "updates": {"name": "Bo", "gender": None}}})
    assert await listed() == {"id": face_id, "name": "Bo", "gender": None}


async def test_images_are_added_listed_and_removed(t: Trainer) -> None:
    face_id = await t.face(name="Ann")
    first, second, third = [await t.add(face_id) for _ in range(3)]
    assert UUID.match(first)
    assert await t.ok("list_face_images", **{"face.id": face_id}) == {"face_images": [
        {"id": first}, {"id": second}, {"id": third}]}
    assert await t.ok("remove_face_image", {"image": {"id": second}}) == {}
    assert await t.ok("remove_face_image", {"image": {"id": third}, "face": {"id": face_id}}) == {}
    assert await t.ok("list_face_images", **{"face.id": face_id}) == {"face_images": [{"id": first}]}


async def test_removing_an_identity_removes_its_images(t: Trainer) -> None:
    keep = await t.trained(name="Keep")
    gone = await t.face(name="Gone")
    image = await t.add(gone)
    assert await t.ok("remove_face_identity", {"face": {"id": gone}}) == {}
    assert [f["id"] for f in (await t.ok("list_face_identities"))["face_identities"]] == [keep]
    r = await t.get("list_face_images", **{"face.id": gone})
    assert (r.status_code, message(r)) == (404, "Face not found")
    r = await t.post("remove_face_image", {"image": {"id": image}})
    assert (r.status_code, message(r)) == (404, "Face image not found")


async def test_another_keys_training_is_as_unknown_as_a_missing_one(t: Trainer) -> None:
    gallery = await t.gallery()
    face_id = await t.face(gallery, name="Mine")
    url = await t.upload()
    image = await t.add(face_id)
    b = Trainer(t.client, "key-b")
    calls = [
        ("update_face_gallery", {"gallery": {"id": gallery, "updates": {"name": "x"}}}, "Face gallery not found"),
        ("create_face_identity", {"gallery": {"id": gallery}}, "Face gallery not found"),
        ("add_face_image", {"face": {"id": face_id}, "image": {"url": await b.upload()}}, "Face not found"),
        ("update_face_identity", {"face": {"id": face_id, "updates": {"name": "x"}}}, "Face not found"),
        ("remove_face_image", {"image": {"id": image}}, "Face image not found"),
        ("remove_face_identity", {"face": {"id": face_id}}, "Face not found"),
    ]
    for route, body, text in calls:
        r = await b.post(route, body)
        assert (r.status_code, message(r)) == (404, text), route
    for route, params, text in [("list_face_identities", {"gallery.id": gallery}, "Face gallery not found"),
                                ("list_face_images", {"face.id": face_id}, "Face not found")]:
        r = await b.get(route, **params)
        assert (r.status_code, message(r)) == (404, text), route
    assert await b.ok("list_face_galleries") == {"face_galleries": []}
    theirs = await b.face(name="Theirs")
    r = await b.post("add_face_image", {"face": {"id": theirs}, "image": {"url": url}})  # my upload
    assert (r.status_code, message(r)) == (400, "Invalid value for field image.url: no such uploaded image")
    # and nothing of mine changed
    assert await t.ok("list_face_identities", **{"gallery.id": gallery}) == {"face_identities": [
        {"id": face_id, "name": "Mine", "gender": None}]}
    assert await t.ok("list_face_images", **{"face.id": face_id}) == {"face_images": [{"id": image}]}
    await t.add(face_id, url)  # still mine to use


async def test_reset_forgets_training(t: Trainer) -> None:
    gallery = await t.gallery()
    face_id = await t.trained(gallery, name="Ann")
    r = await t.client.post("/_emulator/reset")
    assert r.status_code == 200
    assert await t.ok("list_face_galleries") == {"face_galleries": []}
    r = await t.get("list_face_images", **{"face.id": face_id})
    assert r.status_code == 404
    r = await t.client.post("/core/1.0/new_job", json={
        "api_key": t.key, "media": {"video": {"url": "https://e.com/v.mp4"}},
        "analysis_parameters": {"face_galleries": {"custom_gallery": {"id": gallery}}}})
    assert r.status_code == 400


async def test_training_calls_are_journaled_masked_and_faulted(t: Trainer) -> None:
    await t.gallery()
    r = await t.client.get("/_emulator/requests", params={"path": "/training/1.0/*"})
    entry = r.json()["requests"][-1]
    assert entry["service"] == "valossa" and json.loads(entry["body"])["api_key"] == "****"
    # A scenario's faults apply to calls about no job, as for Core's uploads.
    statuses = []
    for _ in range(4):
        r = await t.client.get(f"{TRAINING}/list_face_galleries", params={"api_key": t.key},
                               headers={"X-Emulator-Scenario": "valossa-rate-limited"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert message(r) == "Rate limit exceeded" and r.headers["retry-after"] == "2"
    assert statuses == [200, 429, 200, 429]


async def test_wrong_method_and_unknown_function_keep_the_envelope(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{TRAINING}/create_face_identity")
    assert (r.status_code, message(r)) == (405, "Method not allowed") and r.headers["allow"] == "POST"
    r = await client.post(f"{TRAINING}/list_face_galleries", json={"api_key": "k"})
    assert (r.status_code, message(r)) == (405, "Method not allowed") and "GET" in r.headers["allow"]
    r = await client.post(f"{TRAINING}/delete_face_gallery", json={"api_key": "k"})
    assert (r.status_code, message(r)) == (404, "Not found")


async def test_the_document_is_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/_emulator/openapi/valossa-training.json")
    assert r.status_code == 200 and r.json()["servers"][0]["url"] == "/training/1.0"


async def test_configured_keys_apply_to_training() -> None:
    settings = Settings(in_memory=True, time_scale=0, valossa={"api_keys": ["good"]})
    async with running(settings) as c:
        r = await c.get(f"{TRAINING}/list_face_galleries", params={"api_key": "bad"})
        assert (r.status_code, message(r)) == (401, "Invalid API key")
        assert (await Trainer(c, "good").ok("list_face_galleries")) == {"face_galleries": []}


def test_the_training_mount_on_the_main_and_own_port() -> None:
    with Emulator(seed=2, listen={"valossa": 0}) as emu:
        main = emu.service_url("valossa", "valossa-training")
        own = emu.service_url("valossa", "valossa-training", own_port=True)
        assert main.endswith("/training/1.0") and own.endswith("/training/1.0") and main != own
        r = httpx.post(main + "/create_face_gallery", json={"api_key": "k", "gallery": {"name": "G"}})
        gallery = r.json()["gallery_id"]
        r = httpx.get(own + "/list_face_galleries", params={"api_key": "k"})  # one engine behind both ports
        assert r.json() == {"face_galleries": [{"id": gallery, "name": "G", "is_default": False}]}


async def test_racing_first_uses_make_one_default_gallery(tmp_path: Path) -> None:
    # On SQLite every write awaits its commit, so the first uses really interleave.
    async with running(Settings(data_dir=tmp_path, time_scale=0, seed=1)) as c:
        t = Trainer(c)
        ids = await asyncio.gather(*(t.face(name=f"P{i}") for i in range(8)))
        galleries = (await t.ok("list_face_galleries"))["face_galleries"]
        assert len(galleries) == 1 and galleries[0]["is_default"]
        assert len((await t.ok("list_face_identities"))["face_identities"]) == len(set(ids)) == 8
