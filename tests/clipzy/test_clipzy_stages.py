"""Clipzy's stages (emulator/services/clipzy/stages.py) against the docs' progress ranges and timing tables."""

from __future__ import annotations

import pytest

from emulator.engine.model import Job, Step
from emulator.services.clipzy import stages
from emulator.services.clipzy.stages import PROGRESS, STAGES, plan, timeline, total_seconds, with_timeout

# troubleshooting/performance: end-to-end seconds by video length (not counting the queue)
END_TO_END = {  # video seconds: ((CPU low, high), (GPU low, high))
    60: ((35, 65), (12, 18)),
    120: ((73, 124), (24, 36)),
    300: ((180, 300), (60, 90)),
    900: ((540, 900), (180, 300)),
    3600: ((2100, 3600), (720, 1200)),
}
# The same page's 2-minute breakdown, folded into the API's stages (see the module docstring): (CPU, GPU) ranges.
TWO_MINUTES = {
    "video_analysis": ((2 + 5 + 20, 3 + 8 + 30), (2 + 5 + 5, 3 + 8 + 10)),
    "audio_analysis": ((3 + 30, 5 + 60), (3 + 5, 5 + 10)),
    "motion_analysis": ((10, 15), (2, 4)),
    "style_extraction": ((2, 3), (2, 3)),
}


@pytest.mark.parametrize("cpu_only", [False, True])
@pytest.mark.parametrize("has_template", [True, False])
@pytest.mark.parametrize("duration", sorted(END_TO_END))
def test_totals_follow_the_timing_table(duration: int, cpu_only: bool, has_template: bool) -> None:
    low, high = END_TO_END[duration][0 if cpu_only else 1]
    assert low <= total_seconds(plan(duration, has_template=has_template, cpu_only=cpu_only)) <= high


@pytest.mark.parametrize("cpu_only", [False, True])
def test_two_minute_breakdown(cpu_only: bool) -> None:
    seconds = {s.stage: s.seconds for s in plan(120, has_template=True, cpu_only=cpu_only)}
    for stage, ranges in TWO_MINUTES.items():
        low, high = ranges[0 if cpu_only else 1]
        assert low <= seconds[stage] <= high, stage
    # what the breakdown leaves for applying the style and encoding: a few seconds each
    assert 1 <= seconds["style_application"] <= 6 and 1 <= seconds["rendering"] <= 6


def test_order_and_progress_ranges() -> None:
    stages_ = plan(95.5, has_template=False)
    assert [s.stage for s in stages_] == list(STAGES)
    assert [(s.progress_from, s.progress_to) for s in stages_] == [PROGRESS[s] for s in STAGES]
    bounds = [b for s in stages_ for b in (s.progress_from, s.progress_to)]
    assert bounds == sorted(bounds) and bounds[0] == 1 and bounds[-1] == 99  # never backwards, 100 is completion's


@pytest.mark.parametrize("cpu_only", [False, True])
def test_every_stage_grows_with_the_video(cpu_only: bool) -> None:
    for has_template in (True, False):
        short = plan(30, has_template=has_template, cpu_only=cpu_only)
        long = plan(600, has_template=has_template, cpu_only=cpu_only)
        assert all(a.seconds < b.seconds for a, b in zip(short, long, strict=True))
    assert all(s.seconds > 0 for s in plan(0, has_template=False))


def test_cpu_only_is_slower_at_every_stage_that_computes() -> None:
    gpu, cpu = plan(300, has_template=True), plan(300, has_template=True, cpu_only=True)
    assert all(c.seconds >= g.seconds for g, c in zip(gpu, cpu, strict=True))
    assert total_seconds(cpu) > 2.5 * total_seconds(gpu)


def test_style_extraction_without_a_template_is_brief() -> None:
    with_t = {s.stage: s.seconds for s in plan(300, has_template=True)}
    without = {s.stage: s.seconds for s in plan(300, has_template=False)}
    assert 0 < without["style_extraction"] < with_t["style_extraction"] / 2
    assert {k: v for k, v in with_t.items() if k != "style_extraction"} == {
        k: v for k, v in without.items() if k != "style_extraction"}
    # with a template, extraction reads the template: its own duration counts
    short = {s.stage: s.seconds for s in plan(300, has_template=True, template_duration_s=30)}
    long = {s.stage: s.seconds for s in plan(300, has_template=True, template_duration_s=3000)}
    assert short["style_extraction"] < with_t["style_extraction"] < long["style_extraction"]


def _walk(steps: list[dict], every: float = 0.5) -> list[tuple[str, str | None, int]]:
    """(status, current_stage, progress_percent) sampled along a timeline, the way the engine interpolates."""
    job = Job("job_0123456789ab", "clipzy", "", {}, [Step.from_dict(s) for s in steps], created=0.0)
    seen = []
    start = 0.0
    for i, step in enumerate(job.timeline):
        job.step, job.step_started = i, start
        span = step.seconds or 0.0
        t = start
        while True:
            seen.append((step.state, step.fields["current_stage"], stages.progress_percent(job.progress(t))))
            if t >= start + span:
                break
            t = min(t + every, start + span)
        start += span
    return seen


@pytest.mark.parametrize("cpu_only", [False, True])
def test_timeline_invariants(cpu_only: bool) -> None:
    steps = timeline(95.5, has_template=True, cpu_only=cpu_only)
    assert [s["state"] for s in steps] == ["queued"] + ["processing"] * 6 + ["completed"]
    assert steps[-1]["seconds"] is None and steps[0]["seconds"] == stages.QUEUE_SECONDS
    seen = _walk(steps)
    percents = [p for _, _, p in seen]
    assert percents == sorted(percents)  # never backwards
    assert all((p == 100) == (status == "completed") for status, _, p in seen)
    for status, stage, p in seen:
        if status == "processing":
            low, high = PROGRESS[stage]
            assert low <= p <= high
        else:
            assert stage is None
    assert seen[0] == ("queued", None, 0)


def test_timeout_fails_the_job_where_it_was() -> None:
    steps = timeline(80 * 60, has_template=False, cpu_only=True)  # 80 minutes on CPU: about an hour and 3 minutes
    assert steps[-1]["state"] == "failed"
    fields = steps[-1]["fields"]
    assert fields == {"current_stage": None, "error_code": "JOB_TIMEOUT",
                      "error_message": "Job exceeded the processing timeout of 3600 seconds"}
    processing = [s for s in steps if s["state"] == "processing"]
    assert sum(s["seconds"] for s in processing) == pytest.approx(3600)
    last = processing[-1]
    low, high = PROGRESS[last["fields"]["current_stage"]]
    reached = steps[-1]["progress"][0]
    assert last["progress"] == (low, reached) and low <= reached < high
    percents = [p for _, _, p in _walk(steps, every=30)]
    assert percents == sorted(percents) and percents[-1] == int(reached) < 100

    untouched = timeline(80 * 60, has_template=False, cpu_only=False)
    assert untouched[-1]["state"] == "completed"
    assert with_timeout(untouched, 3600) == untouched
    assert timeline(80 * 60, has_template=False, cpu_only=True, timeout_s=None)[-1]["state"] == "completed"


def test_timeout_at_the_first_instant() -> None:
    steps = with_timeout(timeline(60, has_template=False, timeout_s=None), 0)
    assert [s["state"] for s in steps] == ["queued", "processing", "failed"]
    assert steps[1]["seconds"] == 0 and steps[2]["progress"] == (1, 1)


def test_steps_load_as_engine_steps() -> None:
    for step in timeline(30, has_template=False) + [stages.cancelled(42.5), stages.failed("X", "y", 7)]:
        assert Step.from_dict(step).to_dict() == {**step, "progress": tuple(step["progress"])}
    assert stages.progress_percent(None) == 0 and stages.progress_percent(99.99) == 99
