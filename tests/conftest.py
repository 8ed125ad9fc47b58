"""Shared fixtures: the real app with frozen virtual time, a webhook receiver, a settable wall clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from helpers import Receiver, Wall, running

from emulator.settings import Settings
from emulator.testing import Emulator


@pytest.fixture
def settings() -> Settings:
    # Frozen time: only /_emulator/clock/advance moves it, so tests never sleep.
    return Settings(in_memory=True, time_scale=0, seed=7)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings) as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def wall() -> Callable[[], float]:
    return Wall()


@pytest.fixture(scope="module")
def live_emulator() -> Iterator[Emulator]:
    """A real server on a free port (emulator.testing.Emulator) for a whole test module."""
    with Emulator(seed=3) as emu:
        yield emu


@pytest.fixture
def emu(live_emulator: Emulator) -> Emulator:
    """The module's live server, reset before each test."""
    live_emulator.reset()
    return live_emulator
