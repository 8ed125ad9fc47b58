"""GatewaySettings defaults and checks; the signing key ring: JWKS shape, persistence, rotation, retirement."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from gateway_support import BASE, NOW
from pydantic import ValidationError

from emulator.services.gateway.keys import KeyFileError, KeyRing, b64url, thumbprint
from emulator.services.gateway.settings import DEFAULT_AUDIENCE, DEFAULT_SCOPES, ApiConfig, GatewaySettings


def test_settings_defaults() -> None:
    s = GatewaySettings()
    assert (s.auth, s.issuer, s.audience, s.default_audience, s.workers) == ("required", None, DEFAULT_AUDIENCE,
                                                                             None, 2)
    assert DEFAULT_AUDIENCE == "https://ai-gateway.emulator/"
    [api] = s.apis or []
    assert (api.identifier, api.scopes, api.enable_permissions, api.token_lifetime) == (
        DEFAULT_AUDIENCE, DEFAULT_SCOPES, False, 86400)
    assert "write:transcriptions" in api.scopes and "read:providers" in api.scopes
    [client] = s.clients or []
    assert (client.client_id, client.client_secret, client.grant_types, client.grants, client.token_lifetime) == (
        "emulator-client", "emulator-secret", ["client_credentials"], {DEFAULT_AUDIENCE: None}, None)
    assert s.with_issuer(BASE).issuer == BASE + "/"
    assert s.with_issuer(BASE + "/").issuer == BASE + "/"
    assert GatewaySettings(issuer="https://tenant.example").with_issuer(BASE).issuer == "https://tenant.example"


def test_settings_follow_the_audience_and_keep_the_gateway_api() -> None:
    s = GatewaySettings(audience="https://api.example/", apis=[ApiConfig(identifier="https://other/")])
    assert [a.identifier for a in s.apis or []] == ["https://api.example/", "https://other/"]
    assert (s.clients or [])[0].grants == {"https://api.example/": None}


@pytest.mark.parametrize("values, message", [
    ({"surprise": 1}, "Extra inputs"),
    ({"auth": "sometimes"}, "auth"),
    ({"workers": 0}, "workers"),
    ({"clients": [{"client_id": "a", "client_secret": "s", "grants": {"https://nowhere/": None}}]}, "not an API"),
    ({"clients": [{"client_id": "a", "client_secret": "s", "grants": {DEFAULT_AUDIENCE: ["fly:away"]}}]},
     "does not define"),
    ({"clients": [{"client_id": "a", "client_secret": "s"}, {"client_id": "a", "client_secret": "t"}]}, "unique"),
    ({"clients": [{"client_id": "a", "client_secret": "s", "grant_types": ["magic"]}]}, "unknown grant type"),
])
def test_settings_refuse_bad_values(values: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        GatewaySettings.model_validate(values)


def _b64url_int(value: str) -> int:
    assert "=" not in value
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def test_jwks_is_shaped_like_auth0s(ring: KeyRing) -> None:
    [jwk] = ring.jwks()["keys"]
    assert list(jwk) == ["kty", "use", "n", "e", "kid", "x5t", "x5c", "alg"]
    assert (jwk["kty"], jwk["use"], jwk["alg"], jwk["e"]) == ("RSA", "sig", "RS256", "AQAB")
    numbers = ring.current.public_key.public_numbers()
    assert _b64url_int(jwk["n"]) == numbers.n and numbers.n.bit_length() == 2048
    assert jwk["kid"] == ring.current.kid == thumbprint(ring.current.public_key)
    # RFC 7638 thumbprint, recomputed from the published members.
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":")).encode()
    assert jwk["kid"] == b64url(hashlib.sha256(canonical).digest())
    der = base64.b64decode(jwk["x5c"][0])
    cert = x509.load_der_x509_certificate(der)
    assert cert.public_key().public_numbers() == numbers
    assert jwk["x5t"] == b64url(hashlib.sha1(der).digest())


def test_in_memory_rings_get_a_new_key_each_time(ring: KeyRing) -> None:
    assert KeyRing.open(None, NOW).current.kid != ring.current.kid


def test_keys_persist_rotate_and_retire(tmp_path: Path) -> None:
    folder = tmp_path / "gateway"
    first = KeyRing.open(folder, NOW)
    path = folder / "keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert KeyRing.open(folder).current.kid == first.current.kid
    old = first.current.kid
    new = first.rotate(NOW + 10)
    assert first.current is new and [k.kid for k in first.keys] == [new.kid, old]
    again = KeyRing.open(folder)
    assert [k["kid"] for k in again.jwks()["keys"]] == [new.kid, old]
    assert again.current.private_key.private_numbers() == new.private_key.private_numbers()
    assert again.get(old).created == NOW  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="rotate"):
        again.retire(new.kid)
    with pytest.raises(KeyError):
        again.retire("nope")
    again.retire(old)
    assert [k.kid for k in KeyRing.open(folder).keys] == [new.kid]


@pytest.mark.parametrize("content", ["", "{}", '{"keys": []}', '{"keys": [{"kid": "x"}]}', "not json"])
def test_a_broken_key_file_is_reported(tmp_path: Path, content: str) -> None:
    (tmp_path / "keys.json").write_text(content)
    with pytest.raises(KeyFileError, match="keys.json"):
        KeyRing.open(tmp_path)


def test_private_key_is_pem_pkcs8(ring: KeyRing) -> None:
    pem = ring.current.private_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert serialization.load_pem_private_key(pem, None).public_key().public_numbers() == (  # type: ignore[union-attr]
        ring.current.public_key.public_numbers())
