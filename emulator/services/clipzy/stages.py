"""Clipzy's six processing stages: how long each takes and which progress_percent range it reports.

Progress ranges are the docs' (concepts/job-lifecycle): queued 0; video_analysis 1-20; audio_analysis 21-35;
motion_analysis 36-55; style_extraction 56-65; style_application 66-85; rendering 86-99; completed 100.

Durations follow the docs' timing tables (troubleshooting/performance): end to end, not counting the queue,

    video       1 min    2 min     5 min    15 min     60 min
    CPU-only   35-65 s  73-124 s  3-5 min  9-15 min  35-60 min
    GPU        12-18 s  24-36 s   60-90 s  3-5 min   12-20 min

and, for a 2-minute video, per analysis step (CPU / GPU): ingestion 2-3 / 2-3 s, shot detection 5-8 / 5-8 s,
motion 10-15 / 2-4 s, audio 3-5 / 3-5 s, speech recognition 30-60 / 5-10 s, visual embeddings 20-30 / 5-10 s,
colour analysis 2-3 / 2-3 s. Those steps are not the API's stages; they are folded into them as

    video_analysis    = ingestion + shot detection + visual embeddings
    audio_analysis    = audio analysis + speech recognition
    motion_analysis   = motion analysis
    style_extraction  = colour analysis (the aggregation into StyleJSON)
    style_application, rendering: not in the breakdown; given what the end-to-end total leaves (a few seconds)

Each stage lasts fixed + per_media_second x duration, so it grows with the video; the totals land inside the
end-to-end ranges at every row of the table (tests/clipzy/test_clipzy_stages.py checks both tables).

Without a template, style_extraction still runs (the real worker uses the source video as its own template,
app/workers/tasks.py) but only aggregates the analyses already made, so it is short; with a template it reads the
template, so it grows with the template's duration (the source's when that is not known).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

STAGES = ("video_analysis", "audio_analysis", "motion_analysis", "style_extraction", "style_application",
          "rendering")
PROGRESS: dict[str, tuple[int, int]] = {
    "video_analysis": (1, 20),
    "audio_analysis": (21, 35),
    "motion_analysis": (36, 55),
    "style_extraction": (56, 65),
    "style_application": (66, 85),
    "rendering": (86, 99),
}
STATES = ("queued", "processing", "completed", "failed", "cancelled")
TERMINAL = ("completed", "failed", "cancelled")

QUEUE_SECONDS = 2.0  # a free worker picks a job up at once (MAX_CONCURRENT_JOBS 5); scenarios model busy queues
PROCESSING_TIMEOUT_SECONDS = 3600.0  # PROCESSING_TIMEOUT_SECONDS, counted from the start of processing
TIMEOUT_CODE = "JOB_TIMEOUT"


@dataclass(frozen=True)
class Rate:
    fixed: float  # seconds
    per_media_second: float  # seconds per second of video

    def seconds(self, duration_s: float) -> float:
        return self.fixed + self.per_media_second * max(duration_s, 0.0)


# Seconds for a 2-minute video, GPU / CPU-only: 12.5 / 32.2, 9.4 / 43.8, 2.6 / 11.1, 2.1 / 2.4 (template;
# 0.8 / 1.2 without), 2.8 / 4.2, 2.6 / 4.0: 32.0 s / 97.7 s in all.
GPU = {
    "video_analysis": Rate(0.5, 0.100),
    "audio_analysis": Rate(0.4, 0.075),
    "motion_analysis": Rate(0.2, 0.020),
    "style_extraction": Rate(0.6, 0.0125),
    "style_application": Rate(0.4, 0.020),
    "rendering": Rate(0.8, 0.015),
}
CPU = {
    "video_analysis": Rate(1.0, 0.260),
    "audio_analysis": Rate(0.6, 0.360),
    "motion_analysis": Rate(0.3, 0.090),
    "style_extraction": Rate(0.6, 0.015),
    "style_application": Rate(0.6, 0.030),
    "rendering": Rate(1.0, 0.025),
}
# style_extraction without a template: the source's own analyses aggregated, no video read.
NO_TEMPLATE_EXTRACTION = {"gpu": Rate(0.5, 0.0025), "cpu": Rate(0.6, 0.005)}


class StagePlan(NamedTuple):
    stage: str
    seconds: float
    progress_from: int
    progress_to: int


def plan(duration_s: float, *, has_template: bool, cpu_only: bool = False,
         template_duration_s: float | None = None) -> list[StagePlan]:
    """The six stages of a job on a video of duration_s seconds, in order, with their simulated durations."""
    media_s = max(duration_s, 0.0)
    template_s = media_s if template_duration_s is None else max(template_duration_s, 0.0)
    return [StagePlan(stage, round(fixed + per_s * (template_s if of_template else media_s), 3), start, end)
            for stage, fixed, per_s, of_template, start, end in _rates(cpu_only, has_template)]


@cache
def _rates(cpu_only: bool, has_template: bool) -> tuple[tuple[str, float, float, bool, int, int], ...]:
    """Per stage: its Rate's two terms, whether it reads the template, its progress range (a create's hot path)."""
    rates = CPU if cpu_only else GPU
    out = []
    for stage in STAGES:
        rate = rates[stage]
        if stage == "style_extraction" and not has_template:
            rate = NO_TEMPLATE_EXTRACTION["cpu" if cpu_only else "gpu"]
        out.append((stage, rate.fixed, rate.per_media_second, stage == "style_extraction" and has_template,
                    *PROGRESS[stage]))
    return tuple(out)


def total_seconds(stages: list[StagePlan]) -> float:
    return round(sum(s.seconds for s in stages), 3)


# --- steps for the engine (the shape of engine.model.Step.to_dict(): state, seconds, fields, progress)

def fields(stage: str | None = None, code: str | None = None, message: str | None = None) -> dict[str, Any]:
    """A step's side fields: current_stage while processing (null otherwise), error_code/error_message when failed.
    The failing stage (JobDetailResponse.error.stage) is the current_stage of the step before the failure."""
    return {"current_stage": stage, "error_code": code, "error_message": message}


# For the lifecycle's LifecycleSpec: the side fields scenario files may set (None: any value), and a state's
# side fields when a scenario entry does not say them.
FIELDS: dict[str, tuple[Any, ...] | None] = {"current_stage": (None, *STAGES), "error_code": None,
                                              "error_message": None}
FAILURE_CODE, FAILURE_MESSAGE = "PROCESSING_FAILED", "Processing failed"
SHARED_FIELDS = {stage: fields(stage) for stage in (None, *STAGES)}
QUEUED, DONE = (0, 0), (100, 100)


def state_defaults(state: str) -> dict[str, Any]:
    if state == "failed":
        return fields(None, FAILURE_CODE, FAILURE_MESSAGE)
    return fields()


def timeline(duration_s: float, *, has_template: bool, cpu_only: bool = False,
             template_duration_s: float | None = None, queue_s: float = QUEUE_SECONDS,
             timeout_s: float | None = PROCESSING_TIMEOUT_SECONDS) -> list[dict[str, Any]]:
    """A new job's whole life: queued, the six stages, completed; or, when processing would outlast timeout_s,
    failed with JOB_TIMEOUT at the timeout, progress frozen where it was."""
    # The fields dicts and progress tuples are shared by every job's steps (none is ever changed).
    steps: list[dict[str, Any]] = [{"state": "queued", "seconds": round(queue_s, 3), "fields": SHARED_FIELDS[None],
                                    "progress": QUEUED}]
    stages = plan(duration_s, has_template=has_template, cpu_only=cpu_only, template_duration_s=template_duration_s)
    steps += [{"state": "processing", "seconds": s.seconds, "fields": SHARED_FIELDS[s.stage],
               "progress": PROGRESS[s.stage]} for s in stages]
    steps.append({"state": "completed", "seconds": None, "fields": SHARED_FIELDS[None], "progress": DONE})
    return with_timeout(steps, timeout_s) if timeout_s is not None else steps


def with_timeout(steps: list[dict[str, Any]], timeout_s: float) -> list[dict[str, Any]]:
    """The steps cut where processing reaches timeout_s (from its first processing step), ending in a JOB_TIMEOUT
    failure; unchanged when processing ends in time."""
    spent = 0.0
    for i, step in enumerate(steps):
        if step["state"] != "processing":
            continue
        seconds = step["seconds"] or 0.0
        if spent + seconds <= timeout_s:
            spent += seconds
            continue
        left = max(timeout_s - spent, 0.0)
        start, end = step["progress"]
        reached = round(start + (end - start) * (left / seconds if seconds else 1.0), 3)
        cut = dict(step, seconds=round(left, 3), progress=(start, reached))
        message = f"Job exceeded the processing timeout of {timeout_s:g} seconds"
        return [*steps[:i], cut, failed(TIMEOUT_CODE, message, reached)]
    return steps


def failed(code: str, message: str, progress: float) -> dict[str, Any]:
    """The end of a failed job: progress_percent stays where it was (it never goes backwards, never 100)."""
    return {"state": "failed", "seconds": None, "fields": fields(None, code, message), "progress": (progress, progress)}


def cancelled(progress: float) -> dict[str, Any]:
    return {"state": "cancelled", "seconds": None, "fields": fields(), "progress": (progress, progress)}


def progress_percent(progress: float | None) -> int:
    """The integer the API reports for an interpolated progress: floored, so it never runs ahead of the work and
    reaches a stage's upper bound only as the stage ends."""
    return 0 if progress is None else max(0, min(100, int(progress)))
