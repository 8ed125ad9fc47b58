"""The create requests of the three kinds, checked field by field: each refusal names the JSON pointer of the
field (400 INVALID_REQUEST, error.source.pointer). What passes is stored as the job's request, with the
documented option defaults filled in (the job's resource echoes them)."""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidField, MissingField
from .lifecycle import Kind
from .providers import FEATURES

LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")  # BCP 47-like: en, en-US, zh-Hant-TW
PRIORITIES = ("low", "standard", "high")
MAX_TEXT = 1_000_000  # characters of text a translation takes


def _missing(pointer: str) -> MissingField:
    return MissingField(pointer=pointer)


def _invalid(pointer: str, why: str) -> InvalidField:
    return InvalidField(pointer.strip("/").replace("/", "."), why, pointer=pointer)


def obj(parent: dict[str, Any], name: str, at: str, *, required: bool = False) -> dict[str, Any] | None:
    pointer = f"{at}/{name}"
    value = parent.get(name)
    if value is None:
        if required:
            raise _missing(pointer)
        return None
    if not isinstance(value, dict):
        raise _invalid(pointer, "expected an object")
    return value


def text(parent: dict[str, Any], name: str, at: str, *, required: bool = False,
         choices: tuple[str, ...] | None = None) -> str | None:
    pointer = f"{at}/{name}"
    value = parent.get(name)
    if value is None:
        if required:
            raise _missing(pointer)
        return None
    if not isinstance(value, str):
        raise _invalid(pointer, "expected a string")
    if choices is not None and value not in choices:
        raise _invalid(pointer, f"expected one of {', '.join(choices)}")
    return value


def boolean(parent: dict[str, Any], name: str, at: str) -> bool | None:
    value = parent.get(name)
    if value is not None and not isinstance(value, bool):
        raise _invalid(f"{at}/{name}", "expected true or false")
    return value


def url(parent: dict[str, Any], name: str, at: str, *, required: bool = True) -> str | None:
    value = text(parent, name, at, required=required)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _invalid(f"{at}/{name}", "expected an http or https URL")
    return value


def language(parent: dict[str, Any], name: str, at: str) -> str | None:
    value = text(parent, name, at)
    if value is not None and value != "auto" and not LANGUAGE.match(value):
        raise _invalid(f"{at}/{name}", "expected a BCP 47 language code (en, en-US, fr...) or auto")
    return value


def audio_track(parent: dict[str, Any], at: str) -> None:
    value = parent.get("audio_track")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise _invalid(f"{at}/audio_track", "expected a whole number from 0")


def webhook(attrs: dict[str, Any], at: str) -> None:
    hook = obj(attrs, "webhook", at)
    if hook is None:
        return
    where = f"{at}/webhook"
    url(hook, "url", where)
    headers = obj(hook, "headers", where)
    for name, value in (headers or {}).items():
        if not isinstance(value, str):
            raise _invalid(f"{where}/headers/{_escape(name)}", "expected a string")
        if not name or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) or "\n" in value or "\r" in value:
            raise _invalid(f"{where}/headers/{_escape(name)}", "not a valid HTTP header")


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def envelope(body: Any, kind: Kind) -> tuple[dict[str, Any], dict[str, Any]]:
    """(data, data.attributes) of a create request; type must be the endpoint's."""
    if not isinstance(body, dict):
        raise _invalid("", "expected a JSON object")
    data = obj(body, "data", "", required=True)
    assert data is not None
    kind_type = text(data, "type", "/data", required=True)
    if kind_type != kind.type:
        raise _invalid("/data/type", f"expected {kind.type} at {kind.path}")
    attrs = obj(data, "attributes", "/data", required=True)
    assert attrs is not None
    meta = obj(data, "meta", "/data")
    if meta is not None:
        obj(meta, "client", "/data/meta")
    if attrs.get("provider") is not None:
        text(attrs, "provider", "/data/attributes")
    webhook(attrs, "/data/attributes")
    return data, attrs


def options(attrs: dict[str, Any]) -> dict[str, Any]:
    found = obj(attrs, "options", "/data/attributes")
    return dict(found or {})


AT = "/data/attributes"
IN = "/data/attributes/input"
OPT = "/data/attributes/options"


def transcription(attrs: dict[str, Any]) -> dict[str, Any]:
    source = obj(attrs, "input", AT, required=True)
    assert source is not None
    text(source, "type", IN, required=True, choices=("video", "audio"))
    url(source, "url", IN)
    audio_track(source, IN)
    opts = options(attrs)
    language(opts, "language", OPT)
    for name in ("timestamps", "diarization"):
        boolean(opts, name, OPT)
    text(opts, "format", OPT, choices=("srt", "vtt", "json"))
    text(opts, "priority", OPT, choices=PRIORITIES)
    defaults = {"timestamps": True, "format": "json", "diarization": False, "priority": "standard"}
    return {**{k: opts[k] for k in ("language",) if k in opts}, **defaults,
            **{k: v for k, v in opts.items() if v is not None}}


def translation(attrs: dict[str, Any]) -> dict[str, Any]:
    source = obj(attrs, "input", AT, required=True)
    assert source is not None
    kind = text(source, "type", IN, required=True, choices=("text", "document"))
    if kind == "text":
        content = text(source, "content", IN, required=True)
        if content is not None and len(content) > MAX_TEXT:
            raise _invalid(f"{IN}/content", f"longer than {MAX_TEXT} characters")
    else:
        url(source, "url", IN)
    target = text(source, "target_language", IN, required=True)
    if target is not None and (target == "auto" or not LANGUAGE.match(target)):
        raise _invalid(f"{IN}/target_language", "expected a BCP 47 language code (en, fr, de-CH...)")
    opts = options(attrs)
    language(opts, "source_language", OPT)
    text(opts, "formality", OPT, choices=("default", "formal", "informal"))
    text(opts, "priority", OPT, choices=PRIORITIES)
    return {"priority": "standard", **{k: v for k, v in opts.items() if v is not None}}


def video_analysis(attrs: dict[str, Any]) -> dict[str, Any]:
    source = obj(attrs, "input", AT, required=True)
    assert source is not None
    url(source, "url", IN)
    features = source.get("features")
    if features is None:
        raise _missing(f"{IN}/features")
    if not isinstance(features, list) or not features:
        raise _invalid(f"{IN}/features", "expected a non-empty list of features")
    known = FEATURES["video-analyses"]
    for i, feature in enumerate(features):
        if feature not in known:
            raise _invalid(f"{IN}/features/{i}", f"expected one of {', '.join(known)}")
    audio_track(source, IN)
    opts = options(attrs)
    language(opts, "language", OPT)
    threshold = opts.get("confidence_threshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int | float)
                                  or not math.isfinite(threshold) or not 0 <= threshold <= 1):
        raise _invalid(f"{OPT}/confidence_threshold", "expected a number from 0 to 1")
    text(opts, "priority", OPT, choices=PRIORITIES)
    return {"confidence_threshold": 0.5, "priority": "standard", **{k: v for k, v in opts.items() if v is not None}}


CHECKS = {"transcription": transcription, "translation": translation, "video-analysis": video_analysis}


def parse(body: Any, kind: Kind) -> dict[str, Any]:
    """The request to store: the body with data.attributes.options completed; raises RequestError."""
    data, attrs = envelope(body, kind)
    opts = CHECKS[kind.name](attrs)
    stored_attrs = {k: v for k, v in attrs.items() if v is not None}
    stored_attrs["options"] = opts
    stored = {**{k: v for k, v in data.items() if k in ("type", "meta")}, "attributes": stored_attrs}
    return {"data": stored}
