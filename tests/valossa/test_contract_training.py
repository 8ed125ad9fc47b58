"""Contract: the Valossa Training API's OpenAPI document (served at /_emulator/openapi/valossa-training.json)
against a live server. Schemathesis fuzzes every operation (random ids: mostly 404s and 400s); a plain test
then walks the whole training workflow through the document, every answer checked, to the shapes fuzzing
never reaches, and on to a job whose results name the trained face."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from contract import CHECKS, Client, Spec, document_tests
from helpers import live
from valossa.trainer import jpeg, png

from emulator.services.valossa import training
from emulator.settings import Settings

pytestmark = pytest.mark.contract

SPEC = Spec("/_emulator/openapi/valossa-training.json", "/training/1.0",
            Path(training.__file__).with_name("training-openapi.json"), CHECKS)
JSON = "application/json"


def emulator_settings() -> Settings:
    return Settings(in_memory=True, time_scale=0, seed=13)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live(emulator_settings()) as url:
        yield url


api_schema, test_api_conforms, test_served_document_is_the_file = document_tests(SPEC, max_examples=50)


def test_document_covers_exactly_the_route_table() -> None:
    doc = SPEC.document()
    assert doc["openapi"].startswith("3.1") and doc["servers"][0]["url"] == "/training/1.0"
    routes = {(e.path, e.method.lower()) for e in training.TRAINING_ROUTES}  # the table, read without an engine
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == routes and len(routes) == 11
    assert {op["operationId"] for item in doc["paths"].values() for op in item.values()} == \
        {e.name for e in training.TRAINING_ROUTES}


@pytest.fixture
def api() -> Iterator[Client]:
    with live(emulator_settings()) as url:
        yield Client(SPEC, url)


def test_the_training_workflow_conforms(api: Client) -> None:
    key = {"api_key": "key-a"}

    def post(path: str, body: dict, status: int = 200) -> dict:
        return api.json(path, "POST", status, body={**key, **body}, media_type=JSON)

    def upload(data: bytes) -> str:
        return api.json("/upload_image", "POST", body={**key, "image_data": data},
                        media_type="multipart/form-data")["uploaded_file_url"]

    gallery = post("/create_face_gallery", {"gallery": {"name": "My actors"}})["gallery_id"]
    assert post("/update_face_gallery", {"gallery": {"id": gallery, "updates": {"name": "Cast"}}}) == {}
    face = post("/create_face_identity", {"gallery": {"id": gallery},
                                          "face": {"name": "Ricky Rickson", "gender": "male"}})["face_id"]
    in_default = post("/create_face_identity", {"face": {"name": None, "gender": None}})["face_id"]
    image = post("/add_face_image", {"face": {"id": face}, "image": {"url": upload(jpeg())}})["image_id"]
    spare = post("/add_face_image", {"face": {"id": face}, "image": {"url": upload(png())}})["image_id"]
    post("/add_face_image", {"face": {"id": in_default}, "image": {"url": upload(png(salt="d"))}})
    galleries = api.json("/list_face_galleries", "GET", query=key)["face_galleries"]
    assert [(g["name"], g["is_default"]) for g in galleries] == [("Cast", False), (None, True)]
    listed = api.json("/list_face_identities", "GET", query={**key, "gallery.id": gallery})["face_identities"]
    assert listed == [{"id": face, "name": "Ricky Rickson", "gender": "male"}]
    assert api.json("/list_face_identities", "GET", query=key)["face_identities"] == [
        {"id": in_default, "name": None, "gender": None}]
    assert post("/update_face_identity", {"face": {"id": face, "updates": {"name": "Ricky Rixon-Borgmann"}}}) == {}
    assert post("/remove_face_image", {"image": {"id": spare}, "face": {"id": face}}) == {}
    assert api.json("/list_face_images", "GET", query={**key, "face.id": face})["face_images"] == [{"id": image}]

    r = requests.post(api.base_url + "/core/1.0/new_job", timeout=10, json={
        **key, "media": {"video": {"url": "https://example.com/video.mp4"}},
        "analysis_parameters": {"face_galleries": {"custom_gallery": {"id": gallery}}}})
    job_id = r.json()["job_id"]
    assert post("/remove_face_identity", {"face": {"id": face}}) == {}  # the job keeps what it was given
    requests.post(api.base_url + "/_emulator/clock/advance", json={"seconds": 100_000}, timeout=30)
    core = requests.get(api.base_url + "/core/1.0/job_results", params={**key, "job_id": job_id}, timeout=10).json()
    matches = [m for d in core["detections"].values() if d["t"] == "human.face" for m in d["a"].get("similar_to", [])
               if "gallery" in m]
    assert [(m["gallery"]["id"], m["gallery_face"]) for m in matches] == [
        (gallery, {"id": face, "name": "Ricky Rixon-Borgmann"})]

    # Error answers conform too.
    api.call("/list_face_images", "GET", 404, query={**key, "face.id": face})
    api.call("/remove_face_identity", "POST", 404, body={**key, "face": {"id": face}}, media_type=JSON)
    api.call("/update_face_gallery", "POST", 400, body={**key, "gallery": {"id": galleries[1]["id"],
                                                                           "updates": {"name": "x"}}}, media_type=JSON)
    api.call("/upload_image", "POST", 400, body={**key, "image_data": b"GIF89a"}, media_type="multipart/form-data")
    api.call("/list_face_galleries", "GET", 401, query={"api_key": "k" * 300})


@pytest.mark.parametrize(("path", "method", "wrong"),
                         [("/create_face_identity", "POST", "GET"), ("/list_face_images", "GET", "POST")])
def test_wrong_method_conforms(api: Client, path: str, method: str, wrong: str) -> None:
    case = api.schema[path][method].make_case()
    response = requests.request(wrong, api.base_url + "/training/1.0" + path, timeout=10)
    assert response.status_code == 405 and method in response.headers["allow"]
    case.validate_response(response, checks=CHECKS)
