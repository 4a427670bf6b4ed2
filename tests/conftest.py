"""Shared fixtures: tiny registries made from the shipped code lists and chosen records."""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import sqlite3
import struct
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

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


@contextlib.contextmanager
def synthetic_site(count: int, prefix: str = "sp-synth-") -> Iterator[Path]:
    """A site built from ``count`` points of the benchmark's generator (scripts/synth.py), on tmpfs when there is
    one, removed after the block."""
    import importlib.util
    import tempfile

    spec = importlib.util.spec_from_file_location("synth", ROOT / "scripts" / "synth.py")
    assert spec and spec.loader
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=shm if shm.is_dir() else None))
    try:
        data, _ = synth.make(root, count)
        yield build(data, root / "site")
    finally:
        shutil.rmtree(root, ignore_errors=True)


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


# --- the browser tests' Chromium and local server (test_mapview, test_readers, test_cms_browser, test_hours_browser,
# test_markup): Playwright driving Debian's Chromium; every wait is wait_for(page, condition), never a sleep.

CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
# No sandbox (containers), and nothing that would reach the network or write outside /tmp. Playwright runs it
# headless itself.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
WAIT_SECONDS = 30  # an upper bound for any one condition: a loaded 2-core machine is slow, never this slow


def require(paths: list, hint: str) -> None:
    """Skip when a tool the test needs is missing; in CI, fail: CI must install it."""
    if all(Path(p).exists() for p in paths):
        return
    if IN_CI:
        pytest.fail(hint + " — CI must install it (.ci/install-browser)")
    pytest.skip(hint)


def require_browser() -> None:
    require([CHROMIUM], "Chromium not found: run `make browser` (Debian package chromium)")


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


@contextlib.contextmanager
def chrome(*args: str) -> Iterator[Browser]:
    """Headless Debian Chromium through Playwright, with CHROMIUM_ARGS plus ``args``, while the block runs."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *args])
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageLog:
    """What a page did that a test may ask about: every request's URL, console errors (with the address they
    came from), uncaught script errors, and dialogs (each dismissed, as nobody is there to answer)."""

    requests: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


_LOGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def new_page(browser: Browser, **context_options) -> Iterator[Page]:
    """A page in a fresh browser context (its own permissions, storage and start-up scripts), logged from its
    first request (``page_log``); ``context_options`` as Playwright's ``new_context`` takes them."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(WAIT_SECONDS * 1000)
    log = PageLog()
    context.on("request", lambda request: log.requests.append(request.url))
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and log.errors.append((m.text, m.location.get("url", ""))))
    page.on("pageerror", lambda error: log.errors.append((str(error), "")))
    page.on("dialog", lambda dialog: (log.dialogs.append(dialog.message), dialog.dismiss()))
    _LOGS[page] = log
    try:
        yield page
    finally:
        context.close()


def page_log(page: Page) -> PageLog:
    return _LOGS[page]


def requested_hosts(page: Page) -> set:
    """Hosts of every request the page's context made since this was last asked (data:, blob: and about: are no
    hosts)."""
    log = page_log(page)
    urls, log.requests[:] = list(log.requests), []
    return {urlparse(url).hostname for url in urls if not url.startswith(("data:", "blob:", "about:"))}


def wait_for(page: Page, condition: str, timeout: float = WAIT_SECONDS, arg=None):
    """Wait until the JavaScript ``condition`` (an expression, or a function of ``arg``) is truthy in the page, and
    return its value; checked on every animation frame. ``timeout`` (seconds) is only an upper bound: a condition
    that never holds fails the test with the condition's text."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        handle = page.wait_for_function(condition, arg=arg, timeout=timeout * 1000)
    except PlaywrightTimeout:
        raise AssertionError(f"timed out after {timeout} s waiting for: {condition}") from None
    return handle.json_value()


def gpkg_geometry(blob: bytes | None) -> tuple[float, float] | None:
    """(lon, lat) from a GeoPackage point blob: 'GP', version, flags, SRS id, no envelope, little-endian WKB."""
    if blob is None:
        return None
    assert blob[:2] == b"GP" and blob[2] == 0 and blob[3] == 1
    assert struct.unpack("<i", blob[4:8]) == (4326,)
    order, kind, lon, lat = struct.unpack("<BIdd", blob[8:])
    assert (order, kind) == (1, 1)
    return lon, lat


def gpkg_features(path) -> dict[str, tuple[tuple[float, float] | None, str | None, str]]:
    """id -> ((lon, lat) or None, position_note, precision) of every feature, read with sqlite3 only."""
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
    srs = connection.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'points'").fetchone()
    assert srs == (4326,)
    rows = connection.execute("SELECT id, geom, position_note, precision FROM points ORDER BY fid").fetchall()
    return {ident: (gpkg_geometry(geom), note, precision) for ident, geom, note, precision in rows}
