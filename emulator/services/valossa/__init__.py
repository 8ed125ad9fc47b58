"""Valossa Core API (/core/1.0). Docs: shared/seeds 000-002; facts: shared/reference/valossa.md."""

from __future__ import annotations

from pathlib import Path

from ...engine import Engine
from ...settings import Settings
from .. import Service
from ..asgi import ServiceApp
from .errors import HANDLERS
from .lifecycle import SPEC, ValossaLifecycle, status_view
from .routes import CoreApi

LIFECYCLE_SPECS = [SPEC]


def build(engine: Engine, settings: Settings) -> Service:
    engine.jobs.register(ValossaLifecycle(engine))
    core = ServiceApp(CoreApi(engine, settings).routes(), HANDLERS)
    return Service(
        name="valossa",
        mounts={"/core/1.0": core},
        openapi=Path(__file__).with_name("openapi.json"),
        description="Valossa Core API",
        status_view=lambda job: status_view(job, engine.clock.scale),
    )
