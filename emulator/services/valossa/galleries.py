"""What the Training API stores (docs: Face Training API): face galleries, face identities and their images,
per api_key, as engine store records, so they live as long as the store does (across restarts on SQLite, until
POST /_emulator/reset). A training image keeps only what recognition needs: format, size, dimensions and
SHA-256, never its bytes.

Another key's gallery, face or image is as unknown as a missing one (404), as Core does for jobs."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from ...engine import Engine
from .errors import BadRequest, NotFound, invalid
from .images import sniff
from .uploads import FILE, SCHEME

GALLERY = "valossa-face-gallery"
FACE = "valossa-face"
IMAGE = "valossa-face-image"
UPLOAD = "valossa-training-upload"  # keyed by its valossaupload:// URL
DEFAULT = "valossa-default-gallery"  # keyed by the api_key: {"id"}, so new_job finds it without a scan

GALLERY_NOT_FOUND = "Face gallery not found"
FACE_NOT_FOUND = "Face not found"
IMAGE_NOT_FOUND = "Face image not found"


class Galleries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store
        self._default = asyncio.Lock()  # one default gallery per key, however many first uses race

    def _new(self, kind: str) -> tuple[str, int]:
        """A new id (seeded ids are reproducible) and its sequence number, which orders listings."""
        new_id = self.engine.ids.next(kind)
        return new_id, self.engine.ids.counters[kind]

    async def _owned(self, kind: str, key: str | None, owner: str, not_found: str) -> dict[str, Any]:
        record = await self.store.get_record(kind, key) if key else None
        if record is None or record["owner"] != owner:
            raise NotFound(not_found)
        return record

    async def _all(self, kind: str, owner: str, **where: Any) -> list[dict[str, Any]]:
        records = (await self.store.list_records(kind, owner)).values()  # this key's only: no scan of the others'
        found = [r for r in records if all(r.get(k) == v for k, v in where.items())]
        return sorted(found, key=lambda r: r["seq"])

    # --- galleries
    async def _put_gallery(self, owner: str, name: str | None, default: bool) -> dict[str, Any]:
        gallery_id, seq = self._new(GALLERY)
        record = {"id": gallery_id, "owner": owner, "name": name, "default": default, "seq": seq,
                  "created": self.engine.clock.now()}
        await self.store.put_record(GALLERY, gallery_id, record)
        return record

    async def create_gallery(self, owner: str, name: str) -> str:
        return (await self._put_gallery(owner, name, default=False))["id"]

    async def default_gallery(self, owner: str, *, create: bool = False) -> dict[str, Any] | None:
        """The key's default gallery: made on first use (create=True), never named, one per key."""
        found = await self._default_gallery(owner)
        if found is not None or not create:
            return found
        async with self._default:
            found = await self._default_gallery(owner)  # made while this call waited
            if found is None:
                found = await self._put_gallery(owner, None, default=True)
                await self.store.put_record(DEFAULT, owner, {"id": found["id"]})
            return found

    async def _default_gallery(self, owner: str) -> dict[str, Any] | None:
        ref = await self.store.get_record(DEFAULT, owner)  # every new_job asks: one lookup, no scan
        return await self.store.get_record(GALLERY, ref["id"]) if ref else None

    async def gallery(self, owner: str, gallery_id: str | None) -> dict[str, Any]:
        return await self._owned(GALLERY, gallery_id, owner, GALLERY_NOT_FOUND)

    async def galleries(self, owner: str) -> list[dict[str, Any]]:
        return await self._all(GALLERY, owner)

    async def rename_gallery(self, owner: str, gallery_id: str, name: str) -> None:
        gallery = await self.gallery(owner, gallery_id)
        if gallery["default"]:
            raise BadRequest("The default gallery cannot be named")
        await self.store.put_record(GALLERY, gallery_id, {**gallery, "name": name})

    # --- face identities
    async def create_face(self, owner: str, gallery_id: str | None, name: str | None, gender: str | None) -> str:
        gallery = (await self.gallery(owner, gallery_id) if gallery_id
                   else await self.default_gallery(owner, create=True))
        assert gallery is not None
        face_id, seq = self._new(FACE)
        await self.store.put_record(FACE, face_id, {"id": face_id, "owner": owner, "gallery": gallery["id"],
                                                    "name": name, "gender": gender, "seq": seq,
                                                    "created": self.engine.clock.now()})
        return face_id

    async def face(self, owner: str, face_id: str | None) -> dict[str, Any]:
        return await self._owned(FACE, face_id, owner, FACE_NOT_FOUND)

    async def faces(self, owner: str, gallery_id: str | None) -> list[dict[str, Any]]:
        """A gallery's identities; without a gallery id, the default gallery's (none before it exists)."""
        gallery = await self.gallery(owner, gallery_id) if gallery_id else await self.default_gallery(owner)
        return await self._all(FACE, owner, gallery=gallery["id"]) if gallery else []

    async def update_face(self, owner: str, face_id: str, changes: dict[str, Any]) -> None:
        face = await self.face(owner, face_id)
        await self.store.put_record(FACE, face_id, {**face, **changes})

    async def remove_face(self, owner: str, face_id: str) -> None:
        await self.face(owner, face_id)
        for image in await self._all(IMAGE, owner, face=face_id):
            await self.store.delete_record(IMAGE, image["id"])
        await self.store.delete_record(FACE, face_id)

    # --- images
    async def upload(self, owner: str, data: bytes) -> str:
        """upload_image: a valossaupload:// URL that add_face_image takes once."""
        try:
            info = sniff(data)
        except ValueError as exc:
            raise invalid("image_data", str(exc)) from None
        url = SCHEME + self.engine.ids.next(UPLOAD)
        await self.store.put_record(UPLOAD, url, {
            "url": url, "owner": owner, "format": info.format, "width": info.width, "height": info.height,
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "image": None,
            "created": self.engine.clock.now()})
        return url

    async def add_image(self, owner: str, face_id: str, url: str) -> str:
        face = await self.face(owner, face_id)
        upload = await self.store.get_record(UPLOAD, url)
        if upload is None or upload["owner"] != owner:
            video = await self.store.get_record(FILE, url)
            if video is not None and video["owner"] == owner:
                raise invalid("image.url", "a video upload is not an image; upload face images with upload_image")
            raise invalid("image.url", "no such uploaded image")
        if upload["image"] is not None:
            raise invalid("image.url", "this uploaded image was already added to a face")
        if any(i["sha256"] == upload["sha256"] for i in await self._all(IMAGE, owner, face=face["id"])):
            raise invalid("image.url", "this face already has the same image")
        image_id, seq = self._new(IMAGE)
        keep = {k: upload[k] for k in ("format", "width", "height", "size", "sha256")}
        await self.store.put_record(IMAGE, image_id, {"id": image_id, "owner": owner, "face": face["id"], "url": url,
                                                      **keep, "seq": seq, "created": self.engine.clock.now()})
        await self.store.put_record(UPLOAD, url, {**upload, "image": image_id})
        return image_id

    async def images(self, owner: str, face_id: str) -> list[dict[str, Any]]:
        await self.face(owner, face_id)
        return await self._all(IMAGE, owner, face=face_id)

    async def remove_image(self, owner: str, image_id: str, face_id: str | None) -> None:
        image = await self._owned(IMAGE, image_id, owner, IMAGE_NOT_FOUND)
        if face_id is not None and image["face"] != face_id:
            raise NotFound(IMAGE_NOT_FOUND)  # not an image of that face
        await self.store.delete_record(IMAGE, image_id)

    # --- what a new job sees
    async def snapshot(self, owner: str, gallery_id: str | None) -> dict[str, Any] | None:
        """The gallery a new job recognizes faces from, as it is now: the named one (None if the key has no
        such gallery) or the key's default one (None before it exists), with its identities that have at
        least one image. Kept on the job, so later training never changes a job already submitted."""
        if gallery_id:
            gallery = await self.store.get_record(GALLERY, gallery_id)
            if gallery is None or gallery["owner"] != owner:
                return None
        else:
            gallery = await self.default_gallery(owner)
            if gallery is None:
                return None
        counts: dict[str, int] = {}
        for image in await self._all(IMAGE, owner):
            counts[image["face"]] = counts.get(image["face"], 0) + 1
        faces = [{"id": f["id"], "name": f["name"], "gender": f["gender"], "images": counts[f["id"]]}
                 for f in await self._all(FACE, owner, gallery=gallery["id"]) if counts.get(f["id"])]
        return {"id": gallery["id"], "faces": faces}
