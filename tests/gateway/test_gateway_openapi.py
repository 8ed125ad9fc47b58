"""The gateway's and the token issuer's OpenAPI documents: valid, complete, and describing what the pure pieces
produce (every body below is checked against its schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gateway_support import BASE, NOW
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from emulator.services.gateway.keys import KeyRing
from emulator.services.gateway.providers import providers_document
from emulator.services.gateway.results.analysis import ORDER, video_analysis
from emulator.services.gateway.results.transcription import transcription
from emulator.services.gateway.results.translation import translation
from emulator.services.gateway.settings import DEFAULT_AUDIENCE, DEFAULT_SCOPES, GatewaySettings
from emulator.services.gateway.tokens import openid_configuration, token_request

HERE = Path(__file__).resolve().parents[2] / "emulator" / "services" / "gateway"
GATEWAY = json.loads((HERE / "openapi.json").read_text())
AUTH = json.loads((HERE / "auth.json").read_text())


def _check(doc: dict[str, Any], schema: str, body: Any) -> None:
    validator = Draft202012Validator({**doc, "$ref": f"#/components/schemas/{schema}"})
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, errors[0]


@pytest.mark.parametrize("doc", [GATEWAY, AUTH], ids=["openapi.json", "auth.json"])
def test_documents_are_valid_openapi(doc: dict[str, Any]) -> None:
    validate(doc)
    assert doc["openapi"].startswith("3.1")


def test_gateway_paths_security_and_links() -> None:
    assert sorted(GATEWAY["paths"]) == sorted([
        "/v1/transcriptions", "/v1/transcriptions/{id}", "/v1/transcriptions/{id}/result",
        "/v1/translations", "/v1/translations/{id}", "/v1/translations/{id}/result",
        "/v1/video-analyses", "/v1/video-analyses/{id}", "/v1/video-analyses/{id}/result", "/v1/providers",
        "/v1/downloads/{id}"])
    assert GATEWAY["x-oidc-audience"] == DEFAULT_AUDIENCE
    scheme = GATEWAY["components"]["securitySchemes"]["oauth2ClientCredentials"]
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token" and sorted(flow["scopes"]) == sorted(DEFAULT_SCOPES)
    for collection in ("transcriptions", "translations", "video-analyses"):
        post = GATEWAY["paths"][f"/v1/{collection}"]["post"]
        assert post["security"] == [{"oauth2ClientCredentials": [f"write:{collection}"]}]
        accepted = post["responses"]["202"]
        assert "Location" in accepted["headers"]
        assert {link["operationId"] for link in accepted["links"].values()} == {
            f"get_{collection}", f"get_{collection}_result"}
        assert set(post["requestBody"]["content"]) == {"application/json", "application/vnd.api+json"}
        result = GATEWAY["paths"][f"/v1/{collection}/{{id}}/result"]["get"]
        assert "RESULT_NOT_READY" in result["responses"]["404"]["description"]
    content = GATEWAY["paths"]["/v1/transcriptions/{id}/result"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/srt", "text/vtt"}
    assert set(GATEWAY["webhooks"]) == {"transcription", "translation", "video-analysis"}


def test_error_document_is_the_seeds() -> None:
    _check(GATEWAY, "ErrorResponse", {"error": {"code": "RESULT_NOT_READY", "message": "Not completed yet."}})
    for path in GATEWAY["paths"].values():
        for operation in path.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")


def test_results_match_their_schemas() -> None:
    attrs = {"input": {"type": "video", "url": "https://x.example/a.mp4"},
             "options": {"language": "en", "diarization": True}}
    t = transcription(1, attrs, "twelvelabs")
    _check(GATEWAY, "Result", t.result())
    _check(GATEWAY, "Result", transcription(1, {**attrs, "options": {"timestamps": False}}, "eden-ai").result())
    for kind in ("text", "document"):
        source = {"type": kind, "content": "Hello there", "url": "https://x.example/d.pdf", "target_language": "fr"}
        _check(GATEWAY, "translation_Result", translation(1, {"input": source}, "eden-ai", "https://x.example/o"))
    analysis = video_analysis(1, {"input": {"url": "https://x.example/a.mp4", "features": list(ORDER)}}, "twelvelabs")
    _check(GATEWAY, "video-analysis_Result", analysis)
    _check(GATEWAY, "ProviderList", providers_document())


def test_a_job_envelope_matches_its_schema() -> None:
    job = {"data": {"id": "2f41bc1f-b608-4360-acd9-a26a296fea3c", "type": "transcription-job", "attributes": {
        "provider": "twelvelabs", "status": "pending", "created_at": "2024-03-15T10:00:00Z",
        "input": {"type": "video", "url": "https://x.example/a.mp4"}, "options": {"language": "en"}},
        "meta": {"client": {"ref": 1}, "system": {"region": "eu-west-1", "worker_id": "wk_789"}}}}
    _check(GATEWAY, "transcription_Job", job)
    _check(GATEWAY, "transcription_WebhookPayload", {"event": "transcription.completed", **job})
    with pytest.raises(AssertionError):
        _check(GATEWAY, "transcription_Job", {"data": {**job["data"], "type": "translation-job"}})


def test_issuer_bodies_match_auth_json() -> None:
    settings, ring = GatewaySettings().with_issuer(BASE), KeyRing.open(None, NOW)
    body = {"grant_type": "client_credentials", "client_id": "emulator-client", "client_secret": "emulator-secret",
            "audience": DEFAULT_AUDIENCE, "organization": None}
    _check(AUTH, "TokenRequestJson", body)
    _check(AUTH, "TokenResponse", token_request(body, None, settings, ring, NOW)[1])
    _check(AUTH, "OAuthError", token_request({**body, "client_secret": "x"}, None, settings, ring, NOW)[1])
    _check(AUTH, "JWKS", ring.jwks())
    _check(AUTH, "OpenIDConfiguration", openid_configuration(BASE, BASE + "/"))
    assert set(AUTH["paths"]["/oauth/token"]["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded", "application/json"}
