"""One settings model, filled from defaults < YAML config file < EMULATOR_* env vars < CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from .services.catalog import SERVICE_PACKAGES, section_models

S = TypeVar("S", bound=BaseModel)


class SettingsError(ValueError):
    """A bad flag, env var or config key; the message is one line naming the key."""


class CoreSettings(BaseModel):
    """The emulator's own settings; each service adds its section as a field of Settings (below)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    data_dir: Path = Path(".emulator")
    in_memory: bool = False
    # Simulated seconds per real second; 0 freezes time so only /_emulator/clock/advance moves it.
    time_scale: float = Field(default=60.0, ge=0)
    seed: int | None = None
    log_level: str = "info"
    # Folders (or files) of scenario YAML, matched before the shipped ones; --watch reloads them on change.
    scenarios: list[Path] = Field(default_factory=list)
    watch: bool = False
    # The request journal (/_emulator/requests): how many requests it keeps (0 turns it off), and how much
    # of each body it shows.
    journal_size: int = Field(default=1000, ge=0)
    journal_body_limit: int = Field(default=4096, ge=0)
    # Services also served alone on their own port (one process, one engine): {"gateway": 8090}.
    listen: dict[str, int] = Field(default_factory=dict)

    @field_validator("scenarios", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p for p in value.replace(os.pathsep, ",").split(",") if p.strip()]
        return value

    @field_validator("listen", mode="before")
    @classmethod
    def _listen(cls, value: Any) -> Any:
        """"gateway=8090,clipzy=8000" (env), ["gateway=8090"] (flags), or a mapping (YAML)."""
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            pairs: dict[str, Any] = {}
            for item in value:
                name, sep, port = str(item).partition("=")
                if not sep or not name.strip() or not port.strip():
                    raise ValueError(f"expected SERVICE=PORT, got {item!r}")
                pairs[name.strip()] = port.strip()
            value = pairs
        return value

    @field_validator("listen")
    @classmethod
    def _known(cls, value: dict[str, int]) -> dict[str, int]:
        for name, port in value.items():
            if name not in SERVICE_PACKAGES:
                raise ValueError(f"no service {name!r}; expected one of {', '.join(SERVICE_PACKAGES)}")
            if not 0 <= port <= 65535:
                raise ValueError(f"{name}: port must be 0-65535, got {port}")
        return value

    def section(self, model: type[S]) -> S:
        """A service's settings section, typed: settings.section(valossa.settings.Section)."""
        for name, candidate in SECTIONS.items():
            if candidate is model:
                value: S = getattr(self, name)
                return value
        raise KeyError(model)

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"debug", "info", "warning", "error", "critical"}:
            raise ValueError("expected one of debug, info, warning, error, critical")
        return value


ENV_PREFIX = "EMULATOR_"
# Read elsewhere: the settings file's path, and the URL the terminal commands (jobs, requests, advance) talk to.
NOT_SETTINGS = frozenset({ENV_PREFIX + "CONFIG", ENV_PREFIX + "URL"})
SECTIONS: dict[str, type[BaseModel]] = section_models()

if TYPE_CHECKING:
    Settings = CoreSettings
else:
    # Each service's section is a field named after it (YAML key, EMULATOR_<NAME>_* env prefix).
    Settings = create_model(
        "Settings", __base__=CoreSettings, __module__=__name__,
        **{name: (model, Field(default_factory=model)) for name, model in SECTIONS.items()},
    )


def env_values(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """EMULATOR_TIME_SCALE=10 -> {"time_scale": "10"}; EMULATOR_VALOSSA_API_KEYS -> {"valossa": {...}}."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name in NOT_SETTINGS:
            continue
        key = name[len(ENV_PREFIX) :].lower()
        section = next((s for s in SECTIONS if key.startswith(s + "_")), None)
        if section:
            values.setdefault(section, {})[key[len(section) + 1 :]] = raw
        elif key in Settings.model_fields:
            values[key] = raw
        else:
            raise SettingsError(f"{name}: unknown setting")
    return values


def load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise SettingsError(f"config: cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"config: {path} is not valid YAML: {exc}".replace("\n", " ")) from exc
    if not isinstance(data, dict):
        raise SettingsError(f"config: {path} must hold a mapping of settings")
    return {k.replace("-", "_"): v for k, v in data.items()}


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def build_settings(
    flags: dict[str, Any] | None = None,
    config: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the sources and validate; raise SettingsError with a one-line message naming the key."""
    environ = os.environ if environ is None else environ
    if config is None and environ.get(ENV_PREFIX + "CONFIG"):
        config = Path(environ[ENV_PREFIX + "CONFIG"])
    values: dict[str, Any] = load_yaml(config) if config else {}
    values = merge(values, env_values(environ))
    values = merge(values, {k: v for k, v in (flags or {}).items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "settings"
        msg = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
        raise SettingsError(f"{key}: {msg}") from exc
