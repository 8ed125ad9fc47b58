"""The api_key rules every Valossa API shares (Core and Training: "same API key as Core"): present, a string,
at most MAX_KEY_LENGTH characters, and one of the configured keys when valossa.api_keys lists any."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import Unauthorized

MAX_KEY_LENGTH = 256  # real keys are 32 hex characters; any longer one is refused, and says so


class ApiKeys:
    def __init__(self, allowed: Iterable[str] | None) -> None:
        self.allowed = set(allowed) if allowed is not None else None  # None: any non-empty key

    def check(self, data: Any) -> str:
        """The request's api_key (a JSON body, form or query as a dict), or a 401 in Valossa's words."""
        key = data.get("api_key")
        if key is None or key == "":
            raise Unauthorized("Missing required field: api_key")
        if isinstance(key, str) and len(key) > MAX_KEY_LENGTH:
            # A key that long could never be sent again in a GET URL: refused before it owns anything.
            raise Unauthorized(f"Invalid API key: longer than {MAX_KEY_LENGTH} characters")
        if not isinstance(key, str) or (self.allowed is not None and key not in self.allowed):
            raise Unauthorized("Invalid API key")
        return key
