"""A small raw-asyncio HTTP/1.1 load generator: N keep-alive connections, one request in flight each.

httpx spends more CPU per request than the server under test; this spends a few microseconds.
Responses must carry Content-Length (Starlette's JSON responses do); chunked bodies count as errors.

As a process:  python bench/loadgen.py --port 8080 --path /status --duration 5
(--ids FILE cycles {id} in --path and --body over the file's lines; {n} in --body is a per-request counter).
Prints one JSON object: requests, seconds, rps, errors (by status), disconnects, latency percentiles in
milliseconds (p50, p90, p99, p999, max: of the measured window, from a fixed histogram), and bodies if --collect.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

try:
    import uvloop
except ImportError:  # plain asyncio works, just slower
    uvloop = None


class Histogram:
    """Latencies in fixed bins: 10 us wide below 10 ms, 100 us below 100 ms, 1 ms below 10 s (one bin above).
    Recording is an index computation and an increment; a percentile is a scan over ~12k counters."""

    EDGES = ((10_000, 10, 0), (100_000, 100, 1_000), (10_000_000, 1_000, 1_900))  # (below us, width, first bin)
    SIZE = 1_900 + 9_900 + 1

    def __init__(self) -> None:
        self.counts = [0] * self.SIZE
        self.n = 0
        self.max_us = 0

    def record(self, seconds: float) -> None:
        us = int(seconds * 1_000_000)
        if us < 10_000:
            i = us // 10
        elif us < 100_000:
            i = 1_000 + (us - 10_000) // 100
        elif us < 10_000_000:
            i = 1_900 + (us - 100_000) // 1_000
        else:
            i = self.SIZE - 1
        self.counts[i] += 1
        self.n += 1
        if us > self.max_us:
            self.max_us = us

    @classmethod
    def upper_us(cls, i: int) -> int:
        """The upper edge of bin i, in microseconds (the figure a percentile reports: never optimistic)."""
        lower = 0
        for below, width, first in cls.EDGES:
            if i < first + (below - lower) // width:
                return lower + (i - first + 1) * width
            lower = below
        return 10_000_000

    def percentile(self, q: float) -> float:
        """Milliseconds below which a share q of the recorded latencies fall (0 with nothing recorded)."""
        if not self.n:
            return 0.0
        rank, seen = q * self.n, 0
        for i, c in enumerate(self.counts):
            seen += c
            if c and seen >= rank:
                return (self.max_us if i == self.SIZE - 1 else min(self.upper_us(i), self.max_us)) / 1000
        return self.max_us / 1000

    def summary(self) -> dict[str, float]:
        out = {f"p{str(q)[2:].ljust(2, '0')}": round(self.percentile(q), 3) for q in (0.5, 0.9, 0.99, 0.999)}
        out["max"] = round(self.max_us / 1000, 3)
        return out


@dataclass
class Stats:
    ok: int = 0
    errors: Counter = field(default_factory=Counter)  # status (or "malformed") -> count
    disconnects: int = 0
    bodies: list[bytes] | None = None
    latency: Histogram = field(default_factory=Histogram)
    measuring: bool = False  # latencies are recorded only inside the measured window

    @property
    def done(self) -> int:
        return self.ok + sum(self.errors.values())


class Conn(asyncio.Protocol):
    """Sends a request, waits for the whole response, sends the next; `next_request` returns None to stop."""

    def __init__(self, next_request: Callable[[], bytes | None], stats: Stats, closed: asyncio.Future) -> None:
        self.next_request = next_request
        self.stats = stats
        self.closed = closed
        self.buf = bytearray()
        self.need = -1  # total bytes of the current response once its head is parsed
        self.body_at = 0
        self.transport: asyncio.Transport | None = None
        self.sent_at = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.send()

    def send(self) -> None:
        req = self.next_request()
        if req is None:
            self.transport.close()
        else:
            self.sent_at = time.perf_counter()
            self.transport.write(req)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.need < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            i = head.find(b"\r\ncontent-length:")
            if i < 0:
                self.stats.errors["malformed"] += 1
                self.transport.close()
                return
            j = head.find(b"\r\n", i + 2)
            self.body_at = end + 4
            self.need = end + 4 + int(head[i + 17: j if j > 0 else len(head)])
        if len(self.buf) < self.need:
            return
        status = int(self.buf[9:12])
        if self.stats.measuring:
            self.stats.latency.record(time.perf_counter() - self.sent_at)
        if 200 <= status < 300:
            self.stats.ok += 1
        else:
            self.stats.errors[status] += 1
        if self.stats.bodies is not None:
            self.stats.bodies.append(bytes(self.buf[self.body_at: self.need]))
        del self.buf[: self.need]
        self.need = -1
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


def request_bytes(method: str, host: str, path: str, body: bytes = b"", headers: tuple[str, ...] = (),
                  content_type: str = "application/json") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: bench\r\n"
    head += "".join(f"{h}\r\n" for h in headers)
    if method != "GET" or body:
        head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def factory(args: argparse.Namespace, ids: list[str]) -> Callable[[int, int], bytes]:
    """(connection index, request counter) -> request bytes. GETs over ids are built once, up front."""
    host = f"{args.host}:{args.port}"
    headers = tuple(args.header)
    if ids and not args.body:
        built = [request_bytes(args.method, host, args.path.replace("{id}", i), headers=headers) for i in ids]
        return lambda c, n: built[n % len(built)]

    def make(c: int, n: int) -> bytes:
        one = ids[n % len(ids)] if ids else ""
        body = args.body.replace("{n}", str(n)).replace("{id}", one)
        return request_bytes(args.method, host, args.path.replace("{id}", one), body.encode(), headers,
                             args.content_type)

    return make


async def run(args: argparse.Namespace, ids: list[str]) -> dict:
    loop = asyncio.get_running_loop()
    stats = Stats(bodies=[] if args.collect else None)
    make = factory(args, ids)
    stop = False
    issued = 0  # shared counter: unique {n} across connections, and the --requests budget

    def next_for(c: int) -> Callable[[], bytes | None]:
        def nxt() -> bytes | None:
            nonlocal issued
            if stop or (args.requests and issued >= args.requests):
                return None
            issued += 1
            return make(c, issued - 1)
        return nxt

    async def connection(c: int) -> None:
        # Reconnect if the server drops us mid-run; each drop is reported.
        while True:
            closed = loop.create_future()
            await loop.create_connection(lambda closed=closed: Conn(next_for(c), stats, closed), args.host, args.port)
            await closed
            if stop or (args.requests and issued >= args.requests):
                return
            stats.disconnects += 1

    tasks = [asyncio.ensure_future(connection(c)) for c in range(args.conns)]
    t0 = time.perf_counter()
    if args.requests:
        stats.measuring = True
        await asyncio.gather(*tasks)
        done, seconds = stats.done, time.perf_counter() - t0
    else:
        await asyncio.sleep(args.warmup)
        d0, t1 = stats.done, time.perf_counter()
        stats.measuring = True
        await asyncio.sleep(args.duration)
        stats.measuring = False
        done, seconds = stats.done - d0, time.perf_counter() - t1
        stop = True
        await asyncio.gather(*tasks)
    out = {"requests": done, "seconds": round(seconds, 3), "rps": round(done / seconds, 1),
           "errors": {str(k): v for k, v in stats.errors.items()}, "disconnects": stats.disconnects,
           "latency_ms": stats.latency.summary()}
    if stats.bodies is not None:
        out["bodies"] = [b.decode() for b in stats.bodies]
    return out


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Raw-asyncio HTTP/1.1 keep-alive load generator.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--conns", type=int, default=50, help="concurrent keep-alive connections")
    p.add_argument("--method", default="GET")
    p.add_argument("--path", default="/", help="may contain {id}, replaced from --ids")
    p.add_argument("--body", default="", help="request body (JSON); {n} becomes a per-request counter, {id} the "
                   "request's id from --ids")
    p.add_argument("--content-type", default="application/json", help="of the body (default application/json)")
    p.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                   help="an extra request header (repeatable)")
    p.add_argument("--ids", help="file with one id per line, cycled into {id} (request n takes line n)")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds not counted")
    p.add_argument("--duration", type=float, default=5.0, help="measured seconds")
    p.add_argument("--requests", type=int, default=0, help="send exactly this many instead of timing")
    p.add_argument("--collect", action="store_true", help="return every response body")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    ids = open(args.ids).read().split() if args.ids else []
    if uvloop is not None:
        result = uvloop.run(run(args, ids))
    else:
        result = asyncio.run(run(args, ids))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
