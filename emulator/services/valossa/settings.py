"""The `valossa:` settings section (EMULATOR_VALOSSA_* env vars)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # None: any non-empty api_key works; a list restricts to those keys (others get 401).
    api_keys: list[str] | None = None
    # What initialize_file_upload answers as file_chunk_size_bytes (the docs show 4 MiB).
    upload_chunk_size_bytes: int = Field(default=4 * 1024 * 1024, ge=1)
    # Virtual seconds an unfinalized upload lives without a new chunk, and a finalized file no job uses.
    upload_session_ttl_seconds: float = Field(default=3600.0, gt=0)
    upload_file_ttl_seconds: float = Field(default=86400.0, gt=0)
    # Folder holding mapping.yaml for canned job_results (default: ./fixtures/valossa).
    fixtures_dir: Path | None = None

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value


ValossaSettings = Section
