"""Request bodies of the Training API (docs: create_face_identity, add_face_image, update_face_identity; the
other routes' fields are inferred, docs/fidelity.md), with the Core API's strictness and error words."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from .models import _Model

NAME_MAX = 1024  # docs: face.name up to 1024 characters (galleries: the same, inferred)
GENDERS = ("male", "female")


class _Named(_Model):
    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)


class _Gendered(_Named):
    gender: str | None = None

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: str | None) -> str | None:
        if value is not None and value not in GENDERS:
            raise ValueError("expected male or female")
        return value


class Ref(_Model):
    id: str = Field(min_length=1)


class NewGallery(_Model):
    name: str = Field(min_length=1, max_length=NAME_MAX)


class CreateGallery(_Model):
    gallery: NewGallery


class GalleryUpdates(_Model):
    name: str = Field(min_length=1, max_length=NAME_MAX)


class GalleryChange(Ref):
    updates: GalleryUpdates


class UpdateGallery(_Model):
    gallery: GalleryChange


class CreateFace(_Model):
    gallery: Ref | None = None  # none: the key's default gallery
    face: _Gendered | None = None


class ImageUrl(_Model):
    url: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str) -> str:
        if not value.startswith("valossaupload://"):
            raise ValueError("expected a valossaupload:// URL from upload_image")
        return value


class AddImage(_Model):
    face: Ref
    image: ImageUrl


class FaceUpdates(_Gendered):
    """Only the fields given change; null clears one."""

    @model_validator(mode="after")
    def _something(self) -> FaceUpdates:
        if not self.model_fields_set & {"name", "gender"}:
            raise ValueError("expected name and/or gender")
        return self

    def changes(self) -> dict[str, str | None]:
        return {k: getattr(self, k) for k in ("name", "gender") if k in self.model_fields_set}


class FaceChange(Ref):
    updates: FaceUpdates


class UpdateFace(_Model):
    face: FaceChange


class RemoveImage(_Model):
    image: Ref
    face: Ref | None = None  # when given, the image must be this face's


class RemoveFace(_Model):
    face: Ref
