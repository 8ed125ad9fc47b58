"""The HTTP server the emulator runs under: uvicorn, with one guard uvicorn lacks and one send fewer per
response. A connection that has not sent a request's complete headers within HEADER_TIMEOUT real seconds is
closed (slowloris: sockets trickling header bytes were otherwise kept open for ever). Idle keep-alive
connections are closed by uvicorn itself. A response's header block goes out with its body (_OneSend)."""

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


class _OneSend:
    """The transport a response cycle writes through. uvicorn writes a response's header block and its body
    separately: two sends, two TCP segments for the client to read. Here a write is held until the next one
    joins it (a header block and the body that follows it in the same step), or else until the end of the
    loop step: bytes go out in the same order, never later than that step."""

    __slots__ = ("transport", "loop", "held")

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.transport, self.loop = transport, loop
        self.held: bytes | None = None

    def write(self, data: bytes) -> None:
        held = self.held
        if held is None:
            self.held = data
            self.loop.call_soon(self.flush)
        else:
            self.held = None
            self.transport.write(held + data)

    def flush(self) -> None:
        held = self.held
        if held is not None:
            self.held = None
            self.transport.write(held)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:  # a reset fault (engine.faults): what was written goes first, as it did
        self.flush()
        self.transport.abort()

    def __getattr__(self, name: str) -> Any:  # the rest of the transport (is_closing, faults' get_extra_info)
        return getattr(self.transport, name)


def _guarded(base: type) -> type:
    class HeaderTimeout(base):  # uvicorn's protocol class, chosen at run time
        _header_since: float | None = None  # loop time the current request's first byte (or the connection) came

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._header_since = self.loop.time()
            self._one_send = _OneSend(transport, self.loop)
            _watch.add(self)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._header_since is None:
                self._header_since = self.loop.time()

        def on_headers_complete(self) -> None:
            self._header_since = None
            super().on_headers_complete()
            if self.cycle is not None:  # the cycle made for this request: it writes through the _OneSend
                self.cycle.transport = self._one_send

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
