"""Where jobs, uploads and webhooks live. MemoryStore keeps everything in process (--in-memory);
SqliteStore (sqlite_store.py) adds a SQLite file and upload chunks on disk under the data dir."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncGenerator, Iterator
from typing import Any

from .cold import ColdJobs
from .model import Job, Webhook

UNSENT = ("pending", "held")  # a webhook's states before its last attempt (then delivered, failed or dropped)


class MemoryStore:
    """The in-process store; also the base of SqliteStore, whose reads it serves from the same dicts.

    Jobs live in three tiers: every job with a pending timer (its timer needs it), the `recent_size` ended jobs
    read (SqliteStore: written or read) most recently, and the rest (`_evict`): here kept encoded in the cold
    tier (cold.py: about 0.25 KB a job, no Python object each); SqliteStore reads them back from its file
    instead. A job read back joins the recent ones.

    Here an ended job that is written goes cold at once: ended jobs kept as objects would stay scattered over
    the allocator's arenas among those of the jobs that ended with them, and keep them all resident.
    """

    recent_size = 2_000
    keep_written = False  # SqliteStore: True (a read from its file costs much more than decoding)

    def __init__(self) -> None:
        # Jobs in flight: with a pending timer, or held in a step with no end of its own (waiting for a worker,
        # on hold): a timer or a service's queue reads them next, and never waits on I/O for them.
        self.active: dict[str, Job] = {}
        self.jobs: OrderedDict[str, Job] = OrderedDict()  # ended jobs, oldest read (or write) first
        self.cold = ColdJobs()
        self.webhooks: dict[str, Webhook] = {}  # SqliteStore: only those still to be sent (pending or held)
        self.job_hooks: dict[str, list[str]] = {}  # job id -> its webhooks' ids, oldest first
        self.records: dict[str, dict[str, dict[str, Any]]] = {}  # kind -> key -> record: a listing reads one kind
        self._owned: dict[str, dict[str, set[str]]] = {}  # kind -> owner -> keys: see list_records
        self._filed: dict[str, dict[str, str]] = {}  # kind -> key -> the owner _owned files it under
        self.chunks: dict[tuple[str, int], bytes] = {}
        self.meta: dict[str, Any] = {}

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def reset(self) -> None:
        self.active.clear()
        self.jobs.clear()
        self.cold.clear()
        self.webhooks.clear()
        self.job_hooks.clear()
        self.records.clear()
        self._owned.clear()
        self._filed.clear()
        self.chunks.clear()
        self.meta.clear()

    # --- jobs
    def _cache(self, job: Job, *, read: bool = False) -> None:
        if not job.terminal:  # a timer pending, or held in a step with no end of its own
            self.active[job.id] = job
            self.jobs.pop(job.id, None)
            return
        self.active.pop(job.id, None)
        if not (read or self.keep_written):
            self.jobs.pop(job.id, None)
            self._evict(job)
            return
        self.jobs[job.id] = job
        self.jobs.move_to_end(job.id)
        if len(self.jobs) > self.recent_size:
            self._evict(self.jobs.popitem(last=False)[1])

    def _evict(self, job: Job) -> None:
        """An ended job leaves the recent ones: kept encoded (SqliteStore: already in its file)."""
        self.cold.put(job)

    def _cached(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id) or self.active.get(job_id)

    async def put_job(self, job: Job, *, wait: bool = True) -> None:
        """wait=False: queue the write without waiting for its commit (a timer's move, which a restart
        would replay from the previous state anyway)."""
        if job.id not in self.active and job.id not in self.jobs:
            self.cold.discard(job.id)
        self._cache(job)

    async def move_job(self, job: Job, *, wait: bool = True) -> None:
        """The job moved along its timeline, or its service noted facts: nothing else changed (not its request
        or timeline), so a store may write only its position and facts."""
        await self.put_job(job, wait=wait)

    async def get_job(self, job_id: str) -> Job | None:
        job = self.jobs.get(job_id) or self.active.get(job_id)
        if job is None:
            job = self.cold.pop(job_id)
            if job is not None:
                self._cache(job, read=True)
        return job

    def timed_job(self, job_id: str) -> Job | None:
        """A job with a pending timer, from memory only: a timer never waits on I/O, and a job that is not
        there (deleted, or moved on) has nothing for the timer to do."""
        return self.active.get(job_id)

    async def delete_job(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self.active.pop(job_id, None)
        self.cold.discard(job_id)

    async def list_jobs(
        self, service: str | None = None, owner: str | None = None, ref: str | None = None,
        limit: int | None = None, *, kind: str | None = None, offset: int = 0,
    ) -> list[Job]:
        """Newest first; `offset`, `limit`: a page of them (cold jobs are decoded only when listed)."""
        jobs: list[Job] = []
        for job in self._matching(service, owner, ref, kind):
            if offset:
                offset -= 1
                continue
            if limit is not None and len(jobs) >= limit:
                break
            jobs.append(job)
        return jobs

    async def scan_jobs(self, service: str | None = None, owner: str | None = None, *,
                        kind: str | None = None) -> AsyncGenerator[Job, None]:
        """Every matching job, newest first, each made when reached: a reader that keeps only some of them
        (a filter on state) never holds them all at once."""
        for job in self._matching(service, owner, None, kind):
            yield job

    async def count_jobs(self, service: str | None = None, owner: str | None = None, ref: str | None = None,
                         *, kind: str | None = None) -> int:
        if ref is not None:  # a cold job's ref is matched by its hash: confirm each
            return sum(1 for _ in self._matching(service, owner, ref, kind))
        return len(self._found(service, owner, ref, kind))

    def _found(self, service: str | None, owner: str | None, ref: str | None,
               kind: str | None) -> list[tuple[int, Job | int]]:
        def wanted(j: Job) -> bool:
            return ((service is None or j.service == service) and (kind is None or j.kind == kind)
                    and (owner is None or j.owner == owner) and (ref is None or j.ref == ref))

        found: list[tuple[int, Job | int]] = [(j.seq, j) for tier in (self.active, self.jobs)
                                              for j in tier.values() if wanted(j)]
        found += self.cold.select(service, kind, owner, ref)
        found.sort(key=lambda pair: pair[0], reverse=True)
        return found

    def _matching(self, service: str | None, owner: str | None, ref: str | None,
                  kind: str | None) -> Iterator[Job]:
        for _, j in self._found(service, owner, ref, kind):
            job = j if isinstance(j, Job) else self.cold.load(j)
            if ref is None or job.ref == ref:  # a cold job's ref was matched by its hash
                yield job

    async def due_jobs(self) -> list[tuple[float, str]]:
        return [(j.next_due, j.id) for j in self.active.values() if j.next_due is not None]

    # --- webhooks
    async def put_webhook(self, hook: Webhook, *, wait: bool = True) -> None:
        """wait=False: on disk with the next group of writes (SqliteStore), see committed()."""
        if hook.id not in self.webhooks and hook.job_id is not None:
            self.job_hooks.setdefault(hook.job_id, []).append(hook.id)
        self.webhooks[hook.id] = hook

    async def committed(self) -> None:
        """Returns once every write made so far is on disk (here at once)."""

    async def get_webhook(self, hook_id: str) -> Webhook | None:
        return self.webhooks.get(hook_id)

    async def list_webhooks(self, job_id: str | None = None, *, state: str | None = None) -> list[Webhook]:
        """Every webhook, or a job's, oldest first; `state`: only those in that state."""
        hooks = (self.webhooks.values() if job_id is None
                 else [self.webhooks[i] for i in self.job_hooks.get(job_id, ())])
        return sorted((h for h in hooks if state is None or h.state == state), key=lambda h: h.created)

    def unsent_webhooks(self) -> list[Webhook]:
        """The webhooks still to be sent (pending or held): in memory in every store."""
        return [h for h in self.webhooks.values() if h.state in UNSENT]

    # --- small service records (uploads...) and their binary chunks
    async def put_record(self, kind: str, key: str, value: dict[str, Any]) -> None:
        self.records.setdefault(kind, {})[key] = value
        self._own(kind, key, value)

    async def get_record(self, kind: str, key: str) -> dict[str, Any] | None:
        return self.records.get(kind, {}).get(key)

    async def list_records(self, kind: str, owner: str | None = None) -> dict[str, dict[str, Any]]:
        """Every record of a kind, by key (in no particular order: sort by a field of the records); with `owner`,
        only those whose "owner" field is it, read through an index: one API key's galleries, faces or images
        cost the same however many other keys have."""
        records = self.records.get(kind, {})
        if owner is None:
            return dict(records)
        return {key: records[key] for key in self._owned.get(kind, {}).get(owner, ())}

    async def delete_record(self, kind: str, key: str) -> None:
        self.records.get(kind, {}).pop(key, None)
        self._own(kind, key, None)

    def _own(self, kind: str, key: str, record: dict[str, Any] | None) -> None:
        """File `key` under its record's "owner" (record None: deleted). Where it was filed comes from the index,
        not from the record it replaces: a caller may have changed that dict in place before putting it back."""
        filed = self._filed.setdefault(kind, {})
        owners = self._owned.setdefault(kind, {})
        before = filed.pop(key, None)
        after = record.get("owner") if record else None
        if before is not None and before != after:
            owners[before].discard(key)
            if not owners[before]:
                del owners[before]
        if isinstance(after, str):
            owners.setdefault(after, set()).add(key)
            filed[key] = after

    def _index_records(self, kind: str) -> None:
        """The index by "owner" of a kind whose records were all put in place at once (read from a file)."""
        self._owned.pop(kind, None)
        self._filed.pop(kind, None)
        for key, record in self.records.get(kind, {}).items():
            self._own(kind, key, record)

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
