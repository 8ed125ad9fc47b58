"""The scenario file format as pydantic models; the JSON Schema shipped for editors is generated from them.

A file maps scenario names to scenarios:

    valossa-download-failure:
      service: valossa
      match: {fields: {media.video.url: {contains: download-failure}}}
      timeline:
        - state: queued
          media_transfer_status: queued
        - after: 10s
          media_transfer_status: downloading
        - after: 30s
          state: error
          media_transfer_status: error
          details: "Download failed: HTTP 404"
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .durations import HINT, Duration, parse_duration, parse_seconds

DurationField = Annotated[
    Duration, BeforeValidator(parse_duration),
    WithJsonSchema({"type": ["string", "number"], "description": f"{HINT}; a number is seconds",
                    "examples": ["30s", "2m", "1h30m", "0.5x", "forever"]}),
]
Seconds = Annotated[
    float, BeforeValidator(parse_seconds),
    WithJsonSchema({"type": ["string", "number"], "description": "a fixed duration like 500ms, 2s, 1m; a number "
                    "is seconds", "examples": ["500ms", "2s", "1m"]}),
]
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldMatch(_Strict):
    """Exactly one test on a request field (a plain string means equals)."""

    equals: str | None = None
    contains: str | None = None
    glob: str | None = None
    regex: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"equals": value} if isinstance(value, str | int | float) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _one(self) -> FieldMatch:
        given = [k for k in ("equals", "contains", "glob", "regex") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("expected exactly one of equals, contains, glob, regex")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"invalid regex: {exc}") from None
        return self


class Match(_Strict):
    """Which new jobs the scenario applies to. `fields` are dotted paths into the service's request body
    (e.g. media.video.url, media.title, media.customer_media_info.id, media.language); all must hold."""

    default: bool = Field(False, description="the service's default scenario when nothing else matches")
    fields: dict[str, FieldMatch] = Field(default_factory=dict)


class TimelineEntry(BaseModel):
    """One step: `after` this long (from the previous step), enter `state` with these side fields.
    Side fields are the service's own (Valossa: media_transfer_status, details, poll_again_after_seconds),
    written directly in the entry. `goto`/`times` loop back instead of entering a state."""

    model_config = ConfigDict(extra="allow")

    after: DurationField = Field(default_factory=Duration)
    state: str | None = None
    progress: tuple[float, float] | None = Field(None, description="a number, or [from, to] over the step")
    goto: int | None = Field(None, ge=0, description="index of an earlier entry to go back to")
    times: int = Field(1, ge=1, le=1000, description="how many times the goto loop runs")

    @field_validator("progress", mode="before")
    @classmethod
    def _progress(cls, value: Any) -> Any:
        return (value, value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class MediaSpec(_Strict):
    duration: Seconds | None = Field(None, description="media duration, e.g. 2h or 95s")
    fps: float | None = Field(None, gt=0, le=1000)
    resolution: str | None = Field(None, pattern=r"^\d{2,5}x\d{2,5}$", description="WIDTHxHEIGHT")


class WebhookPolicy(_Strict):
    delay: Seconds = Field(0.0, description="before the first attempt")
    retries: int = Field(3, ge=0, le=20)
    backoff: Seconds = Field(10.0, description="first retry after this; each next one doubles it")
    fail_attempts: int = Field(0, ge=0, le=20, description="the first N attempts are lost on the way (not sent, "
                               "recorded as failed) and retried as usual")
    duplicate: int = Field(0, ge=0, le=10, description="extra copies delivered after a successful delivery")
    duplicate_delay: Seconds = 1.0
    out_of_order: bool = Field(False, description="hold a job's callbacks and deliver them newest first "
                               "when the job reaches an end state")
    drop: bool = Field(False, description="never deliver (recorded as dropped)")
    body: dict[str, Any] | None = Field(None, description="merged over the body sent")


class FaultRule(_Strict):
    """An HTTP fault on the service's endpoints for requests about this scenario's jobs (or new_job
    requests that match it). `when`: nth, every, probability (seeded), after/until (a time window from
    the job's creation); none of them means always."""

    path: str = Field("*", description="glob on the request path, e.g. */job_status")
    method: str | None = None
    nth: int | None = Field(None, ge=1, description="only the Nth matching call (per job)")
    every: int | None = Field(None, ge=1, description="every Nth matching call (per job)")
    probability: float | None = Field(None, ge=0, le=1)
    after: Seconds | None = None
    until: Seconds | None = None
    status: int | None = Field(None, ge=400, le=599, description="answer this status in the service's error body")
    message: str | None = None
    retry_after: int | None = Field(None, ge=0, description="seconds, sent as Retry-After (with status 429/503)")
    latency: Seconds | None = None
    latency_max: Seconds | None = Field(None, description="with latency: a random delay in [latency, latency_max]")
    reset: bool = Field(False, description="reset the connection without an answer")
    truncate: bool = Field(False, description="send half the body, then close")
    malformed: bool = Field(False, description="send a body that is not valid for its content type")

    @model_validator(mode="after")
    def _one_action(self) -> FaultRule:
        actions = [k for k in ("status", "reset", "truncate", "malformed") if getattr(self, k)]
        if len(actions) > 1:
            raise ValueError(f"expected at most one of status, reset, truncate, malformed, got {', '.join(actions)}")
        if not actions and self.latency is None:
            raise ValueError("expected an action: status, latency, reset, truncate or malformed")
        if self.latency_max is not None and (self.latency is None or self.latency_max < self.latency):
            raise ValueError("latency_max needs a latency no larger than it")
        return self


class Scenario(_Strict):
    service: str
    kind: str | None = Field(None, description="one kind of the service's jobs (e.g. transcription); none: "
                             "every kind of the service")
    description: str = ""
    match: Match = Field(default_factory=Match)
    timeline: list[TimelineEntry] | None = Field(None, min_length=1)
    media: MediaSpec | None = None
    results: dict[str, Any] | None = Field(None, description="fixture files or generator options, per service")
    webhooks: WebhookPolicy | None = None
    faults: list[FaultRule] = Field(default_factory=list)
    # The part of its timeline that does not depend on the media, worked out once per kind (engine/timelines.py).
    _plans: dict[Any, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _loops(self) -> Scenario:
        for i, entry in enumerate(self.timeline or []):
            if entry.goto is not None and (entry.goto >= i or entry.state is not None):
                raise ValueError(f"timeline[{i}].goto must point to an earlier entry and have no state")
        return self


class ScenarioFile(BaseModel):
    """A file: scenario names mapped to scenarios."""

    model_config = ConfigDict(extra="forbid")
    scenarios: dict[str, Scenario]


def file_schema(specs: dict[Any, Any] | None = None) -> dict[str, Any]:
    """The JSON Schema of a scenario file. With the services' lifecycle specs (services.lifecycle_specs()),
    a scenario is one of a variant per service (a union on `service`), whose `kind` and timeline side fields
    are that service's own, so an editor completes them."""
    schema = ScenarioFile.model_json_schema()
    body = schema["properties"]["scenarios"]
    defs = schema["$defs"]
    scenarios: dict[str, Any] = body["additionalProperties"]
    if specs:
        variants = []
        for service in sorted({key[0] for key in specs}):
            mine = {kind: spec for (name, kind), spec in specs.items() if name == service}
            variants.append({"$ref": f"#/$defs/{_variant(defs, service, mine)}"})
        scenarios = {"oneOf": variants}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "video-ai-emulator scenario file",
            "type": "object", "propertyNames": {"pattern": NAME.pattern}, "additionalProperties": scenarios,
            "$defs": defs}


def _variant(defs: dict[str, Any], service: str, kinds: dict[str, Any]) -> str:
    """Add the Scenario and TimelineEntry definitions of one service to `defs`; the Scenario's name."""
    fields: dict[str, Any] = {}
    states: list[str] = []
    for spec in kinds.values():
        states += [s for s in spec.states if s not in states]
        for key, allowed in spec.fields.items():
            fields[key] = {} if allowed is None else {"enum": list(allowed)}
    entry = dict(defs["TimelineEntry"])
    entry["properties"] = {**entry["properties"], "state": {"anyOf": [{"enum": states}, {"type": "null"}],
                                                           "default": None}, **fields}
    entry["additionalProperties"] = False
    title = service.title().replace("-", "")
    defs[f"{title}TimelineEntry"] = entry
    scenario = dict(defs["Scenario"])
    props = dict(scenario["properties"])
    props["service"] = {"const": service}
    props["kind"] = {"anyOf": [{"enum": sorted(kinds)}, {"type": "null"}], "default": None,
                     "description": props["kind"].get("description", "")}
    props["timeline"] = {"anyOf": [{"type": "array", "minItems": 1,
                                    "items": {"$ref": f"#/$defs/{title}TimelineEntry"}}, {"type": "null"}],
                         "default": None}
    scenario["properties"] = props
    defs[f"{title}Scenario"] = scenario
    return f"{title}Scenario"
