"""What the gateway's HTTP tests share: the create bodies of the three kinds, getting a token, advancing."""

from __future__ import annotations

from typing import Any

import httpx

AUDIENCE = "https://ai-gateway.emulator/"
DEFAULT_CLIENT = ("emulator-client", "emulator-secret")
TYPES = {"transcriptions": "transcription-job", "translations": "translation-job",
         "video-analyses": "video-analysis-job"}
VIDEO = "https://example.com/panel.mp4"


def body(collection: str, attributes: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": TYPES[collection], "attributes": attributes}
    if meta is not None:
        data["meta"] = meta
    return {"data": data}


def transcription(url: str = VIDEO, **options: Any) -> dict[str, Any]:
    return {"input": {"type": "video", "url": url}, **({"options": options} if options else {})}


def token_body(client: tuple[str, str] = DEFAULT_CLIENT, **extra: Any) -> dict[str, Any]:
    return {"grant_type": "client_credentials", "client_id": client[0], "client_secret": client[1],
            "audience": AUDIENCE, **extra}


async def bearer(client: httpx.AsyncClient, who: tuple[str, str] = DEFAULT_CLIENT, **extra: Any) -> dict[str, str]:
    r = await client.post("/oauth/token", json=token_body(who, **extra))
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def create(client: httpx.AsyncClient, headers: dict[str, str], collection: str, attributes: dict[str, Any],
                 meta: dict[str, Any] | None = None, status: int = 202, **kwargs: Any) -> dict[str, Any]:
    r = await client.post(f"/v1/{collection}", json=body(collection, attributes, meta),
                          headers={**headers, **kwargs.pop("extra_headers", {})}, **kwargs)
    assert r.status_code == status, r.text
    out: dict[str, Any] = r.json()
    return out


async def get(client: httpx.AsyncClient, headers: dict[str, str], collection: str, job_id: str) -> dict[str, Any]:
    r = await client.get(f"/v1/{collection}/{job_id}", headers=headers)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    r = await client.post("/_emulator/clock/advance", json={"seconds": seconds})
    assert r.status_code == 200, r.text
