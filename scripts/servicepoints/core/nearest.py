"""The nearest points to a position, by great-circle distance on WGS-84."""

from __future__ import annotations

from .geo import distance_km


def nearest(
    points: list[dict], lat: float, lon: float, n: int = 5, type_code: str | None = None, service: str | None = None
) -> list[tuple[dict, float]]:
    """The ``n`` nearest located, non-closed points, nearest first; ties broken by id."""
    ranked = []
    for point in points:
        if point["lat"] is None or point["lon"] is None or point["status"] == "closed":
            continue
        if type_code and point["type"] != type_code:
            continue
        if service and service not in point["services"]:
            continue
        ranked.append((round(distance_km(lat, lon, point["lat"], point["lon"]), 6), point["id"], point))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [(point, km) for km, _, point in ranked[:n]]
