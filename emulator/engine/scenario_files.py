"""Reading scenario files: YAML with each key's position, so every problem is reported as file:line:column,
checked against the lifecycle specs the services register (states, side fields, kinds)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .lifecycle_spec import LifecycleSpec, SpecKey
from .scenario_model import NAME, Scenario, ScenarioFile


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


def _marks_of(text: str, single: str | None) -> dict[tuple[Any, ...], yaml.Mark]:
    """Each key's position, for problems only: a file that loads clean is parsed once (startup)."""
    marks: dict[tuple[Any, ...], yaml.Mark] = {}
    node = yaml.compose(text, Loader=LOADER)
    if node is not None:
        _marks(node, (single,) if single else (), marks)
    return marks


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
    text: str, source: str, specs: dict[SpecKey, LifecycleSpec], single: str | None = None
) -> list[Loaded]:
    """Parse and check one file's text (or, with `single`, one scenario's body under that name);
    raise ScenarioError listing every problem."""
    try:
        data = yaml.load(text, Loader=LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else f"{source}:1:1"
        raise ScenarioError([f"{where} invalid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if single:
        if not isinstance(data, dict):
            raise ScenarioError([f"{source}:1:1 expected a scenario (a mapping with service, match, timeline...)"])
        data = {single: data}
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ScenarioError([f"{source}:1:1 expected a mapping of scenario names to scenarios"])
    bad_names = [n for n in data if not isinstance(n, str) or not NAME.match(n)]

    def named(marks: dict[tuple[Any, ...], yaml.Mark]) -> list[str]:
        return [f"{_where(source, marks, (n,))} {n}: a scenario name is letters, digits, '.', '_' or '-'"
                for n in bad_names]

    try:
        parsed = ScenarioFile.model_validate({"scenarios": data})
    except ValidationError as exc:
        marks = _marks_of(text, single)
        raise ScenarioError(named(marks) + _problems(exc, source, marks)) from None
    checked = [found for name, scenario in parsed.scenarios.items() for found in check(name, scenario, specs)]
    if bad_names or checked:
        marks = _marks_of(text, single)
        raise ScenarioError(named(marks) + [f"{_where(source, marks, loc)} {_loc(loc)}: {msg}" for loc, msg in checked])
    return [Loaded(name, scenario, source) for name, scenario in parsed.scenarios.items()]


def specs_for(scenario: Scenario, specs: dict[SpecKey, LifecycleSpec]) -> list[LifecycleSpec]:
    """The lifecycles a scenario applies to: its kind's, or every kind of its service when it names none."""
    return [spec for (service, kind), spec in specs.items()
            if service == scenario.service and (scenario.kind is None or kind == scenario.kind)]


def check(name: str, scenario: Scenario, specs: dict[SpecKey, LifecycleSpec]) -> list[tuple[tuple[Any, ...], str]]:
    """What the services' lifecycles say about the scenario: known service and kind, states and side fields
    (a scenario naming no kind must suit every kind of its service)."""
    services = sorted({service for service, _ in specs})
    if scenario.service not in services:
        return [((name, "service"), f"expected one of {', '.join(services)}, got {scenario.service!r}")]
    mine = specs_for(scenario, specs)
    if not mine:
        kinds = sorted(kind for service, kind in specs if service == scenario.service)
        return [((name, "kind"), f"expected one of {', '.join(kinds)}, got {scenario.kind!r}")]
    problems: list[tuple[tuple[Any, ...], str]] = []
    for spec in mine:
        for problem in _check_timeline(name, scenario, spec):
            if problem not in problems:
                problems.append(problem)
    return problems


def _check_timeline(name: str, scenario: Scenario, spec: LifecycleSpec) -> list[tuple[tuple[Any, ...], str]]:
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
                continue
            values = spec.fields[key]
            if values is not None and value not in values:
                choices = ", ".join(str(v) for v in values)
                problems.append(((*at, key), f"expected one of {choices}, got {value!r}"))
    return problems


def load_files(paths: list[Path], specs: dict[SpecKey, LifecycleSpec]) -> list[Loaded]:
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
