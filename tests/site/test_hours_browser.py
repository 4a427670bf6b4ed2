"""The open-now badge and the need-finder in headless Chromium (Playwright, Debian's /usr/bin/chromium),
with a fixed clock: China time whatever the browser's own time zone."""

from __future__ import annotations

import contextlib
import json

import pytest

from conftest import DATA, TESTS, build, chrome, fixture, make_registry, new_page, serving, wait_for
from servicepoints.core.nearest import nearest
from servicepoints.registry.load import read_registry
from servicepoints.registry.validate import validate

CASES = json.loads((TESTS / "hours_cases.json").read_text(encoding="utf-8"))
BADGE_CASES = {  # the "Done when" list, on a point with weekday hours, a lunch break and PH off
    "weekday morning": "open",
    "lunch break": "closed",
    "evening": "closed",
    "Saturday": "closed",
    "Sunday make-up workday": "open",
    "weekday public holiday": "closed",
    "date beyond the table": "open",  # the weekly hours, marked as leaving that year's holidays out
}
ZONES = ["Asia/Shanghai", "Europe/Berlin"]


def _records() -> dict[str, bytes]:
    shipped = (DATA / "points").rglob("tm-*.yaml")
    records = {p.relative_to(DATA / "points").as_posix(): p.read_bytes() for p in shipped}
    records["open-now.yaml"] = fixture("open-now.yaml")
    return records


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The shipped trademark stations (the need-finder's 注册商标) plus a point with weekday hours and PH off."""
    root = tmp_path_factory.mktemp("finder")
    data = make_registry(root, _records())
    return build(data, root / "site"), validate(read_registry(data)).points


@pytest.fixture(scope="module")
def server(site):
    with serving(site[0]) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(server):
    with chrome() as browser:
        yield browser


@contextlib.contextmanager
def _phone(chromium, zone: str, **options):
    """A page at phone size in ``zone``, and the list of off-site requests it tried (each refused)."""
    with new_page(
        chromium, timezone_id=zone, locale="zh-CN", viewport={"width": 390, "height": 844}, **options
    ) as page:
        offsite = []

        def route(r):
            if r.request.url.startswith("http://127.0.0.1"):
                r.continue_()
            else:
                offsite.append(r.request.url)
                r.abort()

        page.context.route("**/*", route)
        yield page, offsite


def _badge(page) -> tuple[str, str]:
    wait_for(page, "document.querySelector('.sp-open:not([hidden])')")
    el = page.locator(".sp-open").first
    return el.get_attribute("data-open-state"), el.inner_text().strip()


@pytest.mark.parametrize("zone", ZONES)
def test_badge_on_a_point_page_uses_china_time(chromium, server, zone):
    cases = {c["name"]: c for c in CASES["status"]}
    with _phone(chromium, zone) as (page, offsite):
        seen = {}
        for n, (name, state) in enumerate(BADGE_CASES.items()):
            case = cases[name]
            assert case["hours"] == "Mo-Fr 09:00-12:00,13:30-17:00; PH off" and case["state"] == state
            page.clock.set_fixed_time(case["at"] + ":00+08:00")
            if n == 0:  # a real page load first, then the clock moves and the page re-renders, as each minute
                page.goto(f"{server}/points/open-now/")
            else:
                page.evaluate("window.ServicepointsHours.renderAll()")
            seen[name] = _badge(page)
        assert seen == {name: (cases[name]["state"], cases[name]["text"]) for name in BADGE_CASES}
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == zone
        assert offsite == []


def test_every_shared_case_in_the_browser(chromium, server):
    """servicepoints-hours.js against the same cases as hours.py: grammar and state, word for word."""
    with _phone(chromium, "Europe/Berlin") as (page, _):
        page.goto(f"{server}/points/open-now/")
        wait_for(page, "document.querySelector('.sp-open:not([hidden])')")
        got = page.evaluate(
            """async (cases) => {
                const H = window.ServicepointsHours, cal = await H.loadCalendar();
                return {
                    parse: cases.parse.map(c => H.parse(c.hours) !== null),
                    status: cases.status.map(c => {
                        const s = H.status(c.hours, cal, new Date(c.at + ':00+08:00'), c.point_status);
                        return [s.state, s.text];
                    }),
                };
            }""",
            CASES,
        )
        assert got["parse"] == [c["valid"] for c in CASES["parse"]]
        assert got["status"] == [[c["state"], c["text"]] for c in CASES["status"]]


def test_point_not_known_to_operate_shows_unknown(chromium, server, site):
    """A record whose status is unknown: its hours, if any, do not make it open."""
    pid = next(p["id"] for p in site[1] if p["status"] == "unknown")
    with _phone(chromium, "Asia/Shanghai") as (page, _):
        page.clock.set_fixed_time("2026-12-01T10:00:00+08:00")
        page.goto(f"{server}/points/{pid}/")
        assert _badge(page) == ("unknown", "服务状态待核实")


def _ordered(page, how: str) -> list[str]:
    """Ask the need page for an order (the reader's position, or 石岐街道) and return its cards' ids."""
    if how == "geolocation":
        page.click("#find-locate")
    else:
        page.select_option("#find-town", "shiqi")
    wait_for(page, "document.getElementById('find-status').textContent.includes('由近到远')")
    return page.eval_on_selector_all("#find-results li.sp-result", "els => els.map(e => e.dataset.pointId)")


@pytest.mark.parametrize("how", ["geolocation", "town"])
def test_need_finder_lists_trademark_points_nearest_first(chromium, server, site, how):
    points = site[1]
    here = (22.67, 113.25) if how == "geolocation" else (22.52, 113.38)  # near 小榄; 石岐街道's centre in towns.csv
    expected = [p["id"] for p, _ in nearest(points, *here, n=len(points), service="trademark-filing")]
    offering = {p["id"] for p in points if "trademark-filing" in p["services"] and p["status"] != "closed"}
    assert set(expected) == offering and len(expected) >= 20
    options = {"geolocation": {"latitude": here[0], "longitude": here[1]}, "permissions": ["geolocation"]}
    with _phone(chromium, "Europe/Berlin", **(options if how == "geolocation" else {})) as (page, offsite):
        page.clock.set_fixed_time("2026-12-01T10:00:00+08:00")
        page.goto(f"{server}/find/")
        page.get_by_role("link", name="注册商标").first.click()
        wait_for(page, "location.pathname.endsWith('/find/register-trademark/') && document.readyState === 'complete'")
        rows = page.locator("#find-results li.sp-result")
        assert {rows.nth(i).get_attribute("data-point-id") for i in range(rows.count())} == offering
        order = _ordered(page, how)
        assert order == expected
        first = rows.first
        assert first.locator("a[href^='tel:'], .sp-act-none").count() >= 1
        assert first.locator("a[href^='https://uri.amap.com/']").count() == 1
        assert first.locator(".sp-open").get_attribute("data-open-state") in ("open", "closed", "unknown")
        box = first.locator(".sp-act").first.bounding_box()
        assert box and box["height"] >= 44  # thumb-sized
        assert offsite == []


@pytest.fixture(scope="module")
def bounded_server(site, tmp_path_factory):
    """The same registry built with listed=5: need pages hold their first 5 points, points.json all of them."""
    root = tmp_path_factory.mktemp("bounded")
    data = make_registry(root, _records())
    with serving(build(data, root / "site", listed=5)) as url:
        yield url


@pytest.mark.parametrize("how", ["geolocation", "town"])
def test_the_finder_finds_the_nearest_beyond_the_points_in_the_page(chromium, bounded_server, site, how):
    """With 5 of the offering points in the HTML, the reader's order is still the nearest 5 of all of them
    (as `servicepoints nearest` ranks them), cards made from points.json for those the page did not hold."""
    points = site[1]
    here = (22.67, 113.25) if how == "geolocation" else (22.52, 113.38)
    ranked = [p["id"] for p, _ in nearest(points, *here, n=len(points), service="trademark-filing")]
    options = {"geolocation": {"latitude": here[0], "longitude": here[1]}, "permissions": ["geolocation"]}
    with _phone(chromium, "Europe/Berlin", **(options if how == "geolocation" else {})) as (page, offsite):
        page.clock.set_fixed_time("2026-12-01T10:00:00+08:00")
        page.goto(f"{bounded_server}/find/register-trademark/")
        first = page.eval_on_selector_all("#find-results li.sp-result", "els => els.map(e => e.dataset.pointId)")
        assert len(first) == 5 and set(ranked[:5]) != set(first)  # the nearest are not the page's first
        assert "这里先列出 5 个" in page.inner_text("#find-status")
        order = _ordered(page, how)
        assert order == ranked[:5]
        status = page.inner_text("#find-status")
        assert f"已从全部 {len(ranked)} 个网点中" in status and "最前面的 5 个" in status, status
        made = [pid for pid in order if pid not in first]
        assert made
        for pid in made:
            card = page.locator(f"#find-results li[data-point-id='{pid}']")
            assert card.locator(f"a.sp-result-name[href='../../points/{pid}/']").count() == 1
            assert card.locator(f"a[href='../../points/{pid}/#location']").count() == 1
            assert card.locator("a[href^='tel:'], .sp-act-none").count() >= 1
            wait_for(page, f"!document.querySelector(`li[data-point-id='{pid}'] .sp-open`).hidden")
            assert "公里" in card.locator(".sp-distance").inner_text()
        assert offsite == []


def test_every_need_page_offers_its_channels_above_the_list(site):
    """Each need page lists the channels that data/channels.csv gives for it (a tel: link for a phone, a link for
    an online channel), above the list of points, whether or not any point offers the need."""
    import csv

    from conftest import soup

    channels = list(csv.DictReader((DATA / "channels.csv").open(encoding="utf-8")))
    for page in sorted((site[0] / "find").glob("*/index.html")):
        code = page.parent.name
        doc = soup(page)
        wanted = [c for c in channels if code in c["needs"].split(";")]
        box = doc.select_one("section.sp-fallback")
        assert (box is not None) == bool(wanted), code
        for c in wanted:
            href = f"tel:{c['phone']}" if c["kind"] == "phone" else c["url"]
            assert box.select_one(f'a.sp-act[href="{href}"]'), (code, c["name"])
        results = doc.select_one("#find-results")
        if box and results:
            assert box.sourceline < results.sourceline, code


def _random_hours(rng, n: int) -> list[str]:
    """Strings near the grammar: valid pieces, shuffled and broken, so both parsers see edge cases."""
    days = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "PH", "SH", "mo"]
    times = ["00:00", "08:30", "09:00", "12:00", "12:00", "13:30", "17:00", "23:59", "24:00", "24:30", "9:00", "25:00"]
    out = []
    for _ in range(n):
        rules = []
        for _ in range(rng.randint(1, 3)):
            sel = ",".join(
                rng.choice(days) + (f"-{rng.choice(days)}" if rng.random() < 0.4 else "")
                for _ in range(rng.randint(0, 2))
            )
            if rng.random() < 0.6:  # ordered spans, mostly valid
                picks = sorted(rng.sample(times[:9], 2 * rng.randint(1, 2)))
                spans = ",".join(f"{a}-{b}" for a, b in zip(picks[::2], picks[1::2], strict=True))
            else:
                spans = ",".join(f"{rng.choice(times)}-{rng.choice(times)}" for _ in range(rng.randint(1, 2)))
            body = rng.choice([spans, spans, "off", "closed", "24/7", ""])
            rules.append(f"{sel} {body}".strip() if sel else body)
        out.append(rng.choice(["; ", ";", " ; "]).join(rules))
    return out


def test_python_and_browser_parse_random_hours_alike(chromium, server):
    """The same parsed structure (days, PH, spans) or the same rejection, for 600 generated strings."""
    import random

    from servicepoints.core import hours

    texts = _random_hours(random.Random(16), 600)
    expected = []
    for text in texts:
        parsed = hours.parse(text)
        expected.append(
            None if parsed is None else [[list(r.days), r.holiday, [list(s) for s in r.spans]] for r in parsed.rules]
        )
    assert 0 < sum(e is not None for e in expected) < len(texts)  # both kinds are exercised
    with _phone(chromium, "Asia/Shanghai") as (page, _):
        page.goto(f"{server}/points/open-now/")
        got = page.evaluate(
            """(texts) => texts.map(t => { const h = window.ServicepointsHours.parse(t);
                 return h && h.rules.map(r => [r.days, r.holiday, r.spans]); })""",
            texts,
        )
        assert [(t, g) for t, g, e in zip(texts, got, expected, strict=True) if g != e] == []
