"""Valossa Core API (/core/1.0) and Training API (/training/1.0). Docs: shared/seeds 000-002; facts:
shared/reference/valossa.md."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import Mount, Service
from ..asgi import ServiceApp
from ..routing import bind
from .errors import ENVELOPE
from .galleries import Galleries
from .lifecycle import SPEC, ValossaLifecycle
from .routes import ROUTES, CoreApi
from .training import TRAINING_ROUTES, TrainingApi

if TYPE_CHECKING:  # the settings module reads this package's settings section as it loads
    from ...engine import Engine
    from ...settings import Settings

LIFECYCLE_SPECS = [SPEC]
HERE = Path(__file__).parent


def build(engine: Engine, settings: Settings) -> Service:
    lifecycle = ValossaLifecycle(engine)
    engine.jobs.register(lifecycle)
    galleries = Galleries(engine)
    core = CoreApi(engine, settings, lifecycle, galleries)
    training = TrainingApi(engine, core.keys, galleries)
    return Service(
        name="valossa",
        description="Valossa Core API and Training API",
        mounts=[
            Mount("/core/1.0", ServiceApp(bind(ROUTES, core), ENVELOPE), "valossa", HERE / "openapi.json",
                  "Valossa Core API"),
            Mount("/training/1.0", ServiceApp(bind(TRAINING_ROUTES, training), ENVELOPE), "valossa-training",
                  HERE / "training-openapi.json", "Valossa Training API"),
        ],
    )
