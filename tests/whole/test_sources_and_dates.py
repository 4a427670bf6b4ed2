"""Sources and dates (issue 26): every source address in data/ is on the allow-list of source sites kept in
data/source_domains.csv (government, news, publisher) or carries a note saying why not; every status a page
shows carries the date of the source it rests on."""

from __future__ import annotations

import csv
import json
import re
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import DATA, soup

URL = re.compile(r"https?://[^\s\"'<>,，。；、）)]+")
SCHEMA_KEYS = ("$schema", "$id")  # JSON Schema identifiers in data/point.schema.json, not sources


def _csv(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def domains() -> dict[str, str]:
    rows = _csv("source_domains.csv")
    assert {r["kind"] for r in rows} <= {"government", "news", "publisher"}
    return {r["domain"]: r["kind"] for r in rows}


def listed(url: str, domains: dict[str, str]) -> bool:
    host = urlsplit(url).hostname or ""
    return any(host == d or host.endswith("." + d) for d in domains)


def _records() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((DATA / "points").glob("**/*.yaml"))]


def test_every_source_url_is_listed_or_noted(domains):
    noted, checked = set(), 0
    for record in _records():
        for source in record["sources"]:
            if not source.get("url"):
                continue
            checked += 1
            if not listed(source["url"], domains):
                assert source.get("note"), (record["id"], source["url"], "off the list and no note why")
                noted.add(source["url"])
        if record.get("website"):
            assert listed(record["website"], domains), record["id"]
    for channel in _csv("channels.csv"):
        assert channel["url"] == "" or listed(channel["url"], domains), channel["name"]
        if not listed(channel["source_url"], domains):
            assert channel["source_note"], (channel["name"], channel["source_url"], "off the list and no note why")
            noted.add(channel["source_url"])
    assert checked > 30
    # Every other address anywhere in data/ (descriptions, notes, code lists) is on the list too.
    for path in sorted(DATA.rglob("*")):
        if not path.is_file() or path.name == "source_domains.csv":
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            text = json.dumps(_without_schema_keys(json.loads(text)), ensure_ascii=False)
        for url in URL.findall(text):
            assert listed(url, domains) or url in noted, (path.name, url)


def _without_schema_keys(value):
    if isinstance(value, dict):
        return {k: _without_schema_keys(v) for k, v in value.items() if k not in SCHEMA_KEYS}
    if isinstance(value, list):
        return [_without_schema_keys(v) for v in value]
    return value


def test_the_allow_list_test_fails_on_a_mirror(domains):
    assert listed("http://www.zs.gov.cn/zjj/zwdt/content/post_2249988.html", domains)
    assert listed("https://zsrbapp.zsnews.cn/x", domains)
    assert not listed("http://www.szmaolu.com/zjj/zwdt/content/post_2309072.html", domains)
    assert not listed("http://evil-zs.gov.cn.example.com/", domains)  # a suffix, not a substring
    assert not listed("http://notzsnews.cn/", domains)


def _basis(point: dict) -> str | None:
    """The date a shown status rests on, recomputed here: status_date, else the newest dated source."""
    if point["status"] == "unknown":
        return None
    dates = [s["date"] for s in point["sources"] if s["date"]]
    return point["status_date"] or (max(dates) if dates else "")


def test_every_status_badge_carries_its_sources_date(shipped_site):
    points = json.loads((shipped_site / "opendata" / "points.json").read_text(encoding="utf-8"))["points"]
    by_id = {p["id"]: p for p in points}
    pages = [shipped_site / "points" / pid / "index.html" for pid in by_id]
    pages += sorted((shipped_site / "types").glob("*/index.html")) + sorted(
        (shipped_site / "towns").glob("*/index.html")
    )
    asserting = 0
    for page in pages:
        doc = soup(page)
        for badge in doc.select("article .sp-badge"):
            row = badge.find_parent(attrs={"data-point-id": True})
            pid = row["data-point-id"] if row else page.parent.name
            expected = _basis(by_id[pid])
            times = badge.select("time")
            if expected is None:
                assert not times and badge.get_text() == "待核实", (page, badge)
                continue
            asserting += 1
            (time,) = times
            assert time["datetime"] == expected and f"据 {expected} 出处" in badge.get_text(), (page, pid)
    assert asserting >= 5 * 2  # each operating point on its own page and in its type's table


def test_status_dates_are_set_for_every_asserting_shipped_status():
    for record in _records():
        if record["status"] != "unknown":
            assert record.get("status_date"), record["id"]
            assert record["status_date"] in {s.get("date") for s in record["sources"]}
