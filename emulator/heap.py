"""glibc's malloc tuned for a long-running server with worker threads; elsewhere (musl, macOS) nothing to do.

By default glibc gives each thread a heap of its own (up to 8 per core): the SQLite writer, aiosqlite's thread
and the worker threads (result renders, uploads) each kept tens of MB free that no other thread could reuse,
and its mmap threshold moves up to the largest block freed, so ~1 MB result bodies ended up inside those heaps,
fragmenting them. Under a 5-minute soak the heaps held ~75 MB, half of it free; tuned, ~33 MB, 5 MB free."""

from __future__ import annotations

import os
from typing import Any

M_MMAP_THRESHOLD = -3  # mallopt parameters (malloc.h)
M_ARENA_MAX = -8
ARENA_MAX = 2
MMAP_THRESHOLD = 256 * 1024  # blocks this big or bigger are mapped on their own, and unmapped when freed
ENV = {M_ARENA_MAX: ("MALLOC_ARENA_MAX", ARENA_MAX), M_MMAP_THRESHOLD: ("MALLOC_MMAP_THRESHOLD_", MMAP_THRESHOLD)}


def _glibc() -> Any:
    """The C library's functions, from the symbols the process already has (find_library would run ldconfig,
    ~15 ms of every start); None where there are none to load."""
    import ctypes

    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def _libc() -> Any:
    """glibc's mallopt, or None (not glibc)."""
    return getattr(_glibc(), "mallopt", None)


def tune() -> list[tuple[int, int]]:
    """Before the server starts its threads: two heaps, and a fixed mmap threshold. A MALLOC_* environment
    variable the user set wins. Returns the (parameter, value) pairs set."""
    mallopt = _libc()
    if mallopt is None:
        return []
    done = []
    for param, (env, value) in ENV.items():
        if env not in os.environ and mallopt(param, value) == 1:
            done.append((param, value))
    return done


def trim() -> None:
    """Hand the heap glibc holds free back to the system (after a big advance, and each housekeeping round):
    glibc keeps it otherwise, and RSS stays at the peak of the jobs in flight (3–4 KB a job for Clipzy's)."""
    global _malloc_trim
    if _malloc_trim is None:
        _malloc_trim = getattr(_glibc(), "malloc_trim", None) or False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None  # glibc's malloc_trim, found on first use; False where there is none
