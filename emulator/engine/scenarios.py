"""Scenario files: loading with file:line:column errors, the registry, matching new jobs, and turning a
scenario's timeline into the engine's steps for one job. Services describe their lifecycle with a
LifecycleSpec so files can be checked without knowing any service here."""

from __future__ import annotations

import fnmatch
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .model import Step
from .scenario_model import NAME, Scenario, ScenarioFile, TimelineEntry

log = logging.getLogger("emulator.scenarios")
HEADER = "x-emulator-scenario"
MAX_STEPS = 10_000


@dataclass
class LifecycleSpec:
    """What scenario files may say about one service's jobs."""

    service: str
    states: tuple[str, ...]
    terminal: tuple[str, ...]
    initial: str
    fields: dict[str, tuple[Any, ...] | None]  # side field -> allowed values (None: any)
    defaults: Callable[[str], dict[str, Any]]  # side fields of a state before the entry's own


@dataclass
class Loaded:
    name: str
    scenario: Scenario
    source: str  # file path, or "runtime" for PUT /_emulator/scenarios/{name}


class ScenarioError(ValueError):
    """One or more problems, each 'file:line:col loc: message'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- reading files with positions
def _marks(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], yaml.Mark]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            out[child] = key.start_mark
            _marks(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*path, i)] = item.start_mark
            _marks(item, (*path, i), out)


def _loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _where(source: str, marks: dict[tuple[Any, ...], yaml.Mark], loc: tuple[Any, ...]) -> str:
    for n in range(len(loc), -1, -1):
        mark = marks.get(tuple(loc[:n]))
        if mark is not None:
            return f"{source}:{mark.line + 1}:{mark.column + 1}"
    return f"{source}:1:1"


def _problems(exc: ValidationError, source: str, marks: dict[tuple[Any, ...], yaml.Mark]) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p != "scenarios")
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        got = err.get("input")
        if err["type"] not in ("missing", "extra_forbidden") and "got" not in msg and not isinstance(got, dict | list):
            msg += f", got {got!r}"
        out.append(f"{_where(source, marks, loc)} {_loc(loc)}: {msg}")
    return out


# libyaml's loader when PyYAML has it: the pure-Python one was half the server's startup time.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_text(
    text: str, source: str, specs: dict[str, LifecycleSpec], single: str | None = None
) -> list[Loaded]:
    """Parse and check one file's text (or, with `single`, one scenario's body under that name);
    raise ScenarioError listing every problem."""
    try:
        node = yaml.compose(text, Loader=LOADER)
        data = yaml.load(text, Loader=LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else f"{source}:1:1"
        raise ScenarioError([f"{where} invalid YAML: {getattr(exc, 'problem', exc)}"]) from None
    marks: dict[tuple[Any, ...], yaml.Mark] = {}
    if node is not None:
        _marks(node, (single,) if single else (), marks)
    if single:
        if not isinstance(data, dict):
            raise ScenarioError([f"{source}:1:1 expected a scenario (a mapping with service, match, timeline...)"])
        data = {single: data}
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}:1:1 expected a mapping of scenario names to scenarios"])
    problems = [f"{_where(source, marks, (n,))} {n}: a scenario name is letters, digits, '.', '_' or '-'"
                for n in data if not isinstance(n, str) or not NAME.match(n)]
    try:
        parsed = ScenarioFile.model_validate({"scenarios": data})
    except ValidationError as exc:
        problems += _problems(exc, source, marks)
        raise ScenarioError(problems) from None
    for name, scenario in parsed.scenarios.items():
        problems += [f"{_where(source, marks, loc)} {_loc(loc)}: {msg}" for loc, msg in check(name, scenario, specs)]
    if problems:
        raise ScenarioError(problems)
    return [Loaded(name, scenario, source) for name, scenario in parsed.scenarios.items()]


def check(name: str, scenario: Scenario, specs: dict[str, LifecycleSpec]) -> list[tuple[tuple[Any, ...], str]]:
    """What the service's lifecycle says about the scenario: known states and side fields."""
    spec = specs.get(scenario.service)
    if spec is None:
        return [((name, "service"), f"expected one of {', '.join(sorted(specs))}, got {scenario.service!r}")]
    problems: list[tuple[tuple[Any, ...], str]] = []
    entries = scenario.timeline or []
    for i, entry in enumerate(entries):
        at = (name, "timeline", i)
        if entry.state is not None and entry.state not in spec.states:
            problems.append(((*at, "state"), f"expected one of {', '.join(spec.states)}, got {entry.state!r}"))
        if entry.state in spec.terminal and i + 1 < len(entries):
            problems.append(((*at, "state"), f"{entry.state} is an end state; no entry may follow it"))
        for key, value in entry.fields.items():
            if key not in spec.fields:
                allowed = ", ".join(["after", "state", "progress", "goto", "times", *spec.fields])
                problems.append(((*at, key), f"unknown key; expected one of {allowed}"))
            elif spec.fields[key] is not None and value not in spec.fields[key]:
                choices = ", ".join(str(v) for v in spec.fields[key])
                problems.append(((*at, key), f"expected one of {choices}, got {value!r}"))
    return problems


def load_files(paths: list[Path], specs: dict[str, LifecycleSpec]) -> list[Loaded]:
    loaded, problems = [], []
    for path in paths:
        try:
            loaded += parse_text(path.read_text(), str(path), specs)
        except ScenarioError as exc:
            problems += exc.problems
        except OSError as exc:
            problems.append(f"{path}:1:1 cannot read: {exc.strerror}")
    if problems:
        raise ScenarioError(problems)
    return loaded


def scenario_files(dirs: list[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        if d.is_file():
            files.append(d)
        elif d.is_dir():
            files += sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return files


# --- from scenario to steps
def resolve_timeline(scenario: Scenario, spec: LifecycleSpec, media_seconds: float) -> list[Step]:
    """The scenario's timeline for this media: loops unrolled, states inherited, side fields filled from the
    service's defaults, each entry's `after` turned into the previous step's duration."""
    if scenario._plan is None:  # computed once per scenario: new_job only multiplies the durations out
        scenario._plan = _plan(scenario.timeline or [], spec)
    plan = scenario._plan
    afters = [after.resolve(media_seconds) for after, _, _, _ in plan]
    steps = [
        Step(state, afters[n + 1] if n + 1 < len(plan) else None, dict(fields), progress)
        for n, (_, state, fields, progress) in enumerate(plan)
    ]
    if steps and afters[0]:
        # A first entry with `after` starts the job in the initial state for that long.
        steps.insert(0, Step(spec.initial, afters[0], spec.defaults(spec.initial)))
    return steps


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


@functools.cache
def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split("."))


def _field(request: dict[str, Any], dotted: str) -> Any:
    value: Any = request
    for part in _parts(dotted):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def matches(scenario: Scenario, request: dict[str, Any]) -> bool:
    if not scenario.match.fields:
        return False
    for dotted, test in scenario.match.fields.items():
        value = _field(request, dotted)
        if value is None:
            return False
        value = str(value)
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

    specs: dict[str, LifecycleSpec] = field(default_factory=dict)
    dirs: list[Path] = field(default_factory=list)  # user folders, before the shipped one
    builtin: Path | None = None
    loaded: list[Loaded] = field(default_factory=list)
    runtime: list[Loaded] = field(default_factory=list)
    forced: dict[str, list[str]] = field(default_factory=dict)  # service -> names for the next jobs
    signature: tuple[Any, ...] = ()
    _ordered: list[Loaded] | None = None  # all(), rebuilt after a change (looked up on every request)
    _by_name: dict[str, Loaded] = field(default_factory=dict)
    _per_service: dict[str, tuple[list[Loaded], list[Loaded], Loaded | None]] = field(default_factory=dict)

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

    def choose(self, service: str, request: dict[str, Any], header: str | None) -> Choice:
        """Precedence: forced (admin API) > X-Emulator-Scenario header > field match > service default."""
        queue = self.forced.get(service)
        if queue:
            item = self.get(queue[0])
            if item:
                return Choice(item.name, item.scenario, forced=True)
        if header:
            item = self.get(header)
            if item is None or item.scenario.service != service:
                raise KeyError(header)
            return Choice(item.name, item.scenario)
        candidates, default = self._for_service(service)
        for item in candidates:
            if matches(item.scenario, request):
                return Choice(item.name, item.scenario)
        return Choice(default.name, default.scenario) if default else Choice(None, None)

    def default(self, service: str) -> Choice:
        item = self._for_service(service)[1]
        return Choice(item.name, item.scenario) if item else Choice(None, None)

    def _for_service(self, service: str) -> tuple[list[Loaded], Loaded | None]:
        """A service's scenarios that match on fields, and its default (cached until the set changes)."""
        ordered = self.all()
        cached = self._per_service.get(service)
        if cached is None or cached[0] is not ordered:
            mine = [s for s in ordered if s.scenario.service == service]
            default = next((s for s in mine if s.scenario.match.default), None)
            cached = (ordered, [s for s in mine if s.scenario.match.fields], default)
            self._per_service[service] = cached
        return cached[1], cached[2]

    def commit(self, service: str, choice: Choice) -> None:
        """A job was created with this choice: a forced one counts down."""
        if choice.forced and self.forced.get(service):
            self.forced[service].pop(0)

    def reset(self) -> None:
        self.runtime.clear()
        self.forced.clear()
        self._ordered = None
