"""Clipzy ML Engine (/api/v1). Spec: shared/seeds/003; facts: shared/reference/clipzy-gateway-auth0.md §1.

routes (ROUTES + ClipzyApi), cors (CORS for requests with an Origin), errors (one class per documented code +
Envelope), videos (streamed uploads as store records; video_records: how they are kept), lifecycle (stages and
the job's one body), stages (timings), stylejson, mp4 (the output), models (pydantic), pages (/openapi.json and
/docs on the own port), openapi.json."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import Mount, Service
from ..asgi import ServiceApp
from ..routing import bind
from .cors import middleware
from .errors import ENVELOPE
from .lifecycle import SPEC, ClipzyLifecycle
from .pages import PAGES, Pages
from .routes import ROUTES, ClipzyApi
from .settings import Section
from .videos import Videos

if TYPE_CHECKING:  # the settings module reads this package's settings section as it loads
    from ...engine import Engine
    from ...settings import Settings

LIFECYCLE_SPECS = [SPEC]
HERE = Path(__file__).parent


def build(engine: Engine, settings: Settings) -> Service:
    section = settings.section(Section)
    lifecycle = ClipzyLifecycle(engine, section)
    engine.jobs.register(lifecycle)
    videos = Videos(engine, None if settings.in_memory else settings.data_dir, section.max_file_size_mb)
    api = ClipzyApi(engine, section, lifecycle, videos)
    cors = middleware(section.cors_origins)

    async def reset() -> None:
        lifecycle.running.reset()
        await videos.forget_files()
    return Service(
        name="clipzy",
        description="Clipzy ML Engine",
        mounts=[Mount("/api/v1", ServiceApp(bind(ROUTES, api), ENVELOPE, wrap=cors),
                      "clipzy", HERE / "openapi.json")],
        reset=reset,
        port_pages=ServiceApp(bind(PAGES, Pages(HERE / "openapi.json")), ENVELOPE, wrap=cors),
    )
