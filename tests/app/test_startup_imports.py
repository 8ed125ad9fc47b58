"""Startup stays lean (docs/architecture.md, "Startup"): what only some requests need is imported by the first
of them. Not timed: a fresh interpreter builds the app and runs its startup, then lists what it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Each is loaded by the first request that needs it, never by startup.
LAZY = (
    "jwt", "cryptography",  # the gateway's keys and tokens
    "jinja2",
    "emulator.services.valossa.results.core", "emulator.services.valossa.results.subtitles",
    "emulator.services.valossa.results.frames", "emulator.services.valossa.results.captions",
    "emulator.services.gateway.results.video", "emulator.services.gateway.results.analysis",
    "emulator.services.gateway.results.transcription", "emulator.services.gateway.results.translation",
    "emulator.services.media.speech", "emulator.services.media.faces",
)

STARTUP = """
import asyncio, gc, json, sys
from emulator.app import create_app
from emulator.settings import build_settings

app = create_app(build_settings(json.loads(sys.argv[1]), None))

async def lifespan():
    async with app.router.lifespan_context(app):
        app.listening("127.0.0.1", 8080, {})

asyncio.run(lifespan())
deferred = [m.__name__ for m in gc.get_objects() if type(m).__name__ == "ModelMetaclass"
            and m.__module__.startswith("emulator.services.") and not m.__pydantic_complete__]
print(json.dumps({"modules": sorted(sys.modules), "deferred": deferred}))
"""


def started(flags: dict[str, object]) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", STARTUP, json.dumps(flags)], capture_output=True, text=True,
                          timeout=120, check=True)
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_startup_leaves_the_heavy_modules_to_first_use(store: str, tmp_path: Path) -> None:
    flags: dict[str, object] = {"in_memory": True} if store == "memory" else {"data_dir": str(tmp_path)}
    result = started(flags)
    assert sorted(set(LAZY) & set(result["modules"])) == []
    assert not (tmp_path / "gateway" / "keys.json").exists()  # the signing key is made by its first use
    # The services' request models are built by the first request that validates one.
    assert {"NewJob", "JobCreateRequest"} <= set(result["deferred"])


PLUGINS = """
import os
import emulator.cli
import emulator.settings
from pydantic.plugin import _loader
print(os.environ.get("PYDANTIC_DISABLE_PLUGINS"), _loader._plugins is None)
"""


@pytest.mark.parametrize(("env", "seen"), [(None, "__all__ True"), ("some-plugin", "some-plugin False")])
def test_the_cli_skips_the_pydantic_plugin_scan_unless_told(env: str | None, seen: str) -> None:
    # Importing the CLI sets the default; the settings' models are the first built, and with plugins off pydantic
    # never reads the entry points.
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if env is not None:
        environ["PYDANTIC_DISABLE_PLUGINS"] = env
    done = subprocess.run([sys.executable, "-c", PLUGINS], capture_output=True, text=True, timeout=120, check=True,
                          env=environ)
    assert done.stdout.split() == seen.split()


def test_importing_the_cli_leaves_the_heavy_imports_to_main() -> None:
    # main() pauses the garbage collector before it imports pydantic, the engine and the services: imported with
    # the module, their ~90 collections would cost ~60 ms of every start (bench/README.md, the ninth round).
    probe = "import sys, emulator.cli; print(sorted(m for m in ('pydantic', 'emulator.engine', 'emulator.services') " \
            "if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
