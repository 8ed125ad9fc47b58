"""The access log: one readable line per request, written in batches off the request's path."""

from __future__ import annotations

import re

import pytest
from helpers import running

from emulator.settings import Settings

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO (GET|POST) (\S+) (\d{3}) \d+\.\dms$")


async def test_one_access_log_line_per_request(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="emulator.access"):
        async with running(Settings(in_memory=True, time_scale=0)) as client:
            await client.get("/core/1.0/job_status", params={"api_key": "k", "job_id": "x"})
            await client.get("/_emulator/health")
            assert capsys.readouterr().err == ""  # batched: not one write per request
        lines = capsys.readouterr().err.splitlines()  # the batch is written at the latest on shutdown
    assert [LINE.match(line).groups() for line in lines] == [  # type: ignore[union-attr]
        ("GET", "/core/1.0/job_status", "404"), ("GET", "/_emulator/health", "200")]


async def test_no_lines_above_info(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="emulator.access"):
        async with running(Settings(in_memory=True, time_scale=0)) as client:
            await client.get("/_emulator/health")
    assert capsys.readouterr().err == ""
