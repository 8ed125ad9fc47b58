"""The gateway's three job kinds (transcription, translation, video-analysis): one lifecycle each, keyed by
(service, kind), sharing the states of the seed's JobStatus:

    pending (waiting for a worker: queue.py) -> processing (progress 0..100 in steps) -> completed | failed

The job's resource (the JSON:API envelope of GET /v1/<collection>/{id}, of webhooks and of the admin API) is
made here; results are pure functions of the request (results/)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from ...engine import Engine, Job, Step
from ...engine.lifecycle_spec import LifecycleSpec
from ..lifecycle import ServiceLifecycle
from ..responses import encode, encode_kept
from .facts import GatewayFacts

if TYPE_CHECKING:
    from .links import Links
    from .queue import Queue
    from .results.transcription import Transcript

SERVICE = "gateway"
STATES = ("pending", "processing", "completed", "failed")
TERMINAL = ("completed", "failed")
REGION = "eu-west-1"  # meta.system.region, the seed's
PICKUP = 5.0  # seconds a new job is pending at least (the seed's example: created 10:00:00, processed 10:00:05)
PROGRESS_STEPS = 4  # processing is this many steps: progress 0-25, 25-50, 50-75, 75-100, a webhook at each
DEFAULT_ERROR = ("PROVIDER_ERROR", "The provider {provider} could not process the job.")
FIELDS: dict[str, tuple[Any, ...] | None] = {"error_code": None, "error_message": None}


@dataclass(frozen=True)
class Kind:
    name: str  # the job kind (engine) and the webhook events' prefix: transcription.completed
    collection: str  # /v1/<collection>, the providers' resource name, the scopes' resource
    type: str  # the JSON:API resource type

    @property
    def path(self) -> str:
        return f"/v1/{self.collection}"


KINDS = {k.name: k for k in (Kind("transcription", "transcriptions", "transcription-job"),
                             Kind("translation", "translations", "translation-job"),
                             Kind("video-analysis", "video-analyses", "video-analysis-job"))}
BY_COLLECTION = {k.collection: k for k in KINDS.values()}


def state_defaults(state: str) -> dict[str, Any]:
    """Side fields of a state when a scenario does not say them: a failed job's error code and message."""
    if state == "failed":
        return {"error_code": DEFAULT_ERROR[0], "error_message": DEFAULT_ERROR[1]}
    return {"error_code": None, "error_message": None}


def spec(kind: str) -> LifecycleSpec:
    return LifecycleSpec(service=SERVICE, kind=kind, states=STATES, terminal=TERMINAL, initial="pending",
                         fields=dict(FIELDS), defaults=state_defaults)


# Scenarios of kind "token" apply to POST /oauth/token (faults; results.token_lifetime), never to a job. They
# share the jobs' states and fields, so a scenario naming no kind still suits every kind of the service.
TOKEN_KIND = "token"
SPECS = [spec(kind) for kind in KINDS] + [spec(TOKEN_KIND)]


def iso(seconds: float) -> str:
    return _iso(int(seconds))


@lru_cache(maxsize=8192)
def _iso(seconds: int) -> str:
    # a poll formats its job's instants again each time (a datetime and strftime each): remembered by second
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def held(job: Job) -> bool:
    """Waiting for a worker: a pending step with no end of its own."""
    return job.state == "pending" and job.current.seconds is None and job.step + 1 < len(job.timeline)


def attributes(job: Job) -> dict[str, Any]:
    """The create request's data.attributes (as validated: options with their defaults)."""
    data: dict[str, Any] = job.request["data"]["attributes"]
    return data


def processing_seconds(kind: str, job: Job, seed: int | None) -> float:
    """How long a job is processed (simulated seconds): grows with the media or the text."""
    attrs = attributes(job)
    duration = float(job.media.get("duration_s") or 0)
    if kind == "transcription":
        extract = 3.0 if attrs["input"]["type"] == "video" else 0.0  # video: the audio is extracted first
        return 5.0 + extract + 0.25 * duration
    if kind == "translation":
        from .results.translation import translation

        characters = translation(seed, attrs, "")["character_count"]
        per_second = 500.0 if attrs["input"]["type"] == "document" else 2000.0
        return (10.0 if attrs["input"]["type"] == "document" else 2.0) + characters / per_second
    features = len(attrs["input"]["features"])
    return 10.0 + 0.4 * duration + 2.0 * features


# What every default timeline shares (steps and their fields are never changed once made: engine/model.py), so
# a job in flight holds only its processing steps: memory left pinned by jobs that have ended is smaller.
_FIELDS = state_defaults("pending")
_PICKUP = Step("pending", PICKUP, _FIELDS, (0.0, 0.0))
HELD = Step("pending", None, _FIELDS, (0.0, 0.0))  # queue.plan's after _PICKUP
_PROGRESS = [(100.0 * i / PROGRESS_STEPS, 100.0 * (i + 1) / PROGRESS_STEPS) for i in range(PROGRESS_STEPS)]
_DONE = Step("completed", None, _FIELDS, (100.0, 100.0))


def default_timeline(seconds: float) -> list[Step]:
    """Picked up PICKUP seconds after creation at the earliest (then when a worker is free: queue.py adds the
    held step), processed in PROGRESS_STEPS steps, completed."""
    share = round(seconds / PROGRESS_STEPS, 3)
    return [_PICKUP, *(Step("processing", share, _FIELDS, progress) for progress in _PROGRESS), _DONE]


def media_for(kind: str, attrs: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """The job's media facts (a scenario's media block wins): derived from (seed, URL); none for text."""
    url = (attrs.get("input") or {}).get("url")
    if kind == "translation" or not url:
        return {}
    # The results generators (media: speech, faces, shots; ~50 ms of imports) load with the first job, not at
    # startup (docs/architecture.md, "Startup").
    from .results.video import derived_facts

    return derived_facts(url, seed)


class GatewayLifecycle(ServiceLifecycle):
    service = SERVICE

    def __init__(self, kind: Kind, engine: Engine, queue: Queue, links: Links) -> None:
        self.kind = kind.name
        self.info = kind
        self.spec = spec(kind.name)
        self.engine, self.queue, self.links = engine, queue, links

    # --- the engine's side
    def timeline(self, job: Job) -> list[Step]:
        return default_timeline(processing_seconds(self.kind, job, self.engine.seed))

    def planned(self, job: Job) -> None:
        self.queue.plan(job)  # before the job is first written: it is written whole once

    def success_step(self, job: Job) -> Step:
        return Step("completed", None, state_defaults("completed"), (100.0, 100.0))

    def failure_step(self, job: Job, details: str | None) -> Step:
        fields = state_defaults("failed")
        if details:
            fields["error_message"] = details
        return Step("failed", None, fields)

    async def on_enter(self, job: Job, previous: str | None) -> None:
        facts = GatewayFacts(job)
        progress = job.progress(job.step_started)
        if job.state == "completed":
            facts.progress = None  # progress() says 100: an ended job stores no more than it needs
        elif progress is not None:
            facts.progress = int(progress)
        await self.queue.entered(job)
        # The facts just set go with the move's row (a store writes a move as the job is by then). At creation
        # the job's row is written already: a job that starts processing has taken a worker since.
        if previous is None and job.state == "processing":
            await self.engine.store.move_job(job, wait=False)  # a fact: written with the job's position
        await self._webhook(job, previous)
        await self.queue.after(job)

    async def _webhook(self, job: Job, previous: str | None) -> None:
        hook = attributes(job).get("webhook")
        if not hook:
            return
        if job.state == "processing":
            event = "progress"
        elif job.state in TERMINAL and previous not in TERMINAL:
            event = job.state
        else:
            return
        name = f"{self.kind}.{event}"
        body = {"event": name, **self.resource(job, self.links.public_base())}
        await self.engine.webhooks.enqueue(SERVICE, hook["url"], body, job=job, event=name,
                                           headers=dict(hook.get("headers") or {}))

    def view(self, job: Job) -> dict[str, Any]:
        return self.resource(job, self.links.public_base())

    # --- the service's side
    def progress(self, job: Job) -> int:
        if job.state == "completed":
            return 100
        value = job.progress(self.engine.clock.now())
        if value is None:
            return GatewayFacts(job).progress or 0
        return int(value)

    def encoded(self, job: Job, base: str) -> bytes:
        """resource() as JSON bytes, kept in the job's memo (emptied at each move) with what else it depends
        on: a poll of an unchanged job encodes nothing again."""
        if job.state == "completed":  # its result is large: kept once, as a dict (result())
            return encode(self.resource(job, base))
        key = (base, self.progress(job), job.facts.get(GatewayFacts.worker.name))
        memo = job.memo.get("resource")
        if memo is not None and memo[0] == key:
            return cast(bytes, memo[1])
        body = encode_kept(self.resource(job, base))
        job.memo["resource"] = (key, body)
        return body

    def linked(self, job: Job) -> bool:
        """Whether the job's resource carries a download link (which expires an hour after it is made)."""
        if job.state != "completed":
            return False
        options = attributes(job).get("options") or {}
        if self.kind == "transcription":
            return options.get("format") in ("srt", "vtt")
        return self.kind == "translation" and attributes(job)["input"]["type"] == "document"

    def resource(self, job: Job, base: str) -> dict[str, Any]:
        """{"data": {id, type, attributes, meta}}: the job as GET /v1/<collection>/{id} answers it."""
        facts = GatewayFacts(job)
        attrs = attributes(job)
        out: dict[str, Any] = {"provider": facts.provider, "status": job.state, "progress": self.progress(job)}
        if job.state == "failed":
            fields = job.fields()
            message = str(fields.get("error_message") or DEFAULT_ERROR[1])
            out["error"] = {"code": fields.get("error_code") or DEFAULT_ERROR[0],
                            "message": message.replace("{provider}", facts.provider or "")}
        out["created_at"] = iso(job.created)
        processed = next((at for state, at in job.history if state == "processing"), None)
        if processed is not None:
            out["processed_at"] = iso(processed)
        if job.state in TERMINAL and job.history:
            out["completed_at"] = iso(job.history[-1][1])
        out["input"] = attrs["input"]
        out["options"] = attrs.get("options", {})
        if attrs.get("webhook"):
            out["webhook"] = attrs["webhook"]
        if job.state == "completed":
            out["result"] = self.result(job, base)
        system: dict[str, Any] = {"region": REGION}
        if facts.worker is not None:
            system["worker_id"] = worker_id(facts.worker)
        meta = {"client": job.request["data"].get("meta", {}).get("client", {}), "system": system}
        return {"data": {"id": job.id, "type": self.info.type, "attributes": out, "meta": meta}}

    def result(self, job: Job, base: str) -> dict[str, Any]:
        """attributes.result (the JSON of GET .../result), with a download link where the seed shows one."""
        cached = job.memo.get("result")
        if cached is None:
            cached = job.memo["result"] = self._result(job)
        result = dict(cached)
        if self.linked(job):
            link = self.links.download_url(job, base)
            if self.kind == "translation":  # the seed's order: languages, link, character_count
                count = result.pop("character_count")
                result.update(download_url=link, character_count=count)
            else:
                result = {**{k: result[k] for k in ("format", "duration", "language")}, "download_url": link,
                          **{k: v for k, v in result.items() if k not in ("format", "duration", "language")}}
        return result

    def _result(self, job: Job) -> dict[str, Any]:
        provider = GatewayFacts(job).provider or ""
        attrs, seed = attributes(job), self.engine.seed
        if self.kind == "transcription":
            return self.transcript(job).result()
        if self.kind == "translation":
            from .results.translation import translation

            return translation(seed, attrs, provider)
        from .results.analysis import video_analysis

        return video_analysis(seed, attrs, provider, job.media or None)

    def transcript(self, job: Job) -> Transcript:
        cached = job.memo.get("transcript")
        if cached is None:
            from .results.transcription import transcription

            cached = job.memo["transcript"] = transcription(
                self.engine.seed, attributes(job), GatewayFacts(job).provider or "", job.media or None)
        return cast("Transcript", cached)


def worker_id(slot: int) -> str:
    return f"wk_{slot:03d}"
