"""Folders shipped with the project (scenarios, fixtures), wherever the package runs from."""

from __future__ import annotations

import sys
from pathlib import Path


def shipped(name: str) -> Path | None:
    """A folder shipped with the project (`scenarios`, `fixtures`): next to `emulator/` in a checkout; in an
    installed wheel (the Docker image) under <sys.prefix>/share/video-ai-emulator/ where the image puts it."""
    for base in (Path(__file__).resolve().parent.parent, Path(sys.prefix) / "share" / "video-ai-emulator"):
        if (base / name).is_dir():
            return base / name
    return None
