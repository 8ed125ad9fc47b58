"""The draft Clipzy scenarios (emulator/services/clipzy/scenarios.draft.yaml), checked with the engine's own
scenario parser against a provisional clipzy LifecycleSpec built from stages.py, and against the stage plan."""

from __future__ import annotations

from pathlib import Path

import pytest

import emulator.services.clipzy as clipzy
from emulator.engine.lifecycle_spec import LifecycleSpec
from emulator.engine.model import Step
from emulator.engine.scenario_files import Loaded, parse_text
from emulator.engine.timelines import resolve_timeline
from emulator.services.clipzy import stages
from emulator.services.clipzy.stages import PROGRESS, STAGES, STATES, TERMINAL

DRAFT = Path(clipzy.__file__).with_name("scenarios.draft.yaml")
SPEC = LifecycleSpec(service="clipzy", states=STATES, terminal=TERMINAL, initial="queued", fields=stages.FIELDS,
                     defaults=stages.state_defaults)
REQUIRED = {"clipzy-default", "clipzy-render-failure", "clipzy-job-timeout", "clipzy-cpu-only",
            "clipzy-webhook-down", "clipzy-slow-queue"}


def _loaded() -> dict[str, Loaded]:
    return {s.name: s for s in parse_text(DRAFT.read_text(), str(DRAFT), {SPEC.key: SPEC})}


def _steps(name: str, media_seconds: float) -> list[Step]:
    loaded = _loaded()[name]
    return resolve_timeline(loaded.scenario, SPEC, media_seconds)


def test_parses_with_the_engine_and_has_the_named_scenarios() -> None:
    loaded = _loaded()
    assert REQUIRED <= set(loaded)
    assert all(s.scenario.service == "clipzy" and name.startswith("clipzy-") for name, s in loaded.items())
    defaults = [name for name, s in loaded.items() if s.scenario.match.default]
    assert defaults == ["clipzy-default"] and loaded["clipzy-default"].scenario.timeline is None
    for name, s in loaded.items():
        assert s.scenario.description, name
        if name != "clipzy-default":
            assert set(s.scenario.match.fields) == {"video.filename"}
            assert s.scenario.match.fields["video.filename"].contains == name.removeprefix("clipzy-")


def test_not_under_scenarios_yet() -> None:
    root = Path(clipzy.__file__).parents[3]
    assert not (root / "scenarios" / "clipzy.yaml").exists()


@pytest.mark.parametrize("media", [5.0, 120.0, 3600.0])
@pytest.mark.parametrize("name", ["clipzy-render-failure", "clipzy-job-timeout", "clipzy-cpu-only",
                                  "clipzy-slow-queue", "clipzy-instant"])
def test_timelines_keep_the_lifecycle_invariants(name: str, media: float) -> None:
    steps = _steps(name, media)
    assert steps[0].state == "queued" and steps[0].progress == (0, 0)
    assert steps[-1].state in TERMINAL and steps[-1].seconds is None
    assert all(s.seconds is not None and s.seconds >= 0 for s in steps[:-1])
    bounds = [b for s in steps for b in (s.progress or ())]
    assert bounds == sorted(bounds)  # progress never goes backwards
    for step in steps:
        assert set(step.fields) == set(stages.FIELDS)
        if step.state == "processing":
            low, high = PROGRESS[step.fields["current_stage"]]
            assert step.progress and low <= step.progress[0] <= step.progress[1] <= high
        else:
            assert step.fields["current_stage"] is None
        assert (step.progress == (100, 100)) == (step.state == "completed")
    stages_seen = [s.fields["current_stage"] for s in steps if s.state == "processing"]
    assert stages_seen == list(STAGES[: len(stages_seen)])  # in order, none skipped
    if steps[-1].state == "failed":
        assert steps[-1].fields["error_code"] and steps[-1].fields["error_message"]
        assert steps[-1].progress == (steps[-2].progress[1],) * 2  # frozen where it was
    else:
        assert stages_seen == list(STAGES)


def test_render_failure() -> None:
    steps = _steps("clipzy-render-failure", 120)
    assert steps[-2].fields["current_stage"] == "rendering"  # error.stage
    assert steps[-1].fields["error_code"] == "RENDER_FAILED" and steps[-1].progress == (92, 92)
    gpu = {s.stage: s.seconds for s in stages.plan(120, has_template=False)}
    assert steps[-2].seconds == pytest.approx(0.4 * gpu["rendering"], abs=0.01)  # 40 % of the way through


def test_job_timeout_is_the_stage_plans() -> None:
    loaded = _loaded()["clipzy-job-timeout"]
    assert loaded.scenario.media and loaded.scenario.media.duration == 80 * 60
    steps = _steps("clipzy-job-timeout", 80 * 60)
    expected = stages.timeline(80 * 60, has_template=False, cpu_only=True)
    assert [(s.state, s.fields) for s in steps] == [(e["state"], e["fields"]) for e in expected]
    for step, exp in zip(steps, expected, strict=True):
        assert step.seconds == pytest.approx(exp["seconds"], abs=0.05)
        assert step.progress == pytest.approx(exp["progress"], abs=0.01)
    assert sum(s.seconds for s in steps if s.state == "processing") == pytest.approx(3600, abs=0.1)
    assert steps[-1].fields["error_code"] == "JOB_TIMEOUT"


@pytest.mark.parametrize("media", [30.0, 120.0, 900.0, 3600.0])
@pytest.mark.parametrize(("name", "cpu_only", "queue"), [("clipzy-cpu-only", True, 2.0),
                                                         ("clipzy-slow-queue", False, 600.0)])
def test_stage_durations_are_the_stage_plans(name: str, cpu_only: bool, queue: float, media: float) -> None:
    steps = _steps(name, media)
    expected = stages.timeline(media, has_template=False, cpu_only=cpu_only, queue_s=queue, timeout_s=None)
    assert [(s.state, s.fields, s.progress) for s in steps] == [
        (e["state"], e["fields"], e["progress"]) for e in expected]
    assert [s.seconds for s in steps] == pytest.approx([e["seconds"] for e in expected], abs=0.002)


def test_webhook_down_loses_every_attempt() -> None:
    policy = _loaded()["clipzy-webhook-down"].scenario.webhooks
    assert policy and policy.fail_attempts == policy.retries + 1 and not policy.drop
    assert _loaded()["clipzy-webhook-down"].scenario.timeline is None  # the job itself is the default one


def test_flaky_polling_fault() -> None:
    (rule,) = _loaded()["clipzy-flaky-polling"].scenario.faults
    assert (rule.path, rule.method, rule.every, rule.status) == ("*/jobs/job_*", "GET", 3, 503)
