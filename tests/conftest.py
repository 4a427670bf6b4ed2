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


PLANTED_PRIVATE_PHONE = "13912345678"


def build(data: Path, out: Path, **settings) -> Path:
    from servicepoints.build import build_site
    from servicepoints.settings import Settings

    defaults = {"release_date": "2026-01-01"}
    build_site(ROOT / "mkdocs.yml", data, out, Settings(**(defaults | settings)))
    return out


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory) -> Path:
    """The site built from the shipped registry."""
    return build(DATA, tmp_path_factory.mktemp("shipped") / "site")


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory) -> Path:
    """A tiny registry with hostile names and a private block holding a planted phone number."""
    root = tmp_path_factory.mktemp("hostile")
    good = fixture("good.yaml").decode() + f"private:\n  contact: 王科长\n  mobile: '{PLANTED_PRIVATE_PHONE}'\n"
    data = make_registry(root, {"good.yaml": good, "hostile.yaml": fixture("hostile.yaml")})
    return build(data, root / "site")


def soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="session")
def points_by_id() -> dict[str, dict]:
    """The shipped registry's public records by id."""
    from servicepoints.load import read_registry
    from servicepoints.validate import validate

    return {p["id"]: p for p in validate(read_registry(DATA)).points}


def require_tool(command: str, package: str) -> str:
    """The path of an outside tool; skip with the reason if it is missing, but fail in CI (CI=true)."""
    import os

    path = shutil.which(command)
    if path:
        return path
    reason = f"{command} not installed (Debian package {package}; .ci/install-opendata installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)
