"""The gateway's /v1 jobs over HTTP (the real app, frozen virtual time): every endpoint of the three kinds
through its lifecycle, results in each shape and content type, download links, validation with JSON pointers,
providers, the worker queue by priority, and meta.client."""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import srt
import webvtt
from gateway_client import VIDEO, advance, bearer, body, create, get, transcription
from helpers import running

from emulator.services.gateway.providers import providers_document
from emulator.settings import Settings


def app_settings(**gateway: Any) -> Settings:
    return Settings(in_memory=True, time_scale=0, seed=7, gateway=gateway)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with running(app_settings(workers=4)) as c:
        yield c


@pytest.fixture
async def auth(client: httpx.AsyncClient) -> dict[str, str]:
    return await bearer(client)


# --- lifecycle


async def test_transcription_through_its_lifecycle(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await client.post("/v1/transcriptions", json=body("transcriptions", transcription()), headers=auth)
    assert r.status_code == 202 and r.headers["content-type"] == "application/json"
    data = r.json()["data"]
    job_id = data["id"]
    assert r.headers["location"] == f"/v1/transcriptions/{job_id}"
    attributes = data["attributes"]
    assert data["type"] == "transcription-job"
    assert (attributes["status"], attributes["progress"], attributes["provider"]) == ("pending", 0, "eden-ai")
    assert "processed_at" not in attributes and "completed_at" not in attributes and "result" not in attributes
    assert attributes["options"] == {"timestamps": True, "format": "json", "diarization": False,
                                     "priority": "standard"}
    assert data["meta"] == {"client": {}, "system": {"region": "eu-west-1"}}
    assert await get(client, auth, "transcriptions", job_id) == data

    r = await client.get(f"/v1/transcriptions/{job_id}/result", headers=auth)
    assert r.status_code == 404 and r.json()["error"]["code"] == "RESULT_NOT_READY"

    await advance(client, 5)
    data = await get(client, auth, "transcriptions", job_id)
    assert data["attributes"]["status"] == "processing" and data["attributes"]["progress"] == 0
    assert data["attributes"]["processed_at"] > data["attributes"]["created_at"]
    assert data["meta"]["system"] == {"region": "eu-west-1", "worker_id": "wk_001"}
    seen = []
    for _ in range(400):
        await advance(client, 1)
        data = await get(client, auth, "transcriptions", job_id)
        seen.append(data["attributes"]["progress"])
        if data["attributes"]["status"] == "completed":
            break
    assert seen == sorted(seen) and seen[-1] == 100 and len(set(seen)) > 10  # steps, interpolated within each
    attributes = data["attributes"]
    assert attributes["completed_at"] >= attributes["processed_at"]
    result = attributes["result"]
    assert result["format"] == "json" and result["language"] == "en-US" and result["segments"]
    assert all(s["end"] > s["start"] and s["text"] for s in result["segments"])
    r = await client.get(f"/v1/transcriptions/{job_id}/result", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json" and r.json() == result


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
async def test_subtitle_results_and_their_download_link(client: httpx.AsyncClient, auth: dict[str, str],
                                                        fmt: str) -> None:
    job = await create(client, auth, "transcriptions", transcription(format=fmt, diarization=True,
                                                                      language="en"),
                       extra_headers={"X-Emulator-Scenario": "gateway-instant"})
    job_id = job["data"]["id"]
    await advance(client, 3)
    data = await get(client, auth, "transcriptions", job_id)
    assert data["attributes"]["provider"] == "twelvelabs"  # diarization: Eden AI cannot
    result = data["attributes"]["result"]
    assert result["format"] == fmt and result["language"] == "en" and "speaker_id" in result["segments"][0]
    r = await client.get(f"/v1/transcriptions/{job_id}/result", headers=auth)
    assert r.headers["content-type"] == f"text/{fmt}; charset=utf-8"
    if fmt == "srt":
        cues = list(srt.parse(r.text))
        assert len(cues) == len(result["segments"])
        assert abs(cues[0].start.total_seconds() - result["segments"][0]["start"]) < 0.002
    else:
        cues = webvtt.from_string(r.text).captions
        assert len(cues) == len(result["segments"])
        assert f"<v Speaker {result['segments'][0]['speaker_id']}>" in r.text  # diarization: voices
    link = httpx.URL(result["download_url"])
    assert str(link).startswith("http://emulator/v1/downloads/" + job_id + "?expires=")
    download = await client.get(link.raw_path.decode())  # no token: the link is the credential
    assert download.status_code == 200 and download.text == r.text
    assert download.headers["content-disposition"] == f'attachment; filename="{job_id}.{fmt}"'
    path = link.raw_path.decode()
    tampered = await client.get(path[:-1] + ("1" if path.endswith("0") else "0"))  # another last character
    assert tampered.status_code == 404 and tampered.json()["error"]["code"] == "DOWNLOAD_NOT_FOUND"
    await advance(client, 3601)  # valid for an hour of virtual time
    expired = await client.get(link.raw_path.decode())
    assert expired.status_code == 403 and expired.json()["error"]["code"] == "DOWNLOAD_EXPIRED"
    fresh = (await get(client, auth, "transcriptions", job_id))["attributes"]["result"]["download_url"]
    assert (await client.get(httpx.URL(fresh).raw_path.decode())).status_code == 200


async def test_transcription_options(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    async def result(attributes: dict[str, Any]) -> dict[str, Any]:
        job = await create(client, auth, "transcriptions", attributes,
                           extra_headers={"X-Emulator-Scenario": "gateway-instant"})
        await advance(client, 3)
        out: dict[str, Any] = (await get(client, auth, "transcriptions", job["data"]["id"]))["attributes"]["result"]
        return out

    plain = await result(transcription(timestamps=False))
    assert "segments" not in plain and plain["text"] and plain["language"] == "en-US"
    assert (await result(transcription(language="fr")))["language"] == "fr-FR"  # Eden AI: regional codes
    detected = await result({**transcription("https://example.com/talks/keynote_de.mp4", language="auto")})
    assert detected["language"] == "de"
    audio = await result({"input": {"type": "audio", "url": "https://example.com/a.wav"}})
    same = await result({"input": {"type": "audio", "url": "https://example.com/a.wav"}})
    assert audio == same and audio["duration"] > 0  # deterministic per seed


async def test_translation_text_and_document(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    text = await create(client, auth, "translations", {"input": {
        "type": "text", "content": "Thank you for the new video, it is very good.", "target_language": "es"},
        "options": {"formality": "formal"}}, extra_headers={"X-Emulator-Scenario": "gateway-instant"})
    document = await create(client, auth, "translations", {"input": {
        "type": "document", "url": "https://example.com/docs/report_fr.pdf", "target_language": "en"}},
        extra_headers={"X-Emulator-Scenario": "gateway-instant"})
    assert text["data"]["type"] == "translation-job"
    assert text["data"]["attributes"]["provider"] == "twelvelabs"  # formality: only TwelveLabs offers it
    await advance(client, 3)
    result = (await get(client, auth, "translations", text["data"]["id"]))["attributes"]["result"]
    assert result == {"source_language": "en", "target_language": "es",
                      "content": "Gracias usted para el nuevo vídeo, ello es muy bueno.", "character_count": 45}
    r = await client.get(f"/v1/translations/{text['data']['id']}/result", headers=auth)
    assert r.status_code == 200 and r.json() == result
    result = (await get(client, auth, "translations", document["data"]["id"]))["attributes"]["result"]
    assert (result["source_language"], result["target_language"]) == ("fr", "en")
    assert list(result) == ["source_language", "target_language", "download_url", "character_count"]
    download = await client.get(httpx.URL(result["download_url"]).raw_path.decode())
    assert download.status_code == 200 and download.headers["content-type"] == "text/plain; charset=utf-8"
    assert len(download.text) >= result["character_count"] // 2 and download.text.endswith("\n")


def _vector(fingerprint: str) -> list[float]:
    raw = base64.b64decode(fingerprint)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


async def test_video_analysis_features_threshold_and_fingerprints(client: httpx.AsyncClient,
                                                                  auth: dict[str, str]) -> None:
    async def analyse(url: str, features: list[str], **options: Any) -> dict[str, Any]:
        job = await create(client, auth, "video-analyses", {"input": {"url": url, "features": features},
                                                             "provider": "twelvelabs",
                                                             **({"options": options} if options else {})},
                           extra_headers={"X-Emulator-Scenario": "gateway-instant"})
        await advance(client, 3)
        r = await client.get(f"/v1/video-analyses/{job['data']['id']}/result", headers=auth)
        assert r.status_code == 200
        out: dict[str, Any] = r.json()
        return out

    some = await analyse(VIDEO, ["labels", "ocr"])
    assert list(some) == ["video_metadata", "labels", "ocr"]
    assert set(some["video_metadata"]) == {"duration", "width", "height", "frame_rate", "format", "codec"}
    strict = await analyse(VIDEO, ["labels", "faces", "brands"], confidence_threshold=0.9)
    for feature in ("labels", "faces", "brands"):
        for item in strict[feature]:
            assert all(i["confidence"] >= 0.9 for i in item["instances"])
    assert len(strict["labels"]) < len(some["labels"])
    first = await analyse("https://example.com/episode-1.mp4", ["faces"])
    second = await analyse("https://example.com/episode-2.mp4", ["faces"])
    best = max(_cosine(_vector(a["fingerprint"]), _vector(b["fingerprint"]))
               for a in first["faces"] for b in second["faces"])
    assert best > 0.95  # one of the seed's people is in both videos: comparable fingerprints


# --- errors


@pytest.mark.parametrize(("collection", "attributes", "pointer"), [
    ("transcriptions", {}, "/data/attributes/input"),
    ("transcriptions", {"input": {"type": "film", "url": VIDEO}}, "/data/attributes/input/type"),
    ("transcriptions", {"input": {"type": "video", "url": "ftp://example.com/a.mp4"}}, "/data/attributes/input/url"),
    ("transcriptions", {"input": {"type": "video"}}, "/data/attributes/input/url"),
    ("transcriptions", {**transcription(), "options": {"format": "docx"}}, "/data/attributes/options/format"),
    ("transcriptions", {**transcription(), "options": {"language": "english!"}},
     "/data/attributes/options/language"),
    ("transcriptions", {**transcription(), "webhook": {"url": "not a url"}}, "/data/attributes/webhook/url"),
    ("transcriptions", {**transcription(), "webhook": {"url": "https://h.example/", "headers": {"X-A": 1}}},
     "/data/attributes/webhook/headers/X-A"),
    ("translations", {"input": {"type": "text", "target_language": "fr"}}, "/data/attributes/input/content"),
    ("translations", {"input": {"type": "text", "content": "hi"}}, "/data/attributes/input/target_language"),
    ("video-analyses", {"input": {"url": VIDEO, "features": []}}, "/data/attributes/input/features"),
    ("video-analyses", {"input": {"url": VIDEO, "features": ["labels", "smell"]}},
     "/data/attributes/input/features/1"),
    ("video-analyses", {"input": {"url": VIDEO, "features": ["labels"]}, "options": {"confidence_threshold": 2}},
     "/data/attributes/options/confidence_threshold"),
])
async def test_validation_names_the_pointer(client: httpx.AsyncClient, auth: dict[str, str], collection: str,
                                           attributes: dict[str, Any], pointer: str) -> None:
    out = await create(client, auth, collection, attributes, status=400)
    assert out["error"]["code"] == "INVALID_REQUEST" and out["error"]["source"] == {"pointer": pointer}
    assert pointer in out["error"]["message"]


async def test_envelope_type_media_type_and_unknown_ids(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    wrong = {"data": {"type": "translation-job", "attributes": transcription()}}
    r = await client.post("/v1/transcriptions", json=wrong, headers=auth)
    assert r.status_code == 400 and r.json()["error"]["source"] == {"pointer": "/data/type"}
    r = await client.post("/v1/transcriptions", content=b"{", headers={**auth, "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_REQUEST"
    r = await client.post("/v1/transcriptions", content=b"<xml/>", headers={**auth, "content-type": "text/xml"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    r = await client.post("/v1/transcriptions", json=body("transcriptions", transcription()),
                          headers={**auth, "content-type": "application/vnd.api+json"})
    assert r.status_code == 202
    job_id = r.json()["data"]["id"]
    for collection in ("transcriptions", "translations", "video-analyses"):
        for suffix in ("", "/result"):
            r = await client.get(f"/v1/{collection}/2f41bc1f-b608-4360-acd9-a26a296fea3c{suffix}", headers=auth)
            assert r.status_code == 404 and r.json()["error"]["code"] == "JOB_NOT_FOUND"
    r = await client.get(f"/v1/translations/{job_id}", headers=auth)  # a transcription is no translation
    assert r.status_code == 404
    r = await client.delete(f"/v1/transcriptions/{job_id}", headers=auth)  # the seed documents no delete
    assert r.status_code == 405 and r.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    r = await client.get("/v1/transcriptions", headers=auth)  # nor a list
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    r = await client.get("/v1/nothing", headers=auth)
    assert r.status_code == 404 and r.json() == {"error": {"code": "NOT_FOUND", "message": "Not found"}}


# --- providers


async def test_providers_choice_and_refusal(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    r = await client.get("/v1/providers", headers=auth)
    assert r.status_code == 200 and r.json() == providers_document()
    ids = [p["id"] for p in r.json()["data"]]
    assert ids == ["eden-ai", "twelvelabs"]

    async def provider(attributes: dict[str, Any], collection: str = "transcriptions") -> str:
        out: str = (await create(client, auth, collection, attributes))["data"]["attributes"]["provider"]
        return out

    assert await provider(transcription()) == "eden-ai"  # the default backend
    assert await provider(transcription(language="auto")) == "twelvelabs"  # detection: Eden AI's Google cannot
    assert await provider({**transcription(), "provider": "twelvelabs"}) == "twelvelabs"
    assert await provider({"input": {"url": VIDEO, "features": ["labels", "faces"]}}, "video-analyses") == "eden-ai"
    assert await provider({"input": {"url": VIDEO, "features": ["summary"]}}, "video-analyses") == "twelvelabs"
    refused = await create(client, auth, "transcriptions", {**transcription(diarization=True), "provider": "eden-ai"},
                           status=422)
    assert refused["error"]["code"] == "FEATURE_NOT_SUPPORTED" and "diarization" in refused["error"]["message"]
    refused = await create(client, auth, "video-analyses", {"input": {"url": VIDEO, "features": ["sentiment"]},
                                                             "provider": "eden-ai"}, status=422)
    assert "sentiment" in refused["error"]["message"]
    unknown = await create(client, auth, "transcriptions", {**transcription(), "provider": "openai"}, status=422)
    assert unknown["error"]["code"] == "PROVIDER_NOT_SUPPORTED" and "openai" in unknown["error"]["message"]
    jobs = (await client.get("/_emulator/jobs", params={"service": "gateway"})).json()["jobs"]
    assert len(jobs) == 5  # refused requests create nothing


# --- the queue


async def test_priority_orders_the_queue() -> None:
    async with running(app_settings(workers=1)) as client:
        auth = await bearer(client)
        scenario = {"X-Emulator-Scenario": "gateway-instant"}  # pending 1 s at least, processing 1 s
        order = {}
        for name, priority in (("low", "low"), ("standard", "standard"), ("high", "high"), ("later", "standard")):
            job = await create(client, auth, "transcriptions", transcription(priority=priority),
                               extra_headers=scenario)
            order[job["data"]["id"]] = name
        started = []
        for _ in range(8):
            await advance(client, 1)
            for job_id, name in order.items():
                data = await get(client, auth, "transcriptions", job_id)
                if data["attributes"]["status"] == "processing" and name not in started:
                    started.append(name)
                    assert data["meta"]["system"]["worker_id"] == "wk_001"
        assert started == ["high", "standard", "later", "low"]
        for job_id in order:
            assert (await get(client, auth, "transcriptions", job_id))["attributes"]["status"] == "completed"


async def test_many_waiting_jobs_start_by_priority_then_age() -> None:
    # The queue keeps its line in a heap: with many jobs waiting, the order must still be priority, then age.
    async with running(app_settings(workers=2)) as client:
        auth = await bearer(client)
        scenario = {"X-Emulator-Scenario": "gateway-instant"}  # pending 1 s at least, processing 1 s
        ranks = {"high": 0, "standard": 1, "low": 2}
        made = []
        for n in range(150):
            level = ("low", "standard", "high", "standard", "low")[(n * 7) % 5]
            job = await create(client, auth, "transcriptions", transcription(priority=level),
                               extra_headers=scenario)
            made.append((ranks[level], n, job["data"]["id"]))
        await advance(client, 1000)
        started = []
        for _, _, job_id in sorted(made):
            data = await get(client, auth, "transcriptions", job_id)
            assert data["attributes"]["status"] == "completed"
            started.append(data["attributes"]["processed_at"])
        # Two workers, a second each: the jobs in expected order start two by two, one second apart.
        assert started == sorted(started)
        assert all(started.count(at) == 2 for at in started)


async def test_a_scenario_sets_the_worker_count(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    url = "https://example.com/slow-queue.mp4"  # gateway-slow-queue: one worker, ten minutes a job
    first = (await create(client, auth, "transcriptions", transcription(url)))["data"]["id"]
    await advance(client, 1)
    second = (await create(client, auth, "transcriptions", transcription(url, priority="high")))["data"]["id"]
    await advance(client, 6)
    # The first took the only worker; the second, high priority or not, waits (the setting would allow 4).
    assert [(await get(client, auth, "transcriptions", j))["attributes"]["status"] for j in (first, second)] == [
        "processing", "pending"]
    await advance(client, 600)
    data = await get(client, auth, "transcriptions", second)
    assert data["attributes"]["status"] == "processing"
    await advance(client, 600)
    assert (await get(client, auth, "transcriptions", second))["attributes"]["status"] == "completed"


async def test_admin_control_moves_the_queue(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    job_id = (await create(client, auth, "translations", {"input": {
        "type": "text", "content": "Hello", "target_language": "de"}}))["data"]["id"]
    r = await client.post(f"/_emulator/jobs/{job_id}/fail", json={"details": "Out of credits"})
    assert r.status_code == 200 and r.json()["status"]["data"]["attributes"]["error"] == {
        "code": "PROVIDER_ERROR", "message": "Out of credits"}
    data = await get(client, auth, "translations", job_id)
    assert data["attributes"]["status"] == "failed" and "completed_at" in data["attributes"]
    r = await client.get(f"/v1/translations/{job_id}/result", headers=auth)
    assert r.status_code == 404 and r.json()["error"]["code"] == "RESULT_NOT_READY"


# --- meta.client


async def test_meta_client_round_trips_unchanged(client: httpx.AsyncClient, auth: dict[str, str]) -> None:
    meta = {"client": {"order": {"id": 42, "lines": [1, "two", None, {"deep": True}]}, "ünï": "cödé", "n": 1.5}}
    created = await create(client, auth, "video-analyses", {"input": {"url": VIDEO, "features": ["scenes"]}},
                           meta=meta)
    assert created["data"]["meta"]["client"] == meta["client"]
    await advance(client, 3600)
    data = await get(client, auth, "video-analyses", created["data"]["id"])
    assert data["attributes"]["status"] == "completed" and data["meta"]["client"] == meta["client"]
