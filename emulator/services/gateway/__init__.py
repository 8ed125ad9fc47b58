"""AI Gateway (/v1: transcriptions, translations, video analyses, providers) and the Auth0-compatible token
issuer in front of it (/oauth/token, /.well-known/*). Docs: shared/seeds 004; facts:
shared/reference/clipzy-gateway-auth0.md §2-5. Its own port (--listen gateway=8090) adds /openapi.json and
Swagger UI at /swagger/."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from .. import Mount, Service
from ..asgi import ServiceApp
from ..routing import bind
from .admin import KeysAdmin
from .auth import AUTH_FALLBACK, AUTH_ROUTES, Auth
from .docs import PAGES, Docs
from .errors import AuthEnvelope, Envelope
from .keys import KeyFileError, KeyRing
from .lifecycle import KINDS, SERVICE, SPECS, GatewayLifecycle
from .links import Links
from .queue import Queue
from .routes import PREFIX, ROUTES, GatewayApi
from .settings import Section

if TYPE_CHECKING:  # the settings module reads this package's settings section as it loads
    from ...engine import Engine
    from ...settings import Settings


def _settings_error(message: str) -> Exception:
    from ...settings import SettingsError  # at run time only: settings imports this package while it loads

    return SettingsError(message)

LIFECYCLE_SPECS = SPECS
HERE = Path(__file__).parent


def cors(app: ASGIApp) -> ASGIApp:
    """Browsers may call the gateway and the issuer from any origin (a local front end, Swagger UI elsewhere)."""
    return CORSMiddleware(app, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                          expose_headers=["Location", "WWW-Authenticate"])


def build(engine: Engine, settings: Settings) -> Service:
    section = settings.section(Section)
    # A new RSA key (~0.1 s, and cryptography's import) is made when first needed, not at startup: in memory,
    # and in a data dir that has none yet (saved there then).
    directory = None if settings.in_memory else settings.data_dir / SERVICE
    keys: KeyRing | Callable[[], KeyRing] = partial(KeyRing.open, directory)
    if directory is not None:
        try:  # a saved ring is read now: a broken key file stops the server with a message
            keys = KeyRing.saved(directory) or keys
        except KeyFileError as exc:
            raise _settings_error(f"gateway: {exc}") from None
    links = Links(engine, section.issuer)
    queue = Queue(engine, section.workers)
    lifecycles = {name: GatewayLifecycle(kind, engine, queue, links) for name, kind in KINDS.items()}
    for lifecycle in lifecycles.values():
        engine.jobs.register(lifecycle)
    for spec in SPECS:  # the token kind too: its scenarios are checked like the others
        engine.scenarios.specs.setdefault(spec.key, spec)
    engine.housekeeping(queue.dispatch)  # after a restart, waiting jobs start without a new event
    auth = Auth(engine, section, keys, links)
    api = GatewayApi(engine, auth, links, lifecycles)
    docs = Docs(section, links)
    envelope = Envelope()

    async def reset() -> None:
        queue.reset()
        auth.forget()

    def on_listen(main: str, own: str | None) -> list[str]:
        links.listening(main, own)
        client = section.clients[0] if section.clients else None
        credentials = f"client {client.client_id} / {client.client_secret}, " if client else ""
        return [f"AI Gateway token issuer {links.issuer} ({credentials}audience {section.audience}, "
                f"auth {section.auth})"]

    return Service(
        name=SERVICE,
        description="AI Gateway and its Auth0-compatible token issuer",
        mounts=[
            Mount(PREFIX, ServiceApp(bind(ROUTES, api), envelope, wrap=cors), SERVICE, HERE / "openapi.json",
                  "AI Gateway"),
            Mount("", ServiceApp(bind(AUTH_ROUTES + AUTH_FALLBACK, auth), AuthEnvelope(), wrap=cors), "auth",
                  HERE / "auth.json", "AI Gateway token issuer (Auth0-compatible)"),
        ],
        reset=reset,
        port_pages=ServiceApp(bind(PAGES, docs), envelope),
        admin_routes=KeysAdmin(auth).routes(),
        on_listen=on_listen,
    )
