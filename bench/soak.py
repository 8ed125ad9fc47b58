"""Soak: many clients mixing every service's calls against a real server for a while, watching what must not
drift: server errors, lost jobs and callbacks, timers firing late, memory, the journal.

Run: .venv/bin/python bench/soak.py [--seconds 60] [--clients 200] [--time-scale 600]

It starts the emulator in the configuration users run (SQLite in a temporary data dir, access log on, journal
of 1000) and a webhook receiver, each in its own process, on 127.0.0.1 only. Every ~10 s and at the end it
prints: requests per second, 5xx answers, connection errors, unexpected answers (a job that vanished),
how late the job timers fire, the server's RSS and CPU, the journal's size and the data dir's, callbacks
received. It stops by itself (--seconds, --max-requests) and always exits 0: these are figures, not a test;
the last line is the verdict.

A service is a list of Call entries in CALLS (weight, and what one call does with a client's state): Valossa
Core and Training, Clipzy, the AI Gateway (and its token issuer).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import ssl
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from harness import DEFAULT, Receiver, Server, emulator, receiver
from loadgen import Histogram

# The longest default Valossa timeline is 95 s + 0.55 x 20 min of media = 755 simulated seconds; Clipzy's
# (GPU timings, 15 s to 5 min of derived media) ~30 s. Gateway jobs wait for one of 2 workers: no bound (their
# end is read from the admin API instead).
LONGEST_TIMELINE = 800.0
GATEWAY_PROGRESS_STEPS = 4  # a Gateway job sends "<kind>.progress" at each of its processing steps
KIND_EVENTS = {"transcriptions": "transcription.", "translations": "translation.",
               "video-analyses": "video-analysis."}  # the Gateway's events: "<kind>.<end state>"
END_STATES = {"valossa": ("finished", "error"), "clipzy": ("completed", "failed", "cancelled"),
              "gateway": ("completed", "failed")}
GOING_STATES = {"valossa": ("queued", "on_hold", "preparing_analysis", "processing"),
                "clipzy": ("queued", "processing"), "gateway": ("pending", "processing")}


@dataclass
class Totals:
    requests: int = 0
    by_call: Counter[str] = field(default_factory=Counter)
    status: Counter[int] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)  # call -> 5xx answers
    connection_errors: Counter[str] = field(default_factory=Counter)  # call -> error type
    unexpected: Counter[str] = field(default_factory=Counter)  # "call status" -> count
    samples: list[str] = field(default_factory=list)  # the first few unexpected answers, in full
    latency: Histogram = field(default_factory=Histogram)


@dataclass
class Tracked:
    id: str
    created: float  # time.monotonic()
    callback: bool
    service: str = "valossa"
    kind: str = ""  # the Gateway's collection: transcriptions, translations, video-analyses
    state: str = ""  # as last seen by the client


@dataclass(frozen=True)
class CallbackJob:
    service: str
    kind: str
    created: float


class Client:
    """One simulated user: its own keep-alive connection, API key and jobs."""

    def __init__(self, n: int, base: str, soak: Soak) -> None:
        self.n = n
        self.http = httpx.AsyncClient(base_url=base, timeout=30.0, verify=soak.tls,
                                      limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        self.key = f"soak-{n}"
        self.jobs: list[Tracked] = []
        self.videos: list[str] = []  # Clipzy videos uploaded, no job on them yet
        self.faces: list[str] = []  # Valossa Training face identities
        self.token: str | None = None  # the Gateway's Bearer token
        self.token_until = 0.0  # time.monotonic() after which a new one is fetched
        self.soak = soak
        self.rng = random.Random(n)
        self.counter = 0

    async def call(self, name: str, method: str, path: str, ok: tuple[int, ...] = (200,), **kwargs: Any
                   ) -> httpx.Response | None:
        """One request, counted; None on a connection error. A status outside `ok` (and not 5xx) is
        counted as unexpected."""
        totals = self.soak.totals
        totals.requests += 1
        totals.by_call[name] += 1
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            totals.connection_errors[f"{name}: {type(exc).__name__}"] += 1
            return None
        totals.latency.record(time.perf_counter() - started)
        totals.status[response.status_code] += 1
        if response.status_code >= 500:
            totals.server_errors[name] += 1
            self.soak.sample(f"{name} {method} {path} -> {response.status_code}: {response.text[:200]}")
        elif response.status_code not in ok:
            totals.unexpected[f"{name} {response.status_code}"] += 1
            self.soak.sample(f"{name} {method} {path} -> {response.status_code}: {response.text[:200]}")
        return response

    def pick(self, service: str = "valossa", *, callback: bool | None = None, older: float = 0.0,
             state: str | None = None) -> Tracked | None:
        now = time.monotonic()
        found = [j for j in self.jobs if j.service == service and (callback is None or j.callback == callback)
                 and now - j.created >= older and (state is None or j.state == state)]
        return self.rng.choice(found) if found else None

    def track(self, job: Tracked) -> None:
        self.jobs.append(job)
        if job.callback:
            self.soak.callback_jobs[job.id] = CallbackJob(job.service, job.kind, job.created)

    async def close(self) -> None:
        await self.http.aclose()


# --- Valossa Core: https://.../core/1.0

V = "/core/1.0"
UPLOAD_SESSION_TTL = 3600.0  # valossa.upload_session_ttl_seconds' default
RESULT_TYPES = ("speech_to_text_srt", "speech_to_text_vtt", "seconds_objects", "visual_captions", "core")


async def valossa_new_job(c: Client, callback: bool = False, url: str | None = None) -> None:
    c.counter += 1
    body: dict[str, Any] = {"api_key": c.key, "media": {
        "video": {"url": url or f"https://example.com/soak-{c.n}-{c.counter}.mp4"}, "title": f"soak {c.counter}"}}
    if callback:
        body["callback"] = {"url": c.soak.receiver.url}
    r = await c.call("valossa new_job" + (" +callback" if callback else ""), "POST", V + "/new_job", json=body)
    if r is not None and r.status_code == 200:
        c.track(Tracked(r.json()["job_id"], time.monotonic(), callback))


async def valossa_new_job_callback(c: Client) -> None:
    await valossa_new_job(c, callback=True)


async def valossa_job_status(c: Client) -> None:
    job = c.pick()
    if job is None:
        return await valossa_new_job(c)
    await c.call("valossa job_status", "GET", V + "/job_status", params={"api_key": c.key, "job_id": job.id})


async def valossa_job_results(c: Client) -> None:
    # Once its timeline surely ended: 200, or 400 for a type without data (e.g. no speech).
    job = c.pick(older=c.soak.ended_after)
    if job is None:
        return await valossa_job_status(c)
    kind = c.rng.choices(RESULT_TYPES, weights=(3, 3, 3, 3, 1))[0]  # the core document is the heavy one
    await c.call("valossa job_results", "GET", V + "/job_results", ok=(200, 400),
                 params={"api_key": c.key, "job_id": job.id, "type": kind})


async def valossa_list_jobs(c: Client) -> None:
    params = {"api_key": c.key}
    if c.rng.random() < 0.5:
        params["show_status"] = "true"
    await c.call("valossa list_jobs", "GET", V + "/list_jobs", params=params)


async def valossa_cancel_job(c: Client) -> None:
    # A job still queued is cancelled (200); one that moved on answers 400.
    job = c.pick(callback=False)
    if job is None:
        return await valossa_new_job(c)
    await c.call("valossa cancel_job", "POST", V + "/cancel_job", ok=(200, 400),
                 json={"api_key": c.key, "job_id": job.id})


async def valossa_delete_job(c: Client) -> None:
    # Only a job whose timeline ended: a callback job has had its callback by then.
    job = c.pick(older=c.soak.ended_after)
    if job is None:
        return await valossa_job_status(c)
    r = await c.call("valossa delete_job", "POST", V + "/delete_job", json={"api_key": c.key, "job_id": job.id})
    if r is not None and r.status_code == 200:
        c.jobs.remove(job)


async def valossa_upload(c: Client) -> None:
    """The chunked upload trio, then a job on the uploaded file."""
    data = bytes(c.rng.getrandbits(8) for _ in range(64))
    r = await c.call("valossa initialize_file_upload", "POST", V + "/initialize_file_upload",
                     json={"api_key": c.key, "file_size_bytes": len(data)})
    if r is None or r.status_code != 200:
        return
    upload_id, started = r.json()["upload_id"], time.monotonic()

    def ok() -> tuple[int, ...]:
        # A session idle for valossa.upload_session_ttl_seconds (3600 simulated s: 6 real s at time scale 600)
        # is forgotten: "no such upload" (400) is then the right answer.
        stale = (time.monotonic() - started) * c.soak.args.time_scale >= 0.95 * UPLOAD_SESSION_TTL
        return (200, 400) if stale else (200,)

    r = await c.call("valossa send_file_chunk", "POST", V + "/send_file_chunk", ok=ok(),
                     data={"api_key": c.key, "upload_id": upload_id, "chunk_index": "0"},
                     files={"file_data": ("chunk.bin", data)})
    if r is None or r.status_code != 200:
        return
    r = await c.call("valossa finalize_file_upload", "POST", V + "/finalize_file_upload", ok=ok(),
                     json={"api_key": c.key, "upload_id": upload_id})
    if r is not None and r.status_code == 200:
        await valossa_new_job(c, url=r.json()["uploaded_file_url"])


# --- Valossa Training: https://.../training/1.0 (face galleries of the client's key)

VT = "/training/1.0"
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (64).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"


async def training_face(c: Client) -> None:
    """A face identity in the key's default gallery, an image uploaded and added to it, its images listed;
    now and then the face removed again (a client keeps at most 5)."""
    c.counter += 1
    r = await c.call("training create_face_identity", "POST", VT + "/create_face_identity",
                     json={"api_key": c.key, "face": {"name": f"soak {c.n}-{c.counter}"}})
    if r is None or r.status_code != 200:
        return
    face_id = r.json()["face_id"]
    c.faces.append(face_id)
    image = PNG_HEADER + c.counter.to_bytes(8, "big") + bytes(32)  # a different image each time
    r = await c.call("training upload_image", "POST", VT + "/upload_image", data={"api_key": c.key},
                     files={"image_data": ("face.png", image, "image/png")})
    if r is None or r.status_code != 200:
        return
    r = await c.call("training add_face_image", "POST", VT + "/add_face_image", json={
        "api_key": c.key, "face": {"id": face_id}, "image": {"url": r.json()["uploaded_file_url"]}})
    await c.call("training list_face_images", "GET", VT + "/list_face_images",
                 params={"api_key": c.key, "face.id": face_id})
    if len(c.faces) > 5:
        gone = c.faces.pop(0)
        await c.call("training remove_face_identity", "POST", VT + "/remove_face_identity",
                     json={"api_key": c.key, "face": {"id": gone}})


async def training_list(c: Client) -> None:
    if c.rng.random() < 0.5:
        await c.call("training list_face_galleries", "GET", VT + "/list_face_galleries", params={"api_key": c.key})
    else:
        await c.call("training list_face_identities", "GET", VT + "/list_face_identities",
                     params={"api_key": c.key})


# --- Clipzy ML Engine: /api/v1 (no token by default)

CZ = "/api/v1"


async def clipzy_upload(c: Client) -> str | None:
    """A small upload (not real media: its metadata is derived, 15 s to 5 min); the video is kept for a job."""
    c.counter += 1
    data = f"soak video {c.n}-{c.counter}".encode() + bytes(c.rng.getrandbits(8) for _ in range(48))
    r = await c.call("clipzy upload", "POST", CZ + "/videos/upload",
                     files={"file": (f"soak-{c.n}-{c.counter}.mp4", data, "video/mp4")})
    if r is None or r.status_code != 200:
        return None
    video_id: str = r.json()["data"]["video_id"]
    if c.rng.random() < 0.3:
        await c.call("clipzy video_info", "GET", f"{CZ}/videos/info/{video_id}")
    return video_id


async def clipzy_create(c: Client, callback: bool = False) -> None:
    """A job on a video of the client's without one (uploaded first when it has none left)."""
    video_id = c.videos.pop() if c.videos else await clipzy_upload(c)
    if video_id is None:
        return
    body: dict[str, Any] = {"video_id": video_id}
    if callback:
        body["webhook_url"] = c.soak.receiver.url
    r = await c.call("clipzy create" + (" +webhook" if callback else ""), "POST", CZ + "/jobs", json=body)
    if r is not None and r.status_code == 200:
        c.track(Tracked(r.json()["data"]["job_id"], time.monotonic(), callback, "clipzy"))


async def clipzy_create_webhook(c: Client) -> None:
    await clipzy_create(c, callback=True)


async def clipzy_upload_only(c: Client) -> None:
    video_id = await clipzy_upload(c)
    if video_id is not None and len(c.videos) < 5:
        c.videos.append(video_id)


async def clipzy_get(c: Client) -> None:
    job = c.pick("clipzy")
    if job is None:
        return await clipzy_create(c)
    r = await c.call("clipzy get_job", "GET", f"{CZ}/jobs/{job.id}")
    if r is not None and r.status_code == 200:
        job.state = r.json()["data"]["status"]


async def clipzy_result(c: Client) -> None:
    """The result body of an ended job; its download when the client saw it completed."""
    job = c.pick("clipzy", older=c.soak.ended_after)
    if job is None:
        return await clipzy_get(c)
    if job.state == "completed" and c.rng.random() < 0.3:
        await c.call("clipzy download", "GET", f"{CZ}/jobs/{job.id}/download")
        return
    r = await c.call("clipzy job_result", "GET", f"{CZ}/jobs/{job.id}/result")
    if r is not None and r.status_code == 200:
        job.state = r.json()["data"]["status"]


async def clipzy_list(c: Client) -> None:
    await c.call("clipzy list_jobs", "GET", CZ + "/jobs",
                 params={"page": str(c.rng.randint(1, 3)), "page_size": str(c.rng.choice((10, 50)))})


async def clipzy_cancel(c: Client) -> None:
    # A job still queued or processing is cancelled (200); one that ended answers 409.
    job = c.pick("clipzy")
    if job is None:
        return await clipzy_create(c)
    r = await c.call("clipzy cancel", "POST", f"{CZ}/jobs/{job.id}/cancel", ok=(200, 409))
    if r is not None and r.status_code == 200:
        job.state = "cancelled"


# --- AI Gateway: /v1 (Bearer tokens from /oauth/token)

GW_KINDS = {  # collection -> (JSON:API type, input); mostly short text translations: 2 workers do them all
    "translations": ("translation-job", 10),
    "transcriptions": ("transcription-job", 2),
    "video-analyses": ("video-analysis-job", 1),
}


async def gateway_token(c: Client) -> None:
    r = await c.call("gateway token", "POST", "/oauth/token", json={
        "grant_type": "client_credentials", "client_id": "emulator-client", "client_secret": "emulator-secret",
        "audience": "https://ai-gateway.emulator/"})
    if r is not None and r.status_code == 200:
        body = r.json()
        c.token = body["access_token"]
        # expires_in is in simulated seconds: fetch a new one halfway through its real lifetime
        c.token_until = time.monotonic() + body["expires_in"] / c.soak.args.time_scale / 2


async def gateway_auth(c: Client) -> dict[str, str] | None:
    if c.token is None or time.monotonic() > c.token_until:
        await gateway_token(c)
    return {"Authorization": f"Bearer {c.token}"} if c.token else None


def gateway_input(c: Client, collection: str) -> dict[str, Any]:
    url = f"https://example.com/soak-{c.n}-{c.counter}.mp4"
    if collection == "translations":
        words = " ".join(c.rng.choice(("video", "frame", "scene", "speech", "caption")) for _ in range(40))
        return {"input": {"type": "text", "content": words, "target_language": c.rng.choice(("fr", "de", "fi"))}}
    if collection == "transcriptions":
        return {"input": {"type": "video", "url": url}, "options": {"format": c.rng.choice(("json", "srt"))}}
    return {"input": {"url": url, "features": ["labels"]}}


async def gateway_create(c: Client, callback: bool = False) -> None:
    headers = await gateway_auth(c)
    if headers is None:
        return
    collection = c.rng.choices(list(GW_KINDS), weights=[w for _, w in GW_KINDS.values()])[0]
    c.counter += 1
    attributes = gateway_input(c, collection)
    if callback:
        attributes["webhook"] = {"url": c.soak.receiver.url}
    body = {"data": {"type": GW_KINDS[collection][0], "attributes": attributes}}
    r = await c.call("gateway create" + (" +webhook" if callback else ""), "POST", f"/v1/{collection}",
                     ok=(202,), json=body, headers=headers)
    if r is not None and r.status_code == 202:
        c.track(Tracked(r.json()["data"]["id"], time.monotonic(), callback, "gateway", collection))


async def gateway_create_webhook(c: Client) -> None:
    await gateway_create(c, callback=True)


async def gateway_get(c: Client) -> None:
    job = c.pick("gateway")
    headers = await gateway_auth(c)
    if job is None or headers is None:
        return await gateway_create(c)
    r = await c.call("gateway get", "GET", f"/v1/{job.kind}/{job.id}", headers=headers)
    if r is not None and r.status_code == 200:
        job.state = r.json()["data"]["attributes"]["status"]


async def gateway_result(c: Client) -> None:
    """The result of a job the client saw completed (its status answered first otherwise)."""
    job = c.pick("gateway", state="completed")
    headers = await gateway_auth(c)
    if job is None or headers is None:
        return await gateway_get(c)
    await c.call("gateway result", "GET", f"/v1/{job.kind}/{job.id}/result", headers=headers)


async def gateway_providers(c: Client) -> None:
    headers = await gateway_auth(c)
    if headers is not None:
        await c.call("gateway providers", "GET", "/v1/providers", headers=headers)


@dataclass(frozen=True)
class Call:
    service: str
    name: str
    weight: float
    run: Callable[[Client], Awaitable[None]]


CALLS: list[Call] = [
    Call("valossa", "new_job", 12, valossa_new_job),
    Call("valossa", "new_job with callback", 6, valossa_new_job_callback),
    Call("valossa", "job_status", 45, valossa_job_status),
    Call("valossa", "job_results", 3, valossa_job_results),
    Call("valossa", "list_jobs", 5, valossa_list_jobs),
    Call("valossa", "cancel_job", 4, valossa_cancel_job),
    Call("valossa", "delete_job", 6, valossa_delete_job),
    Call("valossa", "upload trio + new_job", 2, valossa_upload),
    Call("training", "face identity + image", 1.5, training_face),
    Call("training", "list galleries or identities", 1.5, training_list),
    Call("clipzy", "upload", 2, clipzy_upload_only),
    Call("clipzy", "create", 5, clipzy_create),
    Call("clipzy", "create with webhook", 3, clipzy_create_webhook),
    Call("clipzy", "get_job", 20, clipzy_get),
    Call("clipzy", "job_result or download", 3, clipzy_result),
    Call("clipzy", "list_jobs", 3, clipzy_list),
    Call("clipzy", "cancel", 2, clipzy_cancel),
    Call("gateway", "token", 0.5, gateway_token),
    Call("gateway", "create", 4, gateway_create),
    Call("gateway", "create with webhook", 2, gateway_create_webhook),
    Call("gateway", "get", 20, gateway_get),
    Call("gateway", "result", 3, gateway_result),
    Call("gateway", "providers", 1, gateway_providers),
]
MAX_JOBS_PER_CLIENT = 40  # above this a client retires an old job first (the store's live set stays bounded)


async def retire(c: Client) -> bool:
    """Delete an ended Valossa job (the store's live set stays bounded), or forget an old job of a service with
    no delete call (Clipzy, the Gateway). False when no job is old enough."""
    if c.pick(older=c.soak.ended_after):
        await valossa_delete_job(c)
        return True
    now = time.monotonic()
    old = [j for j in c.jobs if now - j.created >= c.soak.ended_after]
    if not old:
        return False
    c.jobs.remove(old[0])
    return True


class Soak:
    def __init__(self, args: argparse.Namespace, srv: Server, rcv: Receiver) -> None:
        self.args, self.server, self.receiver = args, srv, rcv
        self.totals = Totals()
        self.callback_jobs: dict[str, CallbackJob] = {}  # job id -> its service, kind, creation (monotonic)
        self.ended_after = LONGEST_TIMELINE / args.time_scale + 1.0  # real seconds: a job's timeline surely ended
        self.stop = False
        self.started = time.monotonic()
        self.rss: list[tuple[float, float]] = []  # (seconds since start, MB)
        self.late: list[float] = []  # real seconds a pending timer was overdue when sampled
        self.late_sampled = 0
        self.lines: list[dict[str, Any]] = []
        # One TLS context for every client (plain HTTP here, but httpx builds one per client otherwise, each
        # loading the CA bundle: ~85 ms of CPU apiece, 17 s for 200 clients).
        self.tls = ssl.create_default_context()

    def sample(self, text: str) -> None:
        if len(self.totals.samples) < 10:
            self.totals.samples.append(text)

    async def client(self, n: int) -> None:
        c = Client(n, f"http://127.0.0.1:{self.server.port}", self)
        weights = [call.weight for call in CALLS]
        await asyncio.sleep(c.rng.uniform(0, self.args.think))  # stagger the start
        try:
            while not self.stop and self.totals.requests < self.args.max_requests:
                if len(c.jobs) > MAX_JOBS_PER_CLIENT and await retire(c):
                    pass
                else:
                    await c.rng.choices(CALLS, weights)[0].run(c)
                await asyncio.sleep(c.rng.uniform(0.5, 1.5) * self.args.think)
        finally:
            await c.close()

    async def watch_timers(self, admin: httpx.AsyncClient) -> None:
        """How late pending timers are: read the clock, then the newest jobs; a job whose next step was due
        before that clock reading and has not happened yet is late by at least the difference (a lower bound:
        the two reads are a few ms apart)."""
        while not self.stop:
            try:
                now = (await admin.get("/_emulator/clock")).json()["epoch"]
                jobs = (await admin.get("/_emulator/jobs", params={"limit": 300})).json()["jobs"]
            except (httpx.HTTPError, ValueError, KeyError):
                await asyncio.sleep(1.0)
                continue
            for job in jobs:
                if job.get("next"):
                    self.late_sampled += 1
                    due = datetime.fromisoformat(job["next"]["at"]).timestamp()
                    if due < now:
                        self.late.append((now - due) / self.args.time_scale)
            await asyncio.sleep(1.0)

    async def report(self, admin: httpx.AsyncClient, final: bool = False) -> dict[str, Any]:
        t = time.monotonic() - self.started
        rss = self.server.rss_mb()["VmRSS"]
        self.rss.append((t, rss))
        try:
            journal = (await admin.post("/_emulator/requests/count", json={})).json()["count"]
        except (httpx.HTTPError, ValueError, KeyError):
            journal = None
        data_dir = self.server.data_dir
        disk = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file()) / 2**20 if data_dir else 0.0
        stats = await asyncio.to_thread(self.receiver.stats)
        tot = self.totals
        cpu = self.server.cpu_seconds()
        prev = self.lines[-1] if self.lines else {"t": 0.0, "requests": 0, "cpu": 0.0, "own_cpu": 0.0}
        own = time.process_time()
        span = max(t - prev["t"], 1e-6)
        late = sorted(self.late)
        line = {
            "t": round(t, 1), "requests": tot.requests, "rps": round((tot.requests - prev["requests"]) / span),
            "server_errors": sum(tot.server_errors.values()), "connection_errors": sum(tot.connection_errors.values()),
            "unexpected": sum(tot.unexpected.values()), "p99_ms": tot.latency.percentile(0.99),
            "late_max_s": round(late[-1], 3) if late else 0.0,
            "late_p99_s": round(late[int(0.99 * (len(late) - 1))], 3) if late else 0.0,
            "late_share": round(len(late) / self.late_sampled, 3) if self.late_sampled else 0.0,
            "rss_mb": round(rss, 1), "cpu": cpu, "server_cpu": round((cpu - prev["cpu"]) / span, 2),
            "own_cpu": own, "driver_cpu": round((own - prev["own_cpu"]) / span, 2),
            "journal": journal, "data_mb": round(disk, 1), "callbacks": stats["total"],
            "callback_duplicates": stats["duplicates"],
        }
        self.lines.append(line)
        print(f"{'end' if final else f'{t:5.0f}s'}  {line['rps']:5d} req/s  5xx {line['server_errors']}  "
              f"conn err {line['connection_errors']}  unexpected {line['unexpected']}  p99 {line['p99_ms']:.0f} ms  "
              f"timers late max {line['late_max_s'] * 1000:.0f} ms ({line['late_share']:.1%} of sampled)  "
              f"RSS {rss:.0f} MB  CPU {line['server_cpu']:.0%} (clients {line['driver_cpu']:.0%})  "
              f"journal {journal}  data {disk:.1f} MB  "
              f"callbacks {stats['total']} (dup {stats['duplicates']})", flush=True)
        return line

    async def run(self) -> dict[str, Any]:
        args = self.args
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.server.port}", timeout=60.0) as admin:
            tasks = [asyncio.ensure_future(self.client(n)) for n in range(args.clients)]
            watcher = asyncio.ensure_future(self.watch_timers(admin))
            next_report = self.started + args.every
            while time.monotonic() - self.started < args.seconds and self.totals.requests < args.max_requests:
                await asyncio.sleep(min(1.0, max(0.0, next_report - time.monotonic())))
                if time.monotonic() >= next_report:
                    await self.report(admin)
                    next_report += args.every
                self.server.check_alive()
            self.stop = True
            await asyncio.gather(*tasks, watcher, return_exceptions=True)
            ran = time.monotonic() - self.started
            checked = await self.check_callbacks(admin)
            failed = (await admin.get("/_emulator/webhooks", params={"status": "failed"})).json()["webhooks"]
            final = await self.report(admin, final=True)
        return {"ran_s": round(ran, 1), "final": final, **checked, "callback_jobs": len(self.callback_jobs),
                "failed_webhooks": len(failed)}

    async def check_callbacks(self, admin: httpx.AsyncClient) -> dict[str, Any]:
        """Every callback job that surely ended has had exactly one callback for an end state, none twice, none
        for two end states; a Gateway job at most one progress event per processing step.

        Surely ended: not in a state of its service that is still going, by the admin API once the load stopped
        and the bounded timelines of Valossa and Clipzy had time to end (the listing asks for those states only:
        views of ended jobs carry their results, which can be slow to make by the thousand); a Valossa job its
        client deleted (only once ended) is gone, which counts as ended. A job still going (a Gateway job
        waiting for a worker) is counted, not checked. Then a bounded wait for the deliveries themselves."""
        await asyncio.sleep(self.ended_after)
        going: dict[str, str] = {}
        for service in {job.service for job in self.callback_jobs.values()}:
            for state in GOING_STATES[service]:
                r = await admin.get("/_emulator/jobs", params={"service": service, "status": state, "limit": 10**7},
                                    timeout=300)
                going.update((j["id"], f"{service} {state}") for j in r.json()["jobs"])
        ended = {j: job for j, job in self.callback_jobs.items() if j not in going}

        def ends(job: CallbackJob) -> set[str]:
            return {f"{KIND_EVENTS.get(job.kind, '')}{st}" for st in END_STATES[job.service]}

        deadline = time.monotonic() + 10.0
        while True:
            received: dict[str, Counter[str]] = {}
            for job_id, event, n in json.loads(await self._keys()):
                received.setdefault(job_id, Counter())[event] += n
            missing = {j for j, job in ended.items() if not ends(job) & set(received.get(j, {}))}
            if not missing or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        wrong, repeated = Counter[str](), 0
        for j, job in ended.items():
            events = received.get(j, Counter())
            got = [e for e in events if not e.endswith(".progress")]
            if len(got) > 1:
                wrong[f"{job.service} {' and '.join(sorted(got))}"] += 1
            wrong.update(f"{job.service} {e} (no end state)" for e in got if e not in ends(job))
            repeated += sum(max(0, n - GATEWAY_PROGRESS_STEPS) for e, n in events.items() if e.endswith(".progress"))
        return {"missing_callbacks": len(missing), "checked_callbacks": len(ended),
                "still_going": dict(Counter(going[j] for j in self.callback_jobs if j in going)),
                "wrong_callbacks": dict(wrong), "progress_over": repeated, "missing_sample": sorted(missing)[:5]}

    async def _keys(self) -> str:
        return await asyncio.to_thread(self._keys_sync)

    def _keys_sync(self) -> str:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.receiver.port, timeout=30)
        try:
            conn.request("GET", "/keys")
            return conn.getresponse().read().decode()
        finally:
            conn.close()


def rss_verdict(samples: list[tuple[float, float]], warmup: float) -> tuple[bool | None, str]:
    """Flat: every sample after the warm-up within +-10 % of the first one after it."""
    after = [mb for t, mb in samples if t >= warmup]
    if len(after) < 2:
        return None, f"too short to judge RSS after a {warmup:.0f} s warm-up"
    base = after[0]
    low, high = min(after), max(after)
    flat = low >= 0.9 * base and high <= 1.1 * base
    growth = (after[-1] - base) / base
    return flat, f"RSS {base:.0f} -> {after[-1]:.0f} MB ({growth:+.0%}) after {warmup:.0f} s warm-up, " \
                 f"range {low:.0f}-{high:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=60.0, help="how long the load runs (default 60)")
    p.add_argument("--clients", type=int, default=200, help="concurrent clients (default 200)")
    p.add_argument("--think", type=float, default=0.5, help="mean real seconds a client waits between calls "
                   "(default 0.5, so ~400 req/s offered by 200 clients)")
    p.add_argument("--time-scale", type=float, default=600.0, help="the server's time scale (default 600)")
    p.add_argument("--every", type=float, default=10.0, help="seconds between progress lines (default 10)")
    p.add_argument("--max-requests", type=int, default=2_000_000, help="stop after this many requests")
    p.add_argument("--warmup", type=float, help="seconds before RSS is judged (default a quarter of the run, "
                   "at most 60)")
    p.add_argument("--without", action="append", default=[], metavar="CALL",
                   help="leave out a call, e.g. --without job_results (repeatable; matched against the names in CALLS)")
    p.add_argument("--output", type=Path, help="write the figures as JSON here too")
    args = p.parse_args(argv)
    CALLS[:] = [c for c in CALLS if c.name not in args.without and f"{c.service} {c.name}" not in args.without]
    warmup = args.warmup if args.warmup is not None else min(60.0, args.seconds / 4)
    print(f"soak: {args.clients} clients for {args.seconds:g} s against the default configuration "
          f"(SQLite, access log, journal 1000) at --time-scale {args.time_scale:g}; calls: "
          + ", ".join(f"{c.service} {c.name}" for c in CALLS), flush=True)
    try:
        with receiver() as rcv, emulator(DEFAULT, "--time-scale", f"{args.time_scale:g}", name="soak") as srv:
            soak = Soak(args, srv, rcv)
            run = asyncio.run(soak.run())
    except KeyboardInterrupt:
        print("interrupted; servers stopped")
        return 0
    except (RuntimeError, OSError) as exc:
        print(f"soak aborted: {exc}")
        print("VERDICT: FAIL (the soak could not run to its end)")
        return 0

    tot = soak.totals
    final = run["final"]
    flat, rss_text = rss_verdict(soak.rss, warmup)
    late = sorted(soak.late)
    print()
    print(f"{tot.requests:,} requests in {run['ran_s']:g} s ({tot.requests / run['ran_s']:,.0f}/s); "
          f"latency p50 {tot.latency.percentile(0.5):.1f} ms, p99 {tot.latency.percentile(0.99):.1f} ms, "
          f"max {tot.latency.max_us / 1000:.0f} ms")
    print("calls: " + ", ".join(f"{k} {v:,}" for k, v in tot.by_call.most_common()))
    print("statuses: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(tot.status.items())))
    if tot.server_errors:
        print("5xx: " + ", ".join(f"{k} {v}" for k, v in tot.server_errors.items()))
    if tot.connection_errors:
        print("connection errors: " + ", ".join(f"{k} {v}" for k, v in tot.connection_errors.items()))
    if tot.unexpected:
        print("unexpected answers: " + ", ".join(f"{k} x{v}" for k, v in tot.unexpected.items()))
    for text in tot.samples:
        print(f"  e.g. {text}")
    print(f"timers: {soak.late_sampled:,} pending timers sampled, {len(late):,} overdue; "
          + (f"late by p50 {statistics.median(late) * 1000:.0f} ms, max {late[-1] * 1000:.0f} ms (real time)"
             if late else "none late"))
    print(f"callbacks: {run['callback_jobs']:,} jobs asked for one, {run['checked_callbacks']:,} of them ended "
          f"(checked), {final['callbacks']:,} received, {final['callback_duplicates']} duplicates, "
          f"{run['missing_callbacks']} missing, {sum(run['wrong_callbacks'].values())} for another end state, "
          f"{run['progress_over']} progress events over one per step, {run['failed_webhooks']} failed in the outbox"
          + (f"; still going: {run['still_going']}" if run["still_going"] else ""))
    for text in run["missing_sample"]:
        print(f"  missing e.g. {text} ({soak.callback_jobs[text].service})")
    for text, n in run["wrong_callbacks"].items():
        print(f"  wrong: {text} x{n}")
    print(f"memory: {rss_text}; RSS samples: " + ", ".join(f"{mb:.0f}" for _, mb in soak.rss))
    print(f"journal: {final['journal']} entries; data dir {final['data_mb']} MB")

    problems = []
    if final["server_errors"]:
        problems.append(f"{final['server_errors']} 5xx")
    if final["connection_errors"]:
        problems.append(f"{final['connection_errors']} connection errors")
    if final["unexpected"]:
        problems.append(f"{final['unexpected']} unexpected answers")
    wrong = sum(run["wrong_callbacks"].values()) + run["progress_over"]
    if run["missing_callbacks"] or final["callback_duplicates"] or run["failed_webhooks"] or wrong:
        problems.append(f"callbacks: {run['missing_callbacks']} missing, {final['callback_duplicates']} duplicated, "
                        f"{wrong} for another state or over the progress steps, {run['failed_webhooks']} failed")
    if flat is False:
        problems.append("RSS not flat (+-10 %)")
    if late and late[-1] > 1.0:
        problems.append(f"a timer fired {late[-1]:.1f} s late")
    if args.output:
        args.output.write_text(json.dumps({"args": vars(args) | {"output": str(args.output)}, "run": run,
                                           "lines": soak.lines, "rss": soak.rss, "late_max_s": late[-1] if late
                                           else 0.0, "samples": tot.samples}, indent=2, default=str) + "\n")
    if problems:
        print(f"VERDICT: FAIL: {'; '.join(problems)} ({rss_text})")
    else:
        print(f"VERDICT: PASS: no 5xx, no connection errors, no lost jobs or callbacks, timers on time, {rss_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
