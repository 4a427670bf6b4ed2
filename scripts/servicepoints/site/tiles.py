"""Base-map tile providers. Amap (gaode) tiles are GCJ-02; the map shifts markers to match."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..core.errors import SetupError
from ..core.settings import Settings


@dataclass(frozen=True)
class Provider:
    name: str
    url: str
    attribution: str
    datum: str  # "gcj02" or "wgs84": what the tiles are drawn in
    subdomains: str = ""
    max_zoom: int = 18
    labels_url: str | None = None  # an annotation layer drawn over the base
    keyed: bool = False  # its URLs carry the settings' secret key (kept out of any cache)


_TIANDITU = "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
_TIANDITU += "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"


def tile_provider(settings: Settings) -> Provider:
    """The provider the settings choose; the review number (审图号) is added when the settings give it."""
    review = f" {html.escape(settings.tiles_review_number)}" if settings.tiles_review_number else ""  # shown as HTML
    if settings.tiles == "gaode":
        url = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
        return Provider("gaode", url, f"© 高德地图{review}", "gcj02", "1234")
    if settings.tiles == "tianditu":
        key = settings.tianditu_key
        if not key:
            raise SetupError("天地图底图需要密钥：请设置环境变量 SERVICEPOINTS_TIANDITU_KEY（不要写进仓库）")
        return Provider(
            "tianditu",
            _TIANDITU.format(s="{s}", layer="vec", key=key),
            f"© 天地图{review}",
            "wgs84",
            "01234567",
            labels_url=_TIANDITU.format(s="{s}", layer="cva", key=key),
            keyed=True,
        )
    if settings.tiles == "osm":
        attribution = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> 贡献者'
        return Provider("osm", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", attribution + review, "wgs84", "", 19)
    raise SetupError(f"未知的底图 tiles: {settings.tiles}（可选 gaode、tianditu、osm）")
