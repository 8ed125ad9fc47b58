"""Where the gateway is reached, decided once: its own port's base URL (--listen gateway=PORT) when it has one,
else the main port's (both told by Service.on_listen when the sockets are bound; for an app never bound, as in
an in-process ASGI test, the first request's base URL). The default token issuer is that URL with a trailing
slash. Also the pre-signed download links of results (download_url): signed with HMAC, valid for an hour of
virtual time from when they were made."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

from starlette.requests import Request

from ...engine import Engine, Job
from ..requests import header

BASES = 64  # distinct (scheme, Host, server) remembered: a few in practice
DOWNLOAD_TTL = 3600.0  # virtual seconds a download_url stays valid ("valid for a limited time")


class Links:
    def __init__(self, engine: Engine, issuer: str | None) -> None:
        self.engine = engine
        self.configured_issuer = issuer
        self.base: str | None = None  # the gateway's base URL once decided (no trailing slash)
        self._bases: dict[tuple[Any, ...], str] = {}  # (scheme, Host header, server) -> base URL
        seed = engine.seed
        self.key = (hashlib.sha256(f"{seed}:gateway-downloads".encode()).digest() if seed is not None
                    else secrets.token_bytes(32))

    def listening(self, main: str, own: str | None) -> None:
        """The sockets are bound: main is the main port's base URL, own the gateway's own (or None)."""
        if self.base is None:
            self.base = (own or main).rstrip("/")

    def learn(self, request: Request) -> str:
        """The base URL this request came to; decides the gateway's base when nothing else did."""
        scope = request.scope
        # Starlette's request.url (a URL built and split) cost a tenth of a poll: its scheme and netloc
        # depend only on these three, so each distinct triple is split once.
        key = (scope.get("scheme", "http"), header(scope, b"host"), scope.get("server"))
        here = self._bases.get(key)
        if here is None:
            here = f"{request.url.scheme}://{request.url.netloc}"  # not base_url: it holds the mount's prefix
            if len(self._bases) >= BASES:
                self._bases.clear()
            self._bases[key] = here
        if self.base is None:
            self.base = here
        return here

    def public_base(self) -> str:
        return self.base or "http://localhost"

    @property
    def issuer(self) -> str:
        if self.configured_issuer is not None:
            return self.configured_issuer
        return self.public_base() + "/"

    # --- download links
    def signature(self, job_id: str, expires: int) -> str:
        return hmac.new(self.key, f"{job_id}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]

    def expires(self) -> int:
        """When a download link made now expires."""
        return int(self.engine.clock.now() + DOWNLOAD_TTL)

    def download_url(self, job: Job, base: str) -> str:
        expires = self.expires()
        return f"{base}/v1/downloads/{job.id}?expires={expires}&signature={self.signature(job.id, expires)}"

    def check(self, job_id: str, query: dict[str, Any]) -> str | None:
        """Why a download link cannot be used (None: it can): 'invalid' or 'expired'."""
        expires, signature = query.get("expires"), query.get("signature")
        if not isinstance(expires, str) or not re.fullmatch(r"[0-9]{1,15}", expires) or not isinstance(signature, str):
            return "invalid"
        if not hmac.compare_digest(signature.encode(), self.signature(job_id, int(expires)).encode()):
            return "invalid"
        if self.engine.clock.now() > int(expires):
            return "expired"
        return None
