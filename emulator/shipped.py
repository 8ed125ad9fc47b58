"""Folders shipped with the project (scenarios, fixtures), wherever the package runs from."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# The copy every build puts inside the package (setup.py): a wheel install, pipx, the Docker image.
INSTALLED = PACKAGE / "_shipped"
# The repository's own folders, next to emulator/: a checkout and its editable install (`make install`).
CHECKOUT = PACKAGE.parent


def shipped(name: str) -> Path | None:
    """A folder shipped with the project (`scenarios`, `fixtures`): the installed copy inside the package, else
    the checkout's own folder at the repository root; None when neither exists."""
    if (INSTALLED / name).is_dir():
        return INSTALLED / name
    if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / name).is_dir():
        return CHECKOUT / name
    return None
