"""The Auth0-compatible issuer on a live server, through unmodified real clients: Auth0's Python SDK (GetToken,
TokenVerifier), Authlib's OAuth2Client (HTTP Basic and client_secret_post), PyJWT's PyJWKClient. Then every
token error in Auth0's body, discovery, key rotation through the admin API, wall-clock expiry, the token
scenarios (503, 429, short-lived tokens), the /v1 Bearer checks and the journal's masking."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
import requests
from auth0.authentication import GetToken
from auth0.authentication.token_verifier import AsymmetricSignatureVerifier, TokenValidationError, TokenVerifier

from emulator.testing import Emulator

AUDIENCE = "https://ai-gateway.emulator/"
OTHER = "https://other.api/"
CLIENTS = [
    {"client_id": "emulator-client", "client_secret": "emulator-secret", "grants": {AUDIENCE: None}},
    {"client_id": "other-only", "client_secret": "s2", "grants": {OTHER: None}},
    {"client_id": "code-only", "client_secret": "s3", "grant_types": ["authorization_code"],
     "grants": {AUDIENCE: None}},
    {"client_id": "reader", "client_secret": "s4", "grants": {AUDIENCE: ["read:transcriptions"]}},
    {"client_id": "brief", "client_secret": "s5", "grants": {AUDIENCE: None}, "token_lifetime": 1},
    {"client_id": "ci-short-tokens", "client_secret": "s6", "grants": {AUDIENCE: None}},
]
GATEWAY = {"apis": [{"identifier": OTHER, "scopes": ["read:other"]}], "clients": CLIENTS}


@pytest.fixture(scope="module")
def live() -> Iterator[Emulator]:
    with Emulator(seed=5, gateway=GATEWAY) as emu:
        yield emu


@pytest.fixture
def emu(live: Emulator) -> Emulator:
    live.reset()
    return live


def host(emu: Emulator) -> str:
    return emu.url.removeprefix("http://")


def token_of(emu: Emulator, client_id: str = "emulator-client", secret: str = "emulator-secret",
             **extra: Any) -> str:
    r = requests.post(emu.url + "/oauth/token", timeout=10, json={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "audience": AUDIENCE,
        **extra})
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token


def providers(emu: Emulator, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(emu.url + "/v1/providers", headers=headers, timeout=10)


def journal(emu: Emulator, path: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = list(emu.admin.requests(path=path))
    return entries


def issued(emu: Emulator) -> list[dict[str, Any]]:
    tokens: list[dict[str, Any]] = requests.get(emu.url + "/_emulator/gateway/tokens", timeout=10).json()["tokens"]
    return tokens


# --- real clients


def test_auth0_sdk_gets_a_token_with_its_json_body(emu: Emulator) -> None:
    answer = GetToken(host(emu), "emulator-client", client_secret="emulator-secret",
                      protocol="http").client_credentials(AUDIENCE)
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 86400
    assert providers(emu, answer["access_token"]).status_code == 200
    sent = journal(emu, "/oauth/token")[0]
    body = json.loads(sent["body"])
    assert body["organization"] is None and body["client_secret"] == "****"  # masked in the journal
    assert sent["headers"]["content-type"].startswith("application/json")
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert claims["iss"] == emu.url + "/" and claims["sub"] == "emulator-client@clients"
    assert claims["aud"] == AUDIENCE and claims["azp"] == "emulator-client"
    assert claims["gty"] == "client-credentials" and claims["exp"] - claims["iat"] == 86400
    assert "read:transcriptions" in claims["scope"].split() and "permissions" not in claims
    assert jwt.get_unverified_header(answer["access_token"])["typ"] == "JWT"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_oauth2_client(emu: Emulator, method: str) -> None:
    from authlib.integrations.httpx_client import OAuth2Client

    with OAuth2Client("emulator-client", "emulator-secret", token_endpoint_auth_method=method) as client:
        token = client.fetch_token(emu.url + "/oauth/token", grant_type="client_credentials", audience=AUDIENCE)
        assert token["token_type"] == "Bearer"
        r = client.get(emu.url + "/v1/providers")  # Authlib puts the token in the Authorization header
        assert r.status_code == 200
    sent = journal(emu, "/oauth/token")[0]
    assert sent["headers"]["content-type"].startswith("application/x-www-form-urlencoded")
    if method == "client_secret_basic":
        assert sent["headers"]["authorization"] == "Basic ****" and "client_secret" not in sent["body"]
    else:
        assert "client_secret=****" in sent["body"] and "authorization" not in sent["headers"]


def test_form_body_with_a_charset(emu: Emulator) -> None:
    r = requests.post(emu.url + "/oauth/token", timeout=10,
                      headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
                      data="grant_type=client_credentials&client_id=emulator-client&client_secret=emulator-secret"
                           "&audience=https%3A%2F%2Fai-gateway.emulator%2F&scope=read%3Aproviders")
    assert r.status_code == 200 and r.json()["scope"] == "read:providers"
    assert r.headers["cache-control"] == "no-store" and r.headers["pragma"] == "no-cache"


def test_pyjwt_validates_tokens_with_the_published_jwks(emu: Emulator) -> None:
    config = requests.get(emu.url + "/.well-known/openid-configuration", timeout=10).json()
    token = token_of(emu)
    key = jwt.PyJWKClient(config["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=AUDIENCE, issuer=config["issuer"])
    assert claims["sub"] == "emulator-client@clients"
    jwks = requests.get(config["jwks_uri"], timeout=10).json()
    assert [set(k) >= {"kid", "use", "alg", "n", "e", "kty"} for k in jwks["keys"]] == [True]
    assert (jwks["keys"][0]["use"], jwks["keys"][0]["alg"]) == ("sig", "RS256")


def test_auth0_token_verifier_accepts_the_access_token(emu: Emulator) -> None:
    """TokenVerifier is Auth0's ID-token verifier: it checks the signature against the JWKS (its
    AsymmetricSignatureVerifier and JwksFetcher), iss, sub, aud, exp and iat. An access token has all of them,
    so given the API's identifier as the audience it verifies one completely (no nonce, no auth_time asked)."""
    issuer = emu.url + "/"
    verifier = TokenVerifier(AsymmetricSignatureVerifier(emu.url + "/.well-known/jwks.json"), issuer, AUDIENCE)
    payload = verifier.verify(token_of(emu))
    assert payload["azp"] == "emulator-client"
    head, claims, signature = token_of(emu).split(".")
    forged = ".".join([head, jwt.utils.base64url_encode(json.dumps({
        **jwt.decode(token_of(emu), options={"verify_signature": False}), "sub": "someone-else@clients"}).encode(
    )).decode(), signature])
    with pytest.raises(TokenValidationError, match="signature"):
        verifier.verify(forged)
    with pytest.raises(TokenValidationError, match="Audience"):
        TokenVerifier(AsymmetricSignatureVerifier(emu.url + "/.well-known/jwks.json"), issuer,
                      "https://elsewhere/").verify(token_of(emu))


# --- errors: only Auth0's bodies


GOOD = {"grant_type": "client_credentials", "client_id": "emulator-client", "client_secret": "emulator-secret",
        "audience": AUDIENCE}
NO_GRANT = ('Client is not authorized to access "https://other.api/". You need to create a "client-grant" '
            "associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants")


@pytest.mark.parametrize(("changes", "status", "error", "description"), [
    ({"client_secret": "wrong"}, 401, "access_denied", "Unauthorized"),
    ({"client_id": "nobody"}, 401, "access_denied", "Unauthorized"),
    ({"client_secret": None}, 401, "access_denied", "Unauthorized"),
    ({"audience": "https://nowhere/"}, 403, "access_denied", "Service not enabled within domain: https://nowhere/"),
    ({"audience": None}, 403, "access_denied",
     "No audience parameter was provided, and no default audience has been configured"),
    ({"client_id": "emulator-client", "audience": OTHER}, 403, "access_denied", NO_GRANT),
    ({"grant_type": "authorization_code"}, 403, "unauthorized_client",
     "Grant type 'authorization_code' not allowed for the client."),
    ({"grant_type": "urn:example:magic"}, 400, "unsupported_grant_type", "Unsupported grant type: urn:example:magic"),
    ({"client_id": None}, 400, "invalid_request", "Missing required parameter: client_id"),
    ({"grant_type": None}, 400, "invalid_request", "Missing required parameter: grant_type"),
    ({"scope": "read:transcriptions delete:all"}, 403, "access_denied",
     "Client has not been granted scopes: delete:all"),
])
@pytest.mark.parametrize("as_form", [False, True], ids=["json", "form"])
def test_token_errors(emu: Emulator, changes: dict[str, Any], status: int, error: str, description: str,
                      as_form: bool) -> None:
    body = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    r = requests.post(emu.url + "/oauth/token", timeout=10, **({"data": body} if as_form else {"json": body}))
    assert r.status_code == status
    answer = r.json()
    assert answer["error"] == error and answer["error_description"] == description
    assert set(answer) <= {"error", "error_description", "error_uri"}


def test_other_grant_types_and_a_client_without_client_credentials(emu: Emulator) -> None:
    r = requests.post(emu.url + "/oauth/token", timeout=10, json={**GOOD, "client_id": "code-only",
                                                                 "client_secret": "s3"})
    assert r.status_code == 403 and r.json() == {
        "error": "unauthorized_client", "error_description": "Grant type 'client_credentials' not allowed for the "
        "client.", "error_uri": "https://auth0.com/docs/clients/client-grant-types"}
    r = requests.post(emu.url + "/oauth/token", timeout=10, json={**GOOD, "client_id": "code-only",
                                                                 "client_secret": "s3",
                                                                 "grant_type": "authorization_code"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "error"), [
    ("POST", "/oauth/token", {"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400,
     "invalid_request"),
    ("POST", "/oauth/token", {"json": ["grant_type"]}, 400, "invalid_request"),
    ("POST", "/oauth/token", {"data": b"<x/>", "headers": {"Content-Type": "application/xml"}}, 400,
     "invalid_request"),
    ("POST", "/oauth/token", {"data": "grant_type=a&grant_type=b",
                              "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400,
     "invalid_request"),
    ("POST", "/oauth/token", {"json": GOOD, "headers": {"Authorization": "Basic %%%"}}, 401, "access_denied"),
    ("GET", "/oauth/token", {}, 405, "method_not_allowed"),
    ("DELETE", "/oauth/token", {}, 405, "method_not_allowed"),
    ("GET", "/oauth/authorize", {}, 404, "not_found"),
    ("POST", "/oauth/revoke", {"json": {}}, 404, "not_found"),
    ("POST", "/.well-known/jwks.json", {}, 405, "method_not_allowed"),
])
def test_anything_else_answers_in_auth0s_body(emu: Emulator, method: str, path: str, kwargs: dict[str, Any],
                                              status: int, error: str) -> None:
    r = requests.request(method, emu.url + path, timeout=10, **kwargs)
    assert r.status_code == status and r.json()["error"] == error and r.json()["error_description"]
    if status == 405:
        assert r.headers["allow"] in ("POST", "GET, HEAD")


def test_default_audience_setting() -> None:
    with Emulator(gateway={"default_audience": AUDIENCE}) as emu:
        body = {k: v for k, v in GOOD.items() if k != "audience"}
        r = requests.post(emu.url + "/oauth/token", json=body, timeout=10)
        assert r.status_code == 200
        assert jwt.decode(r.json()["access_token"], options={"verify_signature": False})["aud"] == AUDIENCE


# --- discovery, issuer, keys


def test_discovery_document(emu: Emulator) -> None:
    config = requests.get(emu.url + "/.well-known/openid-configuration", timeout=10).json()
    assert config["issuer"] == emu.url + "/"
    assert config["token_endpoint"] == emu.url + "/oauth/token"
    assert config["jwks_uri"] == emu.url + "/.well-known/jwks.json"
    assert config["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert "client_credentials" in config["grant_types_supported"]
    assert {"response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported",
            "scopes_supported", "claims_supported"} <= set(config)


def test_issuer_setting_and_own_port() -> None:
    with Emulator(gateway={"issuer": "https://tenant.auth0.com/"}, listen={"gateway": 0}) as emu:
        token = token_of(emu)
        assert jwt.decode(token, options={"verify_signature": False})["iss"] == "https://tenant.auth0.com/"
        for base in (emu.url, emu.port_url("gateway")):
            config = requests.get(base + "/.well-known/openid-configuration", timeout=10).json()
            assert config["issuer"] == "https://tenant.auth0.com/" and config["token_endpoint"] == (
                base + "/oauth/token")
            assert providers(emu, token).status_code == 200
        assert "AI Gateway token issuer https://tenant.auth0.com/" in emu.app.state.listen_lines[0]
    with Emulator(listen={"gateway": 0}) as emu:
        own = emu.port_url("gateway")
        assert jwt.decode(token_of(emu), options={"verify_signature": False})["iss"] == own + "/"
        line = emu.app.state.listen_lines[0]
        assert line.startswith(f"AI Gateway token issuer {own}/ (client emulator-client / emulator-secret")


def test_key_rotation_through_the_admin_api(emu: Emulator) -> None:
    old_token = token_of(emu)
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    keys = requests.post(emu.url + "/_emulator/gateway/keys/rotate", timeout=30).json()
    new_kid = keys["signing"]
    assert new_kid != old_kid and [k["kid"] for k in keys["keys"]] == [new_kid, old_kid]
    published = [k["kid"] for k in requests.get(emu.url + "/.well-known/jwks.json", timeout=10).json()["keys"]]
    assert published == [new_kid, old_kid]  # the new key beside the old one
    new_token = token_of(emu)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    assert providers(emu, old_token).status_code == 200  # valid until its key is retired
    r = requests.delete(emu.url + f"/_emulator/gateway/keys/{new_kid}", timeout=10)
    assert r.status_code == 409  # the signing key: rotate first
    assert requests.delete(emu.url + "/_emulator/gateway/keys/nope", timeout=10).status_code == 404
    r = requests.delete(emu.url + f"/_emulator/gateway/keys/{old_kid}", timeout=10)
    assert r.status_code == 200 and [k["kid"] for k in r.json()["keys"]] == [new_kid]
    refused = providers(emu, old_token)
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert "kid" in refused.json()["error"]["message"]
    assert providers(emu, new_token).status_code == 200


def test_keys_are_kept_in_the_data_dir(tmp_path: Any) -> None:
    def kids(**settings: Any) -> list[str]:
        with Emulator(**settings) as emu:
            return [k["kid"] for k in requests.get(emu.url + "/.well-known/jwks.json", timeout=10).json()["keys"]]

    first = kids(in_memory=False, data_dir=str(tmp_path))
    assert (tmp_path / "gateway" / "keys.json").exists()
    assert kids(in_memory=False, data_dir=str(tmp_path)) == first  # made on first use (here the JWKS), then kept
    assert kids() != kids()  # --in-memory: a fresh key each run


# --- time: tokens live in wall-clock time


def test_virtual_time_never_expires_a_token_but_wall_time_does(emu: Emulator) -> None:
    token = token_of(emu)
    emu.admin.advance(30 * 86400)
    assert providers(emu, token).status_code == 200
    brief = token_of(emu, "brief", "s5")  # lifetime 1 s
    claims = jwt.decode(brief, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 1
    time.sleep(max(0.0, claims["exp"] - time.time()) + 0.2)  # wall-clock expiry: a real wait of about a second
    r = providers(emu, brief)
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
    assert 'error="invalid_token"' in r.headers["www-authenticate"] and "expired" in r.json()["error"]["message"]


def test_short_lived_tokens_scenario(emu: Emulator) -> None:
    r = requests.post(emu.url + "/oauth/token", json={**GOOD, "client_id": "ci-short-tokens", "client_secret": "s6"},
                      timeout=10)
    assert r.status_code == 200 and r.json()["expires_in"] == 5
    claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 5
    assert issued(emu)[0]["scenario"] == "gateway-short-tokens"


# --- token scenarios: faults on /oauth/token


def test_token_endpoint_unavailable_when_forced(emu: Emulator) -> None:
    emu.admin.use_scenario("gateway-token-unavailable", count=2)
    for _ in range(2):
        with pytest.raises(Exception, match="503|temporarily"):
            GetToken(host(emu), "emulator-client", client_secret="emulator-secret",
                     protocol="http").client_credentials(AUDIENCE)
    r = requests.post(emu.url + "/oauth/token", json=GOOD, timeout=10)
    assert r.status_code == 200  # the forced count is used up
    r = requests.post(emu.url + "/oauth/token", json=GOOD, timeout=10,
                      headers={"X-Emulator-Scenario": "gateway-token-unavailable"})
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json() == {"error": "temporarily_unavailable", "error_description": "Service Unavailable"}
    r = requests.post(emu.url + "/oauth/token", json=GOOD, timeout=10,
                      headers={"X-Emulator-Scenario": "gateway-provider-outage"})  # a job scenario: not for tokens
    assert r.status_code == 200
    r = requests.post(emu.url + "/oauth/token", json=GOOD, timeout=10, headers={"X-Emulator-Scenario": "nope"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_token_endpoint_rate_limited(emu: Emulator) -> None:
    body = {**GOOD, "client_id": "ci-token-rate-limited"}  # any client id with the word: checked before the client
    statuses = []
    for _ in range(4):
        r = requests.post(emu.url + "/oauth/token", json=body, timeout=10)
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert r.json() == {"error": "too_many_requests", "error_description": "Global limit has been reached"}
            assert r.headers["retry-after"] == "2" and r.headers["x-ratelimit-limit"] == "30"
            assert r.headers["x-ratelimit-remaining"] == "0"
            assert 0 < int(r.headers["x-ratelimit-reset"]) - time.time() <= 3
    assert statuses == [401, 429, 401, 429]


# --- /v1: the Bearer check


def test_bearer_check_reasons(emu: Emulator) -> None:
    r = providers(emu, None)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"]["code"] == "UNAUTHORIZED"
    assert "not a JWT" in providers(emu, "abc.def").json()["error"]["message"]
    good = token_of(emu)
    head, payload, signature = good.split(".")
    tampered = ".".join([head, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"), signature])
    r = providers(emu, tampered)
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
    other = requests.post(emu.url + "/oauth/token", timeout=10, json={**GOOD, "client_id": "other-only",
                                                                      "client_secret": "s2", "audience": OTHER})
    r = providers(emu, other.json()["access_token"])
    assert r.status_code == 401 and f"for '{OTHER}'" in r.json()["error"]["message"]  # wrong audience
    reader = token_of(emu, "reader", "s4")
    r = providers(emu, reader)
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
    assert 'scope="read:providers"' in r.headers["www-authenticate"]
    r = requests.post(emu.url + "/v1/transcriptions", headers={"Authorization": f"Bearer {reader}"}, json={},
                      timeout=10)
    assert r.status_code == 403  # the scope is checked before the body
    r = requests.get(emu.url + "/v1/transcriptions/2f41bc1f-b608-4360-acd9-a26a296fea3c",
                     headers={"Authorization": f"Bearer {reader}"}, timeout=10)
    assert r.status_code == 404  # read:transcriptions is enough to ask
    assert journal(emu, "/v1/providers")[-1]["headers"]["authorization"] == "Bearer ****"


@pytest.mark.parametrize("mode", ["optional", "off"])
def test_auth_modes(mode: str) -> None:
    with Emulator(gateway={"auth": mode}) as emu:
        assert providers(emu, None).status_code == 200
        assert providers(emu, "garbage").status_code == (401 if mode == "optional" else 200)
        job = httpx.post(emu.url + "/v1/translations", json={"data": {"type": "translation-job", "attributes": {
            "input": {"type": "text", "content": "hello", "target_language": "de"}}}})
        assert job.status_code == 202


def test_reset_forgets_the_token_log_not_the_tokens(emu: Emulator) -> None:
    token = token_of(emu)
    assert len(issued(emu)) == 1
    emu.reset()
    assert issued(emu) == []
    assert providers(emu, token).status_code == 200  # a client's cached token survives a reset


def test_a_broken_key_file_stops_the_server_with_a_message(tmp_path: Any) -> None:
    from emulator.app import create_app
    from emulator.settings import Settings, SettingsError

    (tmp_path / "gateway").mkdir()
    (tmp_path / "gateway" / "keys.json").write_text("not json")
    with pytest.raises(SettingsError, match="gateway: .*keys.json: not a key file this emulator wrote"):
        create_app(Settings(data_dir=tmp_path, time_scale=0))
