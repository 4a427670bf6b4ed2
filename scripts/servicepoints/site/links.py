"""Links that open a point in the map apps people use in mainland China.

Honest directions: a pin named after the point is dropped only where its position is known (precision exact
or street, or none stated). For a point placed at its town's estimated centre, or with no position, the links
search instead, for its address when the record has one, else for the town's name with the point's type, and
they say that they search (``kind`` is "search"). A known position makes a pin, labelled with the address."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from ..core.geo import gcj02_to_bd09, wgs84_to_gcj02

ESTIMATED = {"town", "unknown"}  # precisions whose coordinates are no door to walk to
NOTE = re.compile(r"[（(][^）)]*[）)]")  # "民众大道48号（商标业务办理窗口）": the note in brackets is no place name


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
            "amap": "https://uri.amap.com/search?" + urlencode({"keyword": query, "city": region, "callnative": "1"}),
            "baidu": "https://api.map.baidu.com/place/search?"
            + urlencode({"query": query, "region": region, "output": "html", "src": "servicepoints"}),
            "tencent": "https://apis.map.qq.com/uri/v1/search?"
            + urlencode({"keyword": query, "region": region, "referer": "servicepoints"}),
        }
    glat, glon = wgs84_to_gcj02(point["lat"], point["lon"])
    blat, blon = gcj02_to_bd09(glat, glon)
    name = point["name"]
    amap = urlencode({"position": f"{glon:.6f},{glat:.6f}", "name": name, "coordinate": "gaode", "callnative": "1"})
    baidu = urlencode(
        {
            "location": f"{blat:.6f},{blon:.6f}",
            "title": name,
            "content": point.get("address") or name,
            "output": "html",
            "coord_type": "bd09ll",
            "src": "servicepoints",
        }
    )
    marker = f"coord:{glat:.6f},{glon:.6f};title:{name};addr:{point.get('address') or point.get('town') or ''}"
    return {
        "kind": "marker",
        "query": "",
        "amap": f"https://uri.amap.com/marker?{amap}",
        "baidu": f"https://api.map.baidu.com/marker?{baidu}",
        "tencent": f"https://apis.map.qq.com/uri/v1/marker?marker={quote(marker, safe=':,;')}&referer=servicepoints",
    }
