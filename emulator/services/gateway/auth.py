"""The Auth0-compatible token issuer as routes (POST /oauth/token, /.well-known/jwks.json,
/.well-known/openid-configuration), the scenarios that apply to token requests, and the Bearer check of /v1/*.

The token logic itself is pure (tokens.py); here it meets HTTP: JSON or form bodies (any charset), HTTP Basic,
scenario faults (503, 429 with Auth0's x-ratelimit-* headers) and short lifetimes, the issuer decided once
(links.py), and a log of the tokens issued for the admin API."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from ...engine import Engine
from ...engine.durations import parse_seconds
from ...engine.scenarios import HEADER, Loaded, matches
from .. import requests as params
from ..errors import MethodNotAllowed, RouteNotFound
from ..responses import JSONBody
from ..routing import Endpoint
from .errors import OAuthError, Unauthorized
from .keys import KeyRing
from .lifecycle import SERVICE, TOKEN_KIND
from .links import Links
from .settings import GatewaySettings
from .tokens import (
    Claims,
    Issuer,
    TokenError,
    bearer_token,
    openid_configuration,
    parse_basic,
    token_request,
    unauthorized,
)

AUTH_ROUTES = [
    Endpoint("POST", "/oauth/token", "token"),
    Endpoint("GET", "/.well-known/jwks.json", "jwks"),
    Endpoint("GET", "/.well-known/openid-configuration", "openid_configuration"),
]
# Any other path under /oauth/ (Auth0's) answers in Auth0's body too: 404, or 405 for a known path. Not in
# auth.json: it documents nothing. /.well-known/ is shared with other services: unknown paths there are not ours.
FALLBACK_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
AUTH_FALLBACK = [Endpoint(m, "/oauth/{rest:path}", "unknown") for m in FALLBACK_METHODS]
KNOWN = {e.path: [e.method] for e in AUTH_ROUTES}
QUERY_PARAMS = ("audience", "scope", "organization")  # read from the query string when the body has none
TOKEN_LOG = 1000  # tokens remembered for GET /_emulator/gateway/tokens
# Tokens verified, the most recently used: ~2 KB each (the JWT and its claims). Clients renew theirs while the
# old ones stay valid for a day, so the cache fills with dead tokens: 1024 (~2 MB) leaves room for many clients.
VERIFIED_CACHE = 1024


class Auth:
    """The issuer (routes) and the check /v1/* makes, on one key ring and one decided issuer."""

    def __init__(self, engine: Engine, settings: GatewaySettings, keys: KeyRing | Callable[[], KeyRing],
                 links: Links) -> None:
        self.engine, self.settings, self.links = engine, settings, links
        self._keys = keys
        self.issued: deque[dict[str, Any]] = deque(maxlen=TOKEN_LOG)
        self._verified: OrderedDict[str, Claims] = OrderedDict()

    @property
    def keys(self) -> KeyRing:
        """The signing keys; made on first use when given as a function (--in-memory: a new RSA key costs a
        tenth of a second that startup need not pay)."""
        if not isinstance(self._keys, KeyRing):
            self._keys = self._keys()
        return self._keys

    def decided(self) -> GatewaySettings:
        """The settings with the issuer decided (configured, or this emulator's base URL)."""
        return self.settings.model_copy(update={"issuer": self.links.issuer})

    def forget(self) -> None:
        """POST /_emulator/reset: the log of issued tokens and the verification cache. Tokens already issued
        stay valid (they are signed JWTs and the keys are kept): a client's cached token survives a reset."""
        self.issued.clear()
        self._verified.clear()

    def keys_changed(self) -> None:
        self._verified.clear()

    # --- POST /oauth/token
    async def token(self, request: Request) -> Response:
        self.links.learn(request)
        data = await self._params(request)
        # Swagger UI sends the audience in the token URL's query string (initOAuth additionalQueryStringParams)
        for name, value in params.query(request.scope).items():
            if name in QUERY_PARAMS and data.get(name) is None:
                data[name] = value
        try:
            basic, unreadable = parse_basic(request.headers.get("authorization")), False
        except ValueError:
            basic, unreadable = None, True
        scenario = self.scenario(request, data)
        if scenario is not None:  # an outage answers every caller: faults come before the client is known
            await self.engine.faults.check(request.scope, SERVICE, name=scenario.name)
        if unreadable:
            status, body, headers = unauthorized()
            return JSONBody(body, status, headers=headers)
        now = time.time()
        status, body, headers = token_request(data, basic, self.decided(), self.keys, now,
                                              self.lifetime(scenario))
        if status == 200:
            self._log(body, now, scenario)
        return JSONBody(body, status, headers=headers)

    async def _params(self, request: Request) -> dict[str, Any]:
        """The token request's parameters: a JSON object, or a form (urlencoded, any charset; multipart)."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/json" or ctype.endswith("+json"):
            data = params.parse_json(await params.body(request))
            if not isinstance(data, dict):
                raise OAuthError(400, "invalid_request", "The request body must be a JSON object")
            return data
        if ctype in ("application/x-www-form-urlencoded", "") or ctype.startswith("text/"):
            raw = await params.body(request)
            try:
                pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError:
                raise OAuthError(400, "invalid_request", "The form body is not UTF-8") from None
            names = [name for name, _ in pairs]
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:  # RFC 6749 §3.2: parameters MUST NOT be included more than once
                raise OAuthError(400, "invalid_request", f"Parameter repeated: {', '.join(repeated)}")
            return dict(pairs)
        if ctype == "multipart/form-data":
            form = await params.form_body(request)
            return {k: v for k, v in form.items() if isinstance(v, str)}
        raise OAuthError(400, "invalid_request", f"Unsupported Content-Type {ctype}: send "
                         "application/x-www-form-urlencoded or application/json")

    def scenario(self, request: Request, data: dict[str, Any]) -> Loaded | None:
        """The token scenario (kind: token) of this request: forced (admin API; each token request uses up
        one), the X-Emulator-Scenario header, a match on the request's parameters, the default one. A
        header naming a scenario of another kind is ignored (a client may send it on every call)."""
        registry = self.engine.scenarios
        queue = registry.forced.get(SERVICE)
        if queue:
            item = registry.get(queue[0])
            if item is not None and item.scenario.kind == TOKEN_KIND:
                queue.pop(0)
                return item
        header = request.headers.get(HEADER)
        if header:
            item = registry.get(header)
            if item is None:
                raise OAuthError(400, "invalid_request", f"Unknown emulator scenario {header!r} in X-Emulator-Scenario")
            if item.scenario.service == SERVICE and item.scenario.kind == TOKEN_KIND:
                return item
        mine = [i for i in registry.all() if i.scenario.service == SERVICE and i.scenario.kind == TOKEN_KIND]
        fields = {k: v for k, v in data.items() if isinstance(v, str) and k != "client_secret"}
        for item in mine:
            if item.scenario.match.fields and matches(item.scenario, fields):
                return item
        return next((i for i in mine if i.scenario.match.default), None)

    @staticmethod
    def lifetime(scenario: Loaded | None) -> int | None:
        value = ((scenario.scenario.results or {}) if scenario else {}).get("token_lifetime")
        if value is None:
            return None
        try:
            return max(1, int(parse_seconds(value)))
        except ValueError:
            return None

    def _log(self, body: dict[str, Any], now: float, scenario: Loaded | None) -> None:
        import jwt  # loaded by the token just issued

        token = body["access_token"]
        claims = jwt.decode(token, options={"verify_signature": False})
        self.issued.appendleft({
            "client_id": claims.get("azp"), "audience": claims.get("aud"), "scope": claims.get("scope"),
            "kid": jwt.get_unverified_header(token).get("kid"), "issued_at": claims.get("iat"),
            "expires_at": claims.get("exp"), "scenario": scenario.name if scenario else None,
        })

    # --- discovery
    async def jwks(self, request: Request) -> Response:
        self.links.learn(request)
        return JSONBody(self.keys.jwks(), headers={"Cache-Control": "public, max-age=15"})

    async def openid_configuration(self, request: Request) -> Response:
        base = self.links.learn(request)
        return JSONBody(openid_configuration(base, self.links.issuer))

    async def unknown(self, request: Request) -> Response:
        path = request.url.path
        if path in KNOWN:
            raise MethodNotAllowed(KNOWN[path])
        raise RouteNotFound("Not Found")

    # --- /v1/*: the Bearer check
    def check(self, request: Request, scope: str) -> Claims | None:
        """The token's claims; None when the mode lets a request in without one. Raises Unauthorized."""
        if self.links.base is None:  # the issuer may be decided by the first request (an app never bound)
            self.links.learn(request)
        mode = self.settings.auth
        if mode == "off":
            return None
        header = params.header(request.scope, b"authorization")
        if mode == "optional" and not header:
            return None
        try:
            # Kept by the whole header: a client sends the same one on every call, so a hit parses nothing.
            key = header or ""
            claims = self._verified.get(key)
            if claims is not None:
                self._verified.move_to_end(key)  # the tokens used last stay (renewed ones fall out)
            if claims is None or not isinstance(claims.raw.get("exp"), int) or time.time() >= claims.raw["exp"]:
                token = bearer_token(header)  # raises MissingToken without one: header is a Bearer header
                claims = Issuer(self.decided(), self.keys).verify(token, self.settings.audience, time.time())
                self._remember(key, claims)
            claims.require(scope)
        except TokenError as exc:
            raise Unauthorized(exc) from None
        return claims

    def _remember(self, token: str, claims: Claims) -> None:
        self._verified[token] = claims
        if len(self._verified) > VERIFIED_CACHE:
            self._verified.popitem(last=False)
