"""Auth0-compatible access tokens: issued by POST /oauth/token (client credentials), checked on /v1/*.

Tokens follow Auth0's default profile (RS256, header alg/typ/kid; claims iss with a trailing slash,
sub "<client_id>@clients", aud a string, iat/exp, azp, gty "client-credentials", scope, permissions when the API
enables RBAC permissions). They are stamped and checked in wall-clock time, never the emulator's virtual clock:
clients and API libraries compare them with their own clock.

Everything here is pure: token_request() takes the parsed body and returns (status, body, headers)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import unquote_plus

from .keys import KeyRing
from .settings import GRANT_TYPES, ApiConfig, ClientConfig, GatewaySettings

GTY = "client-credentials"
CLIENT_GRANT_DOCS = "https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants"
GRANT_TYPE_DOCS = "https://auth0.com/docs/clients/client-grant-types"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# TokenError reasons (invalid_token, 401).
NOT_A_JWT = "not a JWT"
UNKNOWN_KEY = "unknown key"
BAD_SIGNATURE = "bad signature"
WRONG_ISSUER = "wrong issuer"
WRONG_AUDIENCE = "wrong audience"
EXPIRED = "expired"
MISSING = "missing token"
INSUFFICIENT_SCOPE = "insufficient_scope"  # 403


class TokenError(Exception):
    """A token /v1/* must refuse. reason: one of the constants above; description: for people (and for
    WWW-Authenticate's error_description)."""

    status = 401
    error = "invalid_token"  # RFC 6750 §3.1

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason, self.description = reason, description

    def www_authenticate(self, realm: str | None = None) -> str:
        return www_authenticate(realm, self.error, self.description)


class InsufficientScope(TokenError):
    status = 403
    error = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(INSUFFICIENT_SCOPE, f"The access token does not grant the scope {scope}")
        self.scope = scope

    def www_authenticate(self, realm: str | None = None) -> str:
        return www_authenticate(realm, self.error, self.description, self.scope)


class MissingToken(TokenError):
    """No Bearer token at all: RFC 6750 §3.1 says the challenge then carries no error code."""

    def __init__(self) -> None:
        super().__init__(MISSING, "An access token is required (Authorization: Bearer <token>)")

    def www_authenticate(self, realm: str | None = None) -> str:
        return www_authenticate(realm)


def www_authenticate(realm: str | None = None, error: str | None = None, description: str | None = None,
                     scope: str | None = None) -> str:
    params = [(k, v) for k, v in (("realm", realm), ("error", error), ("error_description", description),
                                  ("scope", scope)) if v]
    return "Bearer" + ("" if not params else " " + ", ".join(f'{k}="{_quoted(v)}"' for k, v in params))


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def bearer_token(authorization: str | None) -> str:
    """The token of an Authorization header. Raises MissingToken when there is none (or another scheme)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingToken()
    return token.strip()


@dataclass(frozen=True)
class Claims:
    raw: dict[str, Any]

    @property
    def client_id(self) -> str:
        return str(self.raw.get("azp") or str(self.raw.get("sub", "")).removesuffix("@clients"))

    @cached_property  # a verified token's claims are kept (auth.py): every call checks a scope
    def scopes(self) -> frozenset[str]:
        return frozenset(str(self.raw.get("scope") or "").split())

    def require(self, scope: str) -> None:
        """Raises InsufficientScope (403) unless the token grants scope."""
        if scope not in self.scopes:
            raise InsufficientScope(scope)


def require_scope(claims: Claims, scope: str) -> None:
    """Raises InsufficientScope (403, WWW-Authenticate error="insufficient_scope") unless claims grant scope."""
    claims.require(scope)


def _utc(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Issuer:
    """Signs and checks tokens for one set of settings (their issuer decided: GatewaySettings.with_issuer)."""

    def __init__(self, settings: GatewaySettings, keys: KeyRing) -> None:
        if settings.issuer is None:
            raise ValueError("the issuer is decided at startup: pass settings.with_issuer(base_url)")
        self.settings, self.keys, self.issuer = settings, keys, settings.issuer

    def issue(self, client: ClientConfig, audience: str, scope: str | Iterable[str] | None,
              now_wall: float, expires_in: int | None = None) -> str:
        """An access token for client on audience (an API of the settings) with these scopes; expires_in
        overrides the lifetime the settings give (a scenario's short-lived tokens)."""
        api = self.settings.api(audience)
        if api is None:
            raise ValueError(f"{audience} is not an API of these settings")
        scopes = (scope.split() if isinstance(scope, str) else list(scope)) if scope is not None else []
        iat = int(now_wall)
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": f"{client.client_id}@clients", "aud": audience,
            "iat": iat, "exp": iat + (expires_in or lifetime(client, api)),
        }
        if scopes:
            claims["scope"] = " ".join(scopes)
        claims.update(gty=GTY, azp=client.client_id)
        if api.enable_permissions:
            claims["permissions"] = scopes
        import jwt  # here: PyJWT loads cryptography (~60 ms), which a server that issues no token never needs

        key = self.keys.current
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid},
                          sort_headers=False)

    def verify(self, token: str, audience: str, now_wall: float) -> Claims:
        """The claims of a token good for audience at now_wall. Raises TokenError (reason: not a JWT, unknown
        key, bad signature, wrong issuer, wrong audience, expired)."""
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise TokenError(NOT_A_JWT, "The access token is not a JWT") from None
        if header.get("alg") != "RS256":
            raise TokenError(BAD_SIGNATURE, f"The access token is signed with {header.get('alg')!r}, not RS256")
        key = self.keys.get(str(header.get("kid")))
        if key is None:
            raise TokenError(UNKNOWN_KEY, f"No published key has the kid {header.get('kid')!r}")
        try:
            raw = jwt.decode(token, key.public_key, algorithms=["RS256"], options={
                "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False,
                "verify_iss": False})
        except jwt.InvalidSignatureError:
            raise TokenError(BAD_SIGNATURE, "The access token's signature does not verify") from None
        except jwt.PyJWTError:
            raise TokenError(NOT_A_JWT, "The access token is not a JWT") from None
        if raw.get("iss") != self.issuer:
            raise TokenError(WRONG_ISSUER, f"The access token's issuer is {raw.get('iss')!r}, not {self.issuer}")
        aud = raw.get("aud")
        if audience not in (aud if isinstance(aud, list) else [aud]):
            raise TokenError(WRONG_AUDIENCE, f"The access token is for {aud!r}, not {audience}")
        exp = raw.get("exp")
        if not isinstance(exp, int | float) or now_wall >= exp:
            when = f" at {_utc(exp)}" if isinstance(exp, int | float) else ""
            raise TokenError(EXPIRED, f"The access token expired{when}")
        return Claims(raw)


def lifetime(client: ClientConfig, api: ApiConfig) -> int:
    return client.token_lifetime or api.token_lifetime


# -- POST /oauth/token ------------------------------------------------------------------------------------------

Response = tuple[int, dict[str, Any], dict[str, str]]
PARAMS = ("grant_type", "client_id", "client_secret", "audience", "scope", "organization")


def error(status: int, code: str, description: str, **extra: str) -> Response:
    """Auth0's error body: {"error", "error_description"} (and error_uri where Auth0 sends one)."""
    return status, {"error": code, "error_description": description, **extra}, dict(NO_STORE)


def unauthorized() -> Response:
    """Bad secret, unknown client, or client authentication that cannot be read: Auth0's 401."""
    return error(401, "access_denied", "Unauthorized")


def parse_basic(authorization: str | None) -> tuple[str, str] | None:
    """(client_id, client_secret) of an HTTP Basic Authorization header (client_secret_basic), None when the
    header is absent or another scheme. Raises ValueError for a Basic header that cannot be decoded (answer
    unauthorized())."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("not base64 of UTF-8 text") from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise ValueError("no colon between client id and secret")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before encoding.
    return unquote_plus(client_id), unquote_plus(secret)


def token_request(form_or_json: dict[str, Any], basic_auth: tuple[str, str] | None, settings: GatewaySettings,
                  keys: KeyRing, now_wall: float, expires_in: int | None = None) -> Response:
    """POST /oauth/token as Auth0 answers it for the client credentials grant: (status, body, headers).

    form_or_json: the form fields or the JSON object (null values count as absent: Auth0's Python SDK sends
    "organization": null). basic_auth: client_secret_basic credentials (parse_basic), used instead of the
    body's client_id/client_secret. expires_in: a lifetime that overrides the client's and the API's (a
    scenario's short-lived tokens)."""
    if not isinstance(form_or_json, dict):
        return error(400, "invalid_request", "The request body must be a JSON object or a form")
    params: dict[str, str] = {}
    for name in PARAMS:
        value = form_or_json.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            return error(400, "invalid_request", f"Invalid parameter: {name} must be a string")
        params[name] = value
    if basic_auth is not None:
        params["client_id"], params["client_secret"] = basic_auth
    grant_type = params.get("grant_type", "")
    if not grant_type:
        return error(400, "invalid_request", "Missing required parameter: grant_type")
    if grant_type not in GRANT_TYPES:
        return error(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
    if not params.get("client_id"):
        return error(400, "invalid_request", "Missing required parameter: client_id")
    client = settings.client(params["client_id"])
    if client is None or params.get("client_secret") != client.client_secret:
        return unauthorized()
    if grant_type not in client.grant_types:
        return error(403, "unauthorized_client", f"Grant type '{grant_type}' not allowed for the client.",
                     error_uri=GRANT_TYPE_DOCS)
    if grant_type != "client_credentials":
        return error(400, "unsupported_grant_type",
                     f"Unsupported grant type: {grant_type} (the emulator issues client_credentials tokens only)")
    audience = params.get("audience") or settings.default_audience
    if not audience:
        return error(403, "access_denied",
                     "No audience parameter was provided, and no default audience has been configured")
    api = settings.api(audience)
    if api is None:
        return error(403, "access_denied", f"Service not enabled within domain: {audience}")
    if audience not in client.grants:
        return error(403, "access_denied",
                     f'Client is not authorized to access "{audience}". You need to create a "client-grant" '
                     f"associated to this API. See: {CLIENT_GRANT_DOCS}")
    granted = client.grants[audience]
    granted = list(api.scopes if granted is None else granted)
    scopes = granted
    if params.get("scope", "").strip():  # an empty scope (Swagger UI with none ticked) asks for all granted
        asked = list(dict.fromkeys(params["scope"].split()))
        missing = [s for s in asked if s not in granted]
        if missing:
            return error(403, "access_denied", f"Client has not been granted scopes: {', '.join(missing)}")
        scopes = asked
    issuer = Issuer(settings, keys)
    body: dict[str, Any] = {"access_token": issuer.issue(client, audience, scopes, now_wall, expires_in)}
    if scopes:
        body["scope"] = " ".join(scopes)
    body.update(expires_in=expires_in or lifetime(client, api), token_type="Bearer")
    return 200, body, dict(NO_STORE)


# -- discovery --------------------------------------------------------------------------------------------------

# What Auth0 publishes for these (its tenants' discovery documents).
OIDC_SCOPES = ["openid", "profile", "offline_access", "name", "given_name", "family_name", "nickname", "email",
               "email_verified", "picture", "created_at", "identities", "phone", "address"]
RESPONSE_TYPES = ["code", "token", "id_token", "code token", "code id_token", "token id_token",
                  "code token id_token"]
CLAIMS = ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "given_name", "iat",
          "identities", "iss", "name", "nickname", "phone_number", "picture", "sub"]


def openid_configuration(base_url: str, issuer: str) -> dict[str, Any]:
    """GET /.well-known/openid-configuration. base_url: where this emulator is reached (absolute endpoint
    URLs); issuer: the tokens' iss. Only endpoints the emulator serves are listed, plus authorization_endpoint,
    which OpenID Connect Discovery requires (the emulator does not serve it)."""
    base = base_url.rstrip("/")
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "jwks_uri": f"{base}/.well-known/jwks.json",
        "scopes_supported": list(OIDC_SCOPES),
        "response_types_supported": list(RESPONSE_TYPES),
        "code_challenge_methods_supported": ["S256", "plain"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "grant_types_supported": ["client_credentials"],
        "claims_supported": list(CLAIMS),
        "request_uri_parameter_supported": False,
        "request_parameter_supported": False,
    }
