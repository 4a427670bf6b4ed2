"""The map in a real browser: headless Chromium (Debian's chromium + chromium-driver) on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
import time
from urllib.parse import urlparse

import pytest

from conftest import DATA, build, fixture, make_registry
from servicepoints import geo, mapview
from servicepoints.load import read_registry
from servicepoints.model import SiteData
from servicepoints.nearest import nearest
from servicepoints.settings import Settings
from servicepoints.validate import validate

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
TILE_HOST_SUFFIX = ".is.autonavi.com"
HOSTILE = "<img src=x onerror=alert(1)>"


def _require_browser() -> None:
    if os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER):
        return
    message = "Chromium not found: run `make browser` (Debian packages chromium and chromium-driver)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " — CI must install it (.ci/install-browser)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def map_site(tmp_path_factory):
    """The shipped points plus one exactly placed point and one with a hostile name."""
    root = tmp_path_factory.mktemp("map")
    records = {p.relative_to(DATA / "points").as_posix(): p.read_bytes() for p in (DATA / "points").rglob("*.yaml")}
    records["gcj02.yaml"] = fixture("gcj02.yaml")
    records["hostile.yaml"] = fixture("hostile.yaml").replace(
        b'"<script>alert(1)</script>"', json.dumps(HOSTILE).encode()
    )
    data = make_registry(root, records)
    site = build(data, root / "site")
    return site, validate(read_registry(data)).points


@pytest.fixture(scope="module")
def server(map_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(map_site[0]))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def browser(server):
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    yield driver
    driver.quit()


def _open(driver, url: str, position: tuple[float, float] | None = None) -> None:
    if position:
        origin = f"{urlparse(url).scheme}://{urlparse(url).netloc}"
        driver.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["geolocation"], "origin": origin})
        driver.execute_cdp_cmd(
            "Emulation.setGeolocationOverride", {"latitude": position[0], "longitude": position[1], "accuracy": 5}
        )
    driver.get(url)
    deadline = time.time() + 15
    while time.time() < deadline:
        if driver.execute_script("return document.querySelectorAll('.leaflet-marker-icon').length > 0"):
            return
        time.sleep(0.1)
    raise AssertionError("the map drew no marker")


def _nearest_ids(driver) -> list[str]:
    deadline = time.time() + 10
    while time.time() < deadline:
        ids = driver.execute_script(
            "return [...document.querySelectorAll('#nearest li')].map(li => li.dataset.pointId)"
        )
        if ids:
            return ids
        time.sleep(0.1)
    return []


SHOWN = """
let n = 0;
document.querySelectorAll('.marker-cluster').forEach(c => n += parseInt(c.textContent, 10));
return n + document.querySelectorAll('.leaflet-marker-icon.sp-pin-icon').length;
"""


def test_initial_view_shows_every_located_point_once(browser, server, map_site):
    _, points = map_site
    _open(browser, f"{server}/map/")
    time.sleep(0.5)
    located = [p for p in points if p["lat"] is not None]
    assert browser.execute_script(SHOWN) == len(located)
    unlocated = browser.find_element("id", "unlocated").text
    assert f"另有 {len(points) - len(located)} 个网点位置待补充" in unlocated


def test_no_console_error_and_no_request_to_other_hosts(browser, server):
    _open(browser, f"{server}/map/")
    time.sleep(0.5)
    hosts = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith("data:"):
                hosts.add(urlparse(url).hostname)
    assert hosts - {"127.0.0.1"}, "expected tile requests"
    assert all(h == "127.0.0.1" or h.endswith(TILE_HOST_SUFFIX) for h in hosts), hosts
    errors = [
        e["message"]
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and TILE_HOST_SUFFIX not in e["message"]
    ]
    assert errors == []


def test_find_nearest_with_mocked_position_100m_from_a_point(browser, server, map_site):
    _, points = map_site
    target = next(p for p in points if p["id"] == "gcj02")
    position = (target["lat"] + 0.0009, target["lon"])  # about 100 m north
    assert 95 < geo.distance_km(*position, target["lat"], target["lon"]) * 1000 < 105
    _open(browser, f"{server}/map/", position)
    browser.find_element("id", "find-nearest").click()
    ids = _nearest_ids(browser)
    assert ids[0] == "gcj02"
    assert ids == [p["id"] for p, _ in nearest(points, *position, n=5)]


def test_town_choice_and_filters_match_the_command(browser, server, map_site):
    _, points = map_site
    _open(browser, f"{server}/map/#town=xiaolan")
    town = next(t for t in read_registry(DATA).tables["towns"] if t["slug"] == "xiaolan")
    centre = (float(town["approx_lat"]), float(town["approx_lon"]))
    assert _nearest_ids(browser) == [p["id"] for p, _ in nearest(points, *centre, n=5)]
    listed = browser.execute_script("return [...document.querySelectorAll('#town-points li')].length")
    assert listed == len([p for p in points if p["town"] == "小榄镇"])
    browser.execute_script(
        "const s = document.getElementById('filter-type'); s.value = 'trademark-station';"
        "s.dispatchEvent(new Event('change'));"
    )
    time.sleep(0.3)
    expected = [p["id"] for p, _ in nearest(points, *centre, n=5, type_code="trademark-station")]
    assert _nearest_ids(browser) == expected


def test_hostile_name_opens_no_dialog_and_shows_as_text(browser, server):
    from selenium.common.exceptions import NoAlertPresentException

    _open(browser, f"{server}/map/#point=hostile")
    time.sleep(1.5)
    popup = browser.execute_script("const p = document.querySelector('.sp-popup'); return p && p.textContent")
    assert popup and HOSTILE in popup
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - raises if no dialog is open
    assert browser.execute_script("return document.querySelectorAll('img[onerror]').length") == 0


def test_map_page_html_is_small_and_names_the_tile_provider(map_site):
    html = (map_site[0] / "map" / "index.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 100_000
    import re

    (attribution,) = re.findall(r'"attribution": ("[^"]*")', html)
    assert json.loads(attribution).startswith("© 高德地图")
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "code.jquery" not in html


def test_vendored_files_match_their_manifest():
    import hashlib

    from conftest import ROOT

    vendor = ROOT / "site_templates" / "theme" / "assets" / "vendor"
    manifest = json.loads((vendor / "manifest.json").read_text(encoding="utf-8"))
    for package in manifest.values():
        assert package["version"] and package["license"] and package["integrity"].startswith("sha512-")
        for path, digest in package["files"].items():
            assert hashlib.sha256((vendor / path).read_bytes()).hexdigest() == digest, path


def test_tile_providers_from_settings(monkeypatch):
    from servicepoints.load import SetupError
    from servicepoints.tiles import tile_provider

    assert tile_provider(Settings()).datum == "gcj02"
    assert tile_provider(Settings(tiles="osm")).datum == "wgs84"
    with pytest.raises(SetupError, match="SERVICEPOINTS_TIANDITU_KEY"):
        tile_provider(Settings(tiles="tianditu"))
    provider = tile_provider(Settings(tiles="tianditu", tianditu_key="k123", tiles_review_number="GS(0000)0号"))
    assert "tk=k123" in provider.url and provider.attribution.endswith("GS(0000)0号")


def test_map_config_has_no_record_data():
    registry = read_registry(DATA)
    data = SiteData(registry.descriptor, registry.tables, validate(registry).points, Settings(), "http://x/")
    config = json.dumps(mapview.map_parts(data)["config"], ensure_ascii=False)
    assert "aid-minzhong" not in config  # points come from the GeoJSON, not the page


def test_chromium_is_present_under_ci():
    if os.environ.get("CI") == "true":
        assert shutil.which("chromium") and shutil.which("chromedriver")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("古镇", "towns/guzhen/"),
        ("商标", "types/trademark-station/"),
        ("灯饰知识产权维权中心", "points/guzhen-lighting-center/"),
    ],
)
def test_chinese_search_in_the_browser(browser, server, query, expected):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/")
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")  # in the header at desktop width
    box.click()
    box.send_keys(query)
    deadline, hrefs = time.time() + 15, []
    while time.time() < deadline and not any(expected in h for h in hrefs):
        hrefs = browser.execute_script(
            "return [...document.querySelectorAll('.md-search-result__link')].map(a => a.href)"
        )
        time.sleep(0.2)
    assert any(expected in h for h in hrefs), hrefs[:10]
