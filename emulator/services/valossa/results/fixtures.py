"""Canned results: a YAML mapping ties media URLs (exact or glob) to files served instead of generated ones.

    mappings:
      - url: https://media.example.org/canned/charade-first-10-minutes.mp4
        core: charade/core.json.gz            # .json or .json.gz; paths relative to the mapping file
      - url: "https://media.example.org/canned/interview-*.mp4"
        speech_to_text_srt: interview/subtitles.srt
"""

from __future__ import annotations

import fnmatch
import gzip
import json
from pathlib import Path
from typing import Any

import yaml

from ....shipped import shipped

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when there: the mapping is read at startup

MAPPING = "mapping.yaml"


def default_dir() -> Path:
    """The shipped fixtures (a checkout's fixtures/valossa, or the installed copy), whatever the working directory."""
    shipped_dir = shipped("fixtures")
    return shipped_dir / "valossa" if shipped_dir else Path("fixtures/valossa")


class FixtureError(Exception):
    pass


class Fixtures:
    def __init__(self, directory: Path | None, types: tuple[str, ...]) -> None:
        self.path = (directory or default_dir()) / MAPPING
        self.types = types
        self._loaded: tuple[float, list[dict[str, Any]]] | None = None

    def _entries(self) -> list[dict[str, Any]]:
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return []
        if self._loaded and self._loaded[0] == mtime:
            return self._loaded[1]
        try:
            data = yaml.load(self.path.read_text(), Loader=LOADER) or {}  # noqa: S506 (a safe loader)
        except (OSError, yaml.YAMLError) as exc:
            raise FixtureError(f"{self.path}: not readable YAML: {exc}".replace("\n", " ")) from None
        entries = data.get("mappings") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise FixtureError(f"{self.path}: expected a top-level 'mappings' list")
        for i, entry in enumerate(entries, 1):
            check(entry, self.types, f"{self.path}: mapping {i}", url=True)
        self._loaded = (mtime, entries)
        return entries

    def check_files(self) -> None:
        """At startup: the mapping parses and every file it names is there (rather than a 500 on first use)."""
        for i, entry in enumerate(self._entries(), 1):
            for key, value in entry.items():
                if key != "url" and not (self.path.parent / value).is_file():
                    raise FixtureError(f"{self.path}: mapping {i}: {key}: no file {value}")

    def match(self, url: str) -> dict[str, Path] | None:
        """The files mapped to this media URL (an exact url wins over a glob), as absolute paths."""
        entries = self._entries()
        found = next((e for e in entries if e["url"] == url), None) or next(
            (e for e in entries if fnmatch.fnmatchcase(url, e["url"])), None)
        if found is None:
            return None
        return {k: (self.path.parent / v).resolve() for k, v in found.items() if k != "url"}


def check(entry: Any, types: tuple[str, ...], where: str, url: bool = False) -> None:
    if not isinstance(entry, dict):
        raise FixtureError(f"{where}: expected a mapping of result type to file")
    if url and not isinstance(entry.get("url"), str):
        raise FixtureError(f"{where}: 'url' (exact or glob) is required")
    for key, value in entry.items():
        if key != "url" and key not in types:
            raise FixtureError(f"{where}: unknown result type {key!r} (expected one of {', '.join(types)})")
        if not isinstance(value, str):
            raise FixtureError(f"{where}: {key} must be a file path")


def read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FixtureError(f"fixture {path}: {exc.strerror}") from None
    return gzip.decompress(data) if path.suffix == ".gz" else data


def load_core(path: Path, job_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """A canned core document, made the job's own: its job_id and request replace the canned ones."""
    try:
        core = json.loads(read(path))
    except ValueError as exc:
        raise FixtureError(f"fixture {path}: not JSON: {exc}") from None
    if not isinstance(core, dict) or "detections" not in core:
        raise FixtureError(f"fixture {path}: not a Valossa core document (no 'detections')")
    core["job_info"] = {**(core.get("job_info") or {}), "job_id": job_id, "request": request}
    return core
