"""The access log: one readable line per request (time, method, path, status, milliseconds), formatted
without the logging machinery and written in batches. A LogRecord, a formatter and a write() per request
cost about a third of job_status's throughput; here a line is strings joined, and the lines of 50 ms go out in
one write. Its numbers come from tables rather than format specs: `{x:03d}` and `{x:.1f}` were most of an
f-string line's 1.4 µs, and the log still cost a tenth of a poll's throughput on a shared core.
Logged when the `emulator.access` logger is enabled for INFO (`--log-level info`, the default)."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import TextIO

FLUSH_AFTER = 0.05  # real seconds a line may wait for its batch
LOGGER = logging.getLogger("emulator.access")
MILLIS = tuple(f",{i:03d} INFO " for i in range(1000))  # the milliseconds after the stamp, and the level
DURATIONS_KEPT = 10_000  # tenths of a millisecond whose text is kept: up to 1 s (a server's durations repeat)


class AccessLog:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream  # None: sys.stderr at the time of writing (where the rest of the log goes)
        self.lines: list[str] = []
        self._second = -1
        self._stamp = ""
        self._flush: asyncio.TimerHandle | None = None
        self._durations: dict[int, str] = {}  # tenths of a millisecond -> " 12.3ms\n"
        self._statuses: dict[int, str] = {}  # 200 -> " 200"

    @property
    def enabled(self) -> bool:
        return LOGGER.isEnabledFor(logging.INFO)

    def write(self, method: str, path: str, status: int, seconds: float) -> None:
        now = time.time()
        second = int(now)
        if second != self._second:  # the date part changes once a second
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        tenths = round(seconds * 10_000)
        took = self._durations.get(tenths)
        if took is None:
            took = f" {tenths // 10}.{tenths % 10}ms\n"
            if len(self._durations) < DURATIONS_KEPT:
                self._durations[tenths] = took
        code = self._statuses.get(status)
        if code is None:
            code = self._statuses[status] = f" {status}"
        self.lines.append("".join((self._stamp, MILLIS[int((now - second) * 1000)], method, " ", path, code, took)))
        if self._flush is None:
            try:
                self._flush = asyncio.get_running_loop().call_later(FLUSH_AFTER, self.flush)
            except RuntimeError:  # no loop (a synchronous caller): write at once
                self.flush()

    def flush(self) -> None:
        self._flush = None
        if self.lines:
            text, self.lines = "".join(self.lines), []
            stream = self.stream or sys.stderr
            stream.write(text)
            stream.flush()
