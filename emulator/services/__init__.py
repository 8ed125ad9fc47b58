"""Emulated services. Each lives in its own package with a build(engine, settings) -> Service function;
a service never imports another one, and the engine imports none of them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

# Package names under emulator.services, in mount order.
SERVICE_PACKAGES = ("valossa",)


@dataclass
class Service:
    name: str
    mounts: dict[str, ASGIApp]  # path prefix -> ASGI app with the service's own error handlers
    openapi: Path | None = None
    description: str = ""
    extra: dict[str, object] = field(default_factory=dict)
    # The service's own status body for one of its jobs (Valossa: job_status), for /_emulator/jobs.
    status_view: Callable[[Any], dict[str, Any]] | None = None


def lifecycle_specs() -> dict[str, object]:
    """Each service's LifecycleSpec(s) by service name, for checking scenario files without an app."""
    specs = {}
    for name in SERVICE_PACKAGES:
        for spec in importlib.import_module(f"{__name__}.{name}").LIFECYCLE_SPECS:
            specs[spec.service] = spec
    return specs


def build_services(engine, settings) -> list[Service]:  # type: ignore[no-untyped-def]
    return [
        importlib.import_module(f"{__name__}.{name}").build(engine, settings) for name in SERVICE_PACKAGES
    ]
