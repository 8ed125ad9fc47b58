"""The gateway's own port's root pages: /openapi.json (the document with this emulator's absolute token URL
and the configured audience as x-oidc-audience) and Swagger UI at /swagger/, served from the files of the
swagger-ui-bundle-v2 package (no CDN), authorizing with the first configured client."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from ..errors import RouteNotFound
from ..responses import JSONBody
from ..routing import Endpoint
from .links import Links
from .settings import GatewaySettings

HERE = Path(__file__).parent
PAGES = [
    Endpoint("GET", "/openapi.json", "openapi"),
    Endpoint("GET", "/swagger", "to_swagger"),
    Endpoint("GET", "/swagger/", "swagger"),
    Endpoint("GET", "/swagger/swagger-initializer.js", "initializer"),
    Endpoint("GET", "/swagger/{file}", "asset"),
]
OURS = {"index.html", "index.j2", "swagger-initializer.js"}  # the package's own page and setup: ours instead
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png",
         ".map": "application/json", ".html": "text/html; charset=utf-8"}

INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>AI Gateway (emulated) - Swagger UI</title>
  <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
  <link rel="stylesheet" type="text/css" href="./index.css">
  <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="./favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="./swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script src="./swagger-initializer.js" charset="UTF-8"></script>
</body>
</html>
"""

INITIALIZER = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "../openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    oauth2RedirectUrl: new URL("./oauth2-redirect.html", window.location.href).href,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
  // The emulator's default client; the audience goes to the token request as Auth0 expects it.
  window.ui.initOAuth(%(oauth)s);
};
"""


def bundle_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    return Path(str(swagger_ui_path))


class Docs:
    def __init__(self, settings: GatewaySettings, links: Links) -> None:
        self.settings, self.links = settings, links

    @cached_property
    def assets(self) -> dict[str, Path]:
        folder = bundle_dir()
        return {p.name: p for p in folder.iterdir() if p.is_file() and p.name not in OURS}

    def document(self, base: str) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads((HERE / "openapi.json").read_text())
        audience = self.settings.audience
        doc["x-oidc-audience"] = audience
        scheme = doc["components"]["securitySchemes"]["oauth2ClientCredentials"]
        scheme["x-oidc-audience"] = audience
        scheme["flows"]["clientCredentials"]["tokenUrl"] = f"{base}/oauth/token"
        scheme["description"] = ("Auth0 client credentials from this emulator's issuer; audience "
                                 f"{audience} (x-oidc-audience).")
        return doc

    async def openapi(self, request: Request) -> Response:
        return JSONBody(self.document(self.links.learn(request)))

    async def to_swagger(self, request: Request) -> Response:
        return RedirectResponse("/swagger/", status_code=308)

    async def swagger(self, request: Request) -> Response:
        return Response(INDEX, media_type="text/html; charset=utf-8")

    async def initializer(self, request: Request) -> Response:
        client = self.settings.clients[0] if self.settings.clients else None
        oauth: dict[str, Any] = {"additionalQueryStringParams": {"audience": self.settings.audience},
                                 "appName": "video-ai-emulator"}
        if client is not None:
            oauth.update(clientId=client.client_id, clientSecret=client.client_secret)
        script = INITIALIZER % {"oauth": json.dumps(oauth)}
        return Response(script, media_type=TYPES[".js"])

    async def asset(self, request: Request) -> Response:
        path = self.assets.get(request.path_params["file"])
        if path is None:
            raise RouteNotFound("Not found")
        return FileResponse(path, media_type=TYPES.get(path.suffix, "application/octet-stream"))
