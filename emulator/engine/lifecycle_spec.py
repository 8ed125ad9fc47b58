"""What a service tells the engine about one kind of its jobs, so scenario files can be checked and resolved
without knowing any service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SpecKey = tuple[str, str]  # (service, kind)


@dataclass
class LifecycleSpec:
    """What scenario files may say about one kind of a service's jobs."""

    service: str
    states: tuple[str, ...]
    terminal: tuple[str, ...]
    initial: str
    fields: dict[str, tuple[Any, ...] | None]  # side field -> allowed values (None: any)
    defaults: Callable[[str], dict[str, Any]]  # side fields of a state before the entry's own
    kind: str = "job"

    @property
    def key(self) -> SpecKey:
        return (self.service, self.kind)
