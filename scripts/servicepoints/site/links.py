"""Links that open a point in the map apps people use in mainland China.

Honest directions: a pin named after the point is dropped only where its position is known (precision exact
or street, or none stated). For a point placed at its town's estimated centre, or with no position, the links
search instead, for its address when the record has one, else for the town's name with the point's type, and
they say that they search (``kind`` is "search"). A known position makes a pin, labelled with the address."""

from __future__ import annotations

import functools
import re

from ..core.geo import gcj02_to_bd09, wgs84_to_gcj02

ESTIMATED = {"town", "unknown"}  # precisions whose coordinates are no door to walk to
NOTE = re.compile(r"[（(][^）)]*[）)]")  # "民众大道48号（商标业务办理窗口）": the note in brackets is no place name


# Tencent's marker parameter is its own little syntax (``coord:…;title:…;addr:…``) with no escape: a ``;``,
# ``:`` or ``,`` in a name would add a field or a second coordinate. Each value is put in that syntax
# with the full-width forms people read the same, then the whole is encoded for the query string.
MARKER_SEPARATORS = str.maketrans({";": "；", ":": "：", ",": "，"})


def marker_text(text: str) -> str:
    return text.translate(MARKER_SEPARATORS)


# Percent-encoding as urllib.parse writes it, by a table of the 256 bytes' text instead of its Python step per byte:
# a point page's links encode a few hundred bytes of Chinese (tests/site/test_links.py compares with urllib's).
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"  # never encoded (RFC 3986)


def _byte_texts(safe: bytes, space: str) -> tuple[str, ...]:
    return tuple(space if b == 0x20 else chr(b) if b in _UNRESERVED or b in safe else f"%{b:02X}" for b in range(256))


FORM = _byte_texts(b"", "+")  # a form's key or value: quote_plus, as urlencode writes them
MARKER = _byte_texts(b":,;", "%20")  # Tencent's marker, its own separators kept: quote(text, safe=":,;")


def encoded(text: str, table: tuple[str, ...]) -> str:
    return "".join(map(table.__getitem__, text.encode("utf-8")))


@functools.lru_cache(maxsize=4096)  # the keys, and values such as "html" or the city, recur on every page
def form_text(text: str) -> str:
    return encoded(text, FORM)


def form(query: dict[str, str]) -> str:
    """``urllib.parse.urlencode(query)`` for text keys and values."""
    return "&".join([form_text(key) + "=" + form_text(value) for key, value in query.items()])


def search_query(point: dict, type_name: str = "", city: str = "") -> str:
    """What the map apps search for when the point's position is an estimate: its address, else town + type."""
    address = NOTE.sub("", point.get("address") or "").strip()
    town = point.get("town") or ""
    if address:
        return f"{city}{'' if address.startswith(town) else town}{address}"
    if town:
        return f"{city}{town} {type_name}".strip()
    return ""


def map_links(point: dict, type_name: str = "", city: str = "") -> dict[str, str]:
    """{"kind": "marker"|"search", "query", "amap", "baidu", "tencent"}; {} when there is nothing to show."""
    estimated = point.get("precision") in ESTIMATED or point.get("lat") is None or point.get("lon") is None
    if estimated:
        query = search_query(point, type_name, city)
        if not query:
            return {}
        region = city.removesuffix("市")
        return {
            "kind": "search",
            "query": query,
            "amap": "https://uri.amap.com/search?" + form({"keyword": query, "city": region, "callnative": "1"}),
            "baidu": "https://api.map.baidu.com/place/search?"
            + form({"query": query, "region": region, "output": "html", "src": "servicepoints"}),
            "tencent": "https://apis.map.qq.com/uri/v1/search?"
            + form({"keyword": query, "region": region, "referer": "servicepoints"}),
        }
    glat, glon = wgs84_to_gcj02(point["lat"], point["lon"])
    blat, blon = gcj02_to_bd09(glat, glon)
    name = point["name"]
    amap = form({"position": f"{glon:.6f},{glat:.6f}", "name": name, "coordinate": "gaode", "callnative": "1"})
    baidu = form(
        {
            "location": f"{blat:.6f},{blon:.6f}",
            "title": name,
            "content": point.get("address") or name,
            "output": "html",
            "coord_type": "bd09ll",
            "src": "servicepoints",
        }
    )
    address = point.get("address") or point.get("town") or ""
    marker = f"coord:{glat:.6f},{glon:.6f};title:{marker_text(name)};addr:{marker_text(address)}"
    return {
        "kind": "marker",
        "query": "",
        "amap": f"https://uri.amap.com/marker?{amap}",
        "baidu": f"https://api.map.baidu.com/marker?{baidu}",
        "tencent": f"https://apis.map.qq.com/uri/v1/marker?marker={encoded(marker, MARKER)}&referer=servicepoints",
    }
