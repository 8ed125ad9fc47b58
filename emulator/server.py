"""The HTTP server the emulator runs under: uvicorn, with one guard uvicorn lacks. A connection that has not
sent a request's complete headers within HEADER_TIMEOUT real seconds is closed (slowloris: sockets trickling
header bytes were otherwise kept open for ever). Idle keep-alive connections are closed by uvicorn itself."""

from __future__ import annotations

import asyncio
from typing import Any

HEADER_TIMEOUT = 10.0


def _guarded(base: type) -> type:
    class HeaderTimeout(base):  # uvicorn's protocol class, chosen at run time
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = asyncio.get_running_loop().call_later(HEADER_TIMEOUT, self._expire)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expire(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

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
