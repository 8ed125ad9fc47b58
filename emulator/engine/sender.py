"""The webhook outbox's HTTP client: one aiohttp session (keep-alive connections reused), at most LIMIT POSTs in
flight to each receiver (scheme, host and port). A delivery waits for a free slot before its attempt starts: a
burst of thousands of callbacks queues here, in the emulator, and never counts against the receiver (with a pool
timeout, a local queue showed up as failed attempts). The attempt's timeout and duration start once it holds a
slot. The limit is low because a typical test receiver is http.server: a new connection per request, a listen
backlog of 5; a burst of 100 connections there lost SYNs to 1-3 s retransmits, and attempts timed out.

aiohttp, not httpx: a delivery cost ~1-3 ms of CPU through httpx 0.28 (more as requests queued in its pool),
~0.15 ms through aiohttp; at 1,000 deliveries/s that is most of a core against a sixth of one."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

LIMIT = 8  # POSTs in flight at once to one receiver
HEADERS = {"Content-Type": "application/json", "User-Agent": "video-ai-emulator"}


class Sender:
    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._session: Any = None  # aiohttp.ClientSession, made on first use (import kept off startup)
        self._slots: dict[str, asyncio.Semaphore] = {}  # by receiver (scheme://host:port)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            self._slots.clear()

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], timeout: float,
    ) -> tuple[int | None, str | None, float]:
        """(status code or None, error or None, duration in ms) of one POST."""
        import urllib.request  # these three off the startup path

        import aiohttp
        from multidict import CIMultiDict

        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0),  # the slots limit it: nothing waits in the pool
                cookie_jar=aiohttp.DummyCookieJar(),  # a provider sends no cookies back
                auto_decompress=False,
                # Proxies from the environment, as httpx took them; looked for only when some are set: aiohttp
                # asks a thread for every request (a third of the server's CPU at 700 deliveries/s).
                trust_env=bool(urllib.request.getproxies()),
            )
        sent = CIMultiDict(HEADERS)
        sent.update(headers)  # the job's own headers win over ours, whatever their case
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        slots = self._slots.get(origin) or self._slots.setdefault(origin, asyncio.Semaphore(self.limit))
        async with slots:
            started = time.perf_counter()
            try:
                async with self._session.post(
                    url, data=body, headers=sent, allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=timeout),
                ) as response:
                    await response.read()  # read to the end, so the connection is kept for the next one
                    code, error = response.status, None
            except TimeoutError:
                code, error = None, f"TimeoutError: no answer within {timeout:g} s"
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                code, error = None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return code, error, round((time.perf_counter() - started) * 1000, 2)
