"""MemoryStore's cold tier: ended jobs kept encoded in a few large buffers, with no Python object per job.

Why not a dict of bytes: whatever outlives a job (its id as a dict key, a small tuple) sits in the allocator's
arenas among the objects of jobs still in flight, and one live object keeps its whole arena resident: after
100k jobs ended at once, RSS stayed at its in-flight peak. Here a job's id and encoded form go into one
bytearray, what lists filter on into arrays, and a hash table of entry numbers (open addressing, linear
probing over an array) finds a job by id. Large buffers live outside those arenas and are freed whole.

Records are deflated against a dictionary: the first job of the same service and kind (jobs of a kind share
most of their JSON), about 100 bytes instead of 800 for a Valossa job, for ~25 µs to pack and ~10 to unpack.
"""

from __future__ import annotations

import json
import zlib
from array import array
from collections.abc import Iterator

from . import codec
from .model import Job

DELETED = -1  # a slot whose entry was removed: probing goes on past it
# Raw deflate with a 2 KiB window and little state: copying a primed compressor per record must be cheap.
WBITS, LEVEL, MEM_LEVEL = -11, 1, 2


def encode(job: Job) -> bytes:
    return codec.dumpb(job.to_dict())


def decode(raw: bytes) -> Job:
    job = Job.from_dict(json.loads(raw))
    job.settle()
    return job


class Packer:
    """Deflates records against one dictionary; the primed compressor is copied for each record."""

    def __init__(self, zdict: bytes) -> None:
        self.zdict = zdict
        self.base = zlib.compressobj(LEVEL, zlib.DEFLATED, WBITS, MEM_LEVEL, zlib.Z_DEFAULT_STRATEGY, zdict)

    def pack(self, raw: bytes) -> bytes:
        c = self.base.copy()
        return c.compress(raw) + c.flush()

    def unpack(self, packed: bytes) -> bytes:
        d = zlib.decompressobj(WBITS, self.zdict)
        return d.decompress(packed) + d.flush()


class ColdJobs:
    """Entries are appended; replacing or removing a job leaves its old entry dead until the next compaction.
    A record is the id's length (2 bytes), the id, then the job's JSON deflated by its kind's Packer."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._data = bytearray()
        self._start = array("q")  # per entry: where its record begins in _data; -1 once dead
        self._end = array("q")
        self._hash = array("q")  # hash(job id)
        self._seq = array("q")
        self._group = array("l")  # index into _groups: (service, kind, owner), few distinct
        self._ref = array("q")  # hash(ref), 0 for none; a match is confirmed on the decoded job
        self._groups: list[tuple[str, str, str]] = []
        self._group_ids: dict[tuple[str, str, str], int] = {}
        self._packers: dict[tuple[str, str], Packer] = {}  # by (service, kind)
        self._slots = array("q", bytes(8 * 16))  # entry + 1; 0: never used; DELETED
        self._filled = 0  # slots not 0
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def __contains__(self, job_id: str) -> bool:
        return self._find(job_id, hash(job_id))[1] >= 0

    def put(self, job: Job) -> None:
        idb = job.id.encode()
        h = hash(job.id)
        slot, entry = self._find(job.id, h)
        if entry >= 0:
            self._start[entry] = -1
        else:
            self._live += 1
            if self._slots[slot] == 0:
                self._filled += 1
        group = (job.service, job.kind, job.owner)
        number = self._group_ids.get(group)
        if number is None:
            number = self._group_ids[group] = len(self._groups)
            self._groups.append(group)
        start = len(self._data)
        self._data += len(idb).to_bytes(2, "big")
        raw = encode(job)
        packer = self._packers.get((job.service, job.kind))
        if packer is None:
            packer = self._packers[(job.service, job.kind)] = Packer(raw)
        self._data += idb
        self._data += packer.pack(raw)
        self._slots[slot] = len(self._start) + 1
        self._start.append(start)
        self._end.append(len(self._data))
        self._hash.append(h)
        self._seq.append(job.seq)
        self._group.append(number)
        self._ref.append(0 if job.ref is None else hash(job.ref))
        if self._filled * 2 > len(self._slots) or len(self._start) > 2 * self._live + 1024:
            self._rebuild()

    def get(self, job_id: str) -> Job | None:
        entry = self._find(job_id, hash(job_id))[1]
        return None if entry < 0 else self.load(entry)

    def pop(self, job_id: str) -> Job | None:
        slot, entry = self._find(job_id, hash(job_id))
        if entry < 0:
            return None
        job = self.load(entry)
        self._remove(slot, entry)
        return job

    def discard(self, job_id: str) -> None:
        slot, entry = self._find(job_id, hash(job_id))
        if entry >= 0:
            self._remove(slot, entry)

    def select(self, service: str | None, kind: str | None, owner: str | None,
               ref: str | None) -> Iterator[tuple[int, int]]:
        """(seq, entry) of each job that matches (ref: by hash; load() the job to confirm)."""
        groups = {n for n, (s, k, o) in enumerate(self._groups)
                  if (service is None or s == service) and (kind is None or k == kind)
                  and (owner is None or o == owner)}
        if not groups:
            return
        refh = None if ref is None else hash(ref)
        start, group, seq, refs = self._start, self._group, self._seq, self._ref
        for entry in range(len(start)):
            if start[entry] >= 0 and group[entry] in groups and (refh is None or refs[entry] == refh):
                yield seq[entry], entry

    def load(self, entry: int) -> Job:
        start = self._start[entry]
        n = int.from_bytes(self._data[start:start + 2], "big")
        service, kind, _ = self._groups[self._group[entry]]
        return decode(self._packers[(service, kind)].unpack(self._data[start + 2 + n:self._end[entry]]))

    # --- the table
    def _id(self, entry: int) -> str:
        start = self._start[entry]
        n = int.from_bytes(self._data[start:start + 2], "big")
        return self._data[start + 2:start + 2 + n].decode()

    def _find(self, job_id: str, h: int) -> tuple[int, int]:
        """(slot, entry) of the job; entry -1 when absent, and slot then where it would go."""
        slots, hashes = self._slots, self._hash
        mask = len(slots) - 1
        i = h & mask
        free = -1
        while True:
            e = slots[i]
            if e == 0:
                return (i if free < 0 else free), -1
            if e == DELETED:
                if free < 0:
                    free = i
            elif hashes[e - 1] == h and self._id(e - 1) == job_id:
                return i, e - 1
            i = (i + 1) & mask

    def _remove(self, slot: int, entry: int) -> None:
        self._slots[slot] = DELETED
        self._start[entry] = -1
        self._live -= 1
        if len(self._start) > 2 * self._live + 1024:
            self._rebuild()

    def _rebuild(self) -> None:
        """Drop dead entries and their records, and size the table for the live ones (at most half full)."""
        old_data, old_start, old_end = self._data, self._start, self._end
        keep = [e for e in range(len(old_start)) if old_start[e] >= 0]
        if len(keep) < len(old_start):
            data = bytearray()
            start, end = array("q"), array("q")
            with memoryview(old_data) as view:
                for e in keep:
                    start.append(len(data))
                    data += view[old_start[e]:old_end[e]]
                    end.append(len(data))
            self._data, self._start, self._end = data, start, end
            for name in ("_hash", "_seq", "_group", "_ref"):
                old = getattr(self, name)
                setattr(self, name, array(old.typecode, (old[e] for e in keep)))
        size = 16
        while size < 4 * len(keep):
            size *= 2
        slots = array("q", bytes(8 * size))
        mask = size - 1
        for entry, h in enumerate(self._hash):
            i = h & mask
            while slots[i]:
                i = (i + 1) & mask
            slots[i] = entry + 1
        self._slots, self._filled = slots, len(keep)
