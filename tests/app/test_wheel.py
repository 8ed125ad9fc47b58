"""`pip install .` as pipx and CI images do it (a real wheel, not the editable install of the suite) ships the
scenarios and the canned fixtures, and the installed copy uses them.

The wheel is built from a copy of the checkout (nothing written into it) with the suite's own setuptools
(`--no-build-isolation --no-index`: no network) and installed without dependencies into a fresh venv in a tmp
dir; a `.pth` file there lends it the suite's installed dependencies. Only that folder is added to sys.path, no
`.pth` file in it runs, so the checkout's editable install is not importable: the tests check that `emulator`
comes from the fresh venv.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("scenarios", "fixtures")
BIN = "Scripts" if os.name == "nt" else "bin"  # a venv's scripts folder
CANNED = "https://media.example.org/canned/charade-first-10-minutes.mp4"  # fixtures/valossa/mapping.yaml
# Not needed to build the wheel (and caches or earlier builds must not leak into it).
NOT_COPIED = {".git", ".venv", ".emulator", "build", "dist", "tests", "bench", "docs"}
SKIP = shutil.ignore_patterns("__pycache__", "*.py[co]", "*.egg-info", ".*cache", ".hypothesis", "_shipped")
LEFT_OUT = (".*", "__pycache__", "*.py[co]", "*~", "*.swp")  # what setup.py does not ship from the folders

# Runs in the fresh venv: where everything comes from, then a job through the shipped scenario and one through
# the shipped fixtures, served by emulator.testing.Emulator. One JSON document on stdout.
PROBE = """
import json, sys
import httpx
import emulator, emulator.shipped
from emulator.testing import Emulator

# emulator is a namespace package: __path__ would list the checkout too if it were importable.
out = {"prefix": sys.prefix, "emulator": [*emulator.__path__, emulator.shipped.__file__],
       "scenarios": str(emulator.shipped.shipped("scenarios")), "fixtures": str(emulator.shipped.shipped("fixtures"))}
with Emulator(seed=1) as emu:
    base = emu.service_url("valossa")
    def new_job(url):
        r = httpx.post(base + "/new_job", json={"api_key": "k", "media": {"video": {"url": url}}})
        r.raise_for_status()
        return r.json()["job_id"]
    failing, canned = new_job("https://example.com/download-failure.mp4"), new_job(sys.argv[1])
    emu.admin.advance(86400)
    out["failing"] = httpx.get(base + "/job_status", params={"api_key": "k", "job_id": failing}).json()
    out["canned"] = httpx.get(base + "/job_status", params={"api_key": "k", "job_id": canned}).json()
    out["core"] = httpx.get(base + "/job_results", params={"api_key": "k", "job_id": canned}).json()
    out["sources"] = sorted({s["source"] for s in emu.admin.scenarios()["scenarios"] if s.get("source")})
print(json.dumps(out))
"""


@dataclass
class Installed:
    venv: Path
    python: Path
    env: dict[str, str]
    wheel: Path

    def run(self, *args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                              env=self.env, cwd=self.venv.parent)


def run(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def files(folder: Path) -> set[str]:
    """The files under folder that a build ships, as relative paths."""
    relative = (p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    return {r.as_posix() for r in relative if not any(fnmatch(part, pat) for part in r.parts for pat in LEFT_OUT)}


def not_copied(folder: str, names: list[str]) -> set[str]:
    skipped = set(SKIP(folder, names))
    return skipped | (NOT_COPIED & set(names)) if Path(folder) == ROOT else skipped


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    src, dist, venv = tmp / "src", tmp / "dist", tmp / "venv"
    shutil.copytree(ROOT, src, ignore=not_copied)
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input")
    # Needs setuptools>=77 in the suite's venv (the dev extras; `make install`).
    run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", dist, src)
    (wheel,) = dist.glob("video_ai_emulator-*.whl")
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / BIN / "python"
    run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel)
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    deps = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))  # the suite's, in order
    (purelib / "zz-suite-dependencies.pth").write_text("".join(f"{d}\n" for d in deps))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "EMULATOR_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / BIN}{os.pathsep}{env.get('PATH', '')}"
    return Installed(venv, python, env, wheel)


def test_wheel_holds_every_shipped_file(installed: Installed) -> None:
    import zipfile

    with zipfile.ZipFile(installed.wheel) as zf:
        names = set(zf.namelist())
    for name in SHIPPED:
        inside = {n.removeprefix(f"emulator/_shipped/{name}/") for n in names
                  if n.startswith(f"emulator/_shipped/{name}/")}
        assert inside == files(ROOT / name), f"the wheel's {name}/ differs from the repository's"
    assert {"scenarios/valossa.yaml", "scenarios/scenario.schema.json", "fixtures/valossa/mapping.yaml",
            "fixtures/valossa/charade-600s/core.json.gz"} <= {n.removeprefix("emulator/_shipped/") for n in names}


def test_installed_copy_serves_the_shipped_scenarios_and_fixtures(installed: Installed) -> None:
    result = installed.run(installed.python, "-c", PROBE, CANNED)
    assert result.returncode == 0, f"probe failed:\n{result.stdout}\n{result.stderr}"
    out = json.loads(result.stdout.strip().splitlines()[-1])
    venv = installed.venv.resolve()
    # The installed copy, not the checkout's editable install.
    assert Path(out["prefix"]).resolve() == venv
    assert all(Path(p).resolve().is_relative_to(venv) for p in out["emulator"]), out["emulator"]
    for name in SHIPPED:
        assert Path(out[name]).resolve().is_relative_to(venv), out[name]
        assert files(Path(out[name])) == files(ROOT / name)
    assert out["sources"] and all(Path(s).resolve().is_relative_to(venv) for s in out["sources"]), out["sources"]
    # A shipped scenario applies: download-failure ends in error.
    assert out["failing"]["status"] == "error" and out["failing"]["media_transfer_status"] == "error", out["failing"]
    # A shipped fixture is served.
    assert out["canned"]["status"] == "finished", out["canned"]
    canned = json.loads(gzip.decompress((ROOT / "fixtures/valossa/charade-600s/core.json.gz").read_bytes()))
    assert out["core"]["media_info"] == canned["media_info"]
    assert len(out["core"]["detections"]) == len(canned["detections"])


def test_installed_cli_validates_the_installed_scenario_file(installed: Installed) -> None:
    cli = installed.venv / BIN / "video-ai-emulator"
    if os.name != "nt":
        assert cli.read_text().splitlines()[0] == f"#!{installed.python}"  # the fresh venv's, not the suite's
    packaged = installed.run(installed.python, "-c",
                             "import emulator.shipped as s; print(s.shipped('scenarios') / 'valossa.yaml')")
    scenario_file = Path(packaged.stdout.strip())
    assert scenario_file.resolve().is_relative_to(installed.venv.resolve()), packaged
    result = installed.run(cli, "scenario", "validate", scenario_file)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    schema = installed.run(cli, "scenario", "schema")
    assert json.loads(schema.stdout) == json.loads((ROOT / "scenarios/scenario.schema.json").read_text())
