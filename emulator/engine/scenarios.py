"""The scenario registry: loaded files, runtime additions and forced choices, in matching order; which
scenario a new job runs (forced > X-Emulator-Scenario header > field match > the kind's default)."""

from __future__ import annotations

import fnmatch
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .lifecycle_spec import LifecycleSpec, SpecKey
from .paths import dig
from .scenario_files import Loaded, ScenarioError, load_files, parse_text
from .scenario_model import Scenario

__all__ = ["HEADER", "Choice", "Loaded", "ScenarioError", "Scenarios", "matches"]

log = logging.getLogger("emulator.scenarios")
HEADER = "x-emulator-scenario"


def scenario_files(dirs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        if d.is_file():
            files.append(d)
        elif d.is_dir():
            files += sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return files


def matches(scenario: Scenario, request: dict[str, Any], seen: dict[str, str | None] | None = None) -> bool:
    """Whether every field test of the scenario holds for the request. `seen`: the request's values already
    read by path (choose() tries many scenarios on one request, most of them reading the same field)."""
    if not scenario.match.fields:
        return False
    for dotted, test in scenario.match.fields.items():
        if seen is not None and dotted in seen:
            value = seen[dotted]
        else:
            found = dig(request, dotted, None)
            value = None if found is None else str(found)
            if seen is not None:
                seen[dotted] = value
        if value is None:
            return False
        if test.equals is not None and value != test.equals:
            return False
        if test.contains is not None and test.contains not in value:
            return False
        if test.glob is not None and not fnmatch.fnmatchcase(value, test.glob):
            return False
        if test.regex is not None and not re.search(test.regex, value):
            return False
    return True


@dataclass
class Choice:
    name: str | None
    scenario: Scenario | None
    forced: bool = False


@dataclass
class Scenarios:
    """The loaded scenarios, in matching order: runtime ones, then user folders, then the shipped ones."""

    specs: dict[SpecKey, LifecycleSpec] = field(default_factory=dict)
    dirs: list[Path] = field(default_factory=list)  # user folders, before the shipped one
    builtin: Path | None = None
    loaded: list[Loaded] = field(default_factory=list)
    runtime: list[Loaded] = field(default_factory=list)
    forced: dict[str, list[str]] = field(default_factory=dict)  # service -> names for its next jobs
    signature: tuple[Any, ...] = ()
    _ordered: list[Loaded] | None = None  # all(), rebuilt after a change (looked up on every request)
    _by_name: dict[str, Loaded] = field(default_factory=dict)
    _per_kind: dict[SpecKey, tuple[list[Loaded], list[Loaded], Loaded | None]] = field(default_factory=dict)

    def files(self) -> list[Path]:
        return scenario_files(self.dirs + ([self.builtin] if self.builtin else []))

    def load(self) -> None:
        files = self.files()
        self.loaded = load_files(files, self.specs)
        self.signature = self._signature(files)
        self._ordered = None

    @staticmethod
    def _signature(files: list[Path]) -> tuple[Any, ...]:
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())

    def reload_if_changed(self) -> bool:
        """For --watch: reload when a file changed; a broken file keeps the previous set (and logs why)."""
        files = self.files()
        signature = self._signature(files)
        if signature == self.signature:
            return False
        self.signature = signature
        try:
            self.loaded = load_files(files, self.specs)
            self._ordered = None
        except ScenarioError as exc:
            log.error("scenario files not reloaded:\n%s", exc)
            return False
        log.info("scenario files reloaded (%d scenarios)", len(self.loaded))
        return True

    def all(self) -> list[Loaded]:
        """Every scenario, first one of a name winning (runtime > user folders > shipped)."""
        if self._ordered is None:
            self._by_name = {}
            for item in self.runtime + self.loaded:
                self._by_name.setdefault(item.name, item)
            self._ordered = list(self._by_name.values())
        return self._ordered

    def get(self, name: str) -> Loaded | None:
        self.all()
        return self._by_name.get(name)

    def put(self, text: str, name: str) -> Loaded:
        """Add or replace one scenario at runtime (the body is the scenario itself, YAML or JSON)."""
        items = parse_text(text, "runtime", self.specs, single=name)
        self.runtime = [s for s in self.runtime if s.name != name] + items
        self._ordered = None
        return items[0]

    def force(self, service: str, name: str, count: int) -> None:
        self.forced[service] = [name] * count

    def choose(self, service: str, kind: str, request: dict[str, Any], header: str | None) -> Choice:
        """Precedence: forced (admin API) > X-Emulator-Scenario header > field match > the kind's default.
        A scenario naming no kind applies to every kind of its service."""
        queue = self.forced.get(service)
        if queue:
            item = self.get(queue[0])
            if item and item.scenario.kind in (None, kind):
                return Choice(item.name, item.scenario, forced=True)
        if header:
            item = self.get(header)
            if item is None or item.scenario.service != service or item.scenario.kind not in (None, kind):
                raise KeyError(header)
            return Choice(item.name, item.scenario)
        candidates, default = self._for_kind(service, kind)
        seen: dict[str, str | None] = {}
        for item in candidates:
            if matches(item.scenario, request, seen):
                return Choice(item.name, item.scenario)
        return Choice(default.name, default.scenario) if default else Choice(None, None)

    def default(self, service: str, kind: str | None = None) -> Choice:
        """The default scenario of a kind; with no kind (a call about no job), the service's first one."""
        if kind is None:
            kinds = [k for s, k in self.specs if s == service] or ["job"]
            item = next((d for k in kinds if (d := self._for_kind(service, k)[1])), None)
        else:
            item = self._for_kind(service, kind)[1]
        return Choice(item.name, item.scenario) if item else Choice(None, None)

    def _for_kind(self, service: str, kind: str) -> tuple[list[Loaded], Loaded | None]:
        """A kind's scenarios that match on fields, and its default (cached until the set changes)."""
        ordered = self.all()
        cached = self._per_kind.get((service, kind))
        if cached is None or cached[0] is not ordered:
            mine = [s for s in ordered if s.scenario.service == service and s.scenario.kind in (None, kind)]
            default = next((s for s in mine if s.scenario.match.default), None)
            cached = (ordered, [s for s in mine if s.scenario.match.fields], default)
            self._per_kind[(service, kind)] = cached
        return cached[1], cached[2]

    def commit(self, service: str, kind: str, choice: Choice) -> None:
        """A job was created with this choice: a forced one counts down."""
        if choice.forced and self.forced.get(service):
            self.forced[service].pop(0)

    def reset(self) -> None:
        self.runtime.clear()
        self.forced.clear()
        self._ordered = None
