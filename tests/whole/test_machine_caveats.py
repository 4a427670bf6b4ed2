"""What machines read carries the caveats people read (issue 26).

A town-centre estimate is never published as an office's position where the format cannot say it is an
estimate (schema.org ``geo``, HSDS ``location.latitude/longitude``); an inferred point is never published as
a confirmed organisation (no schema.org office, no HSDS organization); ``unknown`` status never becomes an
HSDS status that asserts something. The JSON-LD and the HSDS files are parsed, not grepped.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import DATA, build, gpkg_features, make_registry, soup
from servicepoints.core.place import Place
from servicepoints.publish.hsds import STATUS, id_namespace
from servicepoints.publish.hsds import hsds_id as _hsds_id
from servicepoints.registry.provenance import OWN_POSITION

OFFICE_TYPES = ("GovernmentOffice", "Place")


def _office_docs(page: Path) -> list[dict]:
    docs = [json.loads(tag.string) for tag in soup(page).find_all("script", type="application/ld+json")]
    return [d for d in docs if d.get("@type") in OFFICE_TYPES]


def _read(site: Path, name: str) -> list[dict]:
    text = (site / "opendata" / "hsds" / name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _check_site(site: Path, points: dict[str, dict], data: Path = DATA) -> None:
    """Every rule of this file, on one built site and its records (ids in the place's namespace)."""
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    ns = id_namespace(Place.from_descriptor(package))

    def hsds_id(*parts: str) -> str:
        return _hsds_id(ns, *parts)

    for pid, point in points.items():
        docs = _office_docs(site / "points" / pid / "index.html")
        if point["evidence"] == "inferred":
            assert docs == [], f"{pid}: an inferred point is published to search engines as an office"
            continue
        (doc,) = docs
        if point["precision"] in OWN_POSITION:
            assert doc["geo"] == {"@type": "GeoCoordinates", "latitude": point["lat"], "longitude": point["lon"]}
        else:
            assert "geo" not in doc, f"{pid}: a {point['precision']}-precision coordinate is published as its position"
    organizations = {r["id"] for r in _read(site, "organizations.csv")}
    named = {pid for pid, p in points.items() if p["evidence"] != "inferred"}
    assert organizations == {hsds_id("organization", pid) for pid in named}
    locations = {r["external_identifier"]: r for r in _read(site, "locations.csv")}
    assert set(locations) == named
    for pid, row in locations.items():
        own = points[pid]["precision"] in OWN_POSITION
        assert bool(row["latitude"]) == bool(row["longitude"]) == own, (pid, row)
    # The GeoPackage keeps every record (the evidence column says which are inferred) but gives a geometry only
    # to an office's own position; the others say why they have none.
    features = gpkg_features(site / "opendata" / "points.gpkg")
    assert set(features) == set(points)
    for pid, (position, note, _) in features.items():
        point = points[pid]
        if point["precision"] in OWN_POSITION and point["evidence"] != "inferred":
            assert position == (point["lon"], point["lat"]) and note is None, pid
        else:
            assert position is None and note, f"{pid}: a {point['precision']}-precision coordinate as a feature's point"
    services = _read(site, "services.csv")
    by_org = {hsds_id("organization", pid): p for pid, p in points.items()}
    assert all(by_org[s["organization_id"]]["status"] != "unknown" for s in services)
    for s in services:
        assert s["status"] == STATUS[by_org[s["organization_id"]]["status"]]


def test_shipped_machine_readable_files_carry_the_caveats(shipped_site, points_by_id):
    _check_site(shipped_site, points_by_id)
    inferred = [p for p in points_by_id.values() if p["evidence"] == "inferred"]
    estimated = [p for p in points_by_id.values() if p["precision"] == "town" and p["evidence"] == "named"]
    unknown = [p for p in points_by_id.values() if p["status"] == "unknown" and p["evidence"] == "named"]
    assert inferred and estimated and unknown  # each rule is exercised by the shipped data


def test_no_unknown_maps_to_an_asserting_status():
    assert STATUS["unknown"] is None
    assert set(STATUS.values()) - {None} <= {"active", "inactive", "defunct", "temporarily closed"}


EXACT = """id: exact-one
name: 测试援助站
type: assistance-station
town: 古镇镇
status: operating
lat: 22.6123
lon: 113.1912
precision: exact
services:
  - ip-training
evidence: named
sources:
  - title: 测试出处
    url: https://example.gov.cn/a.html
    date: 2024-01-19
"""
UNKNOWN = """id: unknown-one
name: 测试商标站
type: trademark-station
town: 小榄镇
status: unknown
lat: 22.66
lon: 113.25
precision: town
services:
  - trademark-filing
evidence: named
sources:
  - title: 测试出处二
    url: https://example.gov.cn/b.html
    date: 2024-01-19
"""
INFERRED = """id: inferred-one
name: 中山市横栏镇商标品牌培育指导站
type: trademark-station
town: 横栏镇
status: unknown
lat: 22.53
lon: 113.26
precision: town
services:
  - trademark-filing
evidence: inferred
sources:
  - title: 测试出处三
"""


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    root = tmp_path_factory.mktemp("caveats")
    data = make_registry(root, {"exact-one.yaml": EXACT, "unknown-one.yaml": UNKNOWN, "inferred-one.yaml": INFERRED})
    return build(data, root / "site")


def test_exact_position_is_published_estimate_and_inference_are_not(three):
    from servicepoints.registry.load import read_registry
    from servicepoints.registry.validate import validate

    points = {p["id"]: p for p in validate(read_registry(three.parent / "data")).points}
    _check_site(three, points, three.parent / "data")
    (doc,) = _office_docs(three / "points" / "exact-one" / "index.html")
    assert doc["geo"]["latitude"] == 22.6123
    (row,) = [r for r in _read(three, "locations.csv") if r["external_identifier"] == "exact-one"]
    assert (float(row["latitude"]), float(row["longitude"])) == (22.6123, 113.1912)
    assert [s["status"] for s in _read(three, "services.csv")] == ["active"]  # unknown-one's service is left out
    # The pages still say what the machine files leave out.
    assert "推定的网点" in soup(three / "points" / "inferred-one" / "index.html").get_text()


def test_the_open_data_page_states_the_mapping_the_code_uses(shipped_site):
    page = soup(shipped_site / "opendata" / "index.html")
    text = page.select_one("#hsds").find_next("ul").get_text()
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    fields = next(r for r in package["resources"] if r["name"] == "points")["schema"]["fields"]
    status_labels = next(f for f in fields if f["name"] == "status")["x-labels"]
    for code, label in status_labels.items():
        target = STATUS[code] or "不写任何状态"
        assert f"{label}（{code}）→ {target}" in text, code
    assert "推定的网点不收入 HSDS" in text
