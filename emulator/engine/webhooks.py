"""The webhook outbox: each callback is stored before it is sent, sent with an httpx POST, retried with
exponential backoff in virtual time on a non-2xx answer or a connection error; every attempt is recorded."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from .clock import Clock
from .ids import Ids
from .model import Webhook
from .scheduler import Scheduler
from .store import MemoryStore


class Webhooks:
    def __init__(
        self, store: MemoryStore, clock: Clock, scheduler: Scheduler, ids: Ids, *,
        retries: int = 3, backoff: float = 10.0, timeout: float = 10.0,
    ) -> None:
        self.store, self.clock, self.scheduler, self.ids = store, clock, scheduler, ids
        self.retries, self.backoff, self.timeout = retries, backoff, timeout
        self._client: httpx.AsyncClient | None = None
        scheduler.on("webhook", self._fire, background=True)

    async def load(self) -> None:
        for hook in await self.store.list_webhooks():
            if hook.state == "pending" and hook.next_attempt is not None:
                self.scheduler.add(hook.next_attempt, "webhook", hook.id)

    async def close(self) -> None:
        if self._client:
            await self._client.aclose()
            self._client = None

    async def enqueue(
        self, service: str, url: str, body: Any, *, job_id: str | None = None, event: str = "",
        headers: dict[str, str] | None = None, delay: float = 0.0,
    ) -> Webhook:
        now = self.clock.now()
        hook = Webhook(
            id=self.ids.next("webhook"), service=service, job_id=job_id, url=url, body=body,
            created=now, headers=headers or {}, event=event, next_attempt=now + delay,
        )
        await self.store.put_webhook(hook)
        self.scheduler.add(hook.next_attempt, "webhook", hook.id)
        return hook

    async def _fire(self, hook_id: str, due: float) -> None:
        hook = await self.store.get_webhook(hook_id)
        if hook is None or hook.state != "pending" or hook.next_attempt != due:
            return
        await self.attempt(hook)

    async def attempt(self, hook: Webhook) -> Webhook:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        headers = {"Content-Type": "application/json", "User-Agent": "video-ai-emulator", **hook.headers}
        started = time.perf_counter()
        record: dict[str, Any] = {"at": self.clock.now(), "status_code": None, "error": None}
        try:
            response = await self._client.post(hook.url, content=json.dumps(hook.body), headers=headers)
            record["status_code"] = response.status_code
        except httpx.HTTPError as exc:
            record["error"] = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        record["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        hook.attempts.append(record)
        code = record["status_code"]
        if code is not None and 200 <= code < 300:
            hook.state, hook.next_attempt = "delivered", None
        elif len(hook.attempts) > self.retries:
            hook.state, hook.next_attempt = "failed", None
        else:
            hook.next_attempt = self.clock.now() + self.backoff * 2 ** (len(hook.attempts) - 1)
            self.scheduler.add(hook.next_attempt, "webhook", hook.id)
        await self.store.put_webhook(hook)
        return hook
