"""A small synchronous client for the emulator's admin API (/_emulator): the clock, jobs, the request journal,
webhooks and scenarios, for tests and scripts.

    admin = AdminClient("http://127.0.0.1:8080")
    admin.advance("10m")
    admin.run_until(job_id, "finished")
    admin.assert_requested("POST", "/core/1.0/new_job", body={"media.video.url": "https://example.com/a.mp4"})

Errors the admin API answers (problem+json) raise AdminError; no server at the URL raises NotRunning.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypedDict

from .engine.durations import parse_seconds

if TYPE_CHECKING:
    import httpx

__all__ = ["AdminClient", "AdminError", "NotRunning", "format_duration"]

DEFAULT_URL = "http://127.0.0.1:8080"


class AdminError(Exception):
    """The admin API answered with an error; str() is the server's message."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.body = status, message, body


class NotRunning(ConnectionError):
    """Nothing listens at the emulator's URL."""

    def __init__(self, url: str) -> None:
        super().__init__(f"no emulator at {url} (start one with `video-ai-emulator serve`)")
        self.url = url


class Clock(TypedDict):
    now: str
    epoch: float
    time_scale: float
    pending_timers: int


class Advanced(Clock, total=False):
    fired: int


class Next(TypedDict):
    state: str
    at: Any
    in_seconds: float


class Job(TypedDict, total=False):
    id: str
    service: str
    key: str
    state: str
    state_since: Any
    created: Any
    scenario: str | None
    history: list[dict[str, Any]]
    next: Next | None
    status: dict[str, Any]
    webhooks: list[dict[str, Any]]


class Request(TypedDict, total=False):
    id: int
    time: str
    virtual_time: Any
    service: str | None
    method: str
    path: str
    query: dict[str, str | list[str]]
    headers: dict[str, str]
    body: str | None
    body_truncated: bool
    status: int
    duration_ms: float
    job_id: str | None
    scenario: str | None


class NearMiss(TypedDict):
    request: Request
    differences: list[str]


class Webhook(TypedDict, total=False):
    id: str
    job_id: str | None
    url: str
    status: str
    body: Any
    attempts: list[dict[str, Any]]
    duplicate_of: str | None


def seconds_of(value: float | int | str) -> float:
    """60, 2.5, "30s", "10m", "1h30m", "250ms" -> simulated seconds."""
    return parse_seconds(value)


def format_duration(seconds: float) -> str:
    """3725 -> '1h2m5s'; 0.25 -> '0.25s'."""
    if seconds < 60:
        return f"{round(seconds, 2):g}s" if seconds < 10 else f"{seconds:.0f}s"
    total = int(round(seconds))
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            out += f"{total // size}{unit}"
            total %= size
    return out


class AdminClient:
    """The admin API of one emulator; `base_url` is the emulator's root (the /_emulator prefix is added)."""

    def __init__(self, base_url: str = DEFAULT_URL, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        import httpx  # here, not at import: `video-ai-emulator serve` loads this module and starts faster without

        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url + "/_emulator", timeout=timeout, transport=transport)

    # plumbing

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None, json_body: Any = None,
              content: str | None = None, headers: dict[str, str] | None = None) -> Any:
        import httpx

        if params:
            params = {k: v for k, v in params.items() if v is not None}
        try:
            r = self._http.request(method, path, params=params or None, json=json_body, content=content,
                                   headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise NotRunning(self.base_url) from exc
        if r.is_error:
            raise _error(r)
        return r.json() if r.content else None

    # health, reset, clock

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def reset(self) -> dict[str, Any]:
        """Forget every job, upload, webhook, journal entry and runtime or forced scenario (the clock keeps its
        time)."""
        return self._call("POST", "/reset")

    def clock(self) -> Clock:
        return self._call("GET", "/clock")

    def advance(self, seconds: float | int | str) -> Advanced:
        """Move virtual time forward (60, "30s", "10m", "2h"), firing every timer that falls due."""
        return self._call("POST", "/clock/advance", json_body={"seconds": seconds_of(seconds)})

    # jobs

    def jobs(self, service: str | None = None, status: str | None = None, key: str | None = None,
             limit: int | None = None) -> list[Job]:
        """Jobs, newest first; `status` filters on the job's state; `limit`: only the newest so many."""
        params = {"service": service, "status": status, "key": key, "limit": limit}
        return self._call("GET", "/jobs", params=params)["jobs"]

    def job(self, job_id: str) -> Job:
        return self._call("GET", f"/jobs/{job_id}")

    def advance_job(self, job_id: str) -> Job:
        """Move the job to its next state now (409 -> AdminError on a terminal job)."""
        return self._call("POST", f"/jobs/{job_id}/advance", json_body={})

    def complete_job(self, job_id: str) -> Job:
        """Jump to the service's success end state now."""
        return self._call("POST", f"/jobs/{job_id}/complete", json_body={})

    def fail_job(self, job_id: str, details: str | None = None) -> Job:
        """Jump to the service's error end state now, with `details` as the error text if given."""
        return self._call("POST", f"/jobs/{job_id}/fail", json_body={} if details is None else {"details": details})

    def run_until(self, job_id: str, status: str, *, step: float | str | None = None,
                  max_seconds: float | str = 7 * 86400) -> Job:
        """Advance virtual time until the job's state is `status`; return the job.

        By default it jumps straight to each next transition; `step` advances in fixed increments instead
        (so time-based fields, e.g. progress, can be observed on the way). Raises AssertionError when the job
        stops somewhere else (an end state or a hold), TimeoutError after `max_seconds` simulated seconds.
        """
        limit = seconds_of(max_seconds)
        fixed = seconds_of(step) if step is not None else None
        if fixed is not None and fixed <= 0:
            raise ValueError("step must be a positive duration")
        advanced = 0.0
        while True:
            job = self.job(job_id)
            if job["state"] == status:
                return job
            nxt = job.get("next")
            if nxt is None:
                raise AssertionError(
                    f"job {job_id} stopped in state {job['state']!r} (nothing scheduled: an end state or a hold) "
                    f"and will not reach {status!r}; {_story(job)}"
                )
            if advanced >= limit:
                raise TimeoutError(
                    f"job {job_id} still in state {job['state']!r} after {format_duration(advanced)} of virtual "
                    f"time (max_seconds={limit:g}), waiting for {status!r}; next: {nxt['state']!r} in "
                    f"{format_duration(max(float(nxt.get('in_seconds') or 0), 0))}; {_story(job)}"
                )
            delta = fixed if fixed is not None else max(float(nxt.get("in_seconds") or 0), 0.001)
            delta = min(delta, limit - advanced)
            self.advance(delta)
            advanced += delta

    # the request journal

    def requests(self, *, service: str | None = None, method: str | None = None, path: str | None = None,
                 status: int | None = None, job_id: str | None = None, since: str | None = None,
                 after: int | None = None, limit: int | None = None) -> list[Request]:
        """Journal entries, oldest first. `path` may be a glob; `after` is an entry id."""
        params = {"service": service, "method": method, "path": path, "status": status, "job_id": job_id,
                  "since": since, "after": after, "limit": limit}
        return self._call("GET", "/requests", params=params)["requests"]

    def clear_requests(self) -> int:
        """Empty the journal; return how many entries it held."""
        return self._call("DELETE", "/requests")["cleared"]

    def match(self, matcher: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """The server's answer to a matcher: {"count": N} plus "near_misses" when N is 0."""
        body = {k: v for k, v in {**(matcher or {}), **fields}.items() if v is not None}
        return self._call("POST", "/requests/count", json_body=body)

    def count(self, matcher: dict[str, Any] | None = None, **fields: Any) -> int:
        """How many journal entries match; matcher keys: service, method, path (exact or glob),
        query ({name: value}), body ({"dotted.json.path": value}), job_id."""
        return self.match(matcher, **fields)["count"]

    def assert_requested(self, method: str | None = None, path: str | None = None,
                         query: dict[str, Any] | None = None, body: dict[str, Any] | None = None, *,
                         service: str | None = None, job_id: str | None = None, count: int | None = None,
                         at_least: int = 1) -> int:
        """Assert the emulator received matching requests: exactly `count` if given, else at least `at_least`.
        The AssertionError lists the near misses with their differences. Returns the number matched."""
        matcher = {"service": service, "method": method, "path": path, "query": query, "body": body,
                   "job_id": job_id}
        answer = self.match(matcher)
        n = answer["count"]
        if (n == count) if count is not None else (n >= at_least):
            return n
        wanted = f"exactly {count}" if count is not None else f"at least {at_least}"
        lines = [f"expected {wanted} request(s) matching {_describe(matcher)}, got {n}"]
        misses = answer.get("near_misses") or []
        if misses:
            lines.append("near misses:")
            for miss in misses:
                req = miss["request"]
                lines.append(f"  #{req.get('id')} {req.get('method')} {req.get('path')} -> {req.get('status')}")
                lines.extend(f"    {d}" for d in miss.get("differences", []))
        elif n == 0:
            lines.append("no request came close")
        raise AssertionError("\n".join(lines))

    # webhooks

    def webhooks(self, job_id: str | None = None, status: str | None = None) -> list[Webhook]:
        return self._call("GET", "/webhooks", params={"job_id": job_id, "status": status})["webhooks"]

    def redeliver(self, webhook_id: str) -> Webhook:
        """Send a stored webhook again now (a new attempt is recorded)."""
        return self._call("POST", f"/webhooks/{webhook_id}/redeliver", json_body={})

    # scenarios

    def scenarios(self) -> dict[str, Any]:
        """{"scenarios": [...], "active": {...}}: the loaded scenarios and the forced ones."""
        return self._call("GET", "/scenarios")

    def use_scenario(self, name: str, service: str | None = None, count: int = 1) -> dict[str, Any]:
        """Force scenario `name` for the next `count` new jobs of its service (the scenario's own service
        unless given)."""
        if service is None:
            found = next((s for s in self.scenarios()["scenarios"] if s["name"] == name), None)
            if found is None:
                raise AdminError(404, f"no scenario named {name!r}")
            service = found["service"]
        return self._call("POST", "/scenarios/active", json_body={"service": service, "name": name, "count": count})

    def put_scenario(self, name: str, yaml_text: str) -> dict[str, Any]:
        """Add or replace scenario `name` from YAML (or JSON) text; AdminError lists the problems."""
        return self._call("PUT", f"/scenarios/{name}", content=yaml_text,
                          headers={"Content-Type": "application/yaml"})


def _error(r: httpx.Response) -> AdminError:
    try:
        body = r.json()
    except ValueError:
        return AdminError(r.status_code, f"{r.status_code} {r.reason_phrase}: {r.text.strip()[:500]}", r.text)
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("title") or body.get("error") or json.dumps(body)
        problems = body.get("errors")
        if isinstance(problems, list) and problems:
            detail += ":\n" + "\n".join(f"  {p}" for p in problems)
    else:
        detail = json.dumps(body)
    return AdminError(r.status_code, f"{r.status_code} {detail}", body)


def _describe(matcher: dict[str, Any]) -> str:
    parts = [matcher[k] for k in ("method", "path") if matcher.get(k)]
    for key in ("service", "job_id", "query", "body"):
        if matcher.get(key):
            parts.append(f"{key}={matcher[key]!r}")
    return " ".join(parts) or "anything"


def _story(job: Job) -> str:
    states = [h.get("state") for h in job.get("history") or []] or [job.get("state")]
    text = "history: " + " -> ".join(str(s) for s in states)
    details = (job.get("status") or {}).get("details")
    if details:
        text += f"; details: {details}"
    return text
