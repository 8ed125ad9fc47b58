"""A response's header block goes out with its body in one send (emulator.server._OneSend), through the
protocol the CLI serves with; bytes keep their order and never wait past the loop step that wrote them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route
from uvicorn.config import Config
from uvicorn.server import ServerState

from emulator.server import _OneSend, http_protocol


class Transport(asyncio.Transport):
    """What the protocol writes: each write() call kept apart."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def abort(self) -> None:
        self.closed = self.aborted = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def test_a_header_block_and_its_body_are_one_write() -> None:
    transport = Transport()
    one = _OneSend(transport, asyncio.get_running_loop())
    one.write(b"HTTP/1.1 200 OK\r\n\r\n")
    assert transport.writes == []  # held for the body
    one.write(b"{}")
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]


async def test_a_lone_write_goes_out_at_the_end_of_the_step() -> None:
    transport = Transport()
    one = _OneSend(transport, asyncio.get_running_loop())
    one.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    await asyncio.sleep(0)
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    one.write(b"a")
    one.write(b"b")
    one.write(b"c")
    one.close()  # what is held goes before the close
    assert transport.writes[1:] == [b"ab", b"c"] and transport.closed
    await asyncio.sleep(0)
    assert len(transport.writes) == 3  # nothing sent twice


async def test_a_fault_reaches_the_transport_through_it() -> None:
    """engine.faults resets a connection through the cycle's transport: the socket, then abort()."""
    transport = Transport()
    one = _OneSend(transport, asyncio.get_running_loop())
    assert one.get_extra_info("peername") == ("127.0.0.1", 50000)
    one.write(b"HTTP/1.1 200 OK\r\n\r\n")
    one.abort()
    assert transport.aborted and transport.writes == [b"HTTP/1.1 200 OK\r\n\r\n"]  # in order, as before


async def status(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def slow_stream(request: Request) -> StreamingResponse:
    async def chunks() -> Any:
        yield b"first"
        await asyncio.sleep(0.01)
        yield b"second"

    return StreamingResponse(chunks(), media_type="text/plain")


async def exchange(request: bytes) -> Transport:
    """One request through the server's protocol class; the transport once the response is complete."""
    app = Starlette(routes=[Route("/status", status), Route("/stream", slow_stream)])
    config = Config(app, http="httptools", lifespan="off", log_level="warning")
    config.load()
    protocol = http_protocol()(config=config, server_state=ServerState(), app_state={})
    transport = Transport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(200):
        await asyncio.sleep(0.005)
        if protocol.cycle is not None and protocol.cycle.response_complete:
            break
    await asyncio.sleep(0)  # the step after the last write
    protocol.connection_lost(None)
    return transport


async def test_the_server_answers_a_json_response_in_one_send() -> None:
    transport = await exchange(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
    assert len(transport.writes) == 1
    head, body = transport.writes[0].split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK") and body == b'{"status":"ok"}'


async def test_a_streamed_response_keeps_its_order_and_sends_nothing_late() -> None:
    transport = await exchange(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    raw = b"".join(transport.writes)
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK") and b"transfer-encoding: chunked" in head
    assert body == b"5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n"
    # The first chunk did not wait for the second (10 ms later): it went out in the step that wrote it.
    assert transport.writes[0].endswith(b"5\r\nfirst\r\n")


@pytest.mark.parametrize("request_line", [b"HEAD /status HTTP/1.1", b"GET /missing HTTP/1.1"])
async def test_bodiless_and_error_responses_are_whole(request_line: bytes) -> None:
    transport = await exchange(request_line + b"\r\nHost: x\r\n\r\n")
    assert len(transport.writes) == 1 and transport.writes[0].split(b"\r\n", 1)[0] in (
        b"HTTP/1.1 200 OK", b"HTTP/1.1 404 Not Found")
