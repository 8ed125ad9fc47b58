"""Chunked upload (docs: initialize_file_upload, send_file_chunk, finalize_file_upload).

Chunks may come in any order; each must be exactly file_chunk_size_bytes except the last.
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
    def __init__(self, engine: Engine, chunk_size: int) -> None:
        self.engine = engine
        self.chunk_size = chunk_size

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
        await self.engine.store.put_chunk(upload_id, index, data)
        if index not in record["received"]:
            record["received"].append(index)
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
                                                                      "size": record["size"]})
        return {"uploaded_file_url": record["url"]}

    async def check_url(self, owner: str, url: str) -> dict[str, Any]:
        """new_job's media.video.url given as valossaupload://: it must be one of this key's uploads."""
        record = await self.engine.store.get_record(FILE, url)
        if record is None or record["owner"] != owner:
            raise invalid("media.video.url", f"unknown uploaded file {url}")
        return record
