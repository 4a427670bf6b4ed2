"""servicepoints.sqlite as sqlite-utils (the library under datasette's tooling) opens it: every published table,
typed, with its keys; a join along a foreign key gives the rows the CSVs give. And points.gpkg as SQLite sees it."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest
import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st

from conftest import gpkg_features, gpkg_geometry, soup
from servicepoints.publish.database import NO_POSITION, gpkg_point, sqlite_bytes, table_sql
from servicepoints.publish.export import SQLITE_NAME

PYTHON_TYPES = {"integer": int, "number": float, "boolean": int, "year": int}


@pytest.fixture(scope="module", params=["shipped_site", "second_city_site"])
def opendata(request):
    return request.getfixturevalue(request.param) / "opendata"


@pytest.fixture(scope="module")
def db(opendata):
    return sqlite_utils.Database(opendata / SQLITE_NAME)


def _package(opendata) -> dict:
    return json.loads((opendata / "datapackage.json").read_text(encoding="utf-8"))


def _csv(opendata, name: str) -> list[dict]:
    with (opendata / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_table_with_its_columns_keys_and_types(opendata, db):
    resources = _package(opendata)["resources"]
    assert db.table_names() == [r["name"] for r in resources]
    for resource in resources:
        table, schema = db[resource["name"]], resource["schema"]
        assert [c.name for c in table.columns] == [f["name"] for f in schema["fields"]], resource["name"]
        assert table.pks == schema["primaryKey"], resource["name"]
        declared = {
            (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
            for fk in schema.get("foreignKeys", [])
        }
        assert {(fk.column, fk.other_table, fk.other_column) for fk in table.foreign_keys} == declared
        types = table.columns_dict
        for field in schema["fields"]:
            assert types[field["name"]] is PYTHON_TYPES.get(field["type"], str), (resource["name"], field["name"])
        assert table.count == len(_csv(opendata, resource["name"])), resource["name"]


def test_every_cell_is_the_csv_cell_typed(opendata, db):
    for resource in _package(opendata)["resources"]:
        kinds = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
        for row, expected in zip(db[resource["name"]].rows, _csv(opendata, resource["name"]), strict=True):
            for name, text in expected.items():
                value = row[name]
                if text == "":
                    assert value is None, (resource["name"], name)
                elif kinds[name] == "number":
                    assert value == float(text), (resource["name"], name)
                else:
                    assert str(value) == text.removeprefix("'") or str(value) == text, (resource["name"], name)


def test_a_foreign_key_join_gives_the_rows_the_csvs_give(opendata, db):
    points = {p["id"]: p for p in _csv(opendata, "points")}
    services = {s["code"]: s for s in _csv(opendata, "services")}
    towns = {t["name"]: t for t in _csv(opendata, "towns")}
    expected = sorted(
        (link["point_id"], points[link["point_id"]]["name"], services[link["service"]]["name"])
        for link in _csv(opendata, "point_services")
    )
    joined = db.execute(
        "SELECT p.id, p.name, s.name FROM point_services ps JOIN points p ON p.id = ps.point_id "
        "JOIN services s ON s.code = ps.service ORDER BY 1, 2, 3"
    ).fetchall()
    assert expected and [tuple(r) for r in joined] == expected
    by_town = sorted((p["id"], towns[p["town"]]["code"]) for p in points.values() if p["town"])
    query = "SELECT p.id, t.code FROM points p JOIN towns t ON t.name = p.town ORDER BY 1"
    assert [tuple(r) for r in db.execute(query).fetchall()] == by_town
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_broken_key_stops_the_database():
    descriptor = {
        "resources": [
            {"name": "kinds", "schema": {"fields": [{"name": "code", "type": "string"}], "primaryKey": ["code"]}},
            {
                "name": "things",
                "schema": {
                    "fields": [{"name": "id", "type": "integer"}, {"name": "kind", "type": "string"}],
                    "primaryKey": ["id"],
                    "foreignKeys": [{"fields": ["kind"], "reference": {"resource": "kinds", "fields": ["code"]}}],
                },
            },
        ]
    }
    good = {"kinds": [["code"], ["a"]], "things": [["id", "kind"], ["1", "a"], ["2", ""]]}
    body = sqlite_bytes(descriptor, good)
    assert body.startswith(b"SQLite format 3\x00")
    with pytest.raises(ValueError, match="foreign keys broken"):
        sqlite_bytes(descriptor, good | {"things": [["id", "kind"], ["1", "b"]]})


def test_names_are_quoted_and_code_lists_checked():
    resource = {
        "name": 'we"ird',
        "schema": {
            "fields": [{"name": "k", "type": "string", "constraints": {"required": True, "enum": ["a", "it's"]}}],
            "primaryKey": ["k"],
        },
    }
    connection = sqlite3.connect(":memory:")
    connection.execute(table_sql(resource))
    connection.execute('INSERT INTO "we""ird" VALUES (?)', ("it's",))
    with pytest.raises(sqlite3.IntegrityError):
        connection.execute('INSERT INTO "we""ird" VALUES (?)', ("b",))


def test_the_page_gives_the_one_line_command(opendata):
    page = soup(opendata / "index.html")
    assert f"datasette {SQLITE_NAME}" in {code.get_text() for code in page.find_all("code")}
    assert page.select_one(f'a.sp-download[href="{SQLITE_NAME}"]') is not None


def test_geopackage_point_blob():
    assert gpkg_geometry(gpkg_point(113.1912, 22.6123)) == (113.1912, 22.6123)


def test_geopackage_has_one_feature_per_record_and_says_why_one_has_no_geometry(opendata):
    features = gpkg_features(opendata / "points.gpkg")
    assert list(features) == [p["id"] for p in _csv(opendata, "points")]
    for ident, (position, note, _) in features.items():
        assert (position is None) == (note is not None), ident
        assert note is None or note in NO_POSITION.values(), ident


KINDS = ["string", "integer", "number", "boolean", "year", "date"]
CELLS = {
    "string": st.text(max_size=3),
    "date": st.sampled_from(["", "2026-01-01"]),
    "integer": st.sampled_from(["", "0", "-7", "12"]),
    "year": st.sampled_from(["", "1999"]),
    "number": st.sampled_from(["", "22.5", "-0.0", "1e3", "113"]),
    "boolean": st.sampled_from(["", "true", "false"]),
}


@given(
    st.lists(st.sampled_from(KINDS), min_size=1, max_size=4).flatmap(
        lambda kinds: st.tuples(st.just(kinds), st.lists(st.tuples(*(CELLS[k] for k in kinds)).map(list), max_size=4))
    )
)
def test_cells_are_typed_column_by_column_as_cell_by_cell(table):
    """sqlite_bytes and geopackage_bytes type each column at once (text in C): the values _typed gives each
    cell, the same type too (SQLite stores 1 and 1.0 apart)."""
    from servicepoints.publish.database import _typed, _typed_columns

    kinds, rows = table
    columns = _typed_columns(rows, kinds)
    plain = [[_typed(row[n], kind) for row in rows] for n, kind in enumerate(kinds)]
    assert [[(type(v), v) for v in column] for column in columns] == [[(type(v), v) for v in c] for c in plain]
