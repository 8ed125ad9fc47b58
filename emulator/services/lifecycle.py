"""What every service's lifecycle shares: the defaults of engine.jobs.Lifecycle (one kind, UUID ids) and the
typed view of a job's service-owned facts."""

from __future__ import annotations

from typing import Generic, TypeVar, overload

from ..engine import Job
from ..engine.ids import IdFormat

T = TypeVar("T")


class ServiceLifecycle:
    """Base of a service's lifecycle for one kind of job; see engine.jobs.Lifecycle for what it must give."""

    service: str
    kind: str = "job"
    id_format: IdFormat | None = None  # UUIDs

    def planned(self, job: Job) -> None:
        """A new job's timeline as resolved is the one it runs."""


class Fact(Generic[T]):
    """One service-owned fact of a job, read and written through a JobFacts view: `transcript = Fact[list]()`.
    Absent reads as None; setting None removes it."""

    name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, view: None, owner: type) -> Fact[T]: ...
    @overload
    def __get__(self, view: JobFacts, owner: type) -> T | None: ...

    def __get__(self, view: JobFacts | None, owner: type) -> Fact[T] | T | None:
        if view is None:
            return self
        value: T | None = view.job.facts.get(self.name)
        return value

    def __set__(self, view: JobFacts, value: T | None) -> None:
        if value is None:
            view.job.facts.pop(self.name, None)
        else:
            view.job.facts[self.name] = value


class JobFacts:
    """A service's typed view of job.facts (the engine's own facts are the Job's fields)."""

    __slots__ = ("job",)

    def __init__(self, job: Job) -> None:
        self.job = job

    def __contains__(self, name: str) -> bool:
        return name in self.job.facts


__all__ = ["Fact", "JobFacts", "ServiceLifecycle"]
