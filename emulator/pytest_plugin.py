"""pytest plugin (entry point `video_ai_emulator`): an in-process emulator for your test suite.

Installed with the package but OFF until a suite turns it on, so it adds no fixture and starts nothing
elsewhere. Turn it on in the suite's pytest configuration:

    [tool.pytest.ini_options]          # or [pytest] in pytest.ini / tox.ini / setup.cfg
    video_ai_emulator = true

or for one run with `pytest --video-ai-emulator`. (With PYTEST_DISABLE_PLUGIN_AUTOLOAD set, load it too:
`-p video_ai_emulator`.)

Fixtures then:
    emulator        the running Emulator (emulator.testing), reset before each test that uses it (no jobs,
                    webhooks, journal entries, runtime or forced scenarios). One server per session, in
                    memory, time frozen.
    emulator_admin  its AdminClient (emulator.admin_client).

Settings (ini options): video_ai_emulator_seed, video_ai_emulator_time_scale, video_ai_emulator_scenarios
(paths relative to the ini file), video_ai_emulator_config (a YAML settings file, as `serve --config`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

ENABLE = "video_ai_emulator"
FIXTURES_PLUGIN = "video_ai_emulator_fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("video-ai-emulator", "video-ai-emulator fixtures")
    group.addoption("--video-ai-emulator", action="store_true", dest="video_ai_emulator", default=None,
                    help="enable the emulator / emulator_admin fixtures (same as ini video_ai_emulator = true)")
    parser.addini(ENABLE, type="bool", default=False,
                  help="enable the video-ai-emulator fixtures (emulator, emulator_admin)")
    parser.addini("video_ai_emulator_seed", default="", help="video-ai-emulator: seed for reproducible ids")
    parser.addini("video_ai_emulator_time_scale", default="",
                  help="video-ai-emulator: simulated seconds per real second (default 0: frozen)")
    parser.addini("video_ai_emulator_scenarios", type="paths", default=[],
                  help="video-ai-emulator: folders or files of scenario YAML")
    parser.addini("video_ai_emulator_config", default="",
                  help="video-ai-emulator: YAML settings file (as `video-ai-emulator serve --config`)")


def enabled(config: pytest.Config) -> bool:
    flag = config.getoption("video_ai_emulator", default=None)
    return bool(flag) or bool(config.getini(ENABLE))


def pytest_configure(config: pytest.Config) -> None:
    if enabled(config) and not config.pluginmanager.has_plugin(FIXTURES_PLUGIN):
        config.pluginmanager.register(EmulatorFixtures(config), FIXTURES_PLUGIN)


def settings_overrides(config: pytest.Config) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if seed := str(config.getini("video_ai_emulator_seed")).strip():
        overrides["seed"] = seed
    if scale := str(config.getini("video_ai_emulator_time_scale")).strip():
        overrides["time_scale"] = scale
    if scenarios := config.getini("video_ai_emulator_scenarios"):
        overrides["scenarios"] = [str(p) for p in scenarios]
    if path := str(config.getini("video_ai_emulator_config")).strip():
        base = config.inipath.parent if config.inipath else config.rootpath
        overrides["config"] = base / path
    return overrides


class EmulatorFixtures:
    """Registered only when the suite enables the plugin."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.fixture(scope="session")
    def video_ai_emulator_server(self) -> Iterator[Any]:
        from .testing import Emulator

        with Emulator(**settings_overrides(self.config)) as emu:
            yield emu

    @pytest.fixture
    def emulator(self, video_ai_emulator_server: Any) -> Any:
        """The session's emulator (emulator.testing.Emulator), reset for this test."""
        video_ai_emulator_server.reset()
        return video_ai_emulator_server

    @pytest.fixture
    def emulator_admin(self, emulator: Any) -> Any:
        """The emulator's AdminClient (emulator.admin_client.AdminClient)."""
        return emulator.admin
