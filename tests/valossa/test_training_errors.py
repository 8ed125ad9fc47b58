"""Every Training API route's error paths: Valossa's envelope, the right status and a message naming the
field, never a 500. Order of checks as in Core: body parse (400) -> key (401) -> fields (400) -> the
gallery, face or image (404) -> what the request asks of it (400)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers import message
from valossa.trainer import TRAINING, Trainer, png

GONE = "167d6a67-fb99-438c-a44c-c22c98229b93"
JSON = {"content-type": "application/json"}


@pytest.fixture
def t(client: httpx.AsyncClient) -> Trainer:
    return Trainer(client)


POST_ROUTES = ["create_face_gallery", "update_face_gallery", "create_face_identity", "add_face_image",
               "update_face_identity", "remove_face_image", "remove_face_identity"]
GET_ROUTES = ["list_face_galleries", "list_face_identities", "list_face_images"]


@pytest.mark.parametrize("route", POST_ROUTES)
@pytest.mark.parametrize(("body", "code", "text"), [
    (b"{not json", 400, "Malformed request body"),
    (b"[1]", 400, "Malformed request body"),
    (b"{}", 401, "Missing required field: api_key"),
    (b'{"api_key": 5}', 401, "Invalid API key"),
    (b'{"api_key": "' + b"k" * 257 + b'"}', 401, "Invalid API key: longer than 256 characters"),
])
async def test_json_routes_parse_then_check_the_key(client: httpx.AsyncClient, route: str, body: bytes, code: int,
                                                     text: str) -> None:
    r = await client.post(f"{TRAINING}/{route}", content=body, headers=JSON)
    assert (r.status_code, message(r)) == (code, text)


@pytest.mark.parametrize("route", GET_ROUTES)
@pytest.mark.parametrize(("params", "text"), [
    ({}, "Missing required field: api_key"),
    ({"api_key": "k" * 257}, "Invalid API key: longer than 256 characters"),
])
async def test_get_routes_check_the_key(client: httpx.AsyncClient, route: str, params: dict, text: str) -> None:
    r = await client.get(f"{TRAINING}/{route}", params=params)
    assert (r.status_code, message(r)) == (401, text)


@pytest.mark.parametrize(("data", "files", "code", "text"), [
    ({}, {"image_data": ("a.png", png(), "image/png")}, 401, "Missing required field: api_key"),
    ({"api_key": "k"}, None, 400, "Missing required field: image_data"),
    ({"api_key": "k", "image_data": "not a file"}, None, 400,
     "Invalid value for field image_data: expected a file part"),
    ({"api_key": "k"}, {"image_data": ("a.gif", b"GIF89a\x01\x00", "image/gif")}, 400,
     "Invalid value for field image_data: expected a JPG or PNG image"),
    ({"api_key": "k"}, {"image_data": ("a.png", b"", "image/png")}, 400,
     "Invalid value for field image_data: expected a JPG or PNG image"),
    ({"api_key": "k"}, {"image_data": ("a.png", b"\x89PNG", "image/png")}, 400,  # a PNG signature cut short
     "Invalid value for field image_data: expected a JPG or PNG image"),
])
async def test_upload_image_errors(client: httpx.AsyncClient, data: dict, files: Any, code: int, text: str) -> None:
    r = await client.post(f"{TRAINING}/upload_image", data=data, files=files)
    assert (r.status_code, message(r)) == (code, text)


async def test_upload_image_wants_a_form(client: httpx.AsyncClient) -> None:
    r = await client.post(f"{TRAINING}/upload_image", content=b"\x89PNG", headers={"content-type": "image/png"})
    assert (r.status_code, message(r)) == (400, "Malformed request body: expected multipart/form-data")
    r = await client.post(f"{TRAINING}/upload_image", json={"api_key": "k", "image_data": "iVBORw0KGgo="})
    assert (r.status_code, message(r)) == (400, "Invalid value for field image_data: expected a file part")


LONG = "x" * 1025


@pytest.mark.parametrize(("route", "body", "code", "text"), [
    ("create_face_gallery", {}, 400, "Missing required field: gallery"),
    ("create_face_gallery", {"gallery": {}}, 400, "Missing required field: gallery.name"),
    ("create_face_gallery", {"gallery": {"name": ""}}, 400, "Invalid value for field gallery.name: must not be empty"),
    ("create_face_gallery", {"gallery": {"name": 5}}, 400, "Invalid value for field gallery.name: expected a string"),
    ("create_face_gallery", {"gallery": {"name": None}}, 400,
     "Invalid value for field gallery.name: expected a string"),
    ("create_face_gallery", {"gallery": {"name": LONG}}, 400,
     "Invalid value for field gallery.name: String should have at most 1024 characters"),
    ("create_face_gallery", {"gallery": "G"}, 400, "Invalid value for field gallery: expected an object"),
    ("update_face_gallery", {"gallery": {"updates": {"name": "x"}}}, 400, "Missing required field: gallery.id"),
    ("update_face_gallery", {"gallery": {"id": GONE}}, 400, "Missing required field: gallery.updates"),
    ("update_face_gallery", {"gallery": {"id": GONE, "updates": {}}}, 400,
     "Missing required field: gallery.updates.name"),
    ("update_face_gallery", {"gallery": {"id": GONE, "updates": {"name": "x"}}}, 404, "Face gallery not found"),
    ("create_face_identity", {"gallery": {"id": GONE}}, 404, "Face gallery not found"),
    ("create_face_identity", {"gallery": {}}, 400, "Missing required field: gallery.id"),
    ("create_face_identity", {"face": {"gender": "other"}}, 400,
     "Invalid value for field face.gender: expected male or female"),
    ("create_face_identity", {"face": {"name": LONG}}, 400,
     "Invalid value for field face.name: String should have at most 1024 characters"),
    ("create_face_identity", {"face": {"name": ""}}, 400, "Invalid value for field face.name: must not be empty"),
    ("create_face_identity", {"face": "Ricky"}, 400, "Invalid value for field face: expected an object"),
    ("add_face_image", {"image": {"url": "valossaupload://x"}}, 400, "Missing required field: face"),
    ("add_face_image", {"face": {"id": GONE}}, 400, "Missing required field: image"),
    ("add_face_image", {"face": {"id": GONE}, "image": {}}, 400, "Missing required field: image.url"),
    ("add_face_image", {"face": {"id": GONE}, "image": {"url": "https://e.com/face.jpg"}}, 400,
     "Invalid value for field image.url: expected a valossaupload:// URL from upload_image"),
    ("add_face_image", {"face": {"id": GONE}, "image": {"url": "valossaupload://x"}}, 404, "Face not found"),
    ("update_face_identity", {"face": {"id": GONE}}, 400, "Missing required field: face.updates"),
    ("update_face_identity", {"face": {"id": GONE, "updates": {}}}, 400,
     "Invalid value for field face.updates: expected name and/or gender"),
    ("update_face_identity", {"face": {"id": GONE, "updates": {"nmae": "typo"}}}, 400,
     "Invalid value for field face.updates: expected name and/or gender"),
    ("update_face_identity", {"face": {"id": GONE, "updates": {"gender": "x"}}}, 400,
     "Invalid value for field face.updates.gender: expected male or female"),
    ("update_face_identity", {"face": {"updates": {"name": "x"}}}, 400, "Missing required field: face.id"),
    ("update_face_identity", {"face": {"id": GONE, "updates": {"name": "x"}}}, 404, "Face not found"),
    ("remove_face_image", {}, 400, "Missing required field: image"),
    ("remove_face_image", {"image": {"id": ""}}, 400, "Invalid value for field image.id: must not be empty"),
    ("remove_face_image", {"image": {"id": GONE}}, 404, "Face image not found"),
    ("remove_face_identity", {}, 400, "Missing required field: face"),
    ("remove_face_identity", {"face": {"id": 7}}, 400, "Invalid value for field face.id: expected a string"),
    ("remove_face_identity", {"face": {"id": GONE}}, 404, "Face not found"),
])
async def test_field_and_lookup_errors(t: Trainer, route: str, body: dict, code: int, text: str) -> None:
    r = await t.post(route, body)
    assert (r.status_code, message(r)) == (code, text)


@pytest.mark.parametrize(("route", "params", "code", "text"), [
    ("list_face_identities", {"gallery.id": GONE}, 404, "Face gallery not found"),
    ("list_face_images", {}, 400, "Missing required field: face.id"),
    ("list_face_images", {"face.id": GONE}, 404, "Face not found"),
])
async def test_list_errors(t: Trainer, route: str, params: dict, code: int, text: str) -> None:
    r = await t.get(route, **params)
    assert (r.status_code, message(r)) == (code, text)


async def add(t: Trainer, face_id: str, url: str, key: str | None = None) -> httpx.Response:
    return await t.post("add_face_image", {"face": {"id": face_id}, "image": {"url": url}}, key=key)


async def test_an_uploaded_image_is_added_once(t: Trainer) -> None:
    ann, bo = await t.face(name="Ann"), await t.face(name="Bo")
    url = await t.upload()
    await t.add(ann, url)
    for face_id in (ann, bo):
        r = await add(t, face_id, url)
        assert (r.status_code, message(r)) == (
            400, "Invalid value for field image.url: this uploaded image was already added to a face")
    image = (await t.ok("list_face_images", **{"face.id": ann}))["face_images"][0]["id"]
    await t.ok("remove_face_image", {"image": {"id": image}})
    r = await add(t, bo, url)  # removing the face image does not give the upload back
    assert r.status_code == 400


async def test_the_same_bytes_twice_on_one_face(t: Trainer) -> None:
    ann, bo = await t.face(name="Ann"), await t.face(name="Bo")
    data = png(salt="same")
    await t.add(ann, await t.upload(data))
    r = await add(t, ann, await t.upload(data))
    assert (r.status_code, message(r)) == (
        400, "Invalid value for field image.url: this face already has the same image")
    await t.add(bo, await t.upload(data))  # another face may have it


async def test_a_video_upload_or_an_unknown_url_is_not_an_image(client: httpx.AsyncClient, t: Trainer) -> None:
    r = await client.post("/core/1.0/initialize_file_upload", data={"api_key": t.key, "file_size_bytes": "4"})
    upload_id = r.json()["upload_id"]
    await client.post("/core/1.0/send_file_chunk", data={"api_key": t.key, "upload_id": upload_id, "chunk_index": "0"},
                      files={"file_data": ("c", b"abcd", "application/octet-stream")})
    video = (await client.post("/core/1.0/finalize_file_upload",
                               data={"api_key": t.key, "upload_id": upload_id})).json()["uploaded_file_url"]
    face_id = await t.face(name="Ann")
    r = await add(t, face_id, video)
    assert (r.status_code, message(r)) == (
        400, "Invalid value for field image.url: a video upload is not an image; upload face images with upload_image")
    r = await add(t, face_id, "valossaupload://ff357efe-1086-427d-b90c-1d1887fb1017")
    assert (r.status_code, message(r)) == (400, "Invalid value for field image.url: no such uploaded image")
    b = Trainer(client, "key-b")
    theirs = await b.face(name="Theirs")
    r = await add(b, theirs, video)  # another key's video: as unknown as any
    assert (r.status_code, message(r)) == (400, "Invalid value for field image.url: no such uploaded image")
    # and an image is not a video either
    r = await client.post("/core/1.0/new_job", json={"api_key": t.key, "media": {"video": {"url": await t.upload()}}})
    assert r.status_code == 400 and message(r).startswith("Invalid value for field media.video.url: unknown uploaded")


async def test_remove_face_image_with_another_face(t: Trainer) -> None:
    ann, bo = await t.face(name="Ann"), await t.face(name="Bo")
    image = await t.add(ann)
    r = await t.post("remove_face_image", {"image": {"id": image}, "face": {"id": bo}})
    assert (r.status_code, message(r)) == (404, "Face image not found")
    assert await t.ok("list_face_images", **{"face.id": ann}) == {"face_images": [{"id": image}]}


async def test_removed_things_are_gone(t: Trainer) -> None:
    face_id = await t.trained(name="Ann")
    await t.ok("remove_face_identity", {"face": {"id": face_id}})
    for route, body in [("remove_face_identity", {"face": {"id": face_id}}),
                        ("update_face_identity", {"face": {"id": face_id, "updates": {"name": "x"}}}),
                        ("add_face_image", {"face": {"id": face_id}, "image": {"url": await t.upload()}})]:
        r = await t.post(route, body)
        assert (r.status_code, message(r)) == (404, "Face not found"), route


async def test_new_job_with_an_unknown_or_foreign_gallery_is_a_400(t: Trainer) -> None:
    mine = await t.gallery()
    for key, gallery in [("key-a", GONE), ("key-b", mine)]:
        r = await t.client.post("/core/1.0/new_job", json={
            "api_key": key, "media": {"video": {"url": "https://e.com/v.mp4"}},
            "analysis_parameters": {"face_galleries": {"custom_gallery": {"id": gallery}}}})
        assert (r.status_code, message(r)) == (
            400, "Invalid value for field analysis_parameters.face_galleries.custom_gallery.id: no such gallery")
    r = await t.client.get("/core/1.0/list_jobs", params={"api_key": "key-a"})
    assert r.json() == {"jobs": []}  # nothing was created
