"""Map-app links (links.py): a named pin only where the position is known; a labelled search otherwise."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, quote_plus, urlencode, urlparse, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import soup
from servicepoints.core.geo import gcj02_to_bd09, wgs84_to_gcj02
from servicepoints.site import links
from servicepoints.site.links import map_links, search_query

TOWN = {
    "id": "x",
    "name": "某镇某站",
    "town": "小榄镇",
    "lat": 22.67,
    "lon": 113.25,
    "precision": "town",
    "address": "",
}


def _numbers(url: str) -> list[str]:
    """Every query value of a link, decoded, so a coordinate cannot hide in any parameter."""
    return [v for values in parse_qs(urlparse(url).query).values() for v in values]


def _carries(url: str, lat: float, lon: float) -> bool:
    """Does the link carry this WGS-84 position, or its GCJ-02 or BD-09 shift, to four decimals?"""
    glat, glon = wgs84_to_gcj02(lat, lon)
    blat, blon = gcj02_to_bd09(glat, glon)
    text = " ".join(_numbers(url))
    return any(f"{a:.4f}"[:-1] in text or f"{b:.4f}"[:-1] in text for a, b in ((lat, lon), (glat, glon), (blat, blon)))


def test_a_town_estimate_is_searched_for_by_town_and_type_never_pinned():
    links = map_links(TOWN, "商标品牌培育指导站", "中山市")
    assert links["kind"] == "search" and links["query"] == "中山市小榄镇 商标品牌培育指导站"
    for app in ("amap", "baidu", "tencent"):
        url = links[app]
        assert "marker" not in urlparse(url).path and "search" in urlparse(url).path
        assert not _carries(url, TOWN["lat"], TOWN["lon"]), url
        assert "中山市小榄镇 商标品牌培育指导站" in _numbers(url)


def test_a_known_address_is_what_the_search_looks_for():
    point = TOWN | {"town": "民众街道", "address": "民众大道48号（商标业务办理窗口）"}
    assert search_query(point, "援助站", "中山市") == "中山市民众街道民众大道48号"
    assert map_links(point, "援助站", "中山市")["query"] == "中山市民众街道民众大道48号"


def test_an_exact_position_gets_a_named_pin():
    point = TOWN | {"precision": "exact", "address": "某路1号"}
    links = map_links(point, "援助站", "中山市")
    assert links["kind"] == "marker" and _carries(links["amap"], point["lat"], point["lon"])


def test_no_town_no_address_no_position_means_no_links():
    assert map_links(TOWN | {"town": "", "lat": None, "lon": None, "precision": "unknown"}, "援助站", "中山市") == {}


def test_shipped_town_precision_points_carry_no_estimate_in_any_map_app_link(shipped_site, points_by_id):
    """Every link on every page to Amap, Baidu or Tencent for a town-precision point is a labelled search."""
    estimated = {i: p for i, p in points_by_id.items() if p.get("precision") in ("town", "unknown")}
    assert estimated
    pages = [shipped_site / "points" / i / "index.html" for i in estimated]
    pages += sorted((shipped_site / "find").glob("*/index.html"))
    checked = 0
    for page in pages:
        doc = soup(page)
        for item in doc.select("li.sp-result[data-point-id]") or [doc.select_one("article")]:
            pid = item.get("data-point-id") or page.parent.name
            if pid not in estimated:
                continue
            point = estimated[pid]
            for a in item.select('a[href*="amap.com"], a[href*="map.baidu.com"], a[href*="map.qq.com"]'):
                url = a["href"]
                assert "/search" in urlparse(url).path, (pid, url)
                if point["lat"] is not None:
                    assert not _carries(url, point["lat"], point["lon"]), (pid, url)
                assert "搜索" in (a.get("aria-label") or a.get_text()), (pid, a.get_text())
                checked += 1
    assert checked >= 3 * len(estimated)


# --- each value encoded for the syntax it lands in ---

POINT = {"lat": 22.52, "lon": 113.38, "name": "网点", "address": "中山市某路 1 号", "town": "石岐街道"}


def tencent_fields(url: str) -> list[str]:
    marker = parse_qs(urlsplit(url).query)["marker"][0]
    return marker.split(";")


def test_a_semicolon_in_a_name_adds_no_second_coordinate():
    links = map_links(POINT | {"name": "甲;coord:1,2;title:假", "address": "乙;addr:丙"})
    fields = tencent_fields(links["tencent"])
    assert [f.split(":", 1)[0] for f in fields] == ["coord", "title", "addr"]
    assert fields[0].count(",") == 1 and fields[1] == "title:甲；coord：1，2；title：假"
    amap = parse_qs(urlsplit(links["amap"]).query)
    assert amap["name"] == ["甲;coord:1,2;title:假"] and amap["position"][0].count(",") == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_any_name_and_address_keep_three_marker_fields_and_one_coordinate(name, address):
    links = map_links(POINT | {"name": name, "address": address or None})
    fields = tencent_fields(links["tencent"])
    assert [f.split(":", 1)[0] for f in fields] == ["coord", "title", "addr"]
    for key in ("amap", "baidu", "tencent"):
        url = links[key]
        assert " " not in url and '"' not in url and "<" not in url and "\n" not in url


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=100)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(TEXT, TEXT, max_size=5))
def test_the_query_is_written_exactly_as_urllib_writes_it(query):
    """links.form encodes by a table of the bytes' texts (and keeps recurring texts); urlencode is the rule."""
    assert links.form(query) == urlencode(query)
    assert links.form(query) == urlencode(query)  # again, from the kept texts


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_the_marker_is_encoded_exactly_as_urllib_quotes_it(text):
    assert links.encoded(text, links.MARKER) == quote(text, safe=":,;")


def test_every_byte_is_encoded_as_urllib_encodes_it():
    for b in range(256):
        assert links.FORM[b] == quote_plus(bytes([b])), b
        assert links.MARKER[b] == quote(bytes([b]), safe=":,;"), b
    long = "中山市 小榄镇;:,&=+%/" * 80  # over a kilobyte as UTF-8
    assert links.form({long: long}) == urlencode({long: long})
    assert links.encoded(long, links.MARKER) == quote(long, safe=":,;")
