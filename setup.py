"""Build hook (the rest of the metadata is in pyproject.toml): the shipped `scenarios/` and `fixtures/` stay at
the repository root, where users look for them, and every built package (wheel, sdist → wheel, Docker image)
gets a copy of them inside as `emulator/_shipped/`, where `emulator/shipped.py` finds them. Whole folders are
copied, so a new `scenarios/<service>.yaml` or `fixtures/<service>/...` needs no change here. An editable
install (`make install`) copies nothing: it reads the checkout's own folders."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("scenarios", "fixtures")  # repository folders, copied whole
TARGET = ("emulator", "_shipped")  # where they go in the package
SKIP = shutil.ignore_patterns(".*", "__pycache__", "*.py[co]", "*~", "*.swp")


class BuildPyWithShipped(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib, *TARGET)
        shutil.rmtree(target, ignore_errors=True)  # a stale build/ must not ship files deleted since
        for name in SHIPPED:
            if not (ROOT / name).is_dir():
                raise SystemExit(f"setup.py: {ROOT / name} is missing: the package would ship without it")
            shutil.copytree(ROOT / name, target / name, ignore=SKIP)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        target = Path(self.build_lib, *TARGET)
        if not self.editable_mode and target.is_dir():
            outputs += [str(p) for p in sorted(target.rglob("*")) if p.is_file()]
        return outputs


setup(cmdclass={"build_py": BuildPyWithShipped})
