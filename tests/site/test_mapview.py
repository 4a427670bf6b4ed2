"""The map: its data file and page size in Python, and its behaviour in a real browser (headless Chromium,
Debian's chromium + chromium-driver, serving the built site on 127.0.0.1).

Without Chromium the browser tests are skipped on a developer's machine and FAIL under CI (CI is set), so a
CI runner that lost its browser cannot pass by skipping them. One browser serves the whole module."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import DATA, ROOT, SECOND_CITY, build, chrome, fixture, make_registry, requested_hosts, serving
from servicepoints.core import geo
from servicepoints.site import mapview
from servicepoints.registry.load import read_registry
from servicepoints.registry.model import SiteData
from servicepoints.core.nearest import nearest
from servicepoints.site.render import environment
from servicepoints.core.settings import Settings
from servicepoints.registry.validate import validate

TILE_HOST_SUFFIX = ".is.autonavi.com"
HOSTILE = "<img src=x onerror=alert(1)>"
HOURS = "Mo-Fr 09:00-12:00,13:30-17:00; PH off"
WIDTHS = {"phone": (390, 844, True), "desktop": (1280, 900, False)}


# ---------------------------------------------------------------- data file and page, no browser


def _site_data(points: list[dict]) -> SiteData:
    registry = read_registry(DATA)
    return SiteData(registry.descriptor, registry.tables, points, Settings(), "http://x/")


@pytest.mark.parametrize("data", [DATA, SECOND_CITY / "data"], ids=["shipped", "second-city"])
def test_extent_and_type_styles_come_from_the_data(data):
    """x-place's bbox bounds the map; each type's glyph and colour are types.csv columns."""
    registry = read_registry(data)
    site = SiteData(registry.descriptor, registry.tables, [], Settings(), "http://x/")
    config = mapview._config(site, "wgs84", 18, "map")
    assert config["bounds"] == registry.place.box.leaflet()
    styles = {code: (t["glyph"], t["color"]) for code, t in config["types"].items()}
    assert styles == {t["code"]: (t["glyph"], t["colour"]) for t in registry.tables["types"]}
    assert len(set(styles.values())) == len(styles)  # each type tells itself apart
    for glyph, colour in styles.values():  # the white glyph on its colour reaches WCAG AA
        assert _contrast_with_white(colour) >= 4.5, (glyph, colour)


def _contrast_with_white(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def _shipped_points() -> list[dict]:
    return validate(read_registry(DATA)).points


def _fake_points(n: int) -> list[dict]:
    base = _shipped_points()[0]
    return [
        base
        | {
            "id": f"p{i}",
            "name": f"网点{i}",
            "lat": 22.5 + i * 1e-5,
            "lon": 113.4,
            "hours": f"Mo-Fr 09:{i % 60:02d}-17:00",
        }
        for i in range(n)
    ]


def _map_page(points: list[dict]) -> str:
    from servicepoints.site.render import site_view

    data = _site_data(points)
    env = environment(ROOT / "site_templates" / "pages")
    return env.get_template("map.md.j2").render(map=mapview.map_parts(data), **site_view(data))


def test_map_page_does_not_grow_with_the_points():
    """The page carries code lists only; points (and their distinct hours) live in the data file."""
    small, large = _map_page(_fake_points(3)), _map_page(_fake_points(3000))
    assert len(large.encode()) == len(small.encode())
    assert len(large.encode()) < 100 * 1024
    assert "网点2999" not in large and "09:59" not in large


def test_map_data_rows_follow_the_columns():
    points = _shipped_points()
    flagged = dict(points[0], evidence="inferred", hours="Mo-Fr 09:00-17:00", phones=["0760-1"])
    unlocated = dict(points[1], lat=None, lon=None, precision="unknown")
    named = dict(points[2], evidence="named")
    doc = json.loads(mapview.map_data(_site_data([flagged, unlocated, named])))
    rows = [dict(zip(doc["columns"], row, strict=True)) for row in doc["points"]]
    assert [r["id"] for r in rows] == [flagged["id"], unlocated["id"], named["id"]]
    first = rows[0]
    assert doc["codes"]["type"][first["type"]] == flagged["type"]
    assert doc["codes"]["town"][first["town"]] == flagged["town"]
    assert doc["codes"]["status"][first["status"]] == flagged["status"]
    assert doc["codes"]["precision"][first["precision"]] == flagged["precision"]
    assert (first["lat"], first["lon"]) == (flagged["lat"], flagged["lon"])
    assert first["evidence"] == 1 and rows[2]["evidence"] == 0
    assert doc["hours"][first["hours"]] == ["Mo-Fr 09:00-17:00", "周一至周五 09:00–17:00"]
    assert first["phones"] == ["0760-1"]
    assert rows[1]["lat"] is None and rows[1]["lon"] is None
    assert doc["codes"]["precision"][rows[1]["precision"]] == "unknown"
    services = doc["codes"]["service"]
    assert [services[i] for i in rows[2]["services"]] == points[2]["services"]


def test_map_data_is_compact_and_deterministic():
    points = _fake_points(2000)
    body = mapview.map_data(_site_data(points))
    assert body == mapview.map_data(_site_data(points))
    assert len(body) / len(points) < 150  # bytes per point: codes, not repeated labels or GeoJSON nesting
    assert b'"type":"Feature"' not in body and b"\n" not in body


def test_vendored_files_match_their_manifest():
    vendor = ROOT / "site_templates" / "theme" / "assets" / "vendor"
    manifest = json.loads((vendor / "manifest.json").read_text(encoding="utf-8"))
    assert {"leaflet", "supercluster", "kdbush"} <= set(manifest)
    for name, package in manifest.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", package["version"]) and package["license"]
        assert package["integrity"].startswith("sha512-")
        # decap-cms ships no LICENSE file on npm, only its bundle's licence notices (decap-cms.js.LICENSE.txt)
        licences = [
            p for p in package["files"] if "LICENSE" in Path(p).name.upper() or "LICENCE" in Path(p).name.upper()
        ]
        assert licences, name
        for path, digest in package["files"].items():
            assert hashlib.sha256((vendor / path).read_bytes()).hexdigest() == digest, path
    on_disk = {p.relative_to(vendor).as_posix() for p in vendor.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == {path for package in manifest.values() for path in package["files"]}


def test_tile_providers_from_settings():
    from servicepoints.core.errors import SetupError
    from servicepoints.site.tiles import tile_provider

    assert tile_provider(Settings()).datum == "gcj02"
    assert tile_provider(Settings(tiles="osm")).datum == "wgs84"
    with pytest.raises(SetupError, match="SERVICEPOINTS_TIANDITU_KEY"):
        tile_provider(Settings(tiles="tianditu"))
    provider = tile_provider(Settings(tiles="tianditu", tianditu_key="k123", tiles_review_number="GS(0000)0号"))
    assert "tk=k123" in provider.url and provider.attribution.endswith("GS(0000)0号")


def test_ci_runs_the_browser_tests_for_real():
    """CI installs Chromium and sets CI, which turns a missing browser into failures instead of skips."""
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert "bash .ci/install-browser" in commands and "export CI=true" in commands
    make = next(i for i, line in enumerate(commands) if line.startswith("make test"))
    assert commands.index("bash .ci/install-browser") < make and commands.index("export CI=true") < make
    install = (ROOT / ".ci" / "install-browser").read_text(encoding="utf-8")
    assert "chromium" in install and "chromium-driver" in install


# ---------------------------------------------------------------- the built site in a browser


@pytest.fixture(scope="module")
def map_site(tmp_path_factory):
    """The shipped points plus one exactly placed point and one with a hostile name. The hostile point is
    flagged as inferred in the map's data file, so the popup's inferred mark is tested whatever the data."""
    root = tmp_path_factory.mktemp("map")
    records = {p.relative_to(DATA / "points").as_posix(): p.read_bytes() for p in (DATA / "points").rglob("*.yaml")}
    records["gcj02.yaml"] = fixture("gcj02.yaml") + f"hours: {HOURS}\n".encode()
    records["hostile.yaml"] = fixture("hostile.yaml").replace(
        b'"<script>alert(1)</script>"', json.dumps(HOSTILE).encode()
    )
    data = make_registry(root, records)
    site = build(data, root / "site")
    doc = json.loads((site / mapview.DATA_FILE).read_text(encoding="utf-8"))
    col = doc["columns"]
    for row in doc["points"]:
        if row[col.index("id")] == "hostile":
            row[col.index("evidence")] = 1
    (site / mapview.DATA_FILE).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return site, validate(read_registry(data)).points


@pytest.fixture(scope="module")
def server(map_site):
    with serving(map_site[0]) as url:
        yield url


@pytest.fixture(scope="module")
def driver():
    # page load "eager": tiles from the internet may never load here; the tests wait on data-map-ready
    chrome_ = chrome("--disable-quic", "--window-size=1280,900", logs=True, eager=True)
    # Tiles are the one outside request the map makes; this machine cannot reach them, so fail them at once
    # (Chromium still reports each as requested, which the no-other-hosts test reads).
    chrome_.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [f"*{TILE_HOST_SUFFIX}/*"]})
    yield chrome_
    chrome_.quit()


@pytest.fixture
def browser(driver, server):
    """The module's browser, reset: desktop size, no geolocation decision, no page scripts, fresh logs."""
    driver.execute_cdp_cmd("Browser.resetPermissions", {})
    driver.execute_cdp_cmd("Emulation.clearGeolocationOverride", {})
    _size(driver, "desktop")
    driver.get("about:blank")
    driver.get_log("browser")
    driver.get_log("performance")
    yield driver
    for script in getattr(driver, "_sp_scripts", []):
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script})
    driver._sp_scripts = []


def _size(driver, name: str) -> None:
    width, height, mobile = WIDTHS[name]
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def _before_load(driver, source: str) -> None:
    ident = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})["identifier"]
    driver._sp_scripts = [*getattr(driver, "_sp_scripts", []), ident]


def _wait(driver, script: str, seconds: float = 10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {script}")


def _open(driver, url: str, position: tuple[float, float] | None = None) -> None:
    if position:
        origin = f"{urlparse(url).scheme}://{urlparse(url).netloc}"
        driver.execute_cdp_cmd("Browser.grantPermissions", {"permissions": ["geolocation"], "origin": origin})
        driver.execute_cdp_cmd(
            "Emulation.setGeolocationOverride", {"latitude": position[0], "longitude": position[1], "accuracy": 5}
        )
    driver.get("about:blank")  # a new document each time, even when only the #fragment changes
    driver.get(url)
    _wait(driver, "return document.documentElement.hasAttribute('data-map-ready')", 15)


MAP = "const c = JSON.parse(document.getElementById('sp-map-config').textContent); const map = window[c.map];"


def _view(driver) -> tuple[float, float, float]:
    """The map's centre in WGS-84 (converted here, not by the page's own code) and its zoom."""
    lat, lon, zoom, datum = driver.execute_script(
        MAP + "const m = map.getCenter(); return [m.lat, m.lng, map.getZoom(), c.datum];"
    )
    if datum == "gcj02":
        lat, lon = geo.gcj02_to_wgs84(lat, lon)
    return lat, lon, zoom


def _nearest(driver) -> list[dict]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#nearest li')].map(li => "
        "({id: li.dataset.pointId, distance: li.querySelector('.sp-distance').textContent.trim(),"
        " tie: !!li.dataset.tie, km: parseFloat(li.dataset.km)}))"
    )


def _nearest_ids(driver) -> list[str]:
    _wait(driver, "return document.querySelectorAll('#nearest li').length")
    return [item["id"] for item in _nearest(driver)]


SHOWN = """
const c = JSON.parse(document.getElementById('sp-map-config').textContent);
window[c.map].fitBounds(c.bounds, {animate: false});  // every point in view
let n = 0;
document.querySelectorAll('.sp-cluster').forEach(c => n += parseInt(c.dataset.count, 10));
return n + document.querySelectorAll('.leaflet-marker-icon.sp-pin-icon').length;
"""


def _towns() -> dict[str, dict]:
    return {t["slug"]: t for t in read_registry(DATA).tables["towns"]}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("target", ["point=gcj02", "point=aid-banfu", "town=xiaolan"])
def test_deep_link_lands_on_the_target(browser, server, map_site, width, target):
    _, points = map_site
    kind, key = target.split("=")
    if kind == "point":
        point = next(p for p in points if p["id"] == key)
        goal = (point["lat"], point["lon"])
    else:
        goal = (float(_towns()[key]["approx_lat"]), float(_towns()[key]["approx_lon"]))
    _size(browser, width)
    _open(browser, f"{server}/map/#{target}")
    time.sleep(0.4)  # anything still moving the map would move it now
    lat, lon, zoom = _view(browser)
    assert zoom >= 15
    assert geo.distance_km(lat, lon, *goal) * 1000 < 100
    assert browser.execute_script(
        MAP + "const r = map.getContainer().getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0;"
    ), "the map is scrolled out of sight"
    if kind == "point":
        assert browser.execute_script("return document.querySelector('.sp-popup').dataset.pointId") == key


# How the new #point= reaches the map while an animated fitBounds is under way: through the browser's own
# hashchange (the animation has begun by then), or handled at once, in the frame before Leaflet starts the
# animation it was asked for (which, when it ends, would carry the map back to its own target).
HASH_TRIGGERS = {
    "during": "location.hash = '#point=gcj02';",
    "before-start": "history.replaceState(null, '', '#point=gcj02');"
    "window.dispatchEvent(new HashChangeEvent('hashchange'));",
}


@pytest.mark.parametrize("trigger", HASH_TRIGGERS)
@pytest.mark.parametrize("width", WIDTHS)
def test_deep_link_wins_over_a_zoom_animation(browser, server, map_site, width, trigger):
    """A new #point= while the map is animating (here a fitBounds with zoom animation) must win."""
    _, points = map_site
    point = next(p for p in points if p["id"] == "gcj02")
    _size(browser, width)
    _open(browser, f"{server}/map/")
    browser.execute_script(
        MAP + "map.setView([22.3, 113.5], 11, {animate: false}); map.fitBounds([[22.2, 113.2], [22.7, 113.7]], "
        "{animate: true}); " + HASH_TRIGGERS[trigger]
    )
    assert _settles_on(browser, (point["lat"], point["lon"])), (_view(browser), point["lat"], point["lon"])


def _settles_on(driver, goal: tuple[float, float], seconds: float = 5) -> bool:
    """The view reaches the goal (zoom >= 15, centre within 100 m) and is still there half a second later.
    A swallowed setView leaves the map elsewhere for good, so waiting does not hide that fault."""

    def there() -> bool:
        lat, lon, zoom = _view(driver)
        return zoom >= 15 and geo.distance_km(lat, lon, *goal) * 1000 < 100

    deadline = time.time() + seconds
    while not there():
        if time.time() > deadline:
            return False
        time.sleep(0.1)
    time.sleep(0.5)
    return there()


def test_map_ready_is_set_once_markers_are_drawn(browser, server, map_site):
    _before_load(
        browser,
        "new MutationObserver((_, obs) => { if (document.documentElement.hasAttribute('data-map-ready')) {"
        " window.__markersAtReady = document.querySelectorAll('.sp-cluster, .sp-pin-icon').length; obs.disconnect(); }"
        "}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-map-ready']});",
    )
    _open(browser, f"{server}/map/")
    ready = browser.execute_script("return document.documentElement.dataset.mapReady")
    assert float(ready) > 0
    assert browser.execute_script("return window.__markersAtReady") > 0


def test_initial_view_shows_every_located_point_once(browser, server, map_site):
    _, points = map_site
    _open(browser, f"{server}/map/")
    located = [p for p in points if p["lat"] is not None and p["status"] != "closed"]
    assert browser.execute_script(SHOWN) == len(located)
    assert browser.execute_script("return document.getElementById('map-count').dataset.shown") == str(len(located))
    unlocated = browser.find_element("id", "unlocated").text
    assert f"另有 {len([p for p in points if p['lat'] is None])} 个网点位置待补充" in unlocated


def test_no_console_error_and_no_request_to_other_hosts(browser, server):
    _open(browser, f"{server}/map/")
    time.sleep(0.3)
    hosts = requested_hosts(browser)
    assert hosts - {"127.0.0.1"}, "expected tile requests"
    assert all(h == "127.0.0.1" or h.endswith(TILE_HOST_SUFFIX) for h in hosts), hosts
    errors = [
        e["message"]
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and TILE_HOST_SUFFIX not in e["message"]
    ]
    assert errors == []


def test_one_filter_set_drives_markers_lists_and_counts(browser, server, map_site):
    _, points = map_site
    kind = "assistance-station"
    _open(browser, f"{server}/map/#type={kind}")
    town = _towns()["xiaolan"]
    centre = (float(town["approx_lat"]), float(town["approx_lon"]))

    def expected(statuses: set[str]) -> list[dict]:
        return [p for p in points if p["type"] == kind and p["status"] in statuses and p["lat"] is not None]

    statuses = {"operating", "pending", "building", "suspended", "unknown"}
    assert browser.execute_script("return document.getElementById('filter-type').value") == kind
    assert browser.execute_script(SHOWN) == len(expected(statuses))
    count = browser.execute_script("return document.getElementById('map-count').dataset.shown")
    assert count == str(len(expected(statuses)))
    option = browser.execute_script(
        f"return document.querySelector('#filter-type option[value=\"{kind}\"]').textContent"
    )
    assert option.endswith(f"（{len(expected(statuses))}）")

    browser.execute_script(
        "const s = document.getElementById('town-select'); s.value = 'xiaolan'; s.dispatchEvent(new Event('change'));"
    )
    assert _nearest_ids(browser) == [p["id"] for p, _ in nearest(expected(statuses), *centre, n=5)]
    town_ids = browser.execute_script(
        "return [...document.querySelectorAll('#town-points li')].map(li => li.dataset.pointId)"
    )
    assert sorted(town_ids) == sorted(p["id"] for p in points if p["town"] == "小榄镇" and p["type"] == kind)

    browser.execute_script(  # one status off: markers, count, nearest and town list all follow
        "const b = document.querySelector('#map-filters input[value=\"unknown\"]'); b.click();"
    )
    statuses.discard("unknown")
    time.sleep(0.2)
    assert browser.execute_script(SHOWN) == len(expected(statuses))
    assert browser.execute_script("return document.getElementById('map-count').dataset.shown") == str(
        len(expected(statuses))
    )
    assert [i["id"] for i in _nearest(browser)] == [p["id"] for p, _ in nearest(expected(statuses), *centre, n=5)]
    town_ids = browser.execute_script(
        "return [...document.querySelectorAll('#town-points li')].map(li => li.dataset.pointId)"
    )
    assert sorted(town_ids) == sorted(
        p["id"] for p in points if p["town"] == "小榄镇" and p["type"] == kind and p["status"] in statuses
    )


def test_estimated_positions_are_worded_and_ties_explained(browser, server, map_site):
    _, points = map_site
    target = next(p for p in points if p["id"] == "gcj02")
    position = (target["lat"] + 0.0009, target["lon"])  # about 100 m north of an exactly placed point
    _open(browser, f"{server}/map/", position)
    browser.execute_script("document.getElementById('find-nearest').click()")
    _wait(browser, "return document.querySelectorAll('#nearest li').length")
    shown = _nearest(browser)
    hits = nearest(points, *position, n=5)
    assert [i["id"] for i in shown] == [p["id"] for p, _ in hits]
    assert [i["km"] for i in shown] == pytest.approx([km for _, km in hits], abs=2e-6)  # same sphere, same formula
    assert shown[0]["id"] == "gcj02" and shown[0]["distance"] == f"{hits[0][1]:.2f} 公里"
    assert 0.09 < hits[0][1] < 0.11
    assert any(point["precision"] == "town" for point, _ in hits[1:])
    for item, (point, km) in zip(shown[1:], hits[1:], strict=True):
        wording = f"约 {km:.1f} 公里（按镇街中心估算）" if point["precision"] == "town" else f"{km:.2f} 公里"
        assert item["distance"].startswith(wording)
    # from a town centre every estimated point there is at the same distance: marked and explained
    _open(browser, f"{server}/map/#town=xiaolan")
    tied = [i for i in _nearest(browser) if i["tie"]]
    assert len(tied) >= 2 and all(i["distance"].endswith("（并列）") for i in tied)
    note = browser.find_element("id", "nearest-note").text
    assert f"标“并列”的 {len(tied)} 个网点距离相同" in note and "镇街的中心估算" in note


def test_points_sharing_an_estimated_position_are_listed_together(browser, server, map_site):
    _, points = map_site
    town = _towns()["xiaolan"]
    there = [p for p in points if p["town"] == town["name"] and p["precision"] == "town" and p["status"] != "closed"]
    assert len(there) >= 2  # the shipped data places several of 小榄镇's points at its centre
    _open(browser, f"{server}/map/#town=xiaolan")
    count = browser.execute_script(
        MAP + "const c0 = map.getContainer().getBoundingClientRect(), cx = c0.left + c0.width / 2,"
        " cy = c0.top + c0.height / 2; const d = e => { const r = e.getBoundingClientRect();"
        " return Math.hypot(r.left + r.width / 2 - cx, r.top + r.height / 2 - cy); };"
        "const s = [...document.querySelectorAll('.sp-cluster')].sort((a, b) => d(a) - d(b))[0];"
        "s.click(); return parseInt(s.dataset.count, 10);"
    )
    assert count == len(there)
    text = _wait(browser, "const p = document.querySelector('.sp-popup'); return p && p.textContent")
    assert f"此处有 {len(there)} 个网点" in text and "都按所在镇街的中心估算" in text
    listed = browser.execute_script(
        "return [...document.querySelectorAll('.sp-popup li')].map(li => li.dataset.pointId)"
    )
    assert listed == sorted(p["id"] for p in there)


def test_popups_mark_estimated_and_inferred_points(browser, server):
    def popup_after(fragment: str) -> str:  # a later deep link in the same page (hashchange)
        browser.execute_script(f"location.hash = '{fragment}';")
        return _wait(
            browser,
            f"const p = document.querySelector('.sp-popup[data-point-id=\"{fragment.split('=')[1]}\"]');"
            " return p && p.textContent;",
        )

    _open(browser, f"{server}/map/#point=aid-banfu")
    text = browser.execute_script("return document.querySelector('.sp-popup').textContent")
    assert "仅为镇街中心的估计位置" in text and "高德导航" not in text
    assert "推定的网点" in popup_after("#point=hostile")
    text = popup_after("#point=gcj02")
    assert "推定" not in text and "估计位置" not in text and "高德导航" in text


BADGES = """
const cal = await window.ServicepointsHours.loadCalendar();
await new Promise(r => setTimeout(r, 50));
return [...document.querySelectorAll(arguments[0] + ' .sp-open')].map(b => ({
  hidden: b.hidden, text: b.textContent, state: b.dataset.openState,
  expected: window.ServicepointsHours.status(b.dataset.spHours, cal).text}));
"""


def test_open_now_badges_in_popup_and_nearest_list(browser, server, map_site):
    """The badge is finder's servicepoints-hours.js (one grammar): the map only places it, with the record's hours."""
    _, points = map_site
    target = next(p for p in points if p["id"] == "gcj02")
    _open(browser, f"{server}/map/#point=gcj02", (target["lat"], target["lon"]))
    script = "const done = arguments[arguments.length - 1]; (async () => {" + BADGES + "})().then(done);"
    (badge,) = browser.execute_async_script(script.replace("arguments[0]", "'.sp-popup'"))
    assert not badge["hidden"] and badge["state"] in {"open", "closed", "unknown"}
    assert badge["text"] == badge["expected"] and badge["text"]
    browser.execute_script("document.getElementById('find-nearest').click()")
    _wait(browser, "return document.querySelectorAll('#nearest li .sp-open').length === 5")
    badges = browser.execute_async_script(script.replace("arguments[0]", "'#nearest'"))
    assert [b["text"] for b in badges] == [b["expected"] for b in badges]
    assert badges[0]["expected"] == badge["expected"]  # gcj02 comes first: it is where we stand
    assert any(b["text"] == "服务时间待补充" for b in badges)  # the shipped estimated points have no hours


def test_your_position_stays_above_the_clusters(browser, server):
    town = _towns()["xiaolan"]
    position = (float(town["approx_lat"]), float(town["approx_lon"]))  # where xiaolan's estimated points sit
    _open(browser, f"{server}/map/", position)
    browser.execute_script("document.getElementById('find-nearest').click()")
    _wait(browser, "return document.querySelector('.sp-here')")
    time.sleep(0.3)
    on_top, under = browser.execute_script(
        "document.querySelector('.sp-here').scrollIntoView({block: 'center'});"
        "const r = document.querySelector('.sp-here').getBoundingClientRect();"
        "const x = r.left + r.width / 2, y = r.top + r.height / 2;"
        "return [!!document.elementFromPoint(x, y).closest('.sp-here'),"
        " document.elementsFromPoint(x, y).some(e => e.closest('.sp-cluster, .sp-pin-icon'))];"
    )
    assert under, "expected a cluster or marker under the position"
    assert on_top


def test_refused_geolocation_says_so_and_offers_the_towns(browser, server):
    origin = server
    browser.execute_cdp_cmd(
        "Browser.setPermission",
        {"permission": {"name": "geolocation"}, "setting": "denied", "origin": origin},
    )
    _open(browser, f"{server}/map/")
    browser.execute_script("document.getElementById('find-nearest').click()")
    status = _wait(
        browser, "const t = document.getElementById('map-status').textContent; return t.includes('允许') && t"
    )
    assert "你没有允许本网页使用位置信息" in status and "选择你所在的镇街" in status
    assert browser.execute_script("return document.activeElement.id") == "town-select"


def test_missing_geolocation_says_so_and_offers_the_towns(browser, server):
    _before_load(browser, "Object.defineProperty(Navigator.prototype, 'geolocation', {get: () => undefined});")
    _open(browser, f"{server}/map/")
    browser.execute_script("document.getElementById('find-nearest').click()")
    status = browser.find_element("id", "map-status").text
    assert "不能定位" in status and "选择你所在的镇街" in status
    assert browser.execute_script("return document.activeElement.id") == "town-select"


def test_find_nearest_matches_the_command(browser, server, map_site):
    _, points = map_site
    position = (22.52, 113.38)
    _open(browser, f"{server}/map/", position)
    browser.execute_script("document.getElementById('find-nearest').click()")
    assert _nearest_ids(browser) == [p["id"] for p, _ in nearest(points, *position, n=5)]


def test_hostile_name_opens_no_dialog_and_shows_as_text(browser, server):
    from selenium.common.exceptions import NoAlertPresentException

    _open(browser, f"{server}/map/#point=hostile")
    popup = browser.execute_script("const p = document.querySelector('.sp-popup'); return p && p.textContent")
    assert popup and HOSTILE in popup
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - raises if no dialog is open
    assert browser.execute_script("return document.querySelectorAll('img[onerror]').length") == 0


def test_map_page_html_is_small_and_names_the_tile_provider(map_site):
    html = (map_site[0] / "map" / "index.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 100 * 1024
    (attribution,) = re.findall(r'"attribution": ("[^"]*")', html)
    assert json.loads(attribution).startswith("© 高德地图")
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "code.jquery" not in html


def test_map_config_has_no_record_data():
    config = json.dumps(mapview.map_parts(_site_data(_shipped_points()))["config"], ensure_ascii=False)
    assert "aid-minzhong" not in config  # points come from the data file, not the page


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


def test_map_rows_carry_the_date_the_status_rests_on():
    """The popup shows 运营中 · 据 DATE 出处 like the pages: status_as_of is that date, None for 待核实."""
    points = {p["id"]: p for p in _shipped_points()}
    doc = json.loads(mapview.map_data(_site_data(list(points.values()))))
    rows = {r["id"]: r for r in (dict(zip(doc["columns"], row, strict=True)) for row in doc["points"])}
    for pid, point in points.items():
        expected = None if point["status"] == "unknown" else point["status_date"]
        assert rows[pid]["status_as_of"] == expected, pid
    assert sum(r["status_as_of"] is not None for r in rows.values()) >= 5
