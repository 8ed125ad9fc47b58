"""No file of the repository names an absolute path of one machine (a workspace, a home folder): a clone
anywhere must work the same. Tools beside the checkout are found relative to it (.ci/run)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MACHINE_PATH = re.compile(r"(?<![\w.~-])/(?:work|home/\w+|Users/\w+|root)/")


def tracked() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in out.stdout.decode().split("\0") if name]


def test_no_machine_paths_in_tracked_files() -> None:
    found = []
    for path in tracked():
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError):
            continue  # binary (fixtures' .gz) or deleted in the working tree
        for n, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "absolute paths of a machine:\n" + "\n".join(found)
