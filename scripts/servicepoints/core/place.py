"""The place a registry covers, as its data package declares it (``x-place`` in datapackage.json).

The software names no city: the place's name, its region code, its extent, the map's first view
and the namespace of the published stable ids all come from the instance's data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import SetupError
from .geo import Box

KEY = "x-place"
# What each key of x-place is, for the one message that names what is missing or wrong.
KEYS = {
    "name": "地名全称，如“某某市”",
    "province": "所属省份全称",
    "region_code": "统计用区划代码（6 位）",
    "bbox": "范围（WGS-84）：south、west、north、east 四个数",
    "centre": "地图初始中心：lat、lon",
    "zoom": "地图初始缩放级别（1–18）",
    "id_namespace": "开放数据中稳定编号（UUID）的命名空间，发布后不可再改",
    "network": "网点的统称，接在地名之后，如“知识产权公共服务网点”",
    "scheme": "（可不写）网点体系的名称，首页标题中写在地名和统称之间，如“1+1+N”",
}


@dataclass(frozen=True)
class Place:
    """Where the registry's points are: validation, the map, the catalogue and the page texts read it."""

    name: str
    province: str
    region_code: str
    box: Box
    centre: tuple[float, float]  # (lat, lon), WGS-84
    zoom: int
    id_namespace: str
    network: str
    scheme: str = ""

    @classmethod
    def from_descriptor(cls, descriptor: dict) -> Place:
        """The place block of a data package descriptor, or SetupError saying which key is missing or wrong."""
        raw = descriptor.get(KEY)
        if not isinstance(raw, dict):
            keys = "、".join(KEYS)
            raise SetupError(f"datapackage.json 缺少 {KEY}（本名录覆盖的地方），应是一组字段：{keys}")
        for key in ("name", "province", "network", "id_namespace"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise _wrong(key)
        if not isinstance(raw.get("scheme", ""), str):
            raise _wrong("scheme")
        if not isinstance(raw.get("region_code"), str) or not re.fullmatch(r"[0-9]{6}", raw["region_code"]):
            raise _wrong("region_code")
        bbox, centre, zoom = raw.get("bbox"), raw.get("centre"), raw.get("zoom")
        edges = ("south", "west", "north", "east")
        if not isinstance(bbox, dict) or not all(_degrees(bbox.get(k)) for k in edges):
            raise _wrong("bbox")
        box = Box(**{k: bbox[k] for k in edges})
        if not (-90 <= box.south < box.north <= 90 and -180 <= box.west < box.east <= 180):
            raise _wrong("bbox")
        if not isinstance(centre, dict) or not all(_degrees(centre.get(k)) for k in ("lat", "lon")):
            raise _wrong("centre")
        if not box.contains(centre["lat"], centre["lon"]):
            raise SetupError(f"datapackage.json 中 {KEY}.centre 不在 {KEY}.bbox 范围内")
        if not isinstance(zoom, int) or isinstance(zoom, bool) or not 1 <= zoom <= 18:
            raise _wrong("zoom")
        return cls(
            name=raw["name"],
            province=raw["province"],
            region_code=raw["region_code"],
            box=box,
            centre=(centre["lat"], centre["lon"]),
            zoom=zoom,
            id_namespace=raw["id_namespace"],
            network=raw["network"],
            scheme=raw.get("scheme", ""),
        )

    def bounds_text(self) -> str:
        """The extent as an editor reads it in a problem message."""
        b = self.box
        return f"{self.name}的纬度在 {b.south}–{b.north} 之间，经度在 {b.west}–{b.east} 之间"

    @property
    def title(self) -> str:
        """The network's full name: place, scheme and network, e.g. 某某市“1+1+N”知识产权公共服务网点."""
        return f"{self.name}{self.scheme}{self.network}"

    def locality(self, town: str | None) -> str:
        """The place, or the town within it, as an address names it: 某某市 / 某某市某某镇."""
        return f"{self.name}{town or ''}"


def _degrees(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _wrong(key: str) -> SetupError:
    return SetupError(f"datapackage.json 中 {KEY}.{key} 有误：应是{KEYS[key]}")
