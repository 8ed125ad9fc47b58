"""The gateway's emulator-only controls, mounted by the admin API under /_emulator/gateway/: the signing keys
(list, rotate, retire) and the tokens issued since the last reset."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .auth import Auth
from .keys import KeyRing


class KeysAdmin:
    def __init__(self, auth: Auth) -> None:
        self.auth = auth

    @property
    def keys(self) -> KeyRing:
        return self.auth.keys

    def view(self) -> dict[str, object]:
        return {"signing": self.keys.current.kid,
                "keys": [{"kid": k.kid, "created": int(k.created), "signing": k is self.keys.current}
                         for k in self.keys.keys]}

    async def list_keys(self, request: Request) -> Response:
        return JSONResponse(self.view())

    async def rotate(self, request: Request) -> Response:
        self.keys.rotate()
        self.auth.keys_changed()
        return JSONResponse(self.view())

    async def retire(self, request: Request) -> Response:
        kid = request.path_params["kid"]
        try:
            self.keys.retire(kid)
        except KeyError:
            raise HTTPException(404, f"no published key {kid!r}") from None
        except ValueError as exc:
            raise HTTPException(409, str(exc)) from None
        self.auth.keys_changed()
        return JSONResponse(self.view())

    async def tokens(self, request: Request) -> Response:
        return JSONResponse({"tokens": list(self.auth.issued)})

    def routes(self) -> list[Route]:
        return [
            Route("/keys", self.list_keys, methods=["GET"]),
            Route("/keys/rotate", self.rotate, methods=["POST"]),
            Route("/keys/{kid}", self.retire, methods=["DELETE"]),
            Route("/tokens", self.tokens, methods=["GET"]),
        ]
