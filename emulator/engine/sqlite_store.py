"""The default store: SQLite (WAL) through aiosqlite, upload chunks as files under <data_dir>/uploads.

Reads of hot jobs come from memory, so polling costs no I/O: every job in flight (a job with a pending timer,
or held waiting for a worker: its timer or its service's queue will need it), plus a small cache of the ended
jobs written or read most recently. Memory grows with the jobs in flight, not with the jobs stored: a few
thousand cached ended jobs serve any test, and holding tens of thousands more kept a large, fragmented heap
that slowed every request. Writes are queued and committed in groups by one writer task; each caller awaits
the commit of the group that holds its write, so a request that answered 200 has its job on disk. A group goes
to the database in one trip, on a connection of its own in a thread of its own: statement by statement through
aiosqlite, the hand-offs between threads cost more than SQLite itself (new_job creates, timers move and end
jobs: a group mixes statements). Reads go through aiosqlite; WAL lets them run beside the writer.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections import Counter, OrderedDict
from collections.abc import AsyncGenerator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import aiosqlite

from . import codec
from .model import Job, Webhook
from .store import UNSENT, MemoryStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, service TEXT NOT NULL, owner TEXT NOT NULL,
    ref TEXT, next_due REAL, body TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'job',
    step INTEGER, step_started REAL, history TEXT, facts TEXT);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (service, owner, seq);
CREATE INDEX IF NOT EXISTS jobs_service ON jobs (service, seq);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (next_due) WHERE next_due IS NOT NULL;
CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, body TEXT NOT NULL, payload BLOB);
CREATE INDEX IF NOT EXISTS webhooks_job ON webhooks (json_extract(body, '$.job_id'));
CREATE TABLE IF NOT EXISTS records (kind TEXT, key TEXT, body TEXT NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, body TEXT NOT NULL);
"""

# The whole job (its position columns emptied: the body holds it), and a move: only its position and the
# service's facts, so a timer does not serialize the job's request and timeline again (that was most of
# new_job's cost on SQLite), nor does a lifecycle that notes a fact as the job enters a step (the Gateway's
# progress, at every step: a whole row each time cost its webhooks ~15 % of their rate).
JOB_UPSERT = (
    "INSERT OR REPLACE INTO jobs (id, seq, service, owner, ref, next_due, body, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
JOB_MOVE = "UPDATE jobs SET next_due = ?, step = ?, step_started = ?, history = ?, facts = ? WHERE id = ?"
JOB_COLUMNS = "body, step, step_started, history, next_due, facts"
RECENT_RECORDS = 1000  # records of a kind never listed kept in memory, the most recently used
SCAN_BATCH = 500  # rows scan_jobs reads at a time
END = -1  # the step column of a job moved to its end: the last step of the timeline in its body


META_UPSERT = "INSERT OR REPLACE INTO meta VALUES (?, ?)"
# A webhook's row: body, its state (JSON, the webhook without its body), and payload, the body it sends (JSON),
# written once, with the first row: an attempt's outcome rewrites only the state, not a transcript of tens of
# KB, and the index on the job id reads a small JSON text. A row from an earlier version has its body in body
# and no payload. An update keeps the row's rowid: rows stay in the order the webhooks were made.
WEBHOOK_UPSERT = ("INSERT INTO webhooks VALUES (?, ?, ?) "
                  "ON CONFLICT (id) DO UPDATE SET body = excluded.body, payload = excluded.payload")
WEBHOOK_STATE = "UPDATE webhooks SET body = ? WHERE id = ?"
WEBHOOK_ORDER = " ORDER BY json_extract(body, '$.created'), rowid"


def _where(service: str | None, owner: str | None, ref: str | None, kind: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of a listing: only the columns given."""
    given = [(c, v) for c, v in (("service", service), ("kind", kind), ("owner", owner), ("ref", ref))
             if v is not None]
    return (" WHERE " + " AND ".join(f"{c} = ?" for c, _ in given) if given else ""), [v for _, v in given]


class SqliteStore(MemoryStore):

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.db: aiosqlite.Connection | None = None  # reads
        self._wdb: sqlite3.Connection | None = None  # writes, used only in the writer thread
        self._wthread: ThreadPoolExecutor | None = None
        # (statement, parameters); a job's write (JOB_UPSERT, JOB_MOVE) has the job, read when its group is made
        self._queue: list[tuple[str, Any]] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._group: asyncio.Future[None] | None = None  # the group being written: done once it is
        self._meta_dirty: set[str] = set()  # note_meta keys to write with the next group
        # Webhooks to write at the end of the next group, each once, as it is then: a row per put cut the group's
        # job rows into a database trip each, and a callback's pending and delivered rows often share a group.
        self._hooks_dirty: dict[str, Webhook] = {}
        # Records: a kind somebody lists (uploads swept, galleries) is kept whole in memory (self.records) from
        # its first listing on; of a kind only read by key (Clipzy's videos, one per upload, never deleted) only
        # the RECENT_RECORDS used last are, the rest stays in the file. None there: known not to exist (every
        # new_job asks for its key's default gallery, which most keys never make: a read of the file each time).
        self._listed: set[str] = set()
        self._recent_records: OrderedDict[tuple[str, str], dict[str, Any] | None] = OrderedDict()
        self._record_writes: Counter[str] = Counter()  # by kind: a listing read while one was written reads again
        # Record writes queued so far, and of those the ones a finished group took: a record read from the file
        # waits for the writer only while the two differ (not for every job row queued meanwhile: a Clipzy
        # create reads its video and then waits for its own job's commit, and waited for a commit before too).
        self._record_queued = self._record_settled = 0

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    async def open(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = await aiosqlite.connect(self.data_dir / "emulator.sqlite3")
        await self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + SCHEMA)
        async with self.db.execute("PRAGMA table_info(jobs)") as cur:
            columns = [row[1] for row in await cur.fetchall()]
        for column, kind in (("kind", "TEXT NOT NULL DEFAULT 'job'"), ("step", "INTEGER"), ("step_started", "REAL"),
                             ("history", "TEXT"), ("facts", "TEXT")):
            if column not in columns:  # a data dir from an earlier version
                await self.db.execute(f"ALTER TABLE jobs ADD COLUMN {column} {kind}")
        async with self.db.execute("PRAGMA table_info(webhooks)") as cur:
            if "payload" not in [row[1] for row in await cur.fetchall()]:
                await self.db.execute("ALTER TABLE webhooks ADD COLUMN payload BLOB")
        await self.db.commit()
        # Only the webhooks still to be sent live in memory; the others are read from the file when asked for.
        async with self.db.execute("SELECT body, payload FROM webhooks WHERE json_extract(body, '$.state') IN (?, ?)",
                                   UNSENT) as cur:
            for row in await cur.fetchall():
                hook = _hook(*row)
                self.webhooks[hook.id] = hook
        async with self.db.execute("SELECT key, body FROM meta") as cur:
            for key, body in await cur.fetchall():
                self.meta[key] = json.loads(body)
        self._wthread = ThreadPoolExecutor(1, thread_name_prefix="emulator-sqlite-writer")
        self._wdb = await self._in_writer(_connect, self.data_dir / "emulator.sqlite3")
        self._writer = asyncio.create_task(self._write_loop())

    async def _in_writer(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._wthread, fn, *args)

    async def close(self) -> None:
        if self._writer:
            await self._flush()
            self._writer.cancel()
            self._writer = None
        if self._wthread:
            if self._wdb:
                await self._in_writer(self._wdb.close)
                self._wdb = None
            self._wthread.shutdown()
            self._wthread = None
        if self.db:
            await self.db.close()
            self.db = None

    async def reset(self) -> None:
        await super().reset()
        self._listed.clear()
        self._recent_records.clear()
        self._meta_dirty.clear()
        self._hooks_dirty.clear()
        await self._write_record("DELETE FROM jobs; DELETE FROM webhooks; DELETE FROM records; DELETE FROM meta;", ())
        shutil.rmtree(self.uploads_dir, ignore_errors=True)

    # --- the writer: one task, group commits
    async def _write(self, sql: str, params: Any) -> None:
        """params: a tuple, or a job (JOB_UPSERT, JOB_MOVE), read when its group is made (_row)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((sql, params))
        self._waiters.append(future)
        self._wake.set()
        await future

    async def _flush(self) -> None:
        """Resolves once every write queued before it is committed (writes go in order)."""
        await self._write("PRAGMA wal_checkpoint(PASSIVE);", ())

    async def _settled(self) -> None:
        """Before reading jobs from the file: every write queued so far is committed. A job that left memory
        may have its newest state in a write that was queued without waiting (a timer's move)."""
        if self._queue or self._hooks_dirty:
            await self._write("", ())  # nothing to run; resolves after the writes before it
        elif self._group is not None:  # all of them in the group being written: no group of its own after it
            await asyncio.shield(self._group)

    async def _write_loop(self) -> None:
        assert self._wdb is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(0)  # let writes issued in the same tick join this group
            batch, waiters = self._queue, self._waiters
            self._queue, self._waiters = [], []
            batch = [(sql, _row(sql, params)) for sql, params in batch]
            records = self._record_queued  # every record write queued so far is in this batch
            hooks = list(self._hooks_dirty.values())
            if hooks:
                batch += [_hook_row(h) for h in hooks]
                self._hooks_dirty = {}
            if not batch:
                continue
            if self._meta_dirty:
                batch += [(META_UPSERT, (key, codec.dumps(self.meta[key])))
                          for key in sorted(self._meta_dirty) if key in self.meta]
                self._meta_dirty.clear()
            group = self._group = asyncio.get_running_loop().create_future()
            try:
                await self._in_writer(_commit, self._wdb, batch)
                error: BaseException | None = None
            except Exception as exc:  # surfaces to every caller of the batch
                error = exc
            self._group = None
            group.set_result(None)  # settled: on disk, or failed (its writers have the error)
            self._record_settled = records  # on disk, or failed (their callers have the error)
            if error is None:
                for hook in hooks:
                    hook.stored = True
                self._sent_out(hooks)
            for w in waiters:
                if not w.done():
                    w.set_exception(error) if error else w.set_result(None)

    keep_written = True

    # --- jobs
    def _evict(self, job: Job) -> None:
        pass  # in the file already: read back from there when asked for

    # A job's row (put_job) or move (move_job) is written as the job is when its group is written, not as it was
    # when the call queued it: what its lifecycle notes as the job enters a step (on_enter runs after the move,
    # in the same tick: the Gateway's progress and worker) goes with the move, with no row of its own.
    async def put_job(self, job: Job, *, wait: bool = True) -> None:
        await self._job_write(JOB_UPSERT, job, wait)

    async def move_job(self, job: Job, *, wait: bool = True) -> None:
        await self._job_write(JOB_MOVE, job, wait)

    async def _job_write(self, sql: str, job: Job, wait: bool) -> None:
        self._cache(job)
        if wait:
            await self._write(sql, job)
        else:
            self._queue.append((sql, job))
            self._wake.set()

    async def get_job(self, job_id: str) -> Job | None:
        job = self.jobs.get(job_id) or self.active.get(job_id)
        if job is not None:
            return job
        assert self.db is not None
        await self._settled()
        async with self.db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        job = self._cached(job_id)  # loaded by another caller meanwhile: one object per job
        if job is None:
            job = _job(row)
            self._cache(job)
        return job

    async def delete_job(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self.active.pop(job_id, None)
        await self._write("DELETE FROM jobs WHERE id = ?", (job_id,))

    async def list_jobs(
        self, service: str | None = None, owner: str | None = None, ref: str | None = None,
        limit: int | None = None, *, kind: str | None = None, offset: int = 0,
    ) -> list[Job]:
        assert self.db is not None
        where, params = _where(service, owner, ref, kind)
        sql = f"SELECT id, {JOB_COLUMNS} FROM jobs{where} ORDER BY seq DESC"
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            params += [-1 if limit is None else limit, offset]
        await self._settled()
        async with self.db.execute(sql, params) as cur:
            rows = await cur.fetchall()
        cached = self._cached  # the very objects the engine is moving
        return [cached(row[0]) or _job(row[1:]) for row in rows]

    async def scan_jobs(self, service: str | None = None, owner: str | None = None, *,
                        kind: str | None = None) -> AsyncGenerator[Job, None]:
        """A batch of rows at a time, by seq (an offset would skip a row when an earlier one is deleted)."""
        assert self.db is not None
        where, params = _where(service, owner, None, kind)
        below = None
        while True:
            sql = f"SELECT id, seq, {JOB_COLUMNS} FROM jobs{where}"
            if below is not None:
                sql += (" AND" if where else " WHERE") + " seq < ?"
            await self._settled()
            async with self.db.execute(sql + " ORDER BY seq DESC LIMIT ?",
                                       [*params, *([] if below is None else [below]), SCAN_BATCH]) as cur:
                rows = list(await cur.fetchall())
            for row in rows:
                yield self._cached(row[0]) or _job(row[2:])
            if len(rows) < SCAN_BATCH:
                return
            below = rows[-1][1]

    async def count_jobs(self, service: str | None = None, owner: str | None = None, ref: str | None = None,
                         *, kind: str | None = None) -> int:
        assert self.db is not None
        where, params = _where(service, owner, ref, kind)
        await self._settled()
        async with self.db.execute(f"SELECT COUNT(*) FROM jobs{where}", params) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def due_jobs(self) -> list[tuple[float, str]]:
        """After a restart: the jobs with a pending timer, loaded into memory (where their timers find them)."""
        assert self.db is not None
        async with self.db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE next_due IS NOT NULL") as cur:
            rows = await cur.fetchall()
        due = []
        for row in rows:
            loaded = _job(row)
            job = self._cached(loaded.id) or loaded
            self._cache(job)
            assert job.next_due is not None
            due.append((job.next_due, job.id))
        return due

    def _sent_out(self, written: list[Webhook]) -> None:
        """Webhooks on disk in their last state leave memory (they would pile up over a long run); a read
        finds them in the file."""
        for hook in written:
            if hook.state not in UNSENT and self.webhooks.get(hook.id) is hook and hook.id not in self._hooks_dirty:
                del self.webhooks[hook.id]

    # --- webhooks: those still to be sent are kept in memory too; records, meta: kept whole in memory.
    # All written through.
    async def put_webhook(self, hook: Webhook, *, wait: bool = True) -> None:
        self.webhooks[hook.id] = hook  # no job index: the file has one
        self._hooks_dirty[hook.id] = hook
        if wait:
            await self._write("", ())  # resolves with the group that writes the row
        else:
            self._wake.set()

    async def committed(self) -> None:
        await self._settled()

    async def get_webhook(self, hook_id: str) -> Webhook | None:
        hook = self.webhooks.get(hook_id) or self._hooks_dirty.get(hook_id)
        if hook is not None:
            return hook
        assert self.db is not None
        async with self.db.execute("SELECT body, payload FROM webhooks WHERE id = ?", (hook_id,)) as cur:
            row = await cur.fetchone()
        return None if row is None else self.webhooks.get(hook_id) or _hook(*row)

    async def list_webhooks(self, job_id: str | None = None, *, state: str | None = None) -> list[Webhook]:
        """With a state, the file is filtered on it (a long run's outbox holds every callback ever sent): rows in
        that state, and those still in memory, whose state may be newer than their row."""
        assert self.db is not None
        await self._settled()
        where: list[str] = []
        params: list[Any] = []
        if job_id is not None:
            where.append("json_extract(body, '$.job_id') = ?")
            params.append(job_id)
        if state is not None:
            where.append("(json_extract(body, '$.state') = ? OR id IN (SELECT value FROM json_each(?)))")
            params += [state, json.dumps(list(self.webhooks))]
        sql = "SELECT id, body, payload FROM webhooks" + (" WHERE " + " AND ".join(where) if where else "")
        async with self.db.execute(sql + WEBHOOK_ORDER, params) as cur:
            rows = await cur.fetchall()
        live = self.webhooks  # the very objects being sent
        hooks = [live.get(i) or _hook(body, payload) for i, body, payload in rows]
        return hooks if state is None else [h for h in hooks if h.state == state]

    async def put_record(self, kind: str, key: str, value: dict[str, Any]) -> None:
        self._record_writes[kind] += 1
        if kind in self._listed:
            await super().put_record(kind, key, value)
        else:
            self._remember(kind, key, value)
        await self._write_record("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", (kind, key, codec.dumps(value)))

    async def _write_record(self, sql: str, params: tuple[Any, ...]) -> None:
        self._record_queued += 1
        await self._write(sql, params)

    async def get_record(self, kind: str, key: str) -> dict[str, Any] | None:
        if kind in self._listed:
            return await super().get_record(kind, key)
        recent = self._recent_records
        if (kind, key) in recent:
            record = recent[(kind, key)]
        else:
            assert self.db is not None
            if self._record_queued != self._record_settled:  # a record written meanwhile may have left `recent`
                await self._settled()
            async with self.db.execute("SELECT body FROM records WHERE kind = ? AND key = ?", (kind, key)) as cur:
                row = await cur.fetchone()
            if kind in self._listed:  # listed meanwhile
                return await super().get_record(kind, key)
            # read, written or deleted meanwhile by another caller: one object per record
            record = recent[(kind, key)] if (kind, key) in recent else json.loads(row[0]) if row else None
        self._remember(kind, key, record)
        return record

    def _remember(self, kind: str, key: str, record: dict[str, Any] | None) -> None:
        self._recent_records[(kind, key)] = record
        self._recent_records.move_to_end((kind, key))
        if len(self._recent_records) > RECENT_RECORDS:
            self._recent_records.popitem(last=False)

    async def list_records(self, kind: str, owner: str | None = None) -> dict[str, dict[str, Any]]:
        assert self.db is not None
        while kind not in self._listed:
            writes = self._record_writes[kind]
            await self._settled()
            async with self.db.execute("SELECT key, body FROM records WHERE kind = ?", (kind,)) as cur:
                rows = await cur.fetchall()
            if kind not in self._listed and writes == self._record_writes[kind]:  # else read again
                recent = self._recent_records
                self.records[kind] = {key: recent.pop((kind, key), None) or json.loads(body) for key, body in rows}
                self._index_records(kind)
                for gone in [k for k in recent if k[0] == kind]:  # known absences: the kind is whole in memory now
                    del recent[gone]
                self._listed.add(kind)
        return await super().list_records(kind, owner)

    async def delete_record(self, kind: str, key: str) -> None:
        self._record_writes[kind] += 1
        if kind in self._listed:
            self._recent_records.pop((kind, key), None)
        else:
            self._remember(kind, key, None)  # known gone: no read of the file for it
        await super().delete_record(kind, key)
        await self._write_record("DELETE FROM records WHERE kind = ? AND key = ?", (kind, key))

    async def set_meta(self, key: str, value: Any) -> None:
        await super().set_meta(key, value)
        await self._write(META_UPSERT, (key, codec.dumps(value)))

    def note_meta(self, key: str, value: Any) -> None:
        """Written once at the end of the next group, whatever the times it changed meanwhile (id counters
        change with every new job: a row each time cut the group's job rows into one database trip each)."""
        super().note_meta(key, value)
        self._meta_dirty.add(key)

    # --- chunks on disk: a file per chunk, written off the event loop
    def _chunk_path(self, key: str, index: int) -> Path:
        return self.uploads_dir / key / f"{index}.chunk"

    async def put_chunk(self, key: str, index: int, data: bytes) -> None:
        path = self._chunk_path(key, index)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)

        await asyncio.to_thread(write)

    async def get_chunk(self, key: str, index: int) -> bytes | None:
        path = self._chunk_path(key, index)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None


def _row(sql: str, params: Any) -> tuple[Any, ...]:
    """A queued write's parameters: a job's (JOB_UPSERT, JOB_MOVE) from the job as it is now."""
    if sql is JOB_MOVE:
        job: Job = params
        # At an end the job in memory has settled its timeline to the end step; the body in the file still has
        # the whole timeline, and the end is its last step (the timeline changes only by a jump, written whole).
        step = END if job.next_due is None and job.step == len(job.timeline) - 1 else job.step
        return (job.next_due, step, job.step_started, codec.dumps(job.history), codec.dumps(job.facts), job.id)
    if sql is JOB_UPSERT:
        job = params
        return (job.id, job.seq, job.service, job.owner, job.ref, job.next_due, codec.dumps(job.to_dict()),
                job.kind)
    return cast(tuple[Any, ...], params)


def _hook_row(hook: Webhook) -> tuple[str, tuple[Any, ...]]:
    """The write of a webhook as it is now: its state only, once its row (with the body) is in the file."""
    state = codec.dumps(hook.to_dict(body=False))
    if hook.stored:
        return WEBHOOK_STATE, (state, hook.id)
    return WEBHOOK_UPSERT, (hook.id, state, codec.dumpb(hook.body))


def _hook(body: str, payload: bytes | None) -> Webhook:
    """A webhook from its row; one from an earlier version (no payload) gets a payload at its next write."""
    data = json.loads(body)
    if payload is not None:
        data["body"] = json.loads(payload)
    hook = Webhook.from_dict(data)
    hook.stored = payload is not None
    return hook


def _job(row: Any) -> Job:
    """A job from (body, step, step_started, history, next_due, facts): the columns a move wrote, when it did,
    are newer than the body (a row written by an earlier version has no facts column set)."""
    body, step, step_started, history, next_due, facts = row
    data = json.loads(body)
    if history is not None:
        if step == END:
            step = len(data["timeline"]) - 1
        data.update(step=step, step_started=step_started, history=json.loads(history), next_due=next_due)
    if facts is not None:
        data["facts"] = json.loads(facts)
    job = Job.from_dict(data)
    job.settle()
    return job


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False)  # made and used in the writer thread only
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=10000")
    return db


def _commit(db: sqlite3.Connection, batch: list[tuple[str, Any]]) -> None:
    """In the writer thread: a group's statements in order, then one commit; a failed group is rolled back."""
    try:
        for sql, rows in _runs(batch):
            if rows[0]:
                db.executemany(sql, rows)
            else:
                db.executescript(sql)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def _runs(batch: list[tuple[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Consecutive writes with the same statement grouped, order kept (scripts stay alone, no-ops dropped)."""
    runs: list[tuple[str, list[Any]]] = []
    for sql, params in batch:
        if not sql:
            continue  # only a waiter's place in the order: it must not cut a run in two
        if params and runs and runs[-1][0] == sql and runs[-1][1][0]:
            runs[-1][1].append(params)
        else:
            runs.append((sql, [params]))
    return runs
