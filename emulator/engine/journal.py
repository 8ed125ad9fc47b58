"""The request journal. Services tag the request they are handling (job id, scenario) with tag();
the journal middleware reads the tags when it records the request."""

from __future__ import annotations

from typing import Any

from starlette.types import Scope

SCOPE_KEY = "emulator"


def tag(scope: Scope, **fields: Any) -> None:
    """Note facts about this request for the journal (e.g. job_id=..., scenario=...)."""
    scope.setdefault(SCOPE_KEY, {}).update(fields)


def tags(scope: Scope) -> dict[str, Any]:
    return scope.get(SCOPE_KEY, {})
