"""The gateway's own port (--listen gateway=PORT): /openapi.json with the configured audience and this
emulator's absolute token URL, and Swagger UI at /swagger/ served from the package's files (no CDN): the page,
every asset it references, the initializer that authorizes with the default client. With Debian's chromium
installed, a headless browser also renders the page, authorizes and lists the operations (skipped without)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
import requests

from emulator.services.gateway import HERE
from emulator.testing import Emulator

AUDIENCE = "https://api.example.test/gateway"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(listen={"gateway": 0}, gateway={"audience": AUDIENCE}) as emu:
        yield emu


def test_openapi_json_on_the_own_port(emu: Emulator) -> None:
    base = emu.port_url("gateway")
    r = requests.get(base + "/openapi.json", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    assert doc["x-oidc-audience"] == AUDIENCE
    scheme = doc["components"]["securitySchemes"]["oauth2ClientCredentials"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == base + "/oauth/token"
    file = json.loads((HERE / "openapi.json").read_text())
    assert doc["paths"] == file["paths"]  # the same operations as the file (served at /_emulator/openapi/...)
    assert requests.get(emu.url + "/_emulator/openapi/gateway.json", timeout=10).json() == file
    assert requests.get(emu.url + "/_emulator/openapi/auth.json", timeout=10).json() == json.loads(
        (HERE / "auth.json").read_text())
    r = requests.get(base + "/nothing-here", timeout=10)  # the own port's other paths: the gateway's envelope
    assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND"


def test_swagger_page_and_every_asset_it_references_are_local(emu: Emulator) -> None:
    base = emu.port_url("gateway")
    assert requests.get(base + "/swagger", timeout=10, allow_redirects=False).headers["location"] == "/swagger/"
    page = requests.get(base + "/swagger/", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and not [r for r in refs if r.startswith(("http:", "https:", "//"))]  # no CDN
    assert {"./swagger-ui-bundle.js", "./swagger-ui.css", "./swagger-initializer.js"} <= set(refs)
    for ref in refs:
        asset = requests.get(urljoin(base + "/swagger/", ref), timeout=10)
        assert asset.status_code == 200 and len(asset.content) > 100, ref
    bundle = requests.get(base + "/swagger/swagger-ui-bundle.js", timeout=10)
    assert bundle.headers["content-type"].startswith("text/javascript") and b"SwaggerUIBundle" in bundle.content
    init = requests.get(base + "/swagger/swagger-initializer.js", timeout=10).text
    oauth = json.loads(re.search(r"initOAuth\((\{.*\})\);", init).group(1))  # type: ignore[union-attr]
    assert oauth["clientId"] == "emulator-client" and oauth["clientSecret"] == "emulator-secret"
    assert oauth["additionalQueryStringParams"] == {"audience": AUDIENCE}
    assert '"../openapi.json"' in init
    assert requests.get(base + "/swagger/../../etc/passwd", timeout=10).status_code == 404
    assert requests.get(base + "/swagger/nothing.js", timeout=10).status_code == 404


def test_the_token_request_swagger_ui_sends(emu: Emulator) -> None:
    """Swagger UI's client credentials: HTTP Basic, a form with grant_type and the ticked scopes (maybe none),
    and the audience in the token URL's query string (initOAuth additionalQueryStringParams)."""
    base = emu.port_url("gateway")
    r = requests.post(base + "/oauth/token", params={"audience": AUDIENCE}, data={"grant_type": "client_credentials",
                                                                                  "scope": ""},
                      auth=("emulator-client", "emulator-secret"), timeout=10)
    assert r.status_code == 200 and "read:providers" in r.json()["scope"].split()
    listed = requests.get(base + "/v1/providers", headers={"Authorization": f"Bearer {r.json()['access_token']}"},
                          timeout=10)
    assert listed.status_code == 200


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (apt-get install chromium)")
def test_a_real_browser_renders_the_operations(emu: Emulator, tmp_path: object) -> None:
    base = emu.port_url("gateway")
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         f"--user-data-dir={tmp_path}", "--virtual-time-budget=15000", "--dump-dom", base + "/swagger/"],
        capture_output=True, text=True, timeout=120)
    dom = result.stdout
    assert "AI Gateway (dev)" in dom, result.stderr[-2000:]
    for operation in ("/v1/transcriptions", "/v1/translations/{id}/result", "/v1/video-analyses", "/v1/providers"):
        assert operation.replace("{", "").replace("}", "") in dom.replace("{", "").replace("}", "").replace(
            "\u200b", "")
    assert "Authorize" in dom
