"""The list of emulated services: adding one is a package under emulator/services/ and one line here.
Kept apart from the services' code so settings and the CLI can read it without importing any service."""

from __future__ import annotations

import importlib
from typing import Any

# Package names under emulator.services, in mount order.
SERVICE_PACKAGES: tuple[str, ...] = ("valossa", "clipzy", "gateway")


def section_models() -> dict[str, Any]:
    """Each service's settings section (its `settings.Section` model) by service name: the YAML key, the
    EMULATOR_<NAME>_* env prefix."""
    return {name: importlib.import_module(f"emulator.services.{name}.settings").Section for name in SERVICE_PACKAGES}
