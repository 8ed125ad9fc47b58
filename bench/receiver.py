"""A fast webhook receiver for the benchmark and the soak: raw asyncio HTTP/1.1, keep-alive, in its own process.

Answers every POST with 200 (empty body) and counts it: per wall-clock second, and per (job id, event) of its
JSON body, so duplicates show. The body's shape is any of the services': Valossa's {job_id, status}, Clipzy's
{data: {job_id, status}} (or flat {job_id, status}), the Gateway's {event: "transcription.completed", data: {id}}.
A Gateway job sends a "<kind>.progress" event at each processing step (several per job, not duplicates) and one
end event. GET /stats answers the counts as JSON ("ended": jobs with an end event), GET /keys every
[job_id, event, count] received; anything else is a 404.

Run: python bench/receiver.py [--port 0]   (prints {"port": N} on its first line once it listens)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter

try:
    import uvloop
except ImportError:
    uvloop = None


def key(data: dict) -> tuple[str, str]:
    """(job id, event) of a callback body: the end state's name, or the Gateway's event name."""
    inner = data.get("data") if isinstance(data.get("data"), dict) else {}
    job = data.get("job_id") or data.get("id") or inner.get("job_id") or inner.get("id")
    event = data.get("event") or data.get("status") or inner.get("status")
    return str(job), str(event)


def progress(event: str) -> bool:
    """A Gateway progress event: one per processing step, not an end state."""
    return event.endswith(".progress")


class Counts:
    def __init__(self) -> None:
        self.total = 0
        self.per_second: Counter[int] = Counter()
        self.keys: Counter[tuple[str, str]] = Counter()  # (job id, status) -> deliveries
        self.unparsed = 0
        self.first = self.last = 0.0

    def add(self, body: bytes) -> None:
        now = time.time()
        self.total += 1
        self.first = self.first or now
        self.last = now
        self.per_second[int(now)] += 1
        try:
            self.keys[key(json.loads(body))] += 1
        except (ValueError, AttributeError, TypeError):
            self.unparsed += 1

    def view(self) -> dict:
        span = self.last - self.first
        ends = [(job, n) for (job, event), n in self.keys.items() if not progress(event)]
        return {
            "total": self.total, "distinct": len(self.keys), "ended": len({job for job, _ in ends}),
            "duplicates": sum(n - 1 for _, n in ends), "progress": self.total - self.unparsed - sum(n for _, n in ends),
            "unparsed": self.unparsed, "first": self.first, "last": self.last,
            "rate": round(self.total / span, 1) if span > 0 else None,
            "best_second": max(self.per_second.values(), default=0),
            "per_second": {str(k): v for k, v in sorted(self.per_second.items())},
        }


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


class Conn(asyncio.Protocol):
    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).lower()
            length, i = 0, head.find(b"\r\ncontent-length:")
            if i >= 0:
                j = head.find(b"\r\n", i + 2)
                length = int(head[i + 17: j if j > 0 else len(head)])
            if len(self.buf) < end + 4 + length:
                return
            body = bytes(self.buf[end + 4: end + 4 + length])
            del self.buf[: end + 4 + length]
            if head.startswith(b"post"):
                self.counts.add(body)
                self.transport.write(OK)
            elif head.startswith((b"get /stats", b"get /keys")):
                view = self.counts.view() if head.startswith(b"get /stats") else \
                    [[job, status, n] for (job, status), n in self.counts.keys.items()]
                out = json.dumps(view).encode()
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                     + str(len(out)).encode() + b"\r\n\r\n" + out)
            else:
                self.transport.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


async def serve(port: int) -> None:
    counts = Counts()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Conn(counts), "127.0.0.1", port, backlog=1024)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args(argv)
    try:
        (uvloop.run if uvloop is not None else asyncio.run)(serve(args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
