"""Clipzy's OpenAPI document (emulator/services/clipzy/openapi.json): valid, complete, and in the envelope."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import schemathesis
from clipzy.support import document, errors

schemathesis.experimental.OPEN_API_3_1.enable()

OPERATIONS = {
    ("get", "/health"): "health",
    ("post", "/videos/upload"): "uploadVideo",
    ("get", "/videos/info/{video_id}"): "getVideoInfo",
    ("post", "/jobs"): "createJob",
    ("get", "/jobs"): "listJobs",
    ("get", "/jobs/{job_id}"): "getJob",
    ("get", "/jobs/{job_id}/result"): "getJobResult",
    ("get", "/jobs/{job_id}/download"): "downloadJobOutput",
    ("post", "/jobs/{job_id}/cancel"): "cancelJob",
}
ERRORS = {  # operation: the error statuses it documents (405 everywhere: wrong methods get the envelope too)
    "health": {405},
    "uploadVideo": {401, 404, 405, 413, 422},
    "getVideoInfo": {401, 404, 405},
    "createJob": {401, 404, 405, 409, 422},
    "listJobs": {401, 405, 422},
    "getJob": {401, 404, 405},
    "getJobResult": {401, 404, 405},
    "downloadJobOutput": {401, 404, 405},
    "cancelJob": {401, 404, 405, 409},
}


def _operations() -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for path in document()["paths"].values() for op in path.values()}


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = document()["components"][kind][name]
    return node


def test_openapi_spec_validator() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(copy.deepcopy(document()))


def test_schemathesis_loads_it_with_a_state_machine() -> None:
    schema = schemathesis.from_dict(copy.deepcopy(document()), base_url="http://127.0.0.1:9/api/v1",
                                    validate_schema=True)
    found = {(op.ok().method.lower(), op.ok().path) for op in schema.get_all_operations()}
    assert found == set(OPERATIONS)
    machine = schema.as_state_machine()
    rules = {name for name in dir(machine) if name.endswith("__200") or name.endswith("__X")}
    assert "POST_api_v1_jobs__200" in rules  # upload -> createJob (the link's request body)
    assert {"GET_api_v1_jobs_job_id___200", "GET_api_v1_jobs_job_id_result__200",
            "GET_api_v1_jobs_job_id_download__200", "POST_api_v1_jobs_job_id_cancel__200"} <= rules


def test_header() -> None:
    doc = document()
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": "/api/v1", "description": doc["servers"][0]["description"]}]
    assert doc["security"] == [{}, {"bearerAuth": []}]  # the token is optional
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        **doc["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert {(m, p): op["operationId"] for p, item in doc["paths"].items() for m, op in item.items()} == OPERATIONS
    assert _operations()["health"]["security"] == []


def test_every_error_is_the_error_envelope() -> None:
    for name, op in _operations().items():
        statuses = {int(s) for s in op["responses"] if not s.startswith("2")}
        assert statuses == ERRORS[name], name
        for status, response in op["responses"].items():
            response = _resolve(response)
            if status.startswith("2"):
                continue
            (media,) = response["content"]
            assert media == "application/json"
            content = response["content"][media]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}, (name, status)
            for example in content.get("examples", {}).values():
                assert errors("ErrorEnvelope", example["value"]) == []


def test_error_codes() -> None:
    responses = document()["components"]["responses"]

    def codes(name: str) -> set[str]:
        return {e["value"]["error"]["code"] for e in responses[name]["content"]["application/json"]["examples"]
                .values()}

    assert codes("Unauthorized") == {"UNAUTHORIZED"}
    assert codes("VideoNotFound") == {"VIDEO_NOT_FOUND"}
    assert codes("JobNotFound") == {"JOB_NOT_FOUND"}
    assert codes("OutputNotFound") == {"JOB_NOT_FOUND", "RESULT_NOT_READY"}
    assert codes("JobAlreadyProcessing") == {"JOB_ALREADY_PROCESSING"}
    assert codes("FileTooLarge") == {"FILE_TOO_LARGE"}
    assert codes("UploadUnprocessable") == {"UNSUPPORTED_FORMAT", "MISSING_FIELD"}
    assert codes("ValidationError") == {"VALIDATION_ERROR"}
    ops = _operations()
    assert ops["createJob"]["responses"]["409"]["$ref"].endswith("/JobAlreadyProcessing")
    assert ops["cancelJob"]["responses"]["409"]["$ref"].endswith("/JobNotCancellable")
    assert ops["uploadVideo"]["responses"]["413"]["$ref"].endswith("/FileTooLarge")


def test_success_answers_are_enveloped_and_their_examples_validate() -> None:
    for name, op in _operations().items():
        ok = op["responses"]["200"]
        if name == "downloadJobOutput":
            assert ok["content"] == {"video/mp4": {"schema": {"type": "string", "format": "binary"}}}
            continue
        content = ok["content"]["application/json"]
        schema_name = content["schema"]["$ref"].rsplit("/", 1)[1]
        envelope = document()["components"]["schemas"][schema_name]
        assert envelope["required"] == ["success", "message", "data"] and envelope["additionalProperties"] is False
        assert errors(schema_name, content["example"]) == [], name
    for name, schema in document()["components"]["schemas"].items():
        if "example" in schema:
            assert errors(name, schema["example"]) == [], name


def test_pagination_bounds() -> None:
    params = {p["$ref"].rsplit("/", 1)[1] for p in _operations()["listJobs"]["parameters"]}
    assert params == {"Page", "PageSize"}
    defined = document()["components"]["parameters"]
    assert defined["Page"]["schema"] == {"type": "integer", "minimum": 1, "default": 1}
    assert defined["PageSize"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}


def test_links_carry_the_ids() -> None:
    ops = _operations()
    upload = ops["uploadVideo"]["responses"]["200"]["links"]
    assert upload["CreateJob"] == {**upload["CreateJob"], "operationId": "createJob",
                                   "requestBody": {"video_id": "$response.body#/data/video_id"}}
    assert upload["GetVideoInfo"]["parameters"] == {"video_id": "$response.body#/data/video_id"}
    created = ops["createJob"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in created.values()} == {"getJob", "getJobResult", "downloadJobOutput",
                                                                   "cancelJob"}
    assert all(link["parameters"] == {"job_id": "$response.body#/data/job_id"} for link in created.values())


def test_cancel_is_marked_as_an_extension() -> None:
    op = _operations()["cancelJob"]
    assert "extension" in op["summary"] and "extension" in op["description"]


JOB = {
    "job_id": "job_0123456789ab", "video_id": "vid_0123456789ab", "status": "processing", "progress_percent": 42,
    "current_stage": "motion_analysis", "created_at": "2024-04-05T10:30:00Z", "updated_at": "2024-04-05T10:30:40Z",
    "started_at": "2024-04-05T10:30:02Z", "completed_at": None, "template_video_id": None,
}
FAILED = {
    **JOB, "status": "failed", "current_stage": None, "completed_at": "2024-04-05T11:30:02.5Z",
    "style_json": None, "output_video_url": None, "processing_time_seconds": 3600.5,
    "error": {"stage": "motion_analysis", "message": "Job exceeded the processing timeout of 3600 seconds",
              "code": "JOB_TIMEOUT", "details": {}, "timestamp": "2024-04-05T11:30:02.5Z"},
    "logs": [{"timestamp": "2024-04-05T10:30:02Z", "level": "error", "message": "Job timed out",
              "stage": "motion_analysis"}],
    "stage_history": [{"timestamp": "2024-04-05T10:30:00Z", "status": "queued", "progress_percent": 0,
                       "stage": None}],
    "render_metadata": None,
}


def test_job_shapes() -> None:
    assert errors("JobResponse", JOB) == []
    assert errors("JobDetailResponse", FAILED) == []
    detail_only = set(FAILED) - set(JOB)
    assert detail_only == {"style_json", "output_video_url", "error", "processing_time_seconds", "logs",
                           "stage_history", "render_metadata"}
    assert errors("JobResponse", {**JOB, "logs": []})  # JobResponse stays the seed's: no additive fields
    for bad in ({"job_id": "job_XYZ"}, {"video_id": "vid_123"}, {"status": "running"}, {"progress_percent": 101},
                {"current_stage": "style_transfer"}, {"created_at": "2024-04-05T10:30:00"},
                {"created_at": "2024-04-05T10:30:00+00:00"}):
        assert errors("JobResponse", {**JOB, **bad}), bad
    assert errors("JobDetailResponse", {**FAILED, "error": {"stage": "rendering", "message": "x"}})
    envelope = {"success": True, "message": "Job result retrieved", "data": FAILED}
    assert errors("JobDetailEnvelope", envelope) == []
    assert errors("JobDetailEnvelope", {**envelope, "error": None, "timestamp": "2024-04-05T10:30:00"})


def test_style_json_fields() -> None:
    style = document()["components"]["schemas"]["StyleJSON"]
    assert set(style["properties"]) == {
        "version", "color_grade", "aspect_ratio", "frame_rate", "audio_style", "cut_frequency", "motion_intensity",
        "zoom_usage", "primary_transition", "secondary_transition", "text_overlays", "use_subtitles",
        "detected_beats", "tempo_bpm", "music_genre", "created_at", "source_duration_seconds",
        "extraction_confidence"}
    assert style["required"] == list(style["properties"])  # the emulator always sends every field
