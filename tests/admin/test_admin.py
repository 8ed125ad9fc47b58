"""The admin API's minimum: health, clock, advance, reset, OpenAPI documents."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from helpers import Wall, running

from emulator.settings import Settings


async def test_health(client: httpx.AsyncClient) -> None:
    r = await client.get("/_emulator/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "services": ["valossa", "clipzy", "gateway"]}


async def test_clock_advances_only_when_told(client: httpx.AsyncClient) -> None:
    before = (await client.get("/_emulator/clock")).json()
    assert before["time_scale"] == 0
    assert (await client.get("/_emulator/clock")).json()["epoch"] == before["epoch"]
    r = await client.post("/_emulator/clock/advance", json={"seconds": 90})
    assert r.status_code == 200
    assert r.json()["epoch"] == pytest.approx(before["epoch"] + 90, abs=0.01)
    assert r.json()["now"].endswith("Z")


@pytest.mark.parametrize("body", [b"{", b'{"seconds": "soon"}', b'{"seconds": -1}', b"[]", b'{"seconds": true}'])
async def test_advance_rejects_bad_bodies(client: httpx.AsyncClient, body: bytes) -> None:
    r = await client.post("/_emulator/clock/advance", content=body)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 400 and r.json()["detail"]


async def test_advance_stops_before_the_year_9000(wall: Wall) -> None:
    # Found by `make fuzz`: advances of up to 1e9 s, repeated, carried the clock past the year 9999, where no
    # timestamp can be written (500 on every view).
    wall.now = datetime(8999, 6, 1, tzinfo=UTC).timestamp()
    async with running(Settings(in_memory=True, time_scale=0), wall=wall) as c:
        r = await c.post("/_emulator/clock/advance", json={"seconds": 10**9})
        assert r.status_code == 400 and "9000" in r.json()["detail"]
        r = await c.post("/_emulator/clock/advance", json={"seconds": 3600})
        assert r.status_code == 200 and r.json()["now"].startswith("8999-06-01T01:00")


async def test_openapi_documents(client: httpx.AsyncClient) -> None:
    r = await client.get("/_emulator/openapi/valossa.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    r = await client.get("/_emulator/openapi/nope.json")
    assert r.status_code == 404 and "valossa" in r.json()["detail"]


async def test_unknown_paths_are_json(client: httpx.AsyncClient) -> None:
    for path in ("/", "/core/2.0/new_job", "/_emulator/nope"):
        r = await client.get(path)
        assert r.status_code == 404 and r.headers["content-type"].endswith("json"), path
