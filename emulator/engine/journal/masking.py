"""Masking secrets: fields named like api_key (SECRET_FIELDS) in query strings, form, multipart and JSON
bodies, and the Authorization, X-Api-Key and Cookie headers, read "****" (Authorization keeps its scheme)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

MASK = "****"
# "authorization": a header given inside a JSON body (the gateway's webhook.headers) is as secret as the header.
SECRET_FIELDS = frozenset({"api_key", "client_secret", "password", "token", "access_token", "refresh_token",
                           "authorization"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie"})

_NAMES = "|".join(sorted(SECRET_FIELDS))
_JSON_STRING = re.compile(rf'("(?:{_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)', re.IGNORECASE)
_JSON_SCALAR = re.compile(rf'("(?:{_NAMES})"\s*:\s*)(-?[0-9][0-9.eE+-]*|true|false)', re.IGNORECASE)
_FORM = re.compile(rf"(^|&)((?:{_NAMES})=)[^&]*", re.IGNORECASE)
_PART = re.compile(rf'(name="(?:{_NAMES})"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n)[^\r\n]*', re.IGNORECASE)


def mask_text(text: str, form: bool = False) -> str:
    """Mask secrets in a body shown as text (JSON fields; form fields when form=True)."""
    text = _JSON_STRING.sub(rf'\1"{MASK}"', text)
    text = _JSON_SCALAR.sub(rf'\1"{MASK}"', text)
    text = _PART.sub(rf"\1{MASK}", text)  # a multipart body the parser could not read
    if form:
        text = _FORM.sub(rf"\1\2{MASK}", text)
    return text


def masked_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads' object_pairs_hook: each object masked as it is decoded (no walk over the value after)."""
    return {k: MASK if v is not None and k.lower() in SECRET_FIELDS else v for k, v in pairs}


def query_dict(raw: bytes) -> dict[str, str | list[str]]:
    """name -> value, or a list of values for a repeated name; secret fields masked."""
    out: dict[str, str | list[str]] = {}
    if not raw:
        return out
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"):
        if name.lower() in SECRET_FIELDS:
            value = MASK
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def masked_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in SECRET_HEADERS:
            scheme, _, credentials = value.partition(" ")
            value = f"{scheme} {MASK}" if name.endswith("authorization") and credentials else MASK
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out
