"""Links that open a point in the map apps people use in mainland China."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from ..core.geo import gcj02_to_bd09, wgs84_to_gcj02


# Tencent's marker parameter is its own little syntax (``coord:…;title:…;addr:…``) with no escape: a ``;``,
# ``:`` or ``,`` in a name would add a field or a second coordinate. Each value is put in that syntax
# with the full-width forms people read the same, then the whole is encoded for the query string.
MARKER_SEPARATORS = str.maketrans({";": "；", ":": "：", ",": "，"})


def marker_text(text: str) -> str:
    return text.translate(MARKER_SEPARATORS)


def map_links(point: dict) -> dict[str, str]:
    """Amap and Tencent take GCJ-02, Baidu takes BD-09; the point is WGS-84."""
    if point.get("lat") is None or point.get("lon") is None:
        return {}
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
    address = point.get("address") or point.get("town") or ""
    marker = f"coord:{glat:.6f},{glon:.6f};title:{marker_text(name)};addr:{marker_text(address)}"
    return {
        "amap": f"https://uri.amap.com/marker?{amap}",
        "baidu": f"https://api.map.baidu.com/marker?{baidu}",
        "tencent": f"https://apis.map.qq.com/uri/v1/marker?marker={quote(marker, safe=':,;')}&referer=servicepoints",
    }
