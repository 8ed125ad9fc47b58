"""The records the engine keeps: jobs (with their resolved timeline) and webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class Step:
    """One stage of a job's life: a service state, its side fields, and how long it lasts.

    seconds=None means the job stays here until something moves it (a terminal state, or a hold).
    progress=(start, end) is interpolated over the step (Clipzy's progress_percent, the Gateway's progress).
    A step and its fields are never changed once made (jobs of one scenario share its fields dicts, and
    ended jobs share their end step): a job moves by replacing steps.
    """

    state: str
    seconds: float | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    progress: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "seconds": self.seconds, "fields": self.fields, "progress": self.progress}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        progress = data.get("progress")
        return cls(data["state"], data.get("seconds"), dict(data.get("fields") or {}),
                   tuple(progress) if progress else None)


@dataclass(slots=True)
class Job:
    id: str
    service: str
    owner: str
    request: dict[str, Any]
    timeline: list[Step]
    created: float
    kind: str = "job"  # one of the service's job kinds (the Gateway has three; most services say nothing)
    seq: int = 0
    ref: str | None = None  # a service's secondary lookup key (Valossa: customer media id)
    step: int = 0
    step_started: float = 0.0
    next_due: float | None = None
    # The engine's own facts: the scenario the job runs, its media (duration_s, fps, x_pixels, y_pixels and
    # what a probe tells: codecs, channels; a scenario's media block wins), the scenario's webhook policy and
    # results options.
    scenario: str | None = None
    media: dict[str, Any] = field(default_factory=dict)
    policy: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    # The service's own facts, read through its typed view (services.facts.JobFacts); never engine keys.
    facts: dict[str, Any] = field(default_factory=dict)
    history: list[tuple[str, float]] = field(default_factory=list)  # (state, virtual time entered)
    # What a service derived from the job's current step (e.g. its encoded status body); never stored, and
    # emptied whenever the job moves, so a poll of an unchanged job costs a lookup.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def current(self) -> Step:
        return self.timeline[self.step]

    @property
    def state(self) -> str:
        return self.current.state

    @property
    def terminal(self) -> bool:
        return self.next_due is None and self.step == len(self.timeline) - 1

    def fields(self) -> dict[str, Any]:
        return self.current.fields

    def settle(self) -> None:
        """At an end (the last step, no timer): keep only that step, shared with every job that ended the same
        way; an ended job is most of what a store holds, and its earlier steps are only history now."""
        if self.next_due is None and self.step == len(self.timeline) - 1 and len(self.timeline) > 1:
            self.timeline = [_shared(self.timeline[-1])]
            self.step = 0

    def progress(self, now: float) -> float | None:
        step = self.current
        if not step.progress:
            return None
        start, end = step.progress
        if not step.seconds:
            return end if step.seconds == 0 else start
        done = min(max((now - self.step_started) / step.seconds, 0.0), 1.0)
        return start + (end - start) * done

    def to_dict(self) -> dict[str, Any]:
        """For serializing (shares the job's dicts; dataclasses.asdict's deep copy cost most of a timer)."""
        data = {name: getattr(self, name) for name in _JOB_FIELDS}
        data["timeline"] = [step.to_dict() for step in self.timeline]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        data = dict(data)
        data["timeline"] = [Step.from_dict(s) for s in data["timeline"]]
        data["history"] = [(h["state"], h["at"]) if isinstance(h, dict) else (h[0], h[1]) for h in data["history"]]
        if "data" in data:  # written before engine and service facts were split: one dict held both
            mixed = dict(data.pop("data") or {})
            data.update(scenario=mixed.pop("scenario", None), media=mixed.pop("media", {}),
                        policy=mixed.pop("webhooks", None), options=mixed.pop("results", None), facts=mixed)
        return cls(**data)

    @property
    def key(self) -> tuple[str, str]:
        """(service, kind): what lifecycles, scenarios and ids are keyed by."""
        return (self.service, self.kind)


_JOB_FIELDS = tuple(f.name for f in fields(Job) if f.name != "memo")
_FINAL_STEPS: dict[tuple[Any, ...], Step] = {}


def _shared(step: Step) -> Step:
    """One Step object per distinct end step (never changed once made: steps are only replaced)."""
    try:
        key = (step.state, step.seconds, tuple(step.fields.items()), step.progress)
        hash(key)
    except TypeError:  # a field holding a list or dict: not shared
        return step
    shared = _FINAL_STEPS.get(key)
    if shared is None:
        if len(_FINAL_STEPS) >= 4096:  # distinct end steps (error details...) are few; bound them anyway
            _FINAL_STEPS.clear()
        shared = _FINAL_STEPS[key] = step
    return shared


@dataclass
class Webhook:
    """One callback in the outbox: stored before it is sent; every attempt is recorded."""

    id: str
    service: str
    job_id: str | None
    url: str
    body: Any
    created: float
    headers: dict[str, str] = field(default_factory=dict)
    event: str = ""
    state: str = "pending"  # pending | held | delivered | failed | dropped
    next_attempt: float | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=dict)  # the scenario's webhooks block, if any
    duplicate_of: str | None = None
    series: int = 0  # index in attempts where the current delivery series began (a redelivery starts one)
    # Never stored: its row in the store's file holds its body already (a body never changes), so a write of
    # its new state need not write the body again (a transcript's is tens of KB).
    stored: bool = field(default=False, compare=False, repr=False)

    def to_dict(self, *, body: bool = True) -> dict[str, Any]:
        """For serializing (shares the webhook's dicts: dataclasses.asdict deep-copied the body, ~10 ms for a
        transcript, at every write of the webhook); body=False: its state only, without the body it sends."""
        return {name: getattr(self, name) for name in (_HOOK_FIELDS if body else _HOOK_STATE)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Webhook:
        return cls(**data)


_HOOK_FIELDS = tuple(f.name for f in fields(Webhook) if f.name != "stored")
_HOOK_STATE = tuple(name for name in _HOOK_FIELDS if name != "body")
