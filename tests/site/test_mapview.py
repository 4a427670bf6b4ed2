"""The map: its data file and page size in Python, and its behaviour in a real browser (headless Chromium,
Debian's chromium driven by Playwright, serving the built site on 127.0.0.1).

Without Chromium the browser tests are skipped on a developer's machine and FAIL under CI (CI is set), so a
CI runner that lost its browser cannot pass by skipping them. One browser serves the whole module, a fresh
context each test."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import (
    DATA,
    ROOT,
    SECOND_CITY,
    build,
    chrome,
    fixture,
    make_registry,
    new_page,
    page_log,
    requested_hosts,
    serving,
    wait_for,
)
from servicepoints.core import geo
from servicepoints.core.nearest import nearest
from servicepoints.core.settings import Settings
from servicepoints.registry.load import read_registry
from servicepoints.registry.model import SiteData
from servicepoints.registry.validate import validate
from servicepoints.site import mapview
from servicepoints.site.render import environment

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
    assert "chromium" in install and "chromedriver" not in install and "chromium-driver" not in install


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
def chromium():
    with chrome("--disable-quic") as browser:
        yield browser


def _is_tile(url: str) -> bool:
    return (urlparse(url).hostname or "").endswith(TILE_HOST_SUFFIX)


@pytest.fixture
def browser(chromium, server, request):
    """A fresh page (no geolocation decision, no start-up scripts, empty logs) at the test's ``width`` parameter,
    desktop when it has none. Tiles are the one outside request the map makes; this machine cannot reach them,
    so they fail at once (the request is still logged, which the no-other-hosts test reads)."""
    call = getattr(request.node, "callspec", None)
    width, height, mobile = WIDTHS[call.params.get("width", "desktop") if call else "desktop"]
    viewport = {"width": width, "height": height}
    with new_page(chromium, viewport=viewport, is_mobile=mobile, device_scale_factor=1) as page:
        page.route(_is_tile, lambda route: route.abort())
        yield page


def _open(page, url: str, position: tuple[float, float] | None = None) -> None:
    if position:
        origin = f"{urlparse(url).scheme}://{urlparse(url).netloc}"
        page.context.grant_permissions(["geolocation"], origin=origin)
        page.context.set_geolocation({"latitude": position[0], "longitude": position[1], "accuracy": 5})
    page.goto("about:blank")  # a new document each time, even when only the #fragment changes
    page.goto(url, wait_until="domcontentloaded")  # tiles never load here; the map says when it is ready
    wait_for(page, "document.documentElement.hasAttribute('data-map-ready')")


MAP = "const c = JSON.parse(document.getElementById('sp-map-config').textContent); const map = window[c.map];"


def _view(page) -> tuple[float, float, float]:
    """The map's centre in WGS-84 (converted here, not by the page's own code) and its zoom."""
    lat, lon, zoom, datum = page.evaluate(
        "() => {" + MAP + "const m = map.getCenter(); return [m.lat, m.lng, map.getZoom(), c.datum]; }"
    )
    if datum == "gcj02":
        lat, lon = geo.gcj02_to_wgs84(lat, lon)
    return lat, lon, zoom


def _nearest(page) -> list[dict]:
    return page.evaluate(
        "[...document.querySelectorAll('#nearest li')].map(li => "
        "({id: li.dataset.pointId, distance: li.querySelector('.sp-distance').textContent.trim(),"
        " tie: !!li.dataset.tie, km: parseFloat(li.dataset.km)}))"
    )


def _nearest_ids(page) -> list[str]:
    wait_for(page, "document.querySelectorAll('#nearest li').length")
    return [item["id"] for item in _nearest(page)]


SHOWN = """() => {
const c = JSON.parse(document.getElementById('sp-map-config').textContent);
window[c.map].fitBounds(c.bounds, {animate: false});  // every point in view
let n = 0;
document.querySelectorAll('.sp-cluster').forEach(c => n += parseInt(c.dataset.count, 10));
return n + document.querySelectorAll('.leaflet-marker-icon.sp-pin-icon').length;
}"""


def _towns() -> dict[str, dict]:
    return {t["slug"]: t for t in read_registry(DATA).tables["towns"]}


# The view is at the goal (zoom >= 15, centre within 100 m, measured by Leaflet in the map's own datum), no zoom
# animation runs, and it has stayed so for half a second of the page's time: whatever was still moving the map
# (an animation's last step, a late setView) would have moved it by then.
SETTLED = (
    """([lat, lon]) => {
"""
    + MAP
    + """
const there = !map._animatingZoom && map.getZoom() >= 15 && map.distance(map.getCenter(), [lat, lon]) < 100;
if (!there) { window.__spThereSince = undefined; return false; }
window.__spThereSince = window.__spThereSince ?? performance.now();
return performance.now() - window.__spThereSince >= 500;
}"""
)


# The map is not animating a zoom and its view has not changed for half a second of the page's time.
STILL = (
    """() => {
"""
    + MAP
    + """
const view = map._animatingZoom ? null : [map.getCenter().lat, map.getCenter().lng, map.getZoom()].join();
if (view === null || view !== window.__spView) { window.__spView = view; window.__spViewSince = performance.now(); }
return view !== null && performance.now() - window.__spViewSince >= 500;
}"""
)


def _settles_on(page, goal: tuple[float, float], seconds: float = 15) -> bool:
    """The view reaches the goal and stays there (SETTLED). A swallowed setView leaves the map elsewhere for good,
    so waiting does not hide that fault; ``seconds`` only bounds the wait."""
    datum = page.evaluate("JSON.parse(document.getElementById('sp-map-config').textContent).datum")
    shown = geo.wgs84_to_gcj02(*goal) if datum == "gcj02" else goal
    try:
        wait_for(page, SETTLED, seconds, arg=list(shown))
    except AssertionError:
        return False
    lat, lon, zoom = _view(page)  # and the same, converted here
    return zoom >= 15 and geo.distance_km(lat, lon, *goal) * 1000 < 100


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
    _open(browser, f"{server}/map/#{target}")
    assert _settles_on(browser, goal), (_view(browser), goal)  # and nothing still moving the map moves it away
    lat, lon, zoom = _view(browser)
    assert zoom >= 15
    assert geo.distance_km(lat, lon, *goal) * 1000 < 100
    assert browser.evaluate(
        "() => {" + MAP + "const r = map.getContainer().getBoundingClientRect();"
        " return r.top < innerHeight && r.bottom > 0; }"
    ), "the map is scrolled out of sight"
    if kind == "point":
        assert browser.evaluate("document.querySelector('.sp-popup').dataset.pointId") == key


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
    _open(browser, f"{server}/map/")
    browser.evaluate(
        "() => {" + MAP + "map.setView([22.3, 113.5], 11, {animate: false}); "
        "map.fitBounds([[22.2, 113.2], [22.7, 113.7]], {animate: true}); " + HASH_TRIGGERS[trigger] + "}"
    )
    assert _settles_on(browser, (point["lat"], point["lon"])), (_view(browser), point["lat"], point["lon"])


def test_map_ready_is_set_once_markers_are_drawn(browser, server, map_site):
    browser.add_init_script(
        "new MutationObserver((_, obs) => { if (document.documentElement.hasAttribute('data-map-ready')) {"
        " window.__markersAtReady = document.querySelectorAll('.sp-cluster, .sp-pin-icon').length; obs.disconnect(); }"
        "}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-map-ready']});"
    )
    _open(browser, f"{server}/map/")
    ready = browser.evaluate("document.documentElement.dataset.mapReady")
    assert float(ready) > 0
    assert browser.evaluate("window.__markersAtReady") > 0


def test_initial_view_shows_every_located_point_once(browser, server, map_site):
    _, points = map_site
    _open(browser, f"{server}/map/")
    located = [p for p in points if p["lat"] is not None and p["status"] != "closed"]
    assert browser.evaluate(SHOWN) == len(located)
    assert browser.evaluate("document.getElementById('map-count').dataset.shown") == str(len(located))
    unlocated = browser.inner_text("#unlocated")
    assert f"另有 {len([p for p in points if p['lat'] is None])} 个网点位置待补充" in unlocated


def test_no_console_error_and_no_request_to_other_hosts(browser, server):
    with browser.expect_request(lambda request: _is_tile(request.url)):  # the map asks for its first tile
        _open(browser, f"{server}/map/")
    hosts = requested_hosts(browser)
    assert hosts - {"127.0.0.1"}, "expected tile requests"
    assert all(h == "127.0.0.1" or h.endswith(TILE_HOST_SUFFIX) for h in hosts), hosts
    errors = [text for text, url in page_log(browser).errors if not _is_tile(url)]
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
    assert browser.evaluate("document.getElementById('filter-type').value") == kind
    assert browser.evaluate(SHOWN) == len(expected(statuses))
    count = browser.evaluate("document.getElementById('map-count').dataset.shown")
    assert count == str(len(expected(statuses)))
    option = browser.evaluate(f"document.querySelector('#filter-type option[value=\"{kind}\"]').textContent")
    assert option.endswith(f"（{len(expected(statuses))}）")

    browser.evaluate(
        "() => { const s = document.getElementById('town-select'); s.value = 'xiaolan';"
        " s.dispatchEvent(new Event('change')); }"
    )
    assert _nearest_ids(browser) == [p["id"] for p, _ in nearest(expected(statuses), *centre, n=5)]
    town_ids = browser.evaluate("[...document.querySelectorAll('#town-points li')].map(li => li.dataset.pointId)")
    assert sorted(town_ids) == sorted(p["id"] for p in points if p["town"] == "小榄镇" and p["type"] == kind)

    # one status off: markers, count, nearest and town list all follow (the count is the last to be written)
    shown_before = browser.evaluate("document.getElementById('map-count').dataset.shown")
    browser.click('#map-filters input[value="unknown"]')
    statuses.discard("unknown")
    assert len(expected(statuses)) != int(shown_before)  # so the wait below sees the change
    wait_for(browser, f"document.getElementById('map-count').dataset.shown !== '{shown_before}'")
    assert browser.evaluate(SHOWN) == len(expected(statuses))
    assert browser.evaluate("document.getElementById('map-count').dataset.shown") == str(len(expected(statuses)))
    assert [i["id"] for i in _nearest(browser)] == [p["id"] for p, _ in nearest(expected(statuses), *centre, n=5)]
    town_ids = browser.evaluate("[...document.querySelectorAll('#town-points li')].map(li => li.dataset.pointId)")
    assert sorted(town_ids) == sorted(
        p["id"] for p in points if p["town"] == "小榄镇" and p["type"] == kind and p["status"] in statuses
    )


def test_estimated_positions_are_worded_and_ties_explained(browser, server, map_site):
    _, points = map_site
    target = next(p for p in points if p["id"] == "gcj02")
    position = (target["lat"] + 0.0009, target["lon"])  # about 100 m north of an exactly placed point
    _open(browser, f"{server}/map/", position)
    browser.click("#find-nearest")
    wait_for(browser, "document.querySelectorAll('#nearest li').length")
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
    note = browser.inner_text("#nearest-note")
    assert f"标“并列”的 {len(tied)} 个网点距离相同" in note and "镇街的中心估算" in note


def test_points_sharing_an_estimated_position_are_listed_together(browser, server, map_site):
    _, points = map_site
    town = _towns()["xiaolan"]
    there = [p for p in points if p["town"] == town["name"] and p["precision"] == "town" and p["status"] != "closed"]
    assert len(there) >= 2  # the shipped data places several of 小榄镇's points at its centre
    _open(browser, f"{server}/map/#town=xiaolan")
    count = browser.evaluate(
        "() => {" + MAP + "const c0 = map.getContainer().getBoundingClientRect(), cx = c0.left + c0.width / 2,"
        " cy = c0.top + c0.height / 2; const d = e => { const r = e.getBoundingClientRect();"
        " return Math.hypot(r.left + r.width / 2 - cx, r.top + r.height / 2 - cy); };"
        "const s = [...document.querySelectorAll('.sp-cluster')].sort((a, b) => d(a) - d(b))[0];"
        "s.click(); return parseInt(s.dataset.count, 10); }"
    )
    assert count == len(there)
    text = wait_for(browser, "(document.querySelector('.sp-popup') || {}).textContent")
    assert f"此处有 {len(there)} 个网点" in text and "都按所在镇街的中心估算" in text
    listed = browser.evaluate("[...document.querySelectorAll('.sp-popup li')].map(li => li.dataset.pointId)")
    assert listed == sorted(p["id"] for p in there)


def test_popups_mark_estimated_and_inferred_points(browser, server):
    def popup_after(fragment: str) -> str:  # a later deep link in the same page (hashchange)
        browser.evaluate(f"location.hash = '{fragment}'")
        shown = "(id) => { const p = [...document.querySelectorAll('.sp-popup')].find(e => e.dataset.pointId === id);"
        return wait_for(browser, shown + " return p && p.textContent; }", arg=fragment.split("=")[1])

    _open(browser, f"{server}/map/#point=aid-banfu")
    text = browser.evaluate("document.querySelector('.sp-popup').textContent")
    assert "仅为镇街中心的估计位置" in text and "高德导航" not in text
    assert "推定的网点" in popup_after("#point=hostile")
    text = popup_after("#point=gcj02")
    assert "推定" not in text and "估计位置" not in text and "高德导航" in text


# Each badge the page has drawn (servicepoints-hours.js shows it once rendered) beside what the same script says
# for the record's hours now.
BADGES = """async (selector) => {
const cal = await window.ServicepointsHours.loadCalendar();
return [...document.querySelectorAll(selector + ' .sp-open')].map(b => ({
  hidden: b.hidden, text: b.textContent, state: b.dataset.openState,
  expected: window.ServicepointsHours.status(b.dataset.spHours, cal).text}));
}"""
DRAWN = (
    "(s) => { const b = [...document.querySelectorAll(s + ' .sp-open')]; return b.length && b.every(e => !e.hidden); }"
)


def test_open_now_badges_in_popup_and_nearest_list(browser, server, map_site):
    """The badge is finder's servicepoints-hours.js (one grammar): the map only places it, with the record's hours."""
    _, points = map_site
    target = next(p for p in points if p["id"] == "gcj02")
    _open(browser, f"{server}/map/#point=gcj02", (target["lat"], target["lon"]))
    wait_for(browser, DRAWN, arg=".sp-popup")
    (badge,) = browser.evaluate(BADGES, ".sp-popup")
    assert not badge["hidden"] and badge["state"] in {"open", "closed", "unknown"}
    assert badge["text"] == badge["expected"] and badge["text"]
    browser.click("#find-nearest")
    wait_for(browser, "document.querySelectorAll('#nearest li .sp-open').length === 5")
    wait_for(browser, DRAWN, arg="#nearest")
    badges = browser.evaluate(BADGES, "#nearest")
    assert [b["text"] for b in badges] == [b["expected"] for b in badges]
    assert badges[0]["expected"] == badge["expected"]  # gcj02 comes first: it is where we stand
    assert any(b["text"] == "服务时间待补充" for b in badges)  # the shipped estimated points have no hours


def test_your_position_never_covers_a_stack(browser, server):
    """Issue 23: the reader's position is drawn under the markers and lets taps through to the stack there."""
    town = _towns()["xiaolan"]
    position = (float(town["approx_lat"]), float(town["approx_lon"]))  # where xiaolan's estimated points sit
    _open(browser, f"{server}/map/", position)
    browser.click("#find-nearest")
    wait_for(browser, "document.querySelector('.sp-here')")
    wait_for(browser, STILL)  # the map has stopped where the position put it
    on_top, under = browser.evaluate(
        "() => { document.querySelector('.sp-here').scrollIntoView({block: 'center'});"
        "const r = document.querySelector('.sp-here').getBoundingClientRect();"
        "const x = r.left + r.width / 2, y = r.top + r.height / 2;"
        "return [!!document.elementFromPoint(x, y).closest('.sp-cluster, .sp-pin-icon'),"
        " document.elementsFromPoint(x, y).some(e => e.closest('.sp-cluster, .sp-pin-icon'))]; }"
    )
    assert under, "expected a cluster or marker under the position"
    assert on_top, "the marker under the position takes the tap"


def test_refused_geolocation_says_so_and_offers_the_towns(browser, server):
    browser.context.clear_permissions()  # never granted: headless Chromium refuses the request
    _open(browser, f"{server}/map/")
    browser.click("#find-nearest")
    status = wait_for(browser, "(t => t.includes('允许') && t)(document.getElementById('map-status').textContent)")
    assert "你没有允许本网页使用位置信息" in status and "选择你所在的镇街" in status
    assert browser.evaluate("document.activeElement.id") == "town-select"


def test_missing_geolocation_says_so_and_offers_the_towns(browser, server):
    browser.add_init_script("Object.defineProperty(Navigator.prototype, 'geolocation', {get: () => undefined});")
    _open(browser, f"{server}/map/")
    browser.click("#find-nearest")
    status = browser.inner_text("#map-status")
    assert "不能定位" in status and "选择你所在的镇街" in status
    assert browser.evaluate("document.activeElement.id") == "town-select"


def test_find_nearest_matches_the_command(browser, server, map_site):
    _, points = map_site
    position = (22.52, 113.38)
    _open(browser, f"{server}/map/", position)
    browser.click("#find-nearest")
    assert _nearest_ids(browser) == [p["id"] for p, _ in nearest(points, *position, n=5)]


def test_hostile_name_opens_no_dialog_and_shows_as_text(browser, server):
    _open(browser, f"{server}/map/#point=hostile")
    popup = browser.evaluate("(document.querySelector('.sp-popup') || {}).textContent")
    assert popup and HOSTILE in popup
    assert page_log(browser).dialogs == []  # an alert would have been logged (and dismissed)
    assert browser.evaluate("document.querySelectorAll('img[onerror]').length") == 0


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
    browser.goto(f"{server}/")
    box = browser.locator("input.md-search__input")  # in the header at desktop width
    box.click()
    box.fill(query)
    box.press("End")  # the theme searches on keyup: one query, the whole text
    wait_for(browser, "(document.querySelector('.md-search-result__meta') || {}).textContent.includes('个符合条件')")
    hrefs = browser.evaluate("[...document.querySelectorAll('.md-search-result__link')].map(a => a.href)")
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


def test_folium_parts_are_kept_and_reused_only_for_what_they_were_made_from(tmp_path, monkeypatch):
    """map_parts keeps folium's pieces in the project's cache: the next build reads the same pieces without
    folium; other tiles or another place are made afresh; tile addresses with a secret key are never kept."""
    from servicepoints.core.cache import Cache

    cache = Cache.in_project(tmp_path)
    data = _site_data(_shipped_points())
    fresh = mapview.map_parts(data)  # no cache
    assert mapview.map_parts(data, cache) == fresh
    made = mapview._folium_parts
    monkeypatch.setattr(mapview, "_folium_parts", lambda *a: pytest.fail("folium ran again"))
    assert mapview.map_parts(data, cache) == fresh
    monkeypatch.setattr(mapview, "_folium_parts", made)
    osm = _site_data(_shipped_points())
    osm.settings = Settings(tiles="osm")
    assert mapview.map_parts(osm, cache) == mapview.map_parts(osm) != fresh
    secret = _site_data(_shipped_points())
    secret.settings = Settings(tiles="tianditu", tianditu_key="abcdef123456")
    (cache.folder / "map-folium-parts").unlink()
    assert "abcdef123456" in mapview.map_parts(secret, cache)["script"]
    assert not (cache.folder / "map-folium-parts").exists()
