"""Coordinate transforms and distances."""

from __future__ import annotations

import math

import pytest

from servicepoints.core import geo

# Published reference values (the widely used coordtransform test vectors).
WGS_BEIJING = (39.915, 116.404)
GCJ_OF_WGS_BEIJING = (39.91640428150164, 116.41024449916938)
BD_OF_GCJ_BEIJING = (39.92133699351021, 116.41036949371029)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geo.distance_km(*a, *b) * 1000


def test_wgs84_to_gcj02_matches_the_published_pair():
    lat, lon = geo.wgs84_to_gcj02(*WGS_BEIJING)
    assert (lat, lon) == pytest.approx(GCJ_OF_WGS_BEIJING, abs=1e-9)


def test_gcj02_to_bd09_matches_the_published_pair():
    assert geo.gcj02_to_bd09(*WGS_BEIJING) == pytest.approx(BD_OF_GCJ_BEIJING, abs=1e-9)


def test_round_trips_under_one_metre_across_zhongshan():
    worst_gcj = worst_bd = 0.0
    for i in range(31):
        for j in range(31):
            p = (22.15 + 0.67 * i / 30, 113.10 + 0.70 * j / 30)
            worst_gcj = max(worst_gcj, metres(p, geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(*p))))
            bd = geo.gcj02_to_bd09(*geo.wgs84_to_gcj02(*p))
            worst_bd = max(worst_bd, metres(p, geo.to_wgs84(*bd, "bd09")))
    assert worst_gcj < 0.01  # well under 1 m
    assert worst_bd < 1.0


def test_shift_near_zhongshan_is_about_600_metres():
    guzhen = (22.61, 113.19)
    lat, lon = geo.wgs84_to_gcj02(*guzhen)
    assert lon - guzhen[1] == pytest.approx(0.0055, abs=0.0006)
    assert lat - guzhen[0] == pytest.approx(-0.0027, abs=0.0006)
    assert 450 < metres(guzhen, (lat, lon)) < 750


def test_distance_against_spherical_law_of_cosines():
    a, b = (22.52, 113.38), (22.67, 113.25)
    p1, p2, dl = math.radians(a[0]), math.radians(b[0]), math.radians(b[1] - a[1])
    cosines = math.acos(math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl))
    assert geo.distance_km(*a, *b) == pytest.approx(cosines * geo.EARTH_RADIUS_KM, rel=1e-9)


# Distances on the IUGG mean sphere (R = 6371.0088 km), worked out by hand, not with the module's constant:
# one degree of arc is 2·π·R/360 = 111.19508 km; a wrong earth radius (6378.137, 6371) moves these.
@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((0.0, 0.0), (0.0, 1.0), 111.19508),  # along the equator
        ((22.0, 113.0), (23.0, 113.0), 111.19508),  # along a meridian
        ((0.0, 0.0), (0.0, 180.0), 20015.1144),  # half the great circle: π·R
        ((0.0, 0.0), (90.0, 0.0), 10007.5572),  # equator to pole: π·R/2
        ((22.52, 113.38), (22.61, 113.19), 21.9267),  # 石岐 to 古镇, town centres
    ],
)
def test_distance_values_in_kilometres(a, b, km):
    assert geo.distance_km(*a, *b) == pytest.approx(km, abs=0.0005)
    assert geo.distance_km(*b, *a) == pytest.approx(km, abs=0.0005)


def test_distance_to_itself_is_zero_and_antipodes_do_not_raise():
    assert geo.distance_km(22.5, 113.4, 22.5, 113.4) == 0.0
    assert geo.distance_km(22.5, 113.4, -22.5, -66.6) == pytest.approx(20015.1144, abs=0.001)


def test_a_box_in_every_form_the_outputs_need():
    box = geo.Box(south=22.18, west=113.15, north=22.79, east=113.77)
    assert box.leaflet() == [[22.18, 113.15], [22.79, 113.77]]
    assert box.wkt() == "POLYGON((113.15 22.18,113.77 22.18,113.77 22.79,113.15 22.79,113.15 22.18))"
    assert box.schema_org() == "22.18 113.15 22.79 113.77"
    assert box.contains(22.18, 113.15) and box.contains(22.79, 113.77)  # edges belong
    assert not box.contains(22.17, 113.4) and not box.contains(22.5, 113.78)  # just outside
    assert not box.contains(113.4, 22.5)  # swapped
