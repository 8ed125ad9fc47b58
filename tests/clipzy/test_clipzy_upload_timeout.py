"""A Clipzy upload whose body stalls gets Clipzy's own 408, from the same sweep that times every body read."""

from __future__ import annotations

import pytest
from helpers import live, raw_exchange

import emulator.services.clipzy.videos
import emulator.services.requests
from emulator.settings import Settings

SETTINGS = Settings(in_memory=True, time_scale=0)


def test_a_stalled_clipzy_upload_gets_clipzys_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clipzy reads an upload chunk by chunk, each within BODY_TIMEOUT: the same sweep cuts a stalled one."""
    monkeypatch.setattr(emulator.services.requests, "BODY_TIMEOUT", 0.3)
    monkeypatch.setattr(emulator.services.clipzy.videos, "BODY_TIMEOUT", 0.3)
    head = (b"POST /api/v1/videos/upload HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000\r\n\r\n"
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\nabc')
    with live(SETTINGS) as url:
        answer = raw_exchange(url, head, wait=5)
    assert answer.startswith(b"HTTP/1.1 408 ") and b"REQUEST_TIMEOUT" in answer
