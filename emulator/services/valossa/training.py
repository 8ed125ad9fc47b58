"""The eleven Training API functions (docs: Face Training API; /training/1.0, a second mount of the Valossa
service). Routes parse and check; galleries.py stores. TRAINING_ROUTES is the table a contract test reads."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...engine import Engine
from .. import requests as params
from ..responses import JSONBody
from ..routing import Endpoint
from .errors import invalid
from .galleries import Galleries
from .images import MAX_IMAGE_BYTES
from .keys import ApiKeys
from .lifecycle import SERVICE
from .models import parse
from .training_models import AddImage, CreateFace, CreateGallery, RemoveFace, RemoveImage, UpdateFace, UpdateGallery

TRAINING_ROUTES = [
    Endpoint("POST", "/upload_image", "upload_image"),
    Endpoint("POST", "/create_face_gallery", "create_face_gallery"),
    Endpoint("POST", "/update_face_gallery", "update_face_gallery"),
    Endpoint("GET", "/list_face_galleries", "list_face_galleries"),
    Endpoint("POST", "/create_face_identity", "create_face_identity"),
    Endpoint("POST", "/add_face_image", "add_face_image"),
    Endpoint("GET", "/list_face_identities", "list_face_identities"),
    Endpoint("GET", "/list_face_images", "list_face_images"),
    Endpoint("POST", "/update_face_identity", "update_face_identity"),
    Endpoint("POST", "/remove_face_image", "remove_face_image"),
    Endpoint("POST", "/remove_face_identity", "remove_face_identity"),
]


class TrainingApi:
    def __init__(self, engine: Engine, keys: ApiKeys, galleries: Galleries) -> None:
        self.engine = engine
        self.keys = keys
        self.galleries = galleries

    async def _checked(self, request: Request, data: dict[str, Any]) -> str:
        """The key (401 first, as in Core), then the scenario's faults, before the call has any effect."""
        key = self.keys.check(data)
        await self.engine.faults.check(request.scope, SERVICE)
        return key

    async def _json(self, request: Request) -> tuple[str, dict[str, Any]]:
        data = await params.json_body(request)
        return await self._checked(request, data), data

    async def _query(self, request: Request) -> tuple[str, dict[str, str]]:
        query = params.query(request.scope)
        return await self._checked(request, query), query

    # --- images
    async def upload_image(self, request: Request) -> Response:
        data = await params.form_body(request)
        key = await self._checked(request, data)
        part = params.upload(data, "image_data")
        try:
            raw = await part.read(MAX_IMAGE_BYTES + 1)  # never more than the limit in memory
        finally:
            await part.close()
        if len(raw) > MAX_IMAGE_BYTES:
            raise invalid("image_data", f"larger than 8 MB ({MAX_IMAGE_BYTES} bytes)")
        return JSONBody({"uploaded_file_url": await self.galleries.upload(key, raw)})

    # --- galleries
    async def create_face_gallery(self, request: Request) -> Response:
        key, data = await self._json(request)
        body = parse(CreateGallery, data)
        return JSONBody({"gallery_id": await self.galleries.create_gallery(key, body.gallery.name)})

    async def update_face_gallery(self, request: Request) -> Response:
        key, data = await self._json(request)
        gallery = parse(UpdateGallery, data).gallery
        await self.galleries.rename_gallery(key, gallery.id, gallery.updates.name)
        return JSONBody({})

    async def list_face_galleries(self, request: Request) -> Response:
        key, _ = await self._query(request)
        listed = [{"id": g["id"], "name": g["name"], "is_default": g["default"]}
                  for g in await self.galleries.galleries(key)]
        return JSONBody({"face_galleries": listed})

    # --- face identities
    async def create_face_identity(self, request: Request) -> Response:
        key, data = await self._json(request)
        body = parse(CreateFace, data)
        face = body.face
        face_id = await self.galleries.create_face(key, body.gallery.id if body.gallery else None,
                                                   face.name if face else None, face.gender if face else None)
        return JSONBody({"face_id": face_id})

    async def add_face_image(self, request: Request) -> Response:
        key, data = await self._json(request)
        body = parse(AddImage, data)
        return JSONBody({"image_id": await self.galleries.add_image(key, body.face.id, body.image.url)})

    async def list_face_identities(self, request: Request) -> Response:
        key, query = await self._query(request)
        faces = await self.galleries.faces(key, params.text(query, "gallery.id", required=False))
        listed = [{"id": f["id"], "name": f["name"], "gender": f["gender"]} for f in faces]
        return JSONBody({"face_identities": listed})

    async def list_face_images(self, request: Request) -> Response:
        key, query = await self._query(request)
        images = await self.galleries.images(key, params.text(query, "face.id"))
        return JSONBody({"face_images": [{"id": i["id"]} for i in images]})

    async def update_face_identity(self, request: Request) -> Response:
        key, data = await self._json(request)
        face = parse(UpdateFace, data).face
        await self.galleries.update_face(key, face.id, face.updates.changes())
        return JSONBody({})

    async def remove_face_image(self, request: Request) -> Response:
        key, data = await self._json(request)
        body = parse(RemoveImage, data)
        await self.galleries.remove_image(key, body.image.id, body.face.id if body.face else None)
        return JSONBody({})

    async def remove_face_identity(self, request: Request) -> Response:
        key, data = await self._json(request)
        await self.galleries.remove_face(key, parse(RemoveFace, data).face.id)
        return JSONBody({})
