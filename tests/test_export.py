"""Open data: every published file reads back as the registry's public records, nothing private, reproducible."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile

import frictionless
import openpyxl
import pytest
from click.testing import CliRunner

from conftest import DATA, PLANTED_PRIVATE_PHONE, build, fixture, make_registry
from servicepoints.cli import main
from servicepoints.geo import ZHONGSHAN
from servicepoints.load import read_registry
from servicepoints.validate import validate

PUBLIC = [
    "id",
    "name",
    "alternate_name",
    "type",
    "town",
    "status",
    "lat",
    "lon",
    "precision",
    "address",
    "phones",
    "email",
    "website",
    "hours",
    "services",
    "organization",
    "industry",
    "established",
    "description",
    "verified",
    "evidence",
]
NESTED = "sources"  # published as the point_sources table, and nested in JSON and GeoJSON


def _flat(points: list[dict]) -> list[dict]:
    return [{k: v for k, v in p.items() if k != NESTED} for p in points]


@pytest.fixture(scope="module")
def points():
    return validate(read_registry(DATA)).points


@pytest.fixture(scope="module")
def opendata(shipped_site):
    return shipped_site / "opendata"


def _from_text(row: dict) -> dict:
    out = {k: (v if v != "" else None) for k, v in row.items()}
    for key in ("lat", "lon"):
        out[key] = float(out[key]) if out[key] is not None else None
    for key in ("phones", "services"):
        out[key] = out[key].split(";") if out[key] else []
    return out


def test_frictionless_validates_the_published_package(opendata):
    report = frictionless.Package(str(opendata / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_descriptor_has_catalogue_metadata(opendata):
    descriptor = json.loads((opendata / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["created"] == "2026-01-01T00:00:00Z"
    assert {"title", "description", "version", "contributors", "sources"} <= descriptor.keys()
    assert {r["name"] for r in descriptor["resources"]} == {
        "points",
        "point_services",
        "point_sources",
        "towns",
        "types",
        "services",
        "reported",
        "holidays",
        "needs",
        "channels",
    }
    points = next(r for r in descriptor["resources"] if r["name"] == "points")
    assert [f["name"] for f in points["schema"]["fields"]] == PUBLIC  # crs is input-only


def test_csv_round_trip_with_bom(opendata, points):
    raw = (opendata / "points.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [_from_text(r) for r in rows] == _flat(points)


def test_point_services_link_table_matches(opendata, points):
    rows = list(csv.DictReader(io.StringIO((opendata / "point_services.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["point_id"], r["service"]) for r in rows] == [(p["id"], s) for p in points for s in p["services"]]


def test_point_sources_table_matches(opendata, points):
    rows = list(csv.DictReader(io.StringIO((opendata / "point_sources.csv").read_text(encoding="utf-8-sig"))))
    expected = [
        {"point_id": p["id"], **{k: s[k] or "" for k in ("title", "url", "date")}} for p in points for s in p["sources"]
    ]
    assert rows == expected
    assert {r["point_id"] for r in rows} == {p["id"] for p in points}  # every point cites a source


def test_xlsx_round_trip(opendata, points):
    book = openpyxl.load_workbook(opendata / "points.xlsx")
    assert book.sheetnames == [
        "points",
        "point_services",
        "point_sources",
        "towns",
        "types",
        "services",
        "reported",
        "holidays",
        "needs",
        "channels",
    ]
    rows = list(book["points"].iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "名称", "别名")
    assert list(rows[1]) == PUBLIC
    back = [
        _from_text(
            {
                k: ("" if v is None else str(v) if k not in ("lat", "lon") else repr(v))
                for k, v in zip(rows[1], row, strict=True)
            }
        )
        for row in rows[2:]
    ]
    assert back == _flat(points)


def test_json_round_trip(opendata, points):
    assert json.loads((opendata / "points.json").read_text(encoding="utf-8"))["points"] == points


def test_geojson_is_rfc7946_and_round_trips(opendata, points):
    doc = json.loads((opendata / "points.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    by_id = {p["id"]: p for p in points}
    assert [f["id"] for f in doc["features"]] == [p["id"] for p in points]
    for feature in doc["features"]:
        point = by_id[feature["id"]]
        props = {
            k: feature["properties"].get(k, [] if k in ("phones", "services") else None)
            for k in PUBLIC
            if k not in ("lat", "lon")
        }
        assert props == {k: v for k, v in point.items() if k not in ("lat", "lon", NESTED)}
        assert feature["properties"][NESTED] == point[NESTED]
        if feature["geometry"] is None:
            assert point["lat"] is None
            continue
        lon, lat = feature["geometry"]["coordinates"]
        assert ZHONGSHAN.contains(lat, lon)  # [lon, lat], inside Zhongshan
        assert (lat, lon) == (point["lat"], point["lon"])
        assert all(len(repr(c).split(".")[-1]) <= 7 for c in (lat, lon))


def test_zip_holds_the_package(opendata):
    with zipfile.ZipFile(opendata / "servicepoints-opendata.zip") as archive:
        assert set(archive.namelist()) == {
            "datapackage.json",
            "points.csv",
            "point_services.csv",
            "point_sources.csv",
            "towns.csv",
            "types.csv",
            "services.csv",
            "reported.csv",
            "holidays.csv",
            "needs.csv",
            "channels.csv",
        }
        assert archive.read("points.csv") == (opendata / "points.csv").read_bytes()


def test_sha256sums_check_with_sha256sum(opendata):
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=opendata, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hsds/schedule.csv: OK" in result.stdout and "points.xlsx: OK" in result.stdout


def test_catalogue_metadata(opendata):
    catalog = json.loads((opendata / "catalog.jsonld").read_text(encoding="utf-8"))
    assert catalog["@type"] == "dcat:Catalog"
    names = {d["dct:title"] for d in catalog["dcat:dataset"]["dcat:distribution"]}
    assert {"points.csv", "points.xlsx", "points.geojson", "servicepoints-opendata.zip"} <= names
    page = (opendata / "index.html").read_text(encoding="utf-8")
    assert '"@type": "Dataset"' in page


def test_hsds_tables(opendata, points):
    def read(name):
        return list(csv.DictReader(io.StringIO((opendata / "hsds" / name).read_text(encoding="utf-8-sig"))))

    assert len(read("organization.csv")) == len(points)
    assert len(read("service.csv")) == sum(len(p["services"]) for p in points)
    (minzhong,) = [s for s in read("schedule.csv") if s["location_id"] == "aid-minzhong-location"][:1]
    assert (minzhong["byday"], minzhong["opens_at"], minzhong["closes_at"]) == ("MO,TU,WE,TH,FR", "09:00", "12:00")


def test_private_data_appears_in_no_file(hostile_site):
    record = fixture("good.yaml").decode()
    assert PLANTED_PRIVATE_PHONE not in record  # planted only in the private block
    for path in hostile_site.rglob("*"):
        if path.is_file():
            body = path.read_bytes()
            assert PLANTED_PRIVATE_PHONE.encode() not in body, path
            assert "王科长".encode() not in body, path
    with zipfile.ZipFile(hostile_site / "opendata" / "points.xlsx") as book:
        assert not any(PLANTED_PRIVATE_PHONE.encode() in book.read(n) for n in book.namelist())


def test_two_builds_give_identical_open_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    first = build(DATA, tmp_path / "a", release_date=None)
    second = build(DATA, tmp_path / "b", release_date=None)
    names = sorted(p.relative_to(first).as_posix() for p in (first / "opendata").rglob("*") if p.is_file())
    assert "opendata/points.xlsx" in names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert json.loads((first / "opendata" / "datapackage.json").read_text())["created"].startswith("2026-01-01")


def test_failed_build_leaves_the_previous_site_untouched(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    site = build(data, tmp_path / "site")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    (data / "points" / "bad.yaml").write_bytes(fixture("outside.yaml").replace(b"id: outside", b"id: bad"))
    config = str(DATA.parent / "mkdocs.yml")
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(site), "--config", config])
    assert result.exit_code == 1 and "coords-outside" in result.output
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_change_log_against_the_previous_release(tmp_path, shipped_site):
    data = make_registry(tmp_path, {})
    for path in (DATA / "points").rglob("*.yaml"):
        if path.stem != "aid-banfu":
            target = data / "points" / path.relative_to(DATA / "points")
            target.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text(encoding="utf-8")
            if path.stem == "nantou-appliance-center":
                text = text.replace("status: operating", "status: suspended")
            target.write_text(text, encoding="utf-8")
    (data / "points" / "good.yaml").write_bytes(fixture("good.yaml"))
    previous = str(shipped_site / "opendata" / "datapackage.json")
    site = build(data, tmp_path / "site", previous_release=previous)
    changes = json.loads((site / "opendata" / "changes.json").read_text(encoding="utf-8"))
    assert changes["first_release"] is False
    assert changes["added"] == ["good"] and changes["removed"] == ["aid-banfu"]
    assert changes["changed"] == [
        {"id": "nantou-appliance-center", "fields": {"status": {"old": "operating", "new": "suspended"}}}
    ]
    page = (site / "opendata" / "changes" / "index.html").read_text(encoding="utf-8")
    assert "nantou-appliance-center" in page and "suspended" in page
