"""Links that open a point in the map apps people use in mainland China."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from ..core.geo import gcj02_to_bd09, wgs84_to_gcj02


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
    marker = f"coord:{glat:.6f},{glon:.6f};title:{name};addr:{point.get('address') or point.get('town') or ''}"
    return {
        "amap": f"https://uri.amap.com/marker?{amap}",
        "baidu": f"https://api.map.baidu.com/marker?{baidu}",
        "tencent": f"https://apis.map.qq.com/uri/v1/marker?marker={quote(marker, safe=':,;')}&referer=servicepoints",
    }
