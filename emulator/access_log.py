"""The access log: one readable line per request (time, method, path, status, milliseconds), formatted
without the logging machinery and written in batches. A LogRecord, a formatter and a write() per request
cost about a third of job_status's throughput; here a line is one f-string, and the lines of 50 ms go out in
one write. Logged when the `emulator.access` logger is enabled for INFO (`--log-level info`, the default)."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import TextIO

FLUSH_AFTER = 0.05  # real seconds a line may wait for its batch
LOGGER = logging.getLogger("emulator.access")


class AccessLog:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream  # None: sys.stderr at the time of writing (where the rest of the log goes)
        self.lines: list[str] = []
        self._second = -1
        self._stamp = ""
        self._flush: asyncio.TimerHandle | None = None

    @property
    def enabled(self) -> bool:
        return LOGGER.isEnabledFor(logging.INFO)

    def write(self, method: str, path: str, status: int, seconds: float) -> None:
        now = time.time()
        second = int(now)
        if second != self._second:  # the date part changes once a second
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        millis = int((now - second) * 1000)
        self.lines.append(f"{self._stamp},{millis:03d} INFO {method} {path} {status} {seconds * 1000:.1f}ms\n")
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
