"""Map-app links: each value is encoded for the syntax it lands in, so a name cannot add a field."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from servicepoints.site.links import map_links

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
    for url in links.values():
        assert " " not in url and '"' not in url and "<" not in url and "\n" not in url
