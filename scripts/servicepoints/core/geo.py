"""Coordinates: WGS-84 <-> GCJ-02 <-> BD-09, and great-circle distance.

GCJ-02 is the obfuscated datum that Amap and Tencent maps use in mainland China;
BD-09 is Baidu's further offset of it. The stored data is always WGS-84.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_BD = math.pi * 3000.0 / 180.0
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


@dataclass(frozen=True)
class Box:
    """A latitude/longitude rectangle in WGS-84 degrees."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    def leaflet(self) -> list[list[float]]:
        """``[[south, west], [north, east]]``, as Leaflet's fitBounds/maxBounds take it."""
        return [[self.south, self.west], [self.north, self.east]]

    def wkt(self) -> str:
        """The rectangle as a WKT polygon (longitude first), as DCAT's ``dcat:bbox`` takes it."""
        s, w, n, e = self.south, self.west, self.north, self.east
        return f"POLYGON(({w} {s},{e} {s},{e} {n},{w} {n},{w} {s}))"

    def schema_org(self) -> str:
        """schema.org GeoShape ``box``: "south west north east"."""
        return f"{self.south} {self.west} {self.north} {self.east}"


def _offset(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 minus WGS-84 at a WGS-84 position, in degrees (lat, lon)."""
    x, y = lon - 105.0, lat - 35.0
    wave = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + wave
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + wave
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(rad) ** 2
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    dlon = dlon * 180.0 / (_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    dlat, dlon = _offset(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Invert the offset by fixed-point iteration (converges to well under a millimetre)."""
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        dlat, dlon = glat - lat, glon - lon
        wlat, wlon = wlat - dlat, wlon - dlon
        if abs(dlat) < 1e-10 and abs(dlon) < 1e-10:
            break
    return wlat, wlon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _BD)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD)
    return z * math.sin(theta), z * math.cos(theta)


def to_wgs84(lat: float, lon: float, crs: str | None) -> tuple[float, float]:
    """Any accepted input datum to WGS-84."""
    if crs == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if crs == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))
    return lat, lon


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance on a sphere of the mean Earth radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
