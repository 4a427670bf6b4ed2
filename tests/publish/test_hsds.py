"""HSDS 3.0: our tables pass HSDS's own published tabular descriptor, with UUIDs stable across builds."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import uuid
from pathlib import Path

import frictionless
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DATA, TESTS
from servicepoints.core.place import Place
from servicepoints.core.settings import Settings
from servicepoints.publish.hsds import (
    SPEC,
    hsds_descriptor,
    hsds_id,
    hsds_rows,
    hsds_tables,
    id_namespace,
    schedule_spans,
)
from servicepoints.publish.tables import cell
from servicepoints.registry.descriptor import Descriptor
from servicepoints.registry.load import read_registry
from servicepoints.registry.model import SiteData
from servicepoints.registry.validate import validate

NS = id_namespace(Place.from_descriptor(json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))))
OFFICIAL = TESTS / "specs" / "hsds-3.0" / "datapackage.json"


@pytest.fixture(scope="module")
def hsds(shipped_site):
    return shipped_site / "opendata" / "hsds"


def read(hsds: Path, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((hsds / name).read_text(encoding="utf-8-sig"))))


def test_the_build_ships_the_official_descriptor():
    assert SPEC.read_bytes() == OFFICIAL.read_bytes()


def test_files_validate_against_hsds_3_own_descriptor(hsds):
    official = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    assert official["version"] == "3.0.0"
    published = sorted(p.name for p in hsds.glob("*.csv"))
    assert published == sorted(
        [
            "organizations.csv",
            "programs.csv",
            "services.csv",
            "locations.csv",
            "service_at_location.csv",
            "phones.csv",
            "contacts.csv",
            "schedules.csv",
            "service_areas.csv",
        ]
    )
    official["resources"] = [r for r in official["resources"] if r["path"] in published]
    assert len(official["resources"]) == len(published)  # every file we publish is an HSDS table, by its name
    report = frictionless.Package(official, basepath=str(hsds)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_shipped_hsds_descriptor_validates_too(hsds):
    report = frictionless.Package(str(hsds / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_ids_are_uuid5_from_our_ids(hsds, points_by_id):
    named = {pid: p for pid, p in points_by_id.items() if p["evidence"] == "named"}  # inferred: not in HSDS
    organizations = read(hsds, "organizations.csv")
    assert len(organizations) == len(named)
    for row in organizations:
        assert uuid.UUID(row["id"]).version == 5
    locations = {r["external_identifier"]: r for r in read(hsds, "locations.csv")}
    assert set(locations) == set(named)
    assert locations["tm-nantou"]["id"] == hsds_id(NS, "location", "tm-nantou")
    assert (
        hsds_id(NS, "location", "tm-guzhen")
        == hsds_id(NS, "location", "tm-guzhen")
        != hsds_id(NS, "location", "tm-xiaolan")
    )
    assert locations["tm-nantou"]["id"] == "5bd2050a-1d2d-528a-b063-ae5a023cc525"  # published ids never change
    services = read(hsds, "services.csv")
    assert len(services) == sum(len(p["services"]) for p in named.values() if p["status"] != "unknown")
    assert len({s["id"] for s in services}) == len(services)


@given(st.uuids(), st.lists(st.text(), min_size=1, max_size=4))
def test_an_id_is_the_uuid5_of_its_parts_joined(namespace, parts):
    assert hsds_id(namespace, *parts) == str(uuid.uuid5(namespace, "/".join(parts)))


def test_required_fields_are_filled(hsds):
    official = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    for resource in official["resources"]:
        if not (hsds / resource["path"]).exists():
            continue
        rows = read(hsds, resource["path"])
        for field in resource["schema"]["fields"]:
            if field.get("constraints", {}).get("required"):
                assert all(r[field["name"]] for r in rows), (resource["path"], field["name"])


def test_opening_hours_are_weekly_schedules(hsds):
    location = hsds_id(NS, "location", "aid-minzhong")
    rows = [s for s in read(hsds, "schedules.csv") if s["location_id"] == location]
    assert [(s["freq"], s["byday"], s["opens_at"], s["closes_at"]) for s in rows] == [
        ("WEEKLY", "MO,TU,WE,TH,FR", "09:00:00", "12:00:00"),
        ("WEEKLY", "MO,TU,WE,TH,FR", "13:30:00", "17:00:00"),
    ]


@pytest.mark.parametrize(
    ("hours", "spans"),
    [
        (
            "Mo-Fr 09:00-12:00,13:30-17:00; PH off",
            [("09:00:00", "12:00:00", "MO,TU,WE,TH,FR"), ("13:30:00", "17:00:00", "MO,TU,WE,TH,FR")],
        ),
        ("Mo,We,Sa 08:30-18:00", [("08:30:00", "18:00:00", "MO,WE,SA")]),
        ("09:00-17:00", [("09:00:00", "17:00:00", "MO,TU,WE,TH,FR,SA,SU")]),
        ("Sa-Su 10:00-24:00", [("10:00:00", "23:59:59", "SA,SU")]),
        ("24/7", [("00:00:00", "23:59:59", "MO,TU,WE,TH,FR,SA,SU")]),
        ("PH 09:00-12:00", []),
        ("Mo-Fr 09:00-17:00; Sa off", [("09:00:00", "17:00:00", "MO,TU,WE,TH,FR")]),
        (None, []),
    ],
)
def test_schedule_spans(hours, spans):
    assert schedule_spans(hours) == spans


def test_the_hsds_package_carries_our_metadata_and_the_schemas_verbatim(hsds, shipped_site):
    ours = json.loads((shipped_site / "opendata" / "datapackage.json").read_text(encoding="utf-8"))
    package = json.loads((hsds / "datapackage.json").read_text(encoding="utf-8"))
    official = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    assert package["name"] == f"{ours['name']}-hsds" != official["name"]
    assert package["title"].startswith(ours["title"]) and "HSDS 3.0.0" in package["title"]
    assert package["version"] == ours["version"] and package["created"] == ours["created"]
    assert package["licenses"] == ours["licenses"] and package["contributors"] == ours["contributors"]
    assert "license" not in package  # the specification's own licence covers its schemas, cited below
    assert package["conformsTo"] == {
        "title": official["title"],
        "version": "3.0.0",
        "path": official["homepage"],
        "schemas-license": official["license"],
    }
    spec = {r["name"]: r for r in official["resources"]}
    assert package["resources"] and all(r == spec[r["name"]] for r in package["resources"])


def test_schedules_say_their_timezone(hsds):
    schedules = read(hsds, "schedules.csv")
    assert schedules and {s["timezone"] for s in schedules} == {"8"}


def test_area_served_becomes_each_services_service_area(hsds, points_by_id):
    """area_served (whole city or towns) is published as HSDS service_area rows, one per service and area."""
    areas = read(hsds, "service_areas.csv")
    services = {r["id"]: r for r in read(hsds, "services.csv")}
    organizations = {r["id"]: r["name"] for r in read(hsds, "organizations.csv")}
    got = sorted({(organizations[services[a["service_id"]]["organization_id"]], a["name"]) for a in areas})
    want = sorted(
        (p["name"], area)
        for p in points_by_id.values()
        for area in p["area_served"]
        if p["services"] and p["status"] != "unknown" and p["evidence"] != "inferred"
    )
    assert got == want and ("中山市民众街道知识产权维权援助服务站", "民众街道") in got


HSDS_VALIDATOR = TESTS / "vendor" / "hsds-validator"
OBJECT_SCHEMAS = TESTS / "specs" / "hsds-3.0" / "schema"


def _hsds_validator():
    """hsds-validator's bulk_validate, from the vendored copy (it declares Python >=3.13, but runs on 3.11:
    tests/vendor/hsds-validator/manifest.json), after checking every copied file against the manifest."""
    manifest = json.loads((HSDS_VALIDATOR / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((HSDS_VALIDATOR / name).read_bytes()).hexdigest() == digest, name
    if str(HSDS_VALIDATOR) not in sys.path:
        sys.path.insert(0, str(HSDS_VALIDATOR))
    from hsds_validator.lib.validate import bulk_validate

    return bulk_validate


def _objects(hsds: Path, resource: dict) -> list[tuple[str, dict]]:
    """Each row of one HSDS table as the JSON object hsds-validator reads: typed as the table's schema says,
    empty cells left out (HSDS: an unknown value is absent)."""
    kinds = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    cast = {"integer": int, "number": float, "boolean": lambda v: v == "true"}
    return [
        (f"{resource['name']}-{n}.json", {k: cast.get(kinds[k], str)(v) for k, v in row.items() if v != ""})
        for n, row in enumerate(read(hsds, resource["path"]))
    ]


def test_hsds_validator_passes_every_row_of_every_table(hsds):
    bulk_validate = _hsds_validator()
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(OBJECT_SCHEMAS.glob("*.json"))]
    package = json.loads((hsds / "datapackage.json").read_text(encoding="utf-8"))
    checked, failed = {}, []
    for resource in package["resources"]:
        objects = _objects(hsds, resource)
        if objects:
            results = bulk_validate(objects, f"{resource['name']}.json", schemas)
            failed += [r for r in results if not r["success"]]
            checked[resource["name"]] = len(results)
    assert failed == []
    assert checked == {
        "organization": 13,
        "service": 20,
        "service_at_location": 20,
        "location": 13,
        "phone": 1,
        "schedule": 2,
        "service_area": 7,
    }


def test_hsds_validator_is_a_judge_that_can_say_no(hsds):
    bulk_validate = _hsds_validator()
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(OBJECT_SCHEMAS.glob("*.json"))]
    package = json.loads((hsds / "datapackage.json").read_text(encoding="utf-8"))
    location = next(r for r in package["resources"] if r["name"] == "location")
    name, first = _objects(hsds, location)[0]
    broken = first | {"latitude": "22.5°N", "id": "tm-xiaolan"}
    [result] = bulk_validate([(name, broken)], "location.json", schemas)
    assert sorted(e["column"] for e in result["errors"]) == ["id", "latitude"]


def test_each_table_is_its_rows_cells_in_the_columns_order_as_text():
    """hsds_tables picks each row's cells in C (export's CSV joins them as they are): the same as reading every
    column of every row of hsds_rows, empty where a row has no such column, non-text through tables.cell."""
    registry = read_registry(DATA)
    points = validate(registry).points
    named = next(p for p in points if p["evidence"] != "inferred" and p["lat"] is not None)
    # The shipped records have no own position and no e-mail: one that has both, as numbers and text.
    placed = dict(named, id="placed", precision="exact", email="a@x.test", website="https://x.test/a")
    site = SiteData(registry.descriptor, registry.tables, [*points, placed], Settings(), "https://x.test/")
    rows, tables = hsds_rows(site), hsds_tables(site)
    resources = Descriptor(hsds_descriptor()).resources
    assert list(tables) == [r["path"] for r in resources]
    for resource in resources:
        columns = [f["name"] for f in resource["schema"]["fields"]]
        plain = [[cell(r.get(c)) for c in columns] for r in rows[resource["name"]]]
        assert tables[resource["path"]] == [columns, *plain], resource["name"]
    assert {len(rows[name]) > 0 for name in ("organization", "location", "phone", "schedule", "service")} == {True}
