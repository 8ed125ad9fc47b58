"""Chunked upload (docs: initialize_file_upload, send_file_chunk, finalize_file_upload).

Chunks may come in any order; each must be exactly file_chunk_size_bytes except the last. Their bytes are
checked and counted, not kept: nothing reads them (a job's media facts come from its URL), and a soak kept
half a gigabyte of them. Sessions expire (docs are silent): an unfinalized one after `session_ttl` of virtual
time without a chunk, a finalized file after `file_ttl` unless a job still uses it.
"""

from __future__ import annotations

import math
from typing import Any

from ...engine import Engine
from .errors import BadRequest, invalid

UPLOAD = "valossa-upload"
FILE = "valossa-file"
MAX_FILE_BYTES = 7 * 1024**3  # docs: input formats, 7 GB
SCHEME = "valossaupload://"


class Uploads:
    def __init__(self, engine: Engine, chunk_size: int, session_ttl: float, file_ttl: float) -> None:
        self.engine = engine
        self.chunk_size = chunk_size
        self.session_ttl, self.file_ttl = session_ttl, file_ttl
        engine.housekeeping(self.sweep)

    def _expired(self, record: dict[str, Any], now: float) -> bool:
        if not record["url"]:
            return now - record.get("touched", record["created"]) >= self.session_ttl
        return False  # a finalized upload lives as long as its file record

    async def sweep(self) -> None:
        """Forget unfinalized sessions idle too long, and files no job uses that are older than file_ttl."""
        now = self.engine.clock.now()
        store = self.engine.store
        for upload_id, record in (await store.list_records(UPLOAD)).items():
            if self._expired(record, now):
                await store.delete_record(UPLOAD, upload_id)
        for url, file in (await store.list_records(FILE)).items():
            if not file.get("jobs") and now - file.get("created", now) >= self.file_ttl:
                await store.delete_record(FILE, url)
                await store.delete_record(UPLOAD, file["upload_id"])

    async def use(self, url: str, job_id: str) -> None:
        """A job uses the file: it is kept as long as the job exists."""
        file = await self.engine.store.get_record(FILE, url)
        if file is not None:
            file.setdefault("jobs", []).append(job_id)
            await self.engine.store.put_record(FILE, url, file)

    async def release(self, url: str, job_id: str) -> None:
        """The job was deleted: the file's lifetime counts from now if no other job uses it."""
        file = await self.engine.store.get_record(FILE, url)
        if file is not None and job_id in file.get("jobs", ()):
            file["jobs"].remove(job_id)
            if not file["jobs"]:
                file["created"] = self.engine.clock.now()
            await self.engine.store.put_record(FILE, url, file)

    async def initialize(self, owner: str, size: int) -> dict[str, Any]:
        if size <= 0 or size > MAX_FILE_BYTES:
            raise invalid("file_size_bytes", f"must be between 1 and {MAX_FILE_BYTES}")
        upload_id = self.engine.ids.next("valossa-upload")
        record = {"upload_id": upload_id, "owner": owner, "size": size, "chunk_size": self.chunk_size,
                  "chunks": math.ceil(size / self.chunk_size), "received": [], "url": None,
                  "created": self.engine.clock.now()}
        await self.engine.store.put_record(UPLOAD, upload_id, record)
        return {"upload_id": upload_id, "file_chunk_size_bytes": self.chunk_size}

    async def _get(self, owner: str, upload_id: str) -> dict[str, Any]:
        record = await self.engine.store.get_record(UPLOAD, upload_id)
        if record is not None and self._expired(record, self.engine.clock.now()):
            await self.engine.store.delete_record(UPLOAD, upload_id)  # before the next sweep came by
            record = None
        if record is None or record["owner"] != owner:
            raise invalid("upload_id", "no such upload")
        return record

    async def send_chunk(self, owner: str, upload_id: str, index: int, data: bytes) -> None:
        record = await self._get(owner, upload_id)
        if record["url"]:
            raise BadRequest("Upload is already finalized")
        last = record["chunks"] - 1
        if not 0 <= index <= last:
            raise invalid("chunk_index", f"must be between 0 and {last}")
        expected = record["chunk_size"] if index < last else record["size"] - last * record["chunk_size"]
        if len(data) != expected:
            raise invalid("file_data", f"chunk {index} must be exactly {expected} bytes, got {len(data)}")
        if index not in record["received"]:
            record["received"].append(index)
        record["touched"] = self.engine.clock.now()
        await self.engine.store.put_record(UPLOAD, upload_id, record)

    async def finalize(self, owner: str, upload_id: str) -> dict[str, Any]:
        record = await self._get(owner, upload_id)
        if not record["url"]:
            gaps = sorted(set(range(record["chunks"])) - set(record["received"]))
            if gaps:
                shown = ", ".join(map(str, gaps[:20])) + (" ..." if len(gaps) > 20 else "")
                raise BadRequest(f"Upload is incomplete: missing chunks {shown}")
            record["url"] = SCHEME + self.engine.ids.next("valossa-file")
            await self.engine.store.put_record(UPLOAD, upload_id, record)
            await self.engine.store.put_record(FILE, record["url"], {"upload_id": upload_id, "owner": owner,
                                                                      "size": record["size"],
                                                                      "created": self.engine.clock.now(),
                                                                      "jobs": []})
        return {"uploaded_file_url": record["url"]}

    async def check_url(self, owner: str, url: str) -> dict[str, Any]:
        """new_job's media.video.url given as valossaupload://: it must be one of this key's uploads."""
        record = await self.engine.store.get_record(FILE, url)
        if record is not None and not record.get("jobs") and \
                self.engine.clock.now() - record.get("created", self.engine.clock.now()) >= self.file_ttl:
            record = None  # expired; the next sweep forgets it
        if record is None or record["owner"] != owner:
            raise invalid("media.video.url", f"unknown uploaded file {url}")
        return record
