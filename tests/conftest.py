"""Shared fixtures: tiny registries made from the shipped code lists and chosen records."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = ROOT / "data"
FIXTURES = TESTS / "fixtures"


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


def build(data: Path, out: Path, config: Path = ROOT / "mkdocs.yml", **settings) -> Path:
    """Build ``data`` with an instance's mkdocs.yml and the servicepoints.yml beside it, plus ``settings``."""
    import dataclasses

    from servicepoints.build import build_site
    from servicepoints.core.settings import load_settings

    instance = load_settings(config.parent / "servicepoints.yml")
    build_site(config, data, out, dataclasses.replace(instance, **({"release_date": "2026-01-01"} | settings)))
    return out


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory) -> Path:
    """The site built from the shipped registry."""
    return build(DATA, tmp_path_factory.mktemp("shipped") / "site")


SECOND_CITY = FIXTURES / "second-city"  # a made-up city: its own data/, docs/, mkdocs.yml and servicepoints.yml


def second_city_repository(root: Path) -> Path:
    """Another city's repository as CONTRIBUTING describes it: the instance's files with the software's
    templates beside them (linked here, copied in a real fork)."""
    repo = root / "second-city"
    shutil.copytree(SECOND_CITY, repo)
    (repo / "site_templates").symlink_to(ROOT / "site_templates", target_is_directory=True)
    return repo


@pytest.fixture(scope="session")
def second_city_site(tmp_path_factory) -> Path:
    """The made-up second city, built once per session with its own settings."""
    repo = second_city_repository(tmp_path_factory.mktemp("city"))
    return build(repo / "data", repo / "site", config=repo / "mkdocs.yml")


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
    from servicepoints.registry.load import read_registry
    from servicepoints.registry.validate import validate

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


# --- the browser tests' Chromium and local server (test_map, test_readers, test_cms_browser, test_hours_browser)

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
# Headless, no sandbox (containers), and nothing that would reach the network or write outside /tmp.
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def require(paths: list, hint: str) -> None:
    """Skip when a tool the test needs is missing; in CI, fail: CI must install it."""
    if all(Path(p).exists() for p in paths):
        return
    if IN_CI:
        pytest.fail(hint + " — CI must install it (.ci/install-browser)")
    pytest.skip(hint)


def require_browser() -> None:
    require(
        [CHROMIUM, CHROMEDRIVER],
        "Chromium not found: run `make browser` (Debian packages chromium and chromium-driver)",
    )


@contextlib.contextmanager
def serving(directory: Path, handler: type = http.server.SimpleHTTPRequestHandler) -> Iterator[str]:
    """A quiet local web server for ``directory`` while the block runs: its base URL, no trailing slash."""

    class Quiet(handler):
        def log_message(self, *args) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: Quiet(*a, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def chrome(*args: str, logs: bool = False, eager: bool = False):
    """Headless Chromium through Selenium with CHROMIUM_ARGS plus ``args``, the network domain enabled;
    ``logs`` keeps the browser console and network log (``get_log``), ``eager`` returns before subresources."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (*CHROMIUM_ARGS, *args):
        options.add_argument(arg)
    if logs:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if eager:
        options.page_load_strategy = "eager"
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    return driver


def requested_hosts(driver) -> set:
    """Hosts of every request in the network log since it was last read (data:, blob: and about: are no hosts)."""
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(("data:", "blob:", "about:")):
                hosts.add(urlparse(url).hostname)
    return hosts
