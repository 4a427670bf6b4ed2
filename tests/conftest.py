"""Shared fixtures: tiny registries made from the shipped code lists and chosen records."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_registry(root: Path, records: dict[str, str | bytes]) -> Path:
    """A data folder under ``root`` with the real code lists and the given point files."""
    data = root / "data"
    (data / "points").mkdir(parents=True)
    for path in DATA.iterdir():
        if path.is_file():
            shutil.copy(path, data / path.name)
    for name, content in records.items():
        target = data / "points" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return data


def fixture(name: str) -> bytes:
    return (FIXTURES / "points" / name).read_bytes()


@pytest.fixture
def registry_dir(tmp_path, monkeypatch):
    """Build a registry from fixture files (``{"x.yaml": "fixture.yaml"}``); cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)

    def build(files: dict[str, str]) -> Path:
        return make_registry(tmp_path, {target: fixture(source) for target, source in files.items()})

    return build
