"""HTTP faults from scenario files: latency, an error status in the service's own body, 429 with
Retry-After, a reset connection, a truncated or malformed body. A service asks check() before it acts;
transport faults are carried out by send_with_fault() as the service sends its answer, reaching the server's
socket through the raw send callable the app stored in the scope (RAW_SEND) before any middleware wrapped it."""

from __future__ import annotations

import asyncio
import fnmatch
import random
import socket
import struct
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from .clock import Clock
from .journal import tag, tags
from .model import Job
from .scenario_model import FaultRule
from .scenarios import HEADER, Scenarios

RAW_SEND = "emulator.raw_send"


class Fault(Exception):
    """Raised by check() for a status fault (the service renders its own error body) or a reset."""

    def __init__(self, rule: FaultRule) -> None:
        super().__init__(rule.message or "")
        self.rule = rule
        self.status = rule.status or 500
        self.headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}

    def message(self, default: str) -> str:
        return self.rule.message or default


class Faults:
    def __init__(self, scenarios: Scenarios, clock: Clock, seed: int | None) -> None:
        self.scenarios, self.clock, self.seed = scenarios, clock, seed
        self.calls: dict[tuple[str, int, str | None], int] = {}
        self.rngs: dict[tuple[str, int], random.Random] = {}
        self.epoch = clock.now()

    def reset(self) -> None:
        self.calls.clear()
        self.rngs.clear()
        self.epoch = self.clock.now()

    def decide(self, scope: Scope, name: str | None, job: Job | None) -> FaultRule | None:
        item = self.scenarios.get(name) if name else None
        if name is None or item is None or not item.scenario.faults:
            return None
        method, path = scope["method"], scope["path"]
        counted = []
        for index, rule in enumerate(item.scenario.faults):
            if fnmatch.fnmatchcase(path, rule.path) and (not rule.method or rule.method.upper() == method):
                # Every matching rule counts the call, whichever fires: "the 3rd poll" means the 3rd poll.
                key = (name, index, job.id if job else None)
                self.calls[key] = self.calls.get(key, 0) + 1
                counted.append((index, rule, self.calls[key]))
        since = self.clock.now() - (job.created if job else self.epoch)
        for index, rule, n in counted:
            if rule.nth is not None and n != rule.nth:
                continue
            if rule.every is not None and n % rule.every:
                continue
            if rule.after is not None and since < rule.after:
                continue
            if rule.until is not None and since >= rule.until:
                continue
            if rule.probability is not None and self._rng(name, index).random() >= rule.probability:
                continue
            return rule
        return None

    def _rng(self, name: str, index: int) -> random.Random:
        # One seeded stream per rule: the same requests in the same order fault the same way.
        key = (name, index)
        if key not in self.rngs:
            self.rngs[key] = random.Random(f"{self.seed}:{name}:{index}")
        return self.rngs[key]

    async def check(self, scope: Scope, service: str, job: Job | None = None, name: str | None = None) -> None:
        """Apply the fault, if any, for this request: about `job`, or a new job of scenario `name`, or else
        the scenario the X-Emulator-Scenario header names, or the service default."""
        if job is not None:
            name = job.scenario
        elif name is None:
            name = self._scenario_for(scope, service)
        rule = self.decide(scope, name, job)
        if rule is None:
            return
        tag(scope, fault=_describe(rule))
        if rule.latency is not None:
            high = rule.latency_max if rule.latency_max is not None else rule.latency
            delay = rule.latency if high == rule.latency else self._rng(name or "", -1).uniform(rule.latency, high)
            await asyncio.sleep(delay)  # real seconds: client timeouts are real
        if rule.status is not None or rule.reset:
            raise Fault(rule)
        if rule.truncate or rule.malformed:
            tag(scope, transport="truncate" if rule.truncate else "malformed")

    def _scenario_for(self, scope: Scope, service: str) -> str | None:
        for key, value in scope.get("headers", []):
            if key.decode("latin-1").lower() == HEADER:
                return value.decode("latin-1")
        forced = self.scenarios.forced.get(service)
        return forced[0] if forced else self.scenarios.default(service).name


def _describe(rule: FaultRule) -> str:
    for key in ("status", "reset", "truncate", "malformed"):
        if getattr(rule, key):
            return f"{key} {rule.status}" if key == "status" else key
    return f"latency {rule.latency}s"


def transport_fault(scope: Scope) -> str | None:
    """The transport fault check() chose for this request (reset, truncate, malformed), if any."""
    return tags(scope).get("transport")


async def send_with_fault(action: str, response: Any, scope: Scope, receive: Receive, send: Send) -> None:
    """Send `response` (a Starlette Response) spoiled as `action` says."""
    held: list[Message] = []

    async def hold(message: Message) -> None:
        held.append(message)

    await response(scope, receive, hold)
    await _carry_out(action, held, send, scope.get(RAW_SEND))


async def _carry_out(action: str, held: list[Message], send: Send, raw: Send | None) -> None:
    start = held[0]
    body = b"".join(m.get("body", b"") for m in held[1:])
    if action == "reset":
        _abort(raw, rst=True)
        return
    if action == "truncate":
        await send(start)
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        _abort(raw, rst=False)
        return
    garbage = body[: len(body) // 2] + b"\x00<!-- not what the content type says -->"
    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(garbage)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": garbage})


def _abort(send: Send | None, rst: bool) -> None:
    """Close the client's connection under uvicorn (its send is bound to the cycle holding the transport).
    Elsewhere (an in-process ASGI client) there is no socket: raise, which such clients surface as an error."""
    transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionResetError("connection reset by emulator fault")
    sock = transport.get_extra_info("socket")
    if rst and sock is not None:
        # SO_LINGER 0: the close sends RST instead of FIN, as a peer that crashed would.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort() if rst else transport.close()


def mark_reset(scope: Scope) -> None:
    """A service's error handler calls this for a reset fault, then answers anything: it is never sent."""
    tag(scope, transport="reset")
