"""The webhook outbox: each callback is stored before it is sent, sent with a POST, retried with
exponential backoff in virtual time on a non-2xx answer or a connection error; every attempt is recorded.
The POST itself is sender.py's (at most LIMIT in flight; a delivery waits there for a slot, not as a failure).
A scenario's webhooks block (stored on the job) changes delay, retries and backoff, and can lose the first
attempts, drop, duplicate, reorder or rewrite deliveries, to test a receiver's idempotency."""

from __future__ import annotations

import asyncio
from typing import Any

from .clock import Clock
from .codec import dumpb
from .ids import Ids
from .model import Job, Webhook
from .scheduler import IN_TIMER, Scheduler
from .sender import Sender
from .store import MemoryStore


class Webhooks:
    def __init__(
        self, store: MemoryStore, clock: Clock, scheduler: Scheduler, ids: Ids, *,
        retries: int = 3, backoff: float = 10.0, timeout: float = 10.0,
    ) -> None:
        self.store, self.clock, self.scheduler, self.ids = store, clock, scheduler, ids
        self.retries, self.backoff, self.timeout = retries, backoff, timeout
        self.sender = Sender()
        # A job's attempt in flight, by job id: its next callback waits for it (advance fires callbacks due at
        # the same moment together; one job's progress and end callbacks still arrive in order).
        self._sending: dict[str, asyncio.Future[None]] = {}
        scheduler.on("webhook", self._fire, background=True, horizon=self._horizon)

    async def load(self) -> None:
        for hook in self.store.unsent_webhooks():
            if hook.state == "pending" and hook.next_attempt is not None:
                self.scheduler.add(hook.next_attempt, "webhook", hook.id)

    async def close(self) -> None:
        await self.sender.close()

    async def enqueue(
        self, service: str, url: str, body: Any, *, job: Job | None = None, event: str = "",
        headers: dict[str, str] | None = None,
    ) -> Webhook:
        policy = dict((job.policy if job else None) or {})
        if policy.get("body"):
            body = _merge(body, policy["body"])
        now = self.clock.now()
        hook = Webhook(
            id=self.ids.next("webhook"), service=service, job_id=job.id if job else None, url=url, body=body,
            created=now, headers=headers or {}, event=event, policy=policy,
        )
        if policy.get("drop"):
            hook.state = "dropped"
            hook.attempts.append({"at": now, "status_code": None, "error": "dropped by scenario", "duration_ms": 0})
            await self.store.put_webhook(hook)
            return hook
        if policy.get("out_of_order") and job is not None:
            hook.state = "held"
            await self.store.put_webhook(hook)
            if job.terminal:
                await self._release(job.id, now + float(policy.get("delay", 0)))
            return hook
        await self._schedule(hook, now + float(policy.get("delay", 0)))
        return hook

    async def _release(self, job_id: str, at: float) -> None:
        """Deliver a job's held callbacks newest first, one simulated second apart."""
        held = [h for h in self.store.unsent_webhooks() if h.job_id == job_id and h.state == "held"]
        for n, hook in enumerate(sorted(held, key=lambda h: h.created, reverse=True)):
            hook.state = "pending"
            await self._schedule(hook, at + n)

    async def _schedule(self, hook: Webhook, at: float) -> None:
        hook.next_attempt = at
        # Stored before it is sent: a timer (a job's end) does not wait for the commit, its attempt does (_fire),
        # which then holds the job's move too; a request answers once its callback is on disk.
        await self.store.put_webhook(hook, wait=not IN_TIMER.get())
        self.scheduler.add(at, "webhook", hook.id)

    async def redeliver(self, hook: Webhook) -> Webhook:
        """Send a stored webhook again from now, whatever its state: a new series of attempts (with the
        usual retries), recorded after the earlier ones. A scenario's lost first attempts are not lost again,
        nor are duplicates sent again."""
        hook.state = "pending"
        hook.series = len(hook.attempts)
        await self._schedule(hook, self.clock.now())
        return hook

    def _horizon(self, hook_id: str, due: float) -> float:
        """The soonest an attempt due at `due` can put a timer at: its first retry or its first duplicate."""
        hook = self.store.webhooks.get(hook_id)
        if hook is None:
            return due
        soonest = float(hook.policy.get("backoff", self.backoff))  # each next retry waits twice as long
        if hook.policy.get("duplicate") and not hook.series and not hook.duplicate_of:
            soonest = min(soonest, float(hook.policy.get("duplicate_delay", 1.0)))
        return due + max(soonest, 0.0)

    async def _fire(self, hook_id: str, due: float) -> None:
        hook = await self.store.get_webhook(hook_id)
        if hook is None or hook.state != "pending" or hook.next_attempt != due:
            return
        key = hook.job_id or hook.id
        ahead = self._sending.get(key)
        mine = self._sending[key] = asyncio.get_running_loop().create_future()
        try:
            if ahead is not None:
                await ahead
            await self.store.committed()  # see _schedule
            await self.attempt(hook, due)
        finally:
            mine.set_result(None)
            if self._sending.get(key) is mine:
                del self._sending[key]

    async def attempt(self, hook: Webhook, due: float | None = None) -> Webhook:
        """One attempt, recorded at `due` (else now); its retry and duplicates count from its end: `due` plus its
        real duration at the clock's scale. Not the clock's reading then: advance may have moved it on meanwhile
        (to timers before this attempt's horizon)."""
        started = self.clock.wall()
        at = self.clock.now() if due is None else due
        record: dict[str, Any] = {"at": at, "status_code": None, "error": None}
        if len(hook.attempts) < int(hook.policy.get("fail_attempts", 0)):
            record.update(error="lost on the way (scenario fail_attempts)", duration_ms=0)
        else:
            await self._post(hook, record)
        hook.attempts.append(record)
        code = record["status_code"]
        end = at + (self.clock.wall() - started) * self.clock.scale
        retries = int(hook.policy.get("retries", self.retries))
        tries = len(hook.attempts) - hook.series  # in this series: a redelivery gets its own retries
        if code is not None and 200 <= code < 300:
            hook.state, hook.next_attempt = "delivered", None
            if not hook.series:
                await self._duplicates(hook, end)
        elif tries > retries:
            hook.state, hook.next_attempt = "failed", None
        else:
            backoff = float(hook.policy.get("backoff", self.backoff))
            hook.next_attempt = end + backoff * 2 ** (tries - 1)
            self.scheduler.add(hook.next_attempt, "webhook", hook.id)
        # Not awaited on disk: a crash before the commit sends it again after the restart either way (at least
        # once), and a burst of attempts would each wait for a commit. The next awaited write holds it.
        await self.store.put_webhook(hook, wait=False)
        return hook

    async def _post(self, hook: Webhook, record: dict[str, Any]) -> None:
        body = dumpb(hook.body)  # compact UTF-8 JSON, as the services' responses (a transcript's is large)
        code, error, duration = await self.sender.post(hook.url, body, hook.headers, self.timeout)
        record.update(status_code=code, error=error, duration_ms=duration)

    async def _duplicates(self, hook: Webhook, now: float) -> None:
        count = 0 if hook.duplicate_of else int(hook.policy.get("duplicate", 0))
        gap = float(hook.policy.get("duplicate_delay", 1.0))
        policy = {k: v for k, v in hook.policy.items() if k not in ("duplicate", "fail_attempts", "body")}
        for n in range(1, count + 1):
            copy = Webhook(
                id=self.ids.next("webhook"), service=hook.service, job_id=hook.job_id, url=hook.url,
                body=hook.body, created=now, headers=hook.headers, event=hook.event,
                policy=policy, duplicate_of=hook.id,
            )
            await self._schedule(copy, now + gap * n)


def _merge(base: Any, over: dict[str, Any]) -> Any:
    if not isinstance(base, dict):
        return over
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out.get(key), value) if isinstance(value, dict) else value
    return out
