"""The emulator's own API under /_emulator (never mixed into an emulated API).

Each module here contributes routes(engine, services) for one concern; build_admin mounts them together. A
service's own controls (Service.admin_routes) are mounted under /_emulator/<service>/ by admin/services.py.
"""

from __future__ import annotations

from starlette.applications import Starlette

from ..engine import Engine
from ..services import Service
from . import core, jobs, requests, scenarios, services, webhooks
from .errors import HANDLERS

MODULES = (core, scenarios, requests, jobs, webhooks, services)


def build_admin(engine: Engine, services: list[Service]) -> Starlette:
    routes = [route for module in MODULES for route in module.routes(engine, services)]
    return Starlette(routes=routes, exception_handlers=HANDLERS)


__all__ = ["build_admin"]
