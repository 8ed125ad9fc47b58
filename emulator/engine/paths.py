"""Dotted paths into decoded JSON: "media.video.url", "items.0.id", "items.-1".

One walker for every place that reads a field by its dotted path (the journal's matcher, scenario matching):
a part names an object's key, or indexes a list when it is an integer (negative counts from the end). The
walk is a loop, so any nesting is safe, and the split of each path is cached.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final


class _Missing:
    """Nothing at that path: not the same as a null found there."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final[Any] = _Missing()
_INDEX = re.compile(r"-?[0-9]+")


@functools.lru_cache(maxsize=4096)  # bounded: matcher paths come from clients of the admin API
def parts(dotted: str) -> tuple[tuple[str, int | None], ...]:
    """Each part of the path, with the list index it stands for (None if it is no integer)."""
    return tuple((part, int(part) if _INDEX.fullmatch(part) else None) for part in dotted.split("."))


def dig(value: Any, dotted: str, default: Any = MISSING) -> Any:
    """The value at `dotted` inside `value` (dicts by key, lists by index), or `default` if there is none.

    A null found on the way is a value like any other: dig({"a": None}, "a") is None, dig({}, "a") is MISSING;
    dig(request, path, None) reads "absent" and "null" alike.
    """
    for key, index in parts(dotted):
        if isinstance(value, dict):
            if key not in value:
                return default
            value = value[key]
        elif isinstance(value, list) and index is not None and -len(value) <= index < len(value):
            value = value[index]
        else:
            return default
    return value
