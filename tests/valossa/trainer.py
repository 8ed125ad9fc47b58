"""A small client of the Training API for tests, and tiny JPG/PNG images (each `salt` gives other bytes)."""

from __future__ import annotations

import struct
from typing import Any

import httpx

TRAINING = "/training/1.0"


def png(width: int = 64, height: int = 48, salt: str = "") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0" + salt.encode()


def jpeg(width: int = 640, height: int = 480, salt: str = "") -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xda" + salt.encode() + b"\xff\xd9"


class Trainer:
    def __init__(self, client: httpx.AsyncClient, key: str = "key-a") -> None:
        self.client = client
        self.key = key
        self._salt = 0

    async def post(self, route: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
        return await self.client.post(f"{TRAINING}/{route}", json={"api_key": key or self.key, **body})

    async def get(self, route: str, key: str | None = None, **params: str) -> httpx.Response:
        return await self.client.get(f"{TRAINING}/{route}", params={"api_key": key or self.key, **params})

    async def ok(self, route: str, body: dict[str, Any] | None = None, **params: str) -> Any:
        r = await (self.post(route, body) if body is not None else self.get(route, **params))
        assert r.status_code == 200, r.text
        return r.json()

    async def send_image(self, data: bytes | None = None, key: str | None = None,
                         filename: str = "face.png", content_type: str = "image/png") -> httpx.Response:
        if data is None:
            self._salt += 1
            data = png(salt=f"{self.key}-{self._salt}")
        return await self.client.post(f"{TRAINING}/upload_image", data={"api_key": key or self.key},
                                      files={"image_data": (filename, data, content_type)})

    async def upload(self, data: bytes | None = None) -> str:
        r = await self.send_image(data)
        assert r.status_code == 200, r.text
        return r.json()["uploaded_file_url"]

    async def gallery(self, name: str = "My actors") -> str:
        return (await self.ok("create_face_gallery", {"gallery": {"name": name}}))["gallery_id"]

    async def face(self, gallery: str | None = None, **fields: Any) -> str:
        body: dict[str, Any] = {"face": fields} if fields else {}
        if gallery:
            body["gallery"] = {"id": gallery}
        return (await self.ok("create_face_identity", body))["face_id"]

    async def add(self, face_id: str, url: str | None = None) -> str:
        url = url or await self.upload()
        return (await self.ok("add_face_image", {"face": {"id": face_id}, "image": {"url": url}}))["image_id"]

    async def trained(self, gallery: str | None = None, images: int = 1, **fields: Any) -> str:
        """A face identity with `images` images."""
        face_id = await self.face(gallery, **fields)
        for _ in range(images):
            await self.add(face_id)
        return face_id

    async def job(self, gallery: str | None = None, url: str = "https://example.com/video.mp4",
                  headers: dict[str, str] | None = None) -> str:
        body: dict[str, Any] = {"api_key": self.key, "media": {"video": {"url": url}}}
        if gallery:
            body["analysis_parameters"] = {"face_galleries": {"custom_gallery": {"id": gallery}}}
        r = await self.client.post("/core/1.0/new_job", json=body, headers=headers or {})
        assert r.status_code == 200, r.text
        return r.json()["job_id"]

    async def core(self, job_id: str) -> dict[str, Any]:
        r = await self.client.get("/core/1.0/job_results", params={"api_key": self.key, "job_id": job_id})
        assert r.status_code == 200, r.text
        return r.json()


def faces(core: dict[str, Any]) -> list[dict[str, Any]]:
    """human.face detections, most visible first."""
    ids = core["detection_groupings"]["by_detection_type"].get("human.face", [])
    return [core["detections"][i] for i in ids]


def trained_matches(core: dict[str, Any]) -> list[dict[str, Any]]:
    """Every similar_to entry naming a gallery (trained identities), face by face."""
    return [m for face in faces(core) for m in face["a"].get("similar_to", []) if "gallery" in m]
