"""Honest pages: every count a page states is recomputed here from the published data.

Home, stats, type, town and need pages print each number in ``<span class="sp-n" data-count="…">``.
This test recomputes each from opendata/points.json and the code lists, on its own, and fails
on any count stated outside such a span, so a page cannot claim more than the data gives.
A list holding only its first points (the ``listed`` setting) says how many it holds
(``measure=listed&list=ID``): that is counted in the page. At 2,000 points every page stays under
200 KB, with every count still exact.
"""

from __future__ import annotations

import csv
import json
import re
from urllib.parse import parse_qs

import pytest

from conftest import DATA, build, fixture, make_registry, soup, synthetic_site
from servicepoints.core.settings import Settings
from servicepoints.registry.freshness import is_fresh

BARE_COUNT = re.compile(r"\d+\s*(个|条|家)")
# "Has this field", recomputed here on its own (not with completeness.py's checks the pages count with).
HAVE = {
    "address": lambda p: bool(p["address"]),
    "phones": lambda p: bool(p["phones"]),
    "hours": lambda p: bool(p["hours"]),
    "verified": lambda p: bool(p["verified"]),
    "located": lambda p: p["precision"] in ("exact", "street") and p["lat"] is not None,
}


def _csv(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _published(site) -> dict:
    points = json.loads((site / "opendata" / "points.json").read_text(encoding="utf-8"))["points"]
    return {"points": points, "reported": _csv("reported.csv"), "towns": _csv("towns.csv"), "needs": _csv("needs.csv")}


@pytest.fixture(scope="module")
def data(shipped_site):
    return _published(shipped_site)


def expected(query: str, data: dict) -> int | None:
    q = {k: v[0] for k, v in parse_qs(query).items()}
    measure = q.pop("measure")
    if measure == "offering":  # a need page's points: not closed, offering any of its services
        need = next(n for n in data["needs"] if n["code"] == q["need"])
        services = set(need["services"].split(";"))
        offering = [p for p in data["points"] if p["status"] != "closed" and services & set(p["services"])]
        if "area" in q:
            offering = [p for p in offering if ("全市" in (p["area_served"] or [])) == (q["area"] == "citywide")]
        return sum(1 for p in offering if q.get("evidence", p["evidence"]) == p["evidence"])
    if measure == "towns":
        return sum(1 for t in data["towns"] if q.get("kind", t["kind"]) == t["kind"])
    if measure == "fresh":
        return sum(is_fresh(p, 365) for p in data["points"])
    if measure == "have":
        return sum(1 for p in data["points"] if HAVE[q["field"]](p))
    if measure == "alt":
        return sum(int(r["alt_count"]) for r in data["reported"] if r["type"] == q["type"] and r["alt_count"])
    kind, town, status = q.get("type"), q.get("town"), q.get("status")

    def mine(p, type_code=kind):
        return (
            (not type_code or p["type"] == type_code)
            and (not town or (p["town"] or "-") == town)
            and (not status or p["status"] == status)
        )

    evidence = {"named": "named", "provided": "reported", "inferred": "inferred"}  # a measure's evidence level
    if measure in evidence:
        return sum(1 for p in data["points"] if mine(p) and p["evidence"] == evidence[measure])
    if measure == "total":
        return sum(1 for p in data["points"] if mine(p))
    if measure == "reported":
        rows = [
            r for r in data["reported"] if (not kind or r["type"] == kind) and (not status or r["status"] == status)
        ]
        return sum(int(r["count"]) for r in rows)
    if measure == "missing":
        kinds = [kind] if kind else sorted({r["type"] for r in data["reported"]})
        out = 0
        for k in kinds:
            rows = [r for r in data["reported"] if r["type"] == k and (not status or r["status"] == status)]
            have = sum(1 for p in data["points"] if mine(p, k))
            out += max(sum(int(r["count"]) for r in rows) - have, 0)
        return out
    raise AssertionError(f"unknown measure in {query}")


def _pages(site):
    yield site / "index.html"
    yield site / "stats" / "index.html"
    yield site / "about" / "index.html"
    yield from sorted((site / "types").glob("**/index.html"))
    yield from sorted((site / "towns").glob("**/index.html"))
    yield site / "find" / "index.html"
    yield from sorted((site / "find").glob("*/index.html"))


def _check_counts(page, data: dict) -> int:
    """Each stated number of the page against the data (a list's ``listed`` against the list); how many."""
    article = soup(page).select_one("article")
    checked = 0
    for span in article.select("span.sp-n[data-count]"):
        query = {k: v[0] for k, v in parse_qs(span["data-count"]).items()}
        if query["measure"] == "listed":
            rows = article.select_one(f"#{query['list']}").select("li.sp-result, tr[data-point-id]")
            assert rows and int(span.get_text()) == len(rows), (page, span)
        else:
            assert int(span.get_text()) == expected(span["data-count"], data), (page, span)
        checked += 1
    return checked


def test_every_stated_count_is_what_the_data_gives(shipped_site, data):
    checked = sum(_check_counts(page, data) for page in _pages(shipped_site))
    assert checked > 200


def test_no_page_states_a_count_outside_the_tally(shipped_site):
    for page in _pages(shipped_site):
        article = soup(page).select_one("article")
        for span in article.select("span.sp-n"):
            span.decompose()
        text = article.get_text(" ", strip=True)
        assert not BARE_COUNT.search(text), (page, BARE_COUNT.findall(text), text[:200])


def _counted(page, measure: str) -> list[str]:
    article = soup(page).select_one("article")
    return [s["data-count"] for s in article.select("span.sp-n[data-count]") if f"measure={measure}" in s["data-count"]]


def test_home_stats_type_and_town_pages_count_named_and_inferred(shipped_site, data):
    pages = [shipped_site / "index.html", shipped_site / "stats" / "index.html"]
    pages += [shipped_site / "types" / code / "index.html" for code in ("assistance-station", "trademark-station")]
    pages += [shipped_site / "towns" / "guzhen" / "index.html"]
    for page in pages:
        assert _counted(page, "named") and _counted(page, "inferred"), page
    inferred = sum(1 for p in data["points"] if p["evidence"] == "inferred")
    assert inferred > 0
    stats = soup(shipped_site / "stats" / "index.html").select_one("article")
    assert str(inferred) in [s.get_text() for s in stats.select('span.sp-n[data-count="measure=inferred"]')]


def test_home_and_stats_agree_and_count_unknown_status(shipped_site, data):
    """One source of truth: the totals match, and points of unknown status are in the status table."""
    home = soup(shipped_site / "index.html").select_one("article")
    stats = soup(shipped_site / "stats" / "index.html").select_one("article")
    total = str(len(data["points"]))
    assert total in [s.get_text() for s in home.select('span.sp-n[data-count="measure=total"]')]
    by_status = stats.select_one("#by-status").find_next("table")
    rows = [tr for tr in by_status.select("tbody tr") if tr.find("td")]
    unknown = sum(1 for p in data["points"] if p["status"] == "unknown")
    assert unknown and any(tr.get_text().startswith("待核实") for tr in rows)
    per_status = [int(tr.select("span.sp-n")[-1].get_text()) for tr in rows if not tr.get_text().startswith("合计")]
    assert sum(per_status) == len(data["points"])


def test_no_sentence_claims_more_than_the_data(shipped_site):
    home = soup(shipped_site / "index.html").get_text()
    stats = soup(shipped_site / "stats" / "index.html").get_text()
    assert "有公开资料可以核对" not in home
    assert "都已收录" not in stats and "没有：" not in stats


def test_point_pages_show_sources_evidence_precision_and_gaps(shipped_site, data):
    by_id = {p["id"]: p for p in data["points"]}
    for pid in ("aid-minzhong", "aid-banfu", "protection-center"):
        page = soup(shipped_site / "points" / pid / "index.html")
        point = by_id[pid]
        links = {a["href"] for a in page.select(".sp-sources a")}
        assert links == {s["url"] for s in point["sources"] if s["url"]}
        dates = [t["datetime"] for t in page.select(".sp-sources time")]
        assert dates == [s["date"] for s in point["sources"] if s["date"]]
        text = page.select_one("article").get_text()
        assert ("推定的网点" in text) == (point["evidence"] == "inferred")
        assert ("位置为镇街中心估计，仅供参考" in text) == (point["precision"] == "town")
        fields = {dt.get_text(): dt.find_next("dd").get_text() for dt in page.select("dl.sp-fields dt")}
        for label, key in (("联系电话", "phones"), ("电子邮箱", "email"), ("网址", "website"), ("服务时间", "hours")):
            assert (fields[label].strip() == "待补充") == (not point[key]), (pid, label)


INFERRED = """id: inferred-one
name: 中山市古镇镇商标品牌培育指导站
type: trademark-station
town: 古镇镇
status: unknown
lat: 22.61
lon: 113.19
precision: town
evidence: inferred
sources:
  - title: 测试出处
"""


@pytest.fixture(scope="module")
def reported_site(tmp_path_factory):
    """A tiny registry with one point of each evidence level: named, reported (a returned sheet), inferred."""
    root = tmp_path_factory.mktemp("reported")
    records = {
        "good.yaml": fixture("good.yaml"),
        "reported.yaml": fixture("reported.yaml"),
        "inferred-one.yaml": INFERRED,
    }
    site = build(make_registry(root, records), root / "site")
    return site, _published(site)


def test_reported_points_are_counted_in_their_own_column_on_every_page(reported_site):
    site, data = reported_site
    assert sorted(p["evidence"] for p in data["points"]) == ["inferred", "named", "reported"]
    for page in (site / "index.html", site / "stats" / "index.html", site / "types" / "index.html"):
        article = soup(page).select_one("article")
        provided = [s for s in article.select("span.sp-n[data-count]") if "measure=provided" in s["data-count"]]
        assert provided and "1" in [s.get_text() for s in provided], page
        header = [th.get_text() for th in article.select("table thead th")]
        assert "主管部门或网点提供" in header, page
    checked = sum(_check_counts(page, data) for page in _pages(site))
    assert checked > 50


def test_a_reported_point_page_says_who_provided_it_and_when(reported_site):
    site, _ = reported_site
    article = soup(site / "points" / "reported" / "index.html").select_one("article")
    note = article.select_one(".sp-provided").get_text()
    assert note == "信息由小榄镇市场监督管理分局提供（2025-12-01）。"
    assert article.select_one(".sp-evidence-reported").get_text() == "主管部门或网点提供"
    assert "推定的网点" not in article.get_text()
    named = soup(site / "points" / "good" / "index.html").select_one("article")
    assert named.select_one(".sp-provided") is None


def test_reported_evidence_and_its_provider_reach_the_open_data(reported_site):
    site, _ = reported_site
    with (site / "opendata" / "point_sources.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["point_id"]: r for r in csv.DictReader(handle)}
    assert rows["reported"]["provided_by"] == "小榄镇市场监督管理分局"
    assert rows["reported"]["date"] == "2025-12-01" and rows["good"]["provided_by"] == ""
    with (site / "opendata" / "points.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert {r["id"]: r["evidence"] for r in csv.DictReader(handle)}["reported"] == "reported"
    package = json.loads((site / "opendata" / "datapackage.json").read_text(encoding="utf-8"))
    points = next(r for r in package["resources"] if r["name"] == "points")
    evidence = next(f for f in points["schema"]["fields"] if f["name"] == "evidence")
    assert evidence["constraints"]["enum"] == ["named", "reported", "inferred"]


# At scale: a registry of LARGE points from the benchmark's generator (scripts/synth.py), built once.
LARGE = 2000
PAGE_LIMIT = 200 * 1024  # bytes of HTML, issue 27


@pytest.fixture(scope="module")
def large_site():
    with synthetic_site(LARGE, "sp-large-") as site:
        yield site, _published(site)


def test_at_2000_points_every_page_is_under_200_kb(large_site):
    site, _ = large_site
    sizes = {p.relative_to(site).as_posix(): p.stat().st_size for p in site.rglob("*.html")}
    assert len(sizes) > LARGE
    assert {page: size for page, size in sizes.items() if size >= PAGE_LIMIT} == {}


def test_at_2000_points_every_count_is_exact_and_the_rest_is_reachable(large_site):
    site, data = large_site
    listed = Settings().listed
    checked = 0
    for page in _pages(site):
        checked += _check_counts(page, data)
        article = soup(page).select_one("article")
        for span in article.select("span.sp-n"):
            span.decompose()
        assert not BARE_COUNT.search(article.get_text(" ", strip=True)), page
    assert checked > 500
    slugs = {t["slug"]: t["name"] for t in data["towns"]}
    bounded = 0
    for page in [*sorted((site / "towns").glob("*/index.html")), *sorted((site / "types").glob("*/index.html"))]:
        article = soup(page).select_one("article")
        for table in article.select("table[id^=list-]"):
            town, kind = (slugs[page.parent.name], table["id"][5:]) if "towns" in page.parts else ("", page.parent.name)
            total = sum(1 for p in data["points"] if p["type"] == kind and (not town or p["town"] == town))
            assert len(table.select("tr[data-point-id]")) == min(total, listed), (page, kind)
            rest = article.select_one(f'p.sp-listed:has([data-count="measure=listed&list={table["id"]}"])')
            assert (rest is not None) == (total > listed), (page, kind)
            if rest:
                assert rest.select_one('a[href^="../../map/#"]') and rest.select_one('a[href="../../opendata/"]')
                bounded += 1
    assert bounded >= 5  # type pages and town sections with more points than listed
    for need in data["needs"]:
        page = site / "find" / need["code"] / "index.html"
        cards = soup(page).select("#find-results li.sp-result")
        local = expected(f"measure=offering&need={need['code']}&area=local", data)
        assert len(cards) == min(local, listed), need["code"]
        if local > listed:  # every local point, for the finder's nearest-first order
            ids = [row[0] for row in json.loads((page.parent / "points.json").read_bytes())["points"]]
            services = set(need["services"].split(";"))
            offering = {p["id"] for p in data["points"] if p["status"] != "closed" and services & set(p["services"])}
            assert sorted(ids) == sorted(offering) and {c["data-point-id"] for c in cards} <= offering
