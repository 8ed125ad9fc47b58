"""Access tokens: issued as Auth0 issues them, validated by PyJWT from the JWKS, refused with the right reason;
POST /oauth/token's every answer; the discovery document."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from gateway_support import BASE, NOW

from emulator.services.gateway import tokens
from emulator.services.gateway.keys import KeyRing
from emulator.services.gateway.settings import DEFAULT_AUDIENCE, DEFAULT_SCOPES, ApiConfig, GatewaySettings
from emulator.services.gateway.tokens import (
    Claims,
    InsufficientScope,
    Issuer,
    MissingToken,
    TokenError,
    bearer_token,
    openid_configuration,
    parse_basic,
    require_scope,
    token_request,
)

ISS = BASE + "/"
GOOD = {"grant_type": "client_credentials", "client_id": "emulator-client", "client_secret": "emulator-secret",
        "audience": DEFAULT_AUDIENCE}
OTHER_API = "https://other-api.example/"
RBAC_API = "https://rbac-api.example/"


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    def decode(p: str) -> Any:
        return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    return decode(header), decode(payload)


@pytest.fixture
def tenant() -> GatewaySettings:
    """A tenant with more than the defaults: a second API nobody is granted, an RBAC API, several clients."""
    return GatewaySettings.model_validate({
        "apis": [{"identifier": OTHER_API, "scopes": ["read:things"]},
                 {"identifier": RBAC_API, "scopes": ["read:a", "write:a"], "enable_permissions": True,
                  "token_lifetime": 600}],
        "clients": [
            {"client_id": "emulator-client", "client_secret": "emulator-secret", "grants": {DEFAULT_AUDIENCE: None}},
            {"client_id": "narrow", "client_secret": "n-secret", "token_lifetime": 3600,
             "grants": {DEFAULT_AUDIENCE: ["read:transcriptions"], RBAC_API: ["read:a"]}},
            {"client_id": "bare", "client_secret": "b-secret", "grants": {OTHER_API: []}},
            {"client_id": "spa", "client_secret": "s-secret", "grant_types": ["authorization_code"],
             "grants": {DEFAULT_AUDIENCE: None}},
            {"client_id": "pw", "client_secret": "p-secret", "grant_types": ["client_credentials", "password"],
             "grants": {DEFAULT_AUDIENCE: None}},
        ],
        "default_audience": None,
    }).with_issuer(BASE)


def test_token_header_and_claims_are_auth0s(settings: GatewaySettings, ring: KeyRing) -> None:
    status, body, headers = token_request(GOOD, None, settings, ring, NOW)
    assert status == 200
    assert list(body) == ["access_token", "scope", "expires_in", "token_type"]
    assert (body["expires_in"], body["token_type"], body["scope"]) == (86400, "Bearer", " ".join(DEFAULT_SCOPES))
    assert headers["Cache-Control"] == "no-store"
    header, claims = _parts(body["access_token"])
    assert header == {"alg": "RS256", "typ": "JWT", "kid": ring.current.kid}
    assert claims == {"iss": ISS, "sub": "emulator-client@clients", "aud": DEFAULT_AUDIENCE, "iat": int(NOW),
                      "exp": int(NOW) + 86400, "scope": " ".join(DEFAULT_SCOPES), "gty": "client-credentials",
                      "azp": "emulator-client"}


def test_pyjwt_validates_a_token_with_the_jwks(settings: GatewaySettings, ring: KeyRing) -> None:
    now = time.time()  # PyJWT checks exp against the real clock
    _, body, _ = token_request(GOOD, None, settings, ring, now)
    token = body["access_token"]
    keys = jwt.PyJWKSet.from_dict(ring.jwks())
    key = keys[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=DEFAULT_AUDIENCE, issuer=ISS,
                        options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    assert claims["sub"] == "emulator-client@clients"
    # The x5c certificate is a way in too (some libraries take the key from it).
    client = jwt.PyJWKClient(BASE + "/.well-known/jwks.json")
    client.fetch_data = lambda: ring.jwks()  # type: ignore[method-assign]
    assert jwt.decode(token, client.get_signing_key_from_jwt(token), algorithms=["RS256"],
                      audience=DEFAULT_AUDIENCE)["azp"] == "emulator-client"


def test_basic_auth_and_the_python_sdks_json(settings: GatewaySettings, ring: KeyRing) -> None:
    sdk = {"client_id": "emulator-client", "audience": DEFAULT_AUDIENCE, "grant_type": "client_credentials",
           "organization": None}
    assert token_request(sdk, ("emulator-client", "emulator-secret"), settings, ring, NOW)[0] == 200
    basic = "Basic " + base64.b64encode(b"emulator-client:emulator-secret").decode()
    form = {"grant_type": "client_credentials", "audience": DEFAULT_AUDIENCE}
    assert token_request(form, parse_basic(basic), settings, ring, NOW)[0] == 200
    # Basic credentials win over the body's.
    wrong_body = {**GOOD, "client_secret": "nope"}
    assert token_request(wrong_body, ("emulator-client", "emulator-secret"), settings, ring, NOW)[0] == 200
    assert token_request(GOOD, ("emulator-client", "nope"), settings, ring, NOW)[0] == 401


def test_parse_basic() -> None:
    assert parse_basic(None) is None
    assert parse_basic("Bearer abc") is None
    encoded = base64.b64encode(b"my%3Aclient:s%C3%A9cret+x").decode()
    assert parse_basic(f"basic {encoded}") == ("my:client", "sécret x")
    for bad in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Basic " +
                base64.b64encode(b"\xff\xfe:x").decode()):
        with pytest.raises(ValueError):
            parse_basic(bad)


def _error(result: tuple[int, dict[str, Any], dict[str, str]]) -> tuple[int, str, str]:
    status, body, headers = result
    assert headers["Cache-Control"] == "no-store"
    return status, body["error"], body["error_description"]


NOT_GRANTED = ('Client is not authorized to access "https://other-api.example/". You need to create a '
               '"client-grant" associated to this API. See: '
               "https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants")


@pytest.mark.parametrize("body, basic, expected", [
    ({**GOOD, "grant_type": None}, None, (400, "invalid_request", "Missing required parameter: grant_type")),
    ({**GOOD, "grant_type": "magic"}, None, (400, "unsupported_grant_type", "Unsupported grant type: magic")),
    ({**GOOD, "client_id": ""}, None, (400, "invalid_request", "Missing required parameter: client_id")),
    ({k: v for k, v in GOOD.items() if k != "client_id"}, None,
     (400, "invalid_request", "Missing required parameter: client_id")),
    ({**GOOD, "client_id": 42}, None, (400, "invalid_request", "Invalid parameter: client_id must be a string")),
    ({**GOOD, "client_id": "nobody"}, None, (401, "access_denied", "Unauthorized")),
    ({**GOOD, "client_secret": "wrong"}, None, (401, "access_denied", "Unauthorized")),
    ({**GOOD, "client_secret": None}, None, (401, "access_denied", "Unauthorized")),
    ({**GOOD, "client_id": "spa", "client_secret": "s-secret"}, None,
     (403, "unauthorized_client", "Grant type 'client_credentials' not allowed for the client.")),
    ({**GOOD, "grant_type": "password"}, None,
     (403, "unauthorized_client", "Grant type 'password' not allowed for the client.")),
    ({**GOOD, "grant_type": "password"}, ("pw", "p-secret"),
     (400, "unsupported_grant_type",
      "Unsupported grant type: password (the emulator issues client_credentials tokens only)")),
    ({**GOOD, "audience": None}, None,
     (403, "access_denied", "No audience parameter was provided, and no default audience has been configured")),
    ({**GOOD, "audience": ""}, None,
     (403, "access_denied", "No audience parameter was provided, and no default audience has been configured")),
    ({**GOOD, "audience": "https://unknown.example/"}, None,
     (403, "access_denied", "Service not enabled within domain: https://unknown.example/")),
    ({**GOOD, "audience": OTHER_API}, None, (403, "access_denied", NOT_GRANTED)),
    ({**GOOD, "scope": "read:transcriptions fly:away write:nothing"}, None,
     (403, "access_denied", "Client has not been granted scopes: fly:away, write:nothing")),
    ({**GOOD, "client_id": "narrow", "client_secret": "n-secret", "scope": "write:transcriptions"}, None,
     (403, "access_denied", "Client has not been granted scopes: write:transcriptions")),
])
def test_token_request_errors(tenant: GatewaySettings, ring: KeyRing, body: dict[str, Any],
                              basic: tuple[str, str] | None, expected: tuple[int, str, str]) -> None:
    assert _error(token_request(body, basic, tenant, ring, NOW)) == expected


def test_unauthorized_client_carries_auth0s_error_uri(tenant: GatewaySettings, ring: KeyRing) -> None:
    _, body, _ = token_request({**GOOD, "client_id": "spa", "client_secret": "s-secret"}, None, tenant, ring, NOW)
    assert body["error_uri"] == "https://auth0.com/docs/clients/client-grant-types"


def test_a_body_that_is_not_an_object(settings: GatewaySettings, ring: KeyRing) -> None:
    assert _error(token_request(["x"], None, settings, ring, NOW))[:2] == (  # type: ignore[arg-type]
        400, "invalid_request")


def test_default_audience_serves_requests_without_one(ring: KeyRing) -> None:
    s = GatewaySettings(default_audience=DEFAULT_AUDIENCE).with_issuer(BASE)
    status, body, _ = token_request({**GOOD, "audience": None}, None, s, ring, NOW)
    assert status == 200 and _parts(body["access_token"])[1]["aud"] == DEFAULT_AUDIENCE


def test_scopes_narrowing_lifetimes_and_permissions(tenant: GatewaySettings, ring: KeyRing) -> None:
    status, body, _ = token_request({**GOOD, "scope": "write:transcriptions read:transcriptions"}, None, tenant,
                                    ring, NOW)
    assert status == 200 and body["scope"] == "write:transcriptions read:transcriptions"
    narrow = {**GOOD, "client_id": "narrow", "client_secret": "n-secret"}
    _, body, _ = token_request(narrow, None, tenant, ring, NOW)
    claims = _parts(body["access_token"])[1]
    assert (body["scope"], body["expires_in"], claims["exp"] - claims["iat"]) == ("read:transcriptions", 3600, 3600)
    assert "permissions" not in claims
    # An RBAC API with "Add Permissions in the Access Token": permissions lists the granted scopes.
    _, body, _ = token_request({**narrow, "audience": RBAC_API}, None, tenant, ring, NOW)
    claims = _parts(body["access_token"])[1]
    assert (claims["scope"], claims["permissions"], body["expires_in"]) == ("read:a", ["read:a"], 3600)
    # A grant without scopes: no scope in the body or the token.
    _, body, _ = token_request({**GOOD, "client_id": "bare", "client_secret": "b-secret", "audience": OTHER_API},
                               None, tenant, ring, NOW)
    assert "scope" not in body and "scope" not in _parts(body["access_token"])[1]
    assert body["expires_in"] == 86400


def _issue(settings: GatewaySettings, ring: KeyRing, now: float = NOW, **extra: Any) -> str:
    status, body, _ = token_request({**GOOD, **extra}, None, settings, ring, now)
    assert status == 200, body
    return body["access_token"]


def test_verify_accepts_a_good_token(settings: GatewaySettings, ring: KeyRing) -> None:
    claims = Issuer(settings, ring).verify(_issue(settings, ring), DEFAULT_AUDIENCE, NOW + 86399)
    assert isinstance(claims, Claims) and claims.client_id == "emulator-client"
    assert claims.scopes == frozenset(DEFAULT_SCOPES)
    require_scope(claims, "write:video-analyses")


def _reason(settings: GatewaySettings, ring: KeyRing, token: str, now: float = NOW,
            audience: str = DEFAULT_AUDIENCE) -> str:
    with pytest.raises(TokenError) as caught:
        Issuer(settings, ring).verify(token, audience, now)
    assert caught.value.status == 401 and caught.value.error == "invalid_token"
    return caught.value.reason


def test_verify_reasons(settings: GatewaySettings, ring: KeyRing) -> None:
    token = _issue(settings, ring)
    header, payload, signature = token.split(".")
    assert _reason(settings, ring, token, now=NOW + 86400) == tokens.EXPIRED
    assert _reason(settings, ring, token, audience="https://elsewhere/") == tokens.WRONG_AUDIENCE
    other_issuer = GatewaySettings(issuer="https://tenant.example/")
    assert _reason(other_issuer, ring, token) == tokens.WRONG_ISSUER
    signed_junk = jwt.api_jws.encode(b"not json", ring.current.private_key, algorithm="RS256",
                                     headers={"kid": ring.current.kid})
    for junk in ("", "abc", "a.b.c", "e30.e30", signed_junk):
        assert _reason(settings, ring, junk) == tokens.NOT_A_JWT, junk
    claims = _parts(token)[1]
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "scope": "everything"}).encode()).rstrip(b"=").decode()
    assert _reason(settings, ring, f"{header}.{forged}.{signature}") == tokens.BAD_SIGNATURE
    stranger = KeyRing.open(None, NOW)
    assert _reason(settings, ring, _issue(settings, stranger)) == tokens.UNKNOWN_KEY
    # Signed by another key under our kid, or not RS256 at all.
    impostor = jwt.encode(claims, stranger.current.private_key, algorithm="RS256", headers={"kid": ring.current.kid})
    assert _reason(settings, ring, impostor) == tokens.BAD_SIGNATURE
    hs = jwt.encode(claims, "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256",
                    headers={"kid": ring.current.kid})
    assert _reason(settings, ring, hs) == tokens.BAD_SIGNATURE
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert _reason(settings, ring, unsigned) == tokens.BAD_SIGNATURE


def test_scope_check_and_challenges(settings: GatewaySettings, ring: KeyRing) -> None:
    token = _issue(settings, ring, scope="read:transcriptions")
    claims = Issuer(settings, ring).verify(token, DEFAULT_AUDIENCE, NOW)
    with pytest.raises(InsufficientScope) as caught:
        require_scope(claims, "write:transcriptions")
    err = caught.value
    assert (err.status, err.error, err.reason, err.scope) == (403, "insufficient_scope", "insufficient_scope",
                                                              "write:transcriptions")
    assert err.www_authenticate("ai-gateway") == (
        'Bearer realm="ai-gateway", error="insufficient_scope", error_description="The access token does not grant '
        'the scope write:transcriptions", scope="write:transcriptions"')
    with pytest.raises(TokenError) as expired:
        Issuer(settings, ring).verify(token, DEFAULT_AUDIENCE, NOW + 10**6)
    assert expired.value.www_authenticate() == (
        'Bearer error="invalid_token", error_description="The access token expired at 2023-11-15T22:13:20Z"')
    with pytest.raises(MissingToken) as missing:
        bearer_token(None)
    assert (missing.value.status, missing.value.www_authenticate()) == (401, "Bearer")
    for header in ("", "Basic abc", "Bearer ", "Bearer"):
        with pytest.raises(MissingToken):
            bearer_token(header)
    assert bearer_token("bearer  abc.def.ghi ") == "abc.def.ghi"


def test_rotation_keeps_old_tokens_valid_until_retired(settings: GatewaySettings) -> None:
    ring = KeyRing.open(None, NOW)
    issuer = Issuer(settings, ring)
    old_token = _issue(settings, ring)
    old_kid = ring.current.kid
    new_kid = ring.rotate(NOW + 1).kid
    new_token = _issue(settings, ring)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid != old_kid
    assert [k["kid"] for k in ring.jwks()["keys"]] == [new_kid, old_kid]
    for token in (old_token, new_token):
        assert issuer.verify(token, DEFAULT_AUDIENCE, NOW + 5).client_id == "emulator-client"
    ring.retire(old_kid)
    assert _reason(settings, ring, old_token) == tokens.UNKNOWN_KEY
    assert issuer.verify(new_token, DEFAULT_AUDIENCE, NOW + 5)


def test_issuer_needs_a_decided_issuer_and_a_known_api(ring: KeyRing) -> None:
    with pytest.raises(ValueError, match="issuer"):
        Issuer(GatewaySettings(), ring)
    s = GatewaySettings(apis=[ApiConfig(identifier=OTHER_API)]).with_issuer(BASE)
    client = (s.clients or [])[0]
    with pytest.raises(ValueError, match="not an API"):
        Issuer(s, ring).issue(client, "https://nowhere/", None, NOW)


def test_openid_configuration(settings: GatewaySettings, ring: KeyRing) -> None:
    doc = openid_configuration(BASE + "/", ISS)
    assert doc["issuer"] == _parts(_issue(settings, ring))[1]["iss"] == ISS
    assert doc["token_endpoint"] == BASE + "/oauth/token"
    assert doc["jwks_uri"] == BASE + "/.well-known/jwks.json"
    for required in ("authorization_endpoint", "response_types_supported", "subject_types_supported",
                     "id_token_signing_alg_values_supported"):
        assert doc[required], required
    assert {"client_secret_basic", "client_secret_post"} <= set(doc["token_endpoint_auth_methods_supported"])
    assert "client_credentials" in doc["grant_types_supported"]
    assert "RS256" in doc["id_token_signing_alg_values_supported"] and doc["subject_types_supported"] == ["public"]
    assert "openid" in doc["scopes_supported"]
    json.dumps(doc)


@pytest.mark.filterwarnings("ignore:authlib.jose module is deprecated")
def test_authlib_reads_the_jwks_and_the_token(settings: GatewaySettings, ring: KeyRing) -> None:
    from authlib.jose import JsonWebKey, JsonWebToken

    now = time.time()
    token = _issue(settings, ring, now)
    claims = JsonWebToken(["RS256"]).decode(token, JsonWebKey.import_key_set(ring.jwks()),
                                            claims_options={"iss": {"essential": True, "value": ISS},
                                                            "aud": {"essential": True, "value": DEFAULT_AUDIENCE}})
    claims.validate(now=int(now))
    assert claims["gty"] == "client-credentials"
