"""ServiceApp's own matching of templated paths: typed parameters converted, the mount's parameters kept, a path
that fits another method's route answered 405 with Allow, an unknown one 404."""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emulator.services import ServiceApp
from emulator.services.errors import ServiceError


class Plain:
    def render(self, error: ServiceError) -> Response:
        return JSONResponse({"error": str(error)}, error.status, headers=getattr(error, "headers", None))


async def echo(request: Request) -> Response:
    return JSONResponse({"params": request.path_params, "endpoint": request.scope["endpoint"].__name__})


ROUTES = [Route("/items/{n:int}", echo, methods=["GET"]), Route("/items/{name}/tags/{tag}", echo, methods=["PUT"]),
          Route("/files/{rest:path}", echo, methods=["GET"])]


async def test_templated_paths() -> None:
    app = ServiceApp(ROUTES, Plain())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.get("/items/42")
        assert r.json() == {"params": {"n": 42}, "endpoint": "echo"}
        r = await client.put("/items/a/tags/b")
        assert r.json()["params"] == {"name": "a", "tag": "b"}
        r = await client.get("/files/a/b.txt")
        assert r.json()["params"] == {"rest": "a/b.txt"}
        r = await client.get("/items/a/tags/b")
        assert r.status_code == 405 and r.headers["allow"] == "PUT"
        assert (await client.get("/items/x")).status_code == 404


async def test_the_mounts_parameters_are_kept() -> None:
    app = ServiceApp(ROUTES, Plain())

    async def mounted(scope, receive, send):  # type: ignore[no-untyped-def]
        scope["path_params"] = {"tenant": "t1"}
        await app(scope, receive, send)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mounted), base_url="http://t") as client:
        assert (await client.get("/items/7")).json()["params"] == {"tenant": "t1", "n": 7}
