"""From a scenario's timeline to the engine's steps for one job: loops unrolled, states inherited, side fields
filled from the service's defaults, durations multiplied out for the job's media."""

from __future__ import annotations

from typing import Any

from .lifecycle_spec import LifecycleSpec
from .model import Step
from .scenario_model import Scenario, TimelineEntry

MAX_STEPS = 10_000


def resolve_timeline(scenario: Scenario, spec: LifecycleSpec, media_seconds: float) -> list[Step]:
    """The scenario's timeline for this media: loops unrolled, states inherited, side fields filled from the
    service's defaults, each entry's `after` turned into the previous step's duration."""
    # Worked out once per scenario and kind: new_job only multiplies the durations out. A step whose duration
    # does not depend on the media is made once and shared by every job (steps are never changed once made).
    private = scenario.__pydantic_private__  # scenario._plans, without pydantic's __getattr__ (~3 µs)
    assert private is not None
    plans = private["_plans"]
    cached = plans.get(spec.key)
    if cached is None:
        cached = plans[spec.key] = _shared_steps(_plan(scenario.timeline or [], spec))
    plan, shared = cached
    afters = [after.resolve(media_seconds) for after, _, _, _ in plan]
    steps = [
        shared[n] or Step(state, afters[n + 1] if n + 1 < len(plan) else None, fields, progress)
        for n, (_, state, fields, progress) in enumerate(plan)  # fields shared: read-only
    ]
    if steps and afters[0]:
        # A first entry with `after` starts the job in the initial state for that long.
        steps.insert(0, Step(spec.initial, afters[0], spec.defaults(spec.initial)))
    return steps


def _shared_steps(plan: list[tuple[Any, str, dict[str, Any], Any]]) -> tuple[list[Any], list[Step | None]]:
    """The plan, and for each step its one shared Step when its duration is the same for any media."""
    shared: list[Step | None] = []
    for n, (_, state, fields, progress) in enumerate(plan):
        after = plan[n + 1][0] if n + 1 < len(plan) else None
        fixed = after is None or after.forever or not after.media_factor
        shared.append(Step(state, after.resolve(0) if after else None, fields, progress) if fixed else None)
    return plan, shared


def _plan(entries: list[TimelineEntry], spec: LifecycleSpec) -> list[tuple[Any, str, dict[str, Any], Any]]:
    """Everything about a timeline that does not depend on the media: (after, state, fields, progress)."""
    flat: list[tuple[Any, TimelineEntry]] = []
    counts: dict[int, int] = {}
    i, jump_after = 0, None
    while i < len(entries) and len(flat) < MAX_STEPS:
        entry = entries[i]
        if entry.goto is not None:
            if counts.get(i, 0) < entry.times:
                counts[i] = counts.get(i, 0) + 1
                for inner in [k for k in counts if entry.goto < k < i]:
                    counts.pop(inner)  # an outer loop starts inner loops afresh
                jump_after = entry.after
                i = entry.goto
            else:
                i += 1
            continue
        flat.append((jump_after if jump_after is not None else entry.after, entry))
        jump_after = None
        i += 1
    plan: list[tuple[Any, str, dict[str, Any], Any]] = []
    for after, entry in flat:
        previous = plan[-1] if plan else None
        state = entry.state or (previous[1] if previous else spec.initial)
        fields = spec.defaults(state)
        if previous and previous[1] == state:
            fields.update(previous[2])
        fields.update(entry.fields)
        plan.append((after, state, fields, entry.progress))
    return plan
