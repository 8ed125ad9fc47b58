"""The `clipzy:` settings section (EMULATOR_CLIPZY_* env vars). The real engine's own environment variables
are named beside each setting."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # None: no authentication (the real engine has none). A token: every request but health needs
    # Authorization: Bearer <token> (an auth proxy in front of the engine, docs: CLIPZY_TOKEN), else 401.
    token: str | None = None
    # MAX_FILE_SIZE_MB: larger uploads get 413 FILE_TOO_LARGE (MB = 1024 * 1024 bytes).
    max_file_size_mb: float = Field(default=1000, gt=0)
    # CORS_ORIGINS: origins allowed by CORS; ["*"] allows any. An empty list turns CORS off.
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    # The webhook body: "envelope" (seed 003: {success, message, data: JobDetailResponse}) or "flat" (the
    # webhooks guide: {job_id, status, progress_percent, output_video_url, processing_time_seconds}).
    webhook_payload: Literal["envelope", "flat"] = "envelope"
    # A worker without GPU: the docs' CPU-only timings for every job.
    cpu_only: bool = False
    # PROCESSING_TIMEOUT_SECONDS: processing longer than this fails the job with JOB_TIMEOUT.
    processing_timeout_seconds: float = Field(default=3600, gt=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):  # EMULATOR_CLIPZY_CORS_ORIGINS=https://a.example,https://b.example
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @field_validator("token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is not None and (not value or value != value.strip() or " " in value):
            raise ValueError("expected a non-empty token without spaces")
        return value


ClipzySettings = Section
