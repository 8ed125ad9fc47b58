"""Run the emulator inside your own process, for tests and scripts (pytest or not).

    from emulator.testing import Emulator

    with Emulator(seed=1) as emu:                    # uvicorn on a free 127.0.0.1 port, in a thread
        base = emu.service_url("valossa")            # http://127.0.0.1:PORT/core/1.0
        ...                                          # point your client at it
        emu.admin.run_until(job_id, "finished")      # virtual time is frozen until you move it

Defaults differ from `video-ai-emulator serve`: everything in memory, time frozen (time_scale=0). Any setting
can be given as a keyword (`time_scale=600`, `scenarios=["my-scenarios/"]`, `valossa={"api_keys": ["k"]}`),
or a YAML config file as `config=` (keywords win over the file).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from .admin_client import AdminClient
from .settings import Settings, SettingsError, load_yaml, merge

__all__ = ["Emulator", "settings_for_tests"]

TEST_DEFAULTS: dict[str, Any] = {"in_memory": True, "time_scale": 0, "log_level": "warning"}


def settings_for_tests(config: Path | str | None = None, **overrides: Any) -> Settings:
    """Settings for an in-process emulator: test defaults < the YAML file < overrides (no EMULATOR_* env)."""
    values = merge(TEST_DEFAULTS, load_yaml(Path(config)) if config else {})
    values = merge(values, {k: v for k, v in overrides.items() if v is not None})
    values.setdefault("host", "127.0.0.1")
    values.setdefault("port", 0)
    try:
        return Settings.model_validate(values)
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc


class Emulator:
    """The emulator app under a real uvicorn in a background thread; a context manager (or start()/stop()).

    `settings` replaces the test defaults entirely; otherwise keywords override them. The port is chosen
    by the OS unless `port=` is given.
    """

    def __init__(self, settings: Settings | None = None, *, config: Path | str | None = None,
                 **overrides: Any) -> None:
        if settings is not None and (overrides or config):
            raise TypeError("give either settings or keyword overrides, not both")
        self.settings = settings if settings is not None else settings_for_tests(config, **overrides)
        self.app: Any = None
        self.url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._admin: AdminClient | None = None
        self.ports: dict[str, int] = {}  # service -> its own port (settings `listen`)

    # lifecycle

    def start(self, timeout: float = 10.0) -> Emulator:
        import uvicorn

        from .app import create_app
        from .cli import bind_sockets
        from .server import http_protocol

        if self._thread is not None:
            raise RuntimeError("this Emulator is already running")
        self.app = create_app(self.settings)  # an invalid scenario file raises here, in the caller's thread
        sockets = bind_sockets(self.app, self.settings)
        host, port = sockets[None].getsockname()[:2]
        self.ports = {name: s.getsockname()[1] for name, s in sockets.items() if name is not None}
        config = uvicorn.Config(self.app, log_level="critical", access_log=False, lifespan="on",
                                timeout_graceful_shutdown=1, http=http_protocol())
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": list(sockets.values())},
                                        name=f"video-ai-emulator:{port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:  # a real server starting up, not the emulator's virtual time
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._thread.join(1)
                self._thread = None
                for sock in sockets.values():
                    sock.close()
                raise RuntimeError("the emulator did not start (see the log above)")
            time.sleep(0.005)
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # what tests use

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def admin(self) -> AdminClient:
        """An AdminClient for this emulator."""
        if not self.url:
            raise RuntimeError("the emulator is not running (use `with Emulator() as emu:` or start())")
        if self._admin is None:
            self._admin = AdminClient(self.url)
        return self._admin

    @property
    def services(self) -> list[str]:
        return [s.name for s in self.app.state.services]

    def service_url(self, service: str, mount: str | None = None, *, own_port: bool = False) -> str:
        """Base URL of an emulated API, e.g. service_url("valossa") -> http://127.0.0.1:PORT/core/1.0; `mount`
        names another API of the service (its OpenAPI document's name); `own_port`: on the service's own
        port (settings `listen`)."""
        for s in self.app.state.services:
            if s.name == service:
                prefix = s.mount(mount).prefix
                if not own_port:
                    return self.url + prefix
                return self.port_url(service) + prefix
        raise KeyError(f"no service {service!r}; emulated here: {', '.join(self.services)}")

    def port_url(self, service: str) -> str:
        """The root of a service's own port: http://127.0.0.1:PORT (its /openapi.json is there)."""
        if service not in self.ports:
            raise KeyError(f"service {service!r} has no port of its own; give listen={{{service!r}: 0}}")
        return f"{self.url.rsplit(':', 1)[0]}:{self.ports[service]}"

    def reset(self) -> None:
        """Forget every job, upload, webhook, journal entry and runtime or forced scenario (the clock keeps its
        time)."""
        self.admin.reset()

    def __repr__(self) -> str:
        return f"<Emulator {self.url or 'not running'}>"
