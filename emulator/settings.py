"""One settings model, filled from defaults < YAML config file < EMULATOR_* env vars < CLI flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class SettingsError(ValueError):
    """A bad flag, env var or config key; the message is one line naming the key."""


class ValossaSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # None: any non-empty api_key works; a list restricts to those keys (others get 401).
    api_keys: list[str] | None = None
    # What initialize_file_upload answers as file_chunk_size_bytes (the docs show 4 MiB).
    upload_chunk_size_bytes: int = Field(default=4 * 1024 * 1024, ge=1)
    # Folder holding mapping.yaml for canned job_results (default: ./fixtures/valossa).
    fixtures_dir: Path | None = None

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value


class Settings(BaseModel):
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
    valossa: ValossaSettings = Field(default_factory=ValossaSettings)

    @field_validator("scenarios", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p for p in value.replace(os.pathsep, ",").split(",") if p.strip()]
        return value

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
SECTIONS = {"valossa": ValossaSettings}


def env_values(environ: dict[str, str] | None = None) -> dict[str, Any]:
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
    environ: dict[str, str] | None = None,
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
