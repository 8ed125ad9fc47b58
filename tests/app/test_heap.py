"""serve tunes glibc's malloc before any thread starts: two heaps instead of one per thread, and a fixed mmap
threshold (big result bodies mapped on their own, unmapped when freed); a MALLOC_* variable the user set wins."""

from __future__ import annotations

import pytest

from emulator import cli, heap


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    made: list[tuple[int, int]] = []

    def mallopt(param: int, value: int) -> int:
        made.append((param, value))
        return 1

    monkeypatch.setattr(heap, "_libc", lambda: mallopt)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    return made


def test_two_heaps_and_a_fixed_mmap_threshold(calls: list[tuple[int, int]]) -> None:
    assert heap.tune() == calls == [(heap.M_ARENA_MAX, 2), (heap.M_MMAP_THRESHOLD, 256 * 1024)]


def test_the_users_malloc_variables_win(calls: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert heap.tune() == calls == [(heap.M_MMAP_THRESHOLD, 256 * 1024)]


def test_without_glibc_nothing_is_tuned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_libc", lambda: None)
    assert heap.tune() == []


def test_serve_tunes_first(calls: list[tuple[int, int]]) -> None:
    assert cli.main(["serve", "--port", "eighty"]) == 2  # stops at the settings, after tuning
    assert calls == [(heap.M_ARENA_MAX, 2), (heap.M_MMAP_THRESHOLD, 256 * 1024)]


def test_the_real_libc_takes_them() -> None:
    mallopt = heap._libc()
    if mallopt is None:
        pytest.skip("not glibc")
    assert mallopt(heap.M_MMAP_THRESHOLD, heap.MMAP_THRESHOLD) == 1  # what serve sets anyway
