"""/_emulator/<service>/...: each service's own emulator-only controls (Service.admin_routes), e.g. the
gateway's signing keys. The admin API knows no service: it mounts whatever routes a service gives."""

from __future__ import annotations

from starlette.routing import Route

from ..engine import Engine
from ..services import Service


def routes(engine: Engine, services: list[Service]) -> list[Route]:
    return [
        Route(f"/{service.name}{route.path}", route.endpoint, methods=sorted((route.methods or set()) - {"HEAD"}),
              name=f"{service.name}:{route.name}")
        for service in services
        for route in service.admin_routes
    ]
