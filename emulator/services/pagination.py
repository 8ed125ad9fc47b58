"""Paging a list the way APIs document it: page numbers (page, page_size, total) or cursors (an opaque
`after` token with a next link). Bounds are checked by the caller's own rules; these only cut."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def page(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page `number` (from 1) of `size` items; past the end is an empty page, as most APIs answer."""
    start = (number - 1) * size
    return Page(list(items[start:start + size]), len(items), number, size)


@dataclass
class Slice(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str | None:
    """The position a cursor stands for; None for a token this emulator did not hand out."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def after(items: Sequence[T], key: Callable[[T], str], cursor: str | None, limit: int) -> Slice[T]:
    """Up to `limit` items after the one whose key the cursor names (from the start without a cursor)."""
    start = 0
    if cursor is not None:
        position = decode_cursor(cursor)
        keys = [key(item) for item in items]
        start = keys.index(position) + 1 if position in keys else len(items)
    chosen = list(items[start:start + limit])
    more = start + limit < len(items)
    return Slice(chosen, encode_cursor(key(chosen[-1])) if more and chosen else None)


def link(base: str, **params: object) -> str:
    """base?name=value... for the params that are not None (next/prev links)."""
    given = {k: v for k, v in params.items() if v is not None}
    return f"{base}?{urlencode(given)}" if given else base

