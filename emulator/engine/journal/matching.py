"""Matching journal entries (POST /_emulator/requests/count, WireMock-like) with near misses explained, and
the `since` filter's time parsing."""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..paths import MISSING, dig
from .bodies import DEEP, MAX_DEPTH

if TYPE_CHECKING:
    from .ring import Journal, Record

GLOB = re.compile(r"[*?\[]")


def show(value: Any) -> str:
    if value is MISSING:
        return "nothing"
    return repr(value) if isinstance(value, str) else dumps(value)


def dumps(value: Any) -> str:
    """JSON text of a value, unless it nests deeper than a parsed body may (an expected value can)."""
    if deeper(value, MAX_DEPTH):
        return f"a value nested more than {MAX_DEPTH} levels deep"
    return json.dumps(value)


def deeper(value: Any, limit: int) -> bool:
    """Whether lists and dicts nest more than `limit` deep in value."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth == limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def same(expected: Any, actual: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1. A loop, not a recursion: any nesting is safe."""
    pairs = [(expected, actual)]
    while pairs:
        want, got = pairs.pop()
        if isinstance(want, bool) or isinstance(got, bool):
            if type(want) is not type(got) or want != got:
                return False
        elif isinstance(want, int | float) and isinstance(got, int | float):
            if want != got:
                return False
        elif isinstance(want, dict) and isinstance(got, dict):
            if want.keys() != got.keys():
                return False
            pairs.extend((v, got[k]) for k, v in want.items())
        elif isinstance(want, list) and isinstance(got, list):
            if len(want) != len(got):
                return False
            pairs.extend(zip(want, got, strict=True))
        elif type(want) is not type(got) or want != got:
            return False
    return True


def as_text(value: Any) -> str:
    """A JSON scalar as a query or form field would carry it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else dumps(value)


class Matcher:
    """{"service", "method", "path" (exact, or a glob with * ? [), "query": {name: value}, "body":
    {"dotted.path": value}, "job_id"}: every key optional, all given ones must hold."""

    # Near misses are ranked by weight: a wrong value 2, a missing one 3, a different method or path 6.
    WRONG, ABSENT, HEAVY = 2, 3, 6

    def __init__(self, spec: dict[str, Any]) -> None:
        self.service: str | None = spec.get("service")
        self.method: str | None = spec["method"].upper() if spec.get("method") else None
        self.path: str | None = spec.get("path")
        self.glob = bool(self.path and GLOB.search(self.path))
        self.query: dict[str, Any] = spec.get("query") or {}
        self.body: dict[str, Any] = spec.get("body") or {}
        self.job_id: str | None = spec.get("job_id")

    def differences(self, journal: Journal, record: Record) -> tuple[list[str], int]:
        found: list[tuple[str, int]] = []
        if self.service is not None and journal.service_of(record) != self.service:
            found.append((f"service: expected {show(self.service)}, got {show(journal.service_of(record))}",
                          self.WRONG))
        if self.method is not None and record.method != self.method:
            found.append((f"method: expected {show(self.method)}, got {show(record.method)}", self.HEAVY))
        if self.path is not None:
            hit = fnmatch.fnmatchcase(record.path, self.path) if self.glob else record.path == self.path
            if not hit:
                how = "a path matching " if self.glob else ""
                found.append((f"path: expected {how}{show(self.path)}, got {show(record.path)}", self.HEAVY))
        if self.job_id is not None and record.tags.get("job_id") != self.job_id:
            found.append((f"job_id: expected {show(self.job_id)}, got {show(record.tags.get('job_id'))}",
                          self.WRONG))
        if self.query or self.body:
            facts = journal.facts(record)
            found += self._query(facts.query)
            found += self._body(*facts.body)
        return [text for text, _ in found], sum(weight for _, weight in found)

    def _weigh(self, text: str, actual: Any) -> tuple[str, int]:
        return text, self.ABSENT if actual is MISSING else self.WRONG

    def _query(self, query: dict[str, Any]) -> Iterator[tuple[str, int]]:
        for name, expected in self.query.items():
            actual = query.get(name, MISSING)
            if isinstance(expected, list):
                want: Any = [as_text(v) for v in expected]
                hit = actual == want or (len(want) == 1 and actual == want[0])
            else:
                want = as_text(expected)
                hit = actual == want or (isinstance(actual, list) and want in actual)
            if not hit:
                yield self._weigh(f"query {name}: expected {show(want)}, got {show(actual)}", actual)

    def _body(self, kind: str | None, value: Any) -> Iterator[tuple[str, int]]:
        if not self.body:
            return
        if kind is None or kind == DEEP:
            # Weighs more than each expected field missing from a body: likely another endpoint altogether.
            got = f"JSON nested more than {MAX_DEPTH} levels deep (shown as text, not matched)" if kind == DEEP \
                else "none that could be read"
            yield f"body: expected a JSON or form body, got {got}", self.ABSENT * len(self.body) + 1
            return
        for dotted, expected in self.body.items():
            if kind == "json":
                actual = dig(value, dotted)
                if actual is MISSING or not same(expected, actual):
                    yield self._weigh(f"body {dotted}: expected {show(expected)}, got {show(actual)}", actual)
            else:
                actual = value.get(dotted, MISSING)
                want = expected if isinstance(expected, str) else as_text(expected)
                if actual != want:
                    yield self._weigh(f"body {dotted}: expected {show(want)}, got {show(actual)}", actual)


def parse_since(text: str) -> float:
    """ISO 8601 (naive means UTC) or epoch seconds; ValueError otherwise."""
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value):
            raise ValueError(text)
        return value
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
