"""Request bodies of the Core API as pydantic models (docs: new_job), and their errors in Valossa's words."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import RequestError
from .errors import invalid, missing

URL_SCHEMES = ("http://", "https://", "s3://", "valossaupload://", "file://")


class _Model(BaseModel):
    # Strict: "1" is not a number and 1 is not a string, as a typed JSON API answers.
    # Unknown fields are ignored, as the real API does not document rejecting them.
    # defer_build: each model is built by the first request that uses it, not at startup (docs/architecture.md).
    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False, defer_build=True)


class Video(_Model):
    url: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str) -> str:
        if not value.lower().startswith(URL_SCHEMES):
            raise ValueError("expected an http(s), s3 or valossaupload:// URL")
        return value


class Transcript(_Model):
    url: str | None = None


class CustomerMediaInfo(_Model):
    id: str | None = None


class Media(_Model):
    video: Video
    transcript: Transcript | None = None
    customer_media_info: CustomerMediaInfo | None = None
    description: str | None = None
    title: str | None = None
    language: str = Field(default="en-US", pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class CustomGallery(_Model):
    id: str


class FaceGalleries(_Model):
    custom_gallery: CustomGallery | None = None


class AnalysisParameters(_Model):
    face_min_relative_height: float | None = Field(default=None, ge=0, le=1)
    face_galleries: FaceGalleries | None = None


class EmailNotification(_Model):
    to_group: str | None = None


class Callback(_Model):
    url: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.lower().startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL")
        return value


class NewJob(_Model):
    media: Media
    analysis_parameters: AnalysisParameters | None = None
    email_notification: EmailNotification | None = None
    callback: Callback | None = None


class JobRef(_Model):
    job_id: str = Field(min_length=1)


M = TypeVar("M", bound=BaseModel)

_WHY = {
    "string_type": "expected a string",
    "float_type": "expected a number",
    "finite_number": "expected a finite number",
    "int_type": "expected an integer",
    "bool_type": "expected a boolean",
    "model_type": "expected an object",
    "dict_type": "expected an object",
    "string_too_short": "must not be empty",
    "string_pattern_mismatch": "expected a language code such as en-US",
}


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate, turning the first problem into Valossa's 400 message that names the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise to_valossa_error(exc) from None


def to_valossa_error(exc: ValidationError) -> RequestError:
    err = exc.errors(include_url=False)[0]
    field = ".".join(str(p) for p in err["loc"])
    if err["type"] == "missing":
        # Without media or media.video the URL is what is missing, and that is what a client must fix.
        return missing("media.video.url" if field in ("media", "media.video") else field)
    why = _WHY.get(err["type"]) or err["msg"].removeprefix("Value error, ")
    return invalid(field, why)
