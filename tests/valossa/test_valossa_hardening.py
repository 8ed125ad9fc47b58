"""Bad input a probe sent: each gets Valossa's own 400/401/408 body, never a 500 or a hang."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from helpers import live, message, raw_exchange

import emulator.server
import emulator.services.requests
from emulator.settings import Settings

SETTINGS = Settings(in_memory=True, time_scale=0)


@pytest.mark.parametrize("body", [
    b'{"api_key": "k", "media": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
], ids=["1000-deep array in a field", "5000-deep array", "5000-deep object"])
async def test_deeply_nested_json_is_a_400(client: httpx.AsyncClient, body: bytes) -> None:
    r = await client.post("/core/1.0/new_job", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert message(r) == "Malformed request body: nested deeper than 100 levels"
    r = await client.get("/_emulator/requests")  # and the journal still shows every request
    assert r.status_code == 200


async def test_chunk_index_with_spaces_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/core/1.0/send_file_chunk", data={"api_key": "k", "upload_id": "u", "chunk_index": " 0 "},
                          files={"file_data": ("c", b"x")})
    assert r.status_code == 400 and message(r) == "Invalid value for field chunk_index: expected an integer"


async def test_a_key_too_long_to_poll_with_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/core/1.0/new_job", json={"api_key": "k" * 1_000_000,
                                                     "media": {"video": {"url": "https://e.com/a.mp4"}}})
    assert r.status_code == 401 and message(r) == "Invalid API key: longer than 256 characters"
    assert (await client.get("/_emulator/jobs")).json()["jobs"] == []


async def test_nan_is_not_a_number_here(client: httpx.AsyncClient) -> None:
    body = b'{"api_key": "k", "media": {"video": {"url": "https://e.com/a.mp4"}}, ' \
           b'"analysis_parameters": {"face_min_relative_height": NaN}}'
    r = await client.post("/core/1.0/new_job", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    field = "analysis_parameters.face_min_relative_height"
    assert message(r) == f"Invalid value for field {field}: expected a finite number"


def test_a_body_shorter_than_its_length_gets_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emulator.services.requests, "BODY_TIMEOUT", 0.3)
    with live(SETTINGS) as url:
        answer = raw_exchange(url, b"POST /core/1.0/new_job HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                   b"Content-Length: 100\r\n\r\n{\"api_key\"", wait=5)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b'{"errors":[{"message":"Request timeout: the request body did not arrive within 0.3 s"}]}' in answer


def test_stalled_bodies_each_time_out_while_others_are_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    """One timer watches every body being read: a stall begun after it was set is still cut off on time, and a
    request whose body arrives is answered as usual, before and after."""
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(emulator.services.requests, "BODY_TIMEOUT", 0.3)
    stalled = (b"POST /core/1.0/new_job HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Content-Length: 100\r\n\r\n{")
    job = {"api_key": "k", "media": {"video": {"url": "https://e.com/a.mp4"}}}
    with live(SETTINGS) as url, ThreadPoolExecutor(2) as pool:
        first = pool.submit(raw_exchange, url, stalled, 5)
        assert httpx.post(url + "/core/1.0/new_job", json=job).status_code == 200
        second = pool.submit(raw_exchange, url, stalled, 5)
        assert httpx.post(url + "/core/1.0/new_job", json=job).status_code == 200
        # Each read waits 5 s at most: a stall the timer missed would come back empty.
        assert first.result().startswith(b"HTTP/1.1 408 ") and second.result().startswith(b"HTTP/1.1 408 ")
        assert httpx.post(url + "/core/1.0/new_job", json=job).status_code == 200


def test_slowloris_headers_are_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(emulator.server, "HEADER_TIMEOUT", 0.3)  # swept every 0.075 s
    with live(SETTINGS) as url:
        started = time.monotonic()
        answer = raw_exchange(url, b"GET /core/1.0/job_status HTTP/1.1\r\nHost: x\r\nX-Slow: ", wait=5)
        assert answer == b"" and time.monotonic() - started < 3  # closed by the server, not by our timeout
        assert httpx.get(url + "/_emulator/health").status_code == 200  # others are served meanwhile


def test_a_keep_alive_connection_is_timed_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """The header clock starts again at each request's first byte: a connection that was served and then
    trickles its next request's headers is cut off too."""
    monkeypatch.setattr(emulator.server, "HEADER_TIMEOUT", 0.3)
    request = b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n"
    with live(SETTINGS) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(request)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
            sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            started = time.monotonic()
            assert sock.recv(65536) == b"" and time.monotonic() - started < 3  # closed by the server
