"""Where jobs, uploads and webhooks live. MemoryStore keeps everything in process (--in-memory);
SqliteStore (sqlite_store.py) adds a SQLite file and upload chunks on disk under the data dir."""

from __future__ import annotations

from typing import Any

from .model import Job, Webhook


class MemoryStore:
    """The in-process store; also the base of SqliteStore, whose reads it serves from the same dicts."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.chunks: dict[tuple[str, int], bytes] = {}
        self.meta: dict[str, Any] = {}

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def reset(self) -> None:
        self.jobs.clear()
        self.webhooks.clear()
        self.records.clear()
        self.chunks.clear()
        self.meta.clear()

    # --- jobs
    async def put_job(self, job: Job, *, wait: bool = True) -> None:
        """wait=False: queue the write without waiting for its commit (a timer's move, which a restart
        would replay from the previous state anyway)."""
        self.jobs[job.id] = job

    async def move_job(self, job: Job, *, wait: bool = True) -> None:
        """The job moved along its timeline and nothing else changed: a store may write only its position."""
        await self.put_job(job, wait=wait)

    async def get_job(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    async def delete_job(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)

    async def list_jobs(
        self, service: str | None = None, owner: str | None = None, ref: str | None = None,
        limit: int | None = None, *, kind: str | None = None,
    ) -> list[Job]:
        """Newest first; `limit`: only the newest so many."""
        found = [
            j
            for j in self.jobs.values()
            if (service is None or j.service == service)
            and (kind is None or j.kind == kind)
            and (owner is None or j.owner == owner)
            and (ref is None or j.ref == ref)
        ]
        return sorted(found, key=lambda j: j.seq, reverse=True)[:limit]

    def timed_job(self, job_id: str) -> Job | None:
        """A job with a pending timer, from memory only: a timer never waits on I/O, and a job that is not
        there (deleted, or moved on) has nothing for the timer to do."""
        return self.jobs.get(job_id)

    async def due_jobs(self) -> list[tuple[float, str]]:
        return [(j.next_due, j.id) for j in self.jobs.values() if j.next_due is not None]

    # --- webhooks
    async def put_webhook(self, hook: Webhook) -> None:
        self.webhooks[hook.id] = hook

    async def get_webhook(self, hook_id: str) -> Webhook | None:
        return self.webhooks.get(hook_id)

    async def list_webhooks(self) -> list[Webhook]:
        return sorted(self.webhooks.values(), key=lambda h: h.created)

    # --- small service records (uploads...) and their binary chunks
    async def put_record(self, kind: str, key: str, value: dict[str, Any]) -> None:
        self.records[(kind, key)] = value

    async def get_record(self, kind: str, key: str) -> dict[str, Any] | None:
        return self.records.get((kind, key))

    async def list_records(self, kind: str) -> dict[str, dict[str, Any]]:
        """Every record of a kind, by key (in no particular order: sort by a field of the records)."""
        return {k: v for (c, k), v in self.records.items() if c == kind}

    async def delete_record(self, kind: str, key: str) -> None:
        self.records.pop((kind, key), None)

    async def put_chunk(self, key: str, index: int, data: bytes) -> None:
        self.chunks[(key, index)] = data

    async def get_chunk(self, key: str, index: int) -> bytes | None:
        return self.chunks.get((key, index))

    # --- settings that must survive a restart (clock anchor, id counters)
    async def get_meta(self, key: str) -> Any:
        return self.meta.get(key)

    async def set_meta(self, key: str, value: Any) -> None:
        self.meta[key] = value

    def note_meta(self, key: str, value: Any) -> None:
        """Set without waiting: written with the next group of writes (ids, counters)."""
        self.meta[key] = value
