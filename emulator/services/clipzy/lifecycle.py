"""The Clipzy job lifecycle (docs: concepts/job-lifecycle; stages.py has the timings): queued -> processing
through the six stages -> completed | failed | cancelled, and the job's one body, JobDetailResponse, which the
routes (JobResponse is its first ten fields), the webhooks and the admin API all take from view()."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from ...engine import Engine, Job, Step
from ...engine.ids import prefixed
from ...engine.lifecycle_spec import LifecycleSpec
from ..lifecycle import ServiceLifecycle
from ..responses import encode_kept
from . import mp4, stages, stylejson
from .facts import ClipzyFacts
from .running import SERVICE, Running
from .stages import FAILURE_CODE, FAILURE_MESSAGE, STATES, TERMINAL

if TYPE_CHECKING:
    from .settings import Section

JOB_FIELDS = ("job_id", "video_id", "status", "progress_percent", "current_stage", "created_at", "updated_at",
              "started_at", "completed_at", "template_video_id")
# config.quality -> (crf, x264 preset), as the real renderer maps it; anything else renders as high.
QUALITY = {"low": (28, "veryfast"), "medium": (23, "medium"), "high": (18, "slow")}
WEBHOOK_MESSAGES = {"completed": "Job completed", "failed": "Job failed", "cancelled": "Job cancelled"}

SPEC = LifecycleSpec(service=SERVICE, states=STATES, terminal=TERMINAL, initial="queued", fields=stages.FIELDS,
                     defaults=stages.state_defaults)


class Entry(NamedTuple):
    """One entry of a job's history with what Clipzy noted on entering it."""

    state: str
    at: float
    stage: str | None
    progress: float | None


def job_response(view: dict[str, Any]) -> dict[str, Any]:
    """JobResponse: the seed's ten fields of the job's view."""
    return {key: view[key] for key in JOB_FIELDS}


@lru_cache(maxsize=32)
def output_mp4(duration_s: float, fps: float) -> bytes:
    """The rendered output GET /jobs/{job_id}/download serves (render_metadata describes it)."""
    return mp4.mp4_bytes(duration_s, fps)


class ClipzyLifecycle(ServiceLifecycle):
    service = SERVICE
    spec = SPEC

    def __init__(self, engine: Engine, section: Section) -> None:
        self.engine = engine
        self.id_format = prefixed("job_")  # job_ + 12 hex (an instance attribute: a function, not a method)
        self.cpu_only = section.cpu_only
        self.timeout = section.processing_timeout_seconds
        self.flat = section.webhook_payload == "flat"
        self.running = Running(engine)

    # --- the engine's side

    def timeline(self, job: Job) -> list[Step]:
        template = job.request.get("template")
        template_s = float(template["metadata"]["duration_seconds"]) if template else None
        planned = stages.timeline(float(job.media.get("duration_s") or 0.0), has_template=template is not None,
                                  cpu_only=self.cpu_only, template_duration_s=template_s, timeout_s=self.timeout)
        steps = [Step(step["state"], step["seconds"], step["fields"], step["progress"]) for step in planned]
        # written with the new job; a timeline not cut by the timeout has the stages' own plan
        uncut = planned[-1]["state"] == "completed"
        ClipzyFacts(job).plan = _standard_plan() if uncut else _shared([_mark(step) for step in steps])
        return steps

    def success_step(self, job: Job) -> Step:
        return Step("completed", None, stages.SHARED_FIELDS[None], stages.DONE)

    def failure_step(self, job: Job, details: str | None) -> Step:
        return Step.from_dict(stages.failed(FAILURE_CODE, details or FAILURE_MESSAGE, self.progress_now(job)))

    def cancel_step(self, job: Job) -> Step:
        return Step.from_dict(stages.cancelled(self.progress_now(job)))

    async def on_enter(self, job: Job, previous: str | None) -> None:
        self.running.entered(job)
        facts = ClipzyFacts(job)
        if facts.plan is None:  # a scenario's timeline (the built-in one noted its plan as it was made)
            facts.plan = [_mark(step) for step in job.timeline] if job.step == len(job.history) - 1 else []
            job.memo.clear()  # a view made before the plan was known
            await self.engine.store.move_job(job, wait=False)  # a fact: written with the job's position
        url = job.request.get("webhook_url")
        if url and job.state in TERMINAL and previous not in TERMINAL:
            await self.engine.webhooks.enqueue(SERVICE, url, self.webhook_body(job), job=job, event=job.state)

    # --- the job's body

    def view(self, job: Job, *, keep: bool = True) -> dict[str, Any]:
        """JobDetailResponse, the one body of a job: routes, webhooks and the admin API read it. Kept in the
        job's memo (emptied whenever the job moves): an ended job's body never changes, a running one's only
        with its progress_percent. keep=False: a running job's is not kept (a new job's, which nobody may poll:
        10,000 jobs created at once would each hold one)."""
        memo = job.memo
        body: dict[str, Any] | None = memo.get("view")
        if body is not None:
            return body
        if job.state in TERMINAL:
            body = memo["view"] = self._view(job, self.trail(job))
            return body
        body = memo.get("live")
        if body is not None and body["progress_percent"] == self._live_percent(job):
            return body
        body = self._view(job, self.trail(job))
        if keep:
            memo["live"] = body
        return body

    def encoded(self, job: Job, message: str, *, whole: bool) -> bytes:
        """The success envelope around the job's view (whole: JobDetailResponse, else JobResponse), encoded once
        per view."""
        view = self.view(job)
        key = "encoded " + message
        kept = job.memo.get(key)
        if kept is not None and kept[0] is view:
            return kept[1]
        raw = encode_kept({"success": True, "message": message, "data": view if whole else job_response(view)})
        job.memo[key] = (view, raw)
        return raw

    def _view(self, job: Job, trail: list[Entry]) -> dict[str, Any]:
        iso = _stamps(self.engine.clock.iso)
        state = job.state
        started = next((e.at for e in trail if e.state == "processing"), None)
        ended = trail[-1].at if state in TERMINAL else None
        completed = state == "completed"
        body: dict[str, Any] = {
            "job_id": job.id,
            "video_id": job.request["video_id"],
            "status": state,
            "progress_percent": self._percent(job, trail),
            "current_stage": job.fields().get("current_stage") if state == "processing" else None,
            "created_at": iso(job.created),
            "updated_at": iso(job.step_started),
            "started_at": None if started is None else iso(started),
            "completed_at": None if ended is None else iso(ended),
            "template_video_id": job.request.get("template_video_id"),
            "style_json": self._style(job, trail, ended, iso) if completed and ended is not None else None,
            "output_video_url": f"file:///storage/{job.id}/output.mp4" if completed else None,
            "error": self._error(job, trail, iso) if state == "failed" else None,
            "processing_time_seconds": (round(ended - started, 3)
                                        if ended is not None and started is not None else None),
            "logs": self._logs(job, trail, iso),
            "stage_history": self._history(trail, iso),
            "render_metadata": self._render(job, trail, ended) if completed and ended is not None else None,
        }
        return body

    def trail(self, job: Job) -> list[Entry]:
        """The job's history with the stage and starting progress of each step entered: the plan's, and the
        current step's for the newest entry (a jump's step is not in the plan)."""
        plan = ClipzyFacts(job).plan or []
        last = len(job.history) - 1
        out = []
        for i, (state, at) in enumerate(job.history):
            stage, progress = _mark(job.current) if i == last else plan[i] if i < len(plan) else (None, None)
            out.append(Entry(state, at, stage, progress))
        return out

    def _percent(self, job: Job, trail: list[Entry]) -> int:
        """Inside the current stage's range, floored, never backwards; 100 only when completed."""
        if job.state == "completed":
            return 100
        return min(stages.progress_percent(self._progress(job, trail)), 99)

    def _live_percent(self, job: Job) -> int:
        """_percent of a running job, the trail's part read once per step."""
        floor = job.memo.get("floor")
        if floor is None:
            floor = job.memo["floor"] = max((e.progress for e in self.trail(job) if e.progress is not None),
                                            default=0.0)
        now = job.progress(self.engine.clock.now())
        return min(stages.progress_percent(floor if now is None else max(floor, now)), 99)

    def _progress(self, job: Job, trail: list[Entry]) -> float:
        now = job.progress(self.engine.clock.now())
        known = [e.progress for e in trail if e.progress is not None]
        return max([*known, *([now] if now is not None else [])], default=0.0)

    def progress_now(self, job: Job) -> float:
        """Where a job that fails or is cancelled now keeps its progress (never 100)."""
        return min(self._progress(job, self.trail(job)), 99.0)

    def _error(self, job: Job, trail: list[Entry], iso: Callable[[float], str]) -> dict[str, Any]:
        fields = job.fields()
        return {
            "stage": trail[-2].stage if len(trail) > 1 else None,  # the stage it was in when it failed
            "message": fields.get("error_message") or FAILURE_MESSAGE,
            "code": fields.get("error_code") or FAILURE_CODE,
            "details": {},
            "timestamp": iso(trail[-1].at),
        }

    def _logs(self, job: Job, trail: list[Entry], iso: Callable[[float], str]) -> list[dict[str, Any]]:
        logs = []

        def log(entry: Entry, level: str, message: str, stage: str | None) -> None:
            logs.append({"timestamp": iso(entry.at), "level": level, "message": message, "stage": stage})

        previous: Entry | None = None
        for entry in trail:
            last_stage = previous.stage if previous else None
            if entry.state == "queued":
                log(entry, "info", f"Job created: {job.id}" if previous is None else "Job queued", None)
            elif entry.state == "processing":
                if previous is None or previous.state != "processing":
                    log(entry, "info", "Processing started", entry.stage)
                if entry.stage and entry.stage != last_stage:
                    log(entry, "info", f"Stage started: {entry.stage}", entry.stage)
            elif entry.state == "completed":
                log(entry, "info", "Job completed: final MP4 ready", last_stage)
            elif entry.state == "failed":
                log(entry, "error", job.fields().get("error_message") or FAILURE_MESSAGE, last_stage)
            elif entry.state == "cancelled":
                log(entry, "warning", "Job cancelled", last_stage)
            previous = entry
        return logs

    def _history(self, trail: list[Entry], iso: Callable[[float], str]) -> list[dict[str, Any]]:
        events, percent = [], 0
        for entry in trail:
            if entry.state == "completed":
                percent = 100
            elif entry.progress is not None:
                percent = max(percent, min(stages.progress_percent(entry.progress), 99))
            events.append({"timestamp": iso(entry.at), "status": entry.state, "progress_percent": percent,
                           "stage": entry.stage})
        return events

    # --- what a completed job produced

    def source(self, job: Job) -> dict[str, Any]:
        """The source video as the job saw it: its upload, with the scenario's media block (if any) winning."""
        video: dict[str, Any] = dict(job.request["video"])
        meta = dict(video["metadata"])
        media = job.media
        for key, fact in (("duration_seconds", "duration_s"), ("frame_rate", "fps"), ("width", "x_pixels"),
                          ("height", "y_pixels")):
            if media.get(fact) is not None:
                meta[key] = media[fact]
        video["metadata"] = meta
        return video

    def _style(self, job: Job, trail: list[Entry], ended: float, iso: Callable[[float], str]) -> dict[str, Any]:
        """The StyleJSON: the template's style with one, else the source's own; created when style_extraction
        ended."""
        extracted = ended
        for entry, after in zip(trail, trail[1:], strict=False):
            if entry.stage == "style_extraction":
                extracted = after.at
        memo = job.memo.get("style_json")
        if memo is None:
            memo = job.memo["style_json"] = stylejson.style_json(
                self.engine.seed, self.source(job), job.request.get("template"),
                created_at=iso(extracted))
        return memo

    def output(self, job: Job) -> tuple[float, float]:
        """(duration, fps) of the rendered MP4: the source video's."""
        meta = self.source(job)["metadata"]
        duration = max(float(meta.get("duration_seconds") or 0.0), 0.0)
        fps = float(meta.get("frame_rate") or 30.0)
        return round(duration, 3), min(fps, mp4.MAX_FPS) if fps > 0 else 30.0

    def _render(self, job: Job, trail: list[Entry], ended: float) -> dict[str, Any]:
        """The renderer's report on the file the download serves (the real code's render result)."""
        duration, fps = self.output(job)
        size = mp4.mp4_size(duration, fps)
        if duration * fps > mp4.MAX_FRAMES:  # mp4.py lowers the rate of very long outputs
            fps = mp4.MAX_FRAMES / duration
        rendering = next((e.at for e in reversed(trail) if e.stage == "rendering"), ended)
        config = job.request.get("config") or {}
        render = config.get("render")
        if isinstance(render, dict):
            config = {**config, **render}  # config.render wins, as in the real pipeline
        quality = config.get("quality")
        quality = quality.lower() if isinstance(quality, str) and quality else "high"
        crf, preset = QUALITY.get(quality, QUALITY["high"])
        given_crf = config.get("crf")
        if isinstance(given_crf, int) and not isinstance(given_crf, bool) and 0 <= given_crf <= 51:
            crf = given_crf
        if isinstance(config.get("preset"), str) and config["preset"]:
            preset = config["preset"]
        bitrate = config.get("bitrate")
        width, height = mp4.frame_size()
        return {
            "output_video_path": f"/storage/{job.id}/output.mp4",
            "file_size_bytes": size,
            "duration_seconds": duration,
            "codec": "h264",
            "bitrate": bitrate if isinstance(bitrate, str) else None,
            "frame_rate": round(fps, 3),
            "resolution": f"{width}x{height}",
            "rendering_time_seconds": round(max(ended - rendering, 0.0), 3),
            "quality_level": quality,
            "crf": crf,
            "preset": preset,
            "ffmpeg_used": True,
            "audio_included": False,
            "warning": None,
            "status": "success",
        }

    # --- webhooks

    def webhook_body(self, job: Job) -> dict[str, Any]:
        data = self.view(job)
        if not self.flat:
            return {"success": True, "message": WEBHOOK_MESSAGES.get(job.state, "Job updated"), "data": data}
        flat = {key: data[key] for key in ("job_id", "status", "progress_percent")}
        if data["status"] == "completed":
            flat["output_video_url"] = data["output_video_url"]
        flat["processing_time_seconds"] = data["processing_time_seconds"]
        if data["error"] is not None:
            flat["error"] = data["error"]
        return flat


_SHARED: dict[Any, Any] = {}


def _shared(value: Any) -> Any:
    """One object per distinct plan, shared by every job that has it (none is changed once made; the steps share
    stages.py's fields and progress): with their own, a job in flight held ~2.5 KB more."""
    key = repr(value)  # not the value: 0 == 0.0 == False, and the stored JSON tells them apart
    shared = _SHARED.get(key)
    if shared is None:
        if len(_SHARED) >= 4096:  # distinct ones are few (timeout cuts, scenarios); bound them anyway
            _SHARED.clear()
        shared = _SHARED[key] = value
    return shared


@cache
def _standard_plan() -> list[list[Any]]:
    """The plan of every timeline that runs the six stages to completed (only the durations differ)."""
    steps = stages.timeline(60.0, has_template=False, timeout_s=None)
    return _shared([_mark(Step(step["state"], step["seconds"], step["fields"], step["progress"])) for step in steps])


def _stamps(iso: Callable[[float], str]) -> Callable[[float], str]:
    """iso() remembering its answers: a view formats each moment of the job's history two or three times."""
    seen: dict[float, str] = {}

    def stamp(at: float) -> str:
        text = seen.get(at)
        if text is None:
            text = seen[at] = iso(at)
        return text
    return stamp


def _mark(step: Step | None) -> list[Any]:
    """[stage, progress] noted on entering a step (unknown: [None, None])."""
    if step is None:
        return [None, None]
    stage = step.fields.get("current_stage") if step.state == "processing" else None
    return [stage, step.progress[0] if step.progress else None]
