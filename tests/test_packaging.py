"""The wheel users install holds every file of the package (a missing migration or prompt
bank would only show on their machine, never in a checkout)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cercle", "bot", "cogs", "migrations")

pytestmark = pytest.mark.slow


def package_files() -> set[str]:
    """Every file under the packages' folders, as wheel paths, bytecode caches excluded."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_the_wheel_holds_every_package_file(tmp_path):
    """Build the wheel as pip does and compare its contents with the source tree.

    It is built from a copy, so setuptools' ``build/`` folder (which keeps files deleted
    since) never lands in the checkout nor in the wheel under test."""
    source = tmp_path / "src"
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(source)],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("cercle-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = package_files()
    assert {"migrations/0001_foundation.sql", "bot/prompts/bank/fr.csv", "cercle/cli.py"} <= expected
    missing = sorted(expected - names)
    assert not missing, f"files of the package missing from the wheel: {missing}"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel) as archive:
        assert "cercle = cercle.cli:main" in archive.read(entry_points).decode()
