"""Emulated services. Each lives in its own package with a build(engine, settings) -> Service function and a
`settings.Section` model; the list of them is catalog.SERVICE_PACKAGES. A service never imports another one,
and the engine imports none of them (docs/adding-a-service.md)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.routing import Route

from .asgi import ServiceApp
from .catalog import SERVICE_PACKAGES

if TYPE_CHECKING:
    from ..engine import Engine
    from ..engine.lifecycle_spec import LifecycleSpec, SpecKey
    from ..settings import Settings


@dataclass(frozen=True)
class Mount:
    """One API of a service under a path prefix, with its own OpenAPI document. The prefix "" serves
    root-level paths (/oauth/token, /.well-known/*): only the paths its routes name."""

    prefix: str
    app: ServiceApp  # routing, the service's error envelope, faults: what the journal and the recorder expect
    name: str  # its document is /_emulator/openapi/{name}.json; service_url(service, name)
    openapi: Path | None = None
    title: str = ""  # for the startup lines; the service's description if empty


@dataclass
class Service:
    name: str
    description: str
    mounts: list[Mount]
    # Called by POST /_emulator/reset after the engine forgot its jobs (tokens issued, caches).
    reset: Callable[[], Awaitable[None]] | None = None
    # Served at the root of the service's own port only (--listen NAME=PORT): /openapi.json, /docs, /swagger/.
    # Without it the own port serves the first mount's document at /openapi.json.
    port_pages: ServiceApp | None = None
    # Emulator-only controls of the service, mounted by the admin API under /_emulator/<name>/ (each route's
    # path is below that): e.g. the gateway's POST /_emulator/gateway/keys/rotate. Document them in
    # emulator/admin/openapi.json.
    admin_routes: list[Route] = field(default_factory=list)
    # Called once the sockets are bound (the CLI, emulator.testing.Emulator) with the base URL of the main port
    # and of the service's own port (None without one); returns extra lines for the startup log.
    on_listen: Callable[[str, str | None], list[str]] | None = None

    def mount(self, name: str | None = None) -> Mount:
        """A mount by name; the first one (the main API) by default."""
        if name is None:
            return self.mounts[0]
        for mount in self.mounts:
            if mount.name == name:
                return mount
        raise KeyError(f"service {self.name!r} has no mount {name!r}; it has {', '.join(m.name for m in self.mounts)}")


def _package(name: str) -> Any:
    return importlib.import_module(f"{__name__}.{name}")


def lifecycle_specs() -> dict[SpecKey, LifecycleSpec]:
    """Each service's LifecycleSpec per job kind, for checking scenario files without an app."""
    specs = {}
    for name in SERVICE_PACKAGES:
        for spec in _package(name).LIFECYCLE_SPECS:
            specs[spec.key] = spec
    return specs


def build_services(engine: Engine, settings: Settings) -> list[Service]:
    return [_package(name).build(engine, settings) for name in SERVICE_PACKAGES]


__all__ = ["SERVICE_PACKAGES", "Mount", "Service", "ServiceApp", "build_services", "lifecycle_specs"]
