"""The HTTP server the emulator runs under: uvicorn, with one guard uvicorn lacks. A connection that has not
sent a request's complete headers within HEADER_TIMEOUT real seconds is closed (slowloris: sockets trickling
header bytes were otherwise kept open for ever). Idle keep-alive connections are closed by uvicorn itself."""

from __future__ import annotations

import asyncio
from typing import Any

HEADER_TIMEOUT = 10.0


class _Watch:
    """The connections still waiting for a request's headers, checked by one timer per event loop (a timer
    armed and cancelled per request cost a few µs of every request): each connection notes since when it
    waits, and the sweep closes those that waited HEADER_TIMEOUT."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiting: set[Any] = set()
        self.timer: asyncio.TimerHandle | None = None

    def add(self, conn: Any) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a new loop (tests run several): the old one's timer is gone with it
            self.loop, self.waiting, self.timer = loop, set(), None
        self.waiting.add(conn)
        if self.timer is None:
            self.timer = loop.call_later(self.every(), self._sweep)

    @staticmethod
    def every() -> float:
        return min(1.0, HEADER_TIMEOUT / 4)

    def _sweep(self) -> None:
        assert self.loop is not None
        now = self.loop.time()
        late = now - HEADER_TIMEOUT
        for conn in [c for c in self.waiting if c._header_since is not None and c._header_since <= late]:
            self.waiting.discard(conn)
            if not conn.transport.is_closing():
                conn.transport.close()
        self.timer = self.loop.call_later(self.every(), self._sweep) if self.waiting else None


_watch = _Watch()


def _guarded(base: type) -> type:
    class HeaderTimeout(base):  # uvicorn's protocol class, chosen at run time
        _header_since: float | None = None  # loop time the current request's first byte (or the connection) came

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._header_since = self.loop.time()
            _watch.add(self)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._header_since is None:
                self._header_since = self.loop.time()

        def on_headers_complete(self) -> None:
            self._header_since = None
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            _watch.waiting.discard(self)
            super().connection_lost(exc)

    return HeaderTimeout


def http_protocol() -> type:
    """httptools' protocol when installed (the fast one), else h11's, with the header timeout."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return _guarded(HttpToolsProtocol)
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return _guarded(H11Protocol)


def loop_name() -> str:
    try:
        import uvloop  # noqa: F401

        return "uvloop"
    except ImportError:
        return "asyncio"
