"""HSDS 3.0: our tables pass HSDS's own published tabular descriptor, with UUIDs stable across builds."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import frictionless
import pytest

from conftest import DATA, TESTS
from servicepoints.core.place import Place
from servicepoints.publish.hsds import SPEC, hsds_id, id_namespace, schedule_spans

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
