"""Contract: the token issuer's OpenAPI document (served at /_emulator/openapi/auth.json) against a live server.
Schemathesis fuzzes the token endpoint (form and JSON bodies) and discovery; plain calls then walk a token
through every documented answer, each response checked with the same checks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from contract import CHECKS, Client, Spec, document_tests
from helpers import live

from emulator.services.gateway import HERE
from emulator.services.gateway.auth import AUTH_ROUTES
from emulator.settings import Settings

pytestmark = pytest.mark.contract

SPEC = Spec("/_emulator/openapi/auth.json", "", HERE / "auth.json", CHECKS)
GOOD = {"grant_type": "client_credentials", "client_id": "emulator-client", "client_secret": "emulator-secret",
        "audience": "https://ai-gateway.emulator/"}


def emulator_settings() -> Settings:
    return Settings(in_memory=True, time_scale=0, seed=22)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live(emulator_settings()) as url:
        yield url


api_schema, test_api_conforms, test_served_document_is_the_file = document_tests(SPEC, max_examples=60)


def test_document_covers_exactly_the_route_table() -> None:
    doc = SPEC.document()
    routes = {(e.path, e.method.lower()) for e in AUTH_ROUTES}  # the catch-all for /oauth/* is not documented
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == routes


@pytest.fixture
def api(server: str) -> Client:
    return Client(SPEC, server)


@pytest.mark.parametrize("media_type", ["application/json", "application/x-www-form-urlencoded"])
def test_every_token_answer_conforms(api: Client, media_type: str) -> None:
    def token(status: int, **changes: str | None) -> dict[str, str]:
        body = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
        return dict(api.json("/oauth/token", "POST", status, body=body, media_type=media_type))

    ok = token(200)
    assert ok["token_type"] == "Bearer" and ok["expires_in"] == 86400
    assert token(200, scope="read:providers")["scope"] == "read:providers"
    assert token(401, client_secret="wrong") == {"error": "access_denied", "error_description": "Unauthorized"}
    assert token(401, client_id="nobody")["error"] == "access_denied"
    assert token(403, audience="https://elsewhere/")["error_description"] == (
        "Service not enabled within domain: https://elsewhere/")
    assert token(403, audience=None)["error"] == "access_denied"
    assert token(403, scope="delete:everything")["error"] == "access_denied"
    assert token(400, grant_type="magic")["error"] == "unsupported_grant_type"
    assert token(400, client_id=None)["error"] == "invalid_request"
    assert token(403, grant_type="password")["error"] == "unauthorized_client"
    api.json("/.well-known/jwks.json", "GET")
    api.json("/.well-known/openid-configuration", "GET")
