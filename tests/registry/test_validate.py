"""Validation: every planted problem reported with its exact code, file and line."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA
from servicepoints.core import geo
from servicepoints.registry.load import Record, read_registry
from servicepoints.registry.validate import _typed, public_points, validate

TODAY = dt.date(2026, 1, 1)


def problems(data, code=None):
    report = validate(read_registry(data), today=TODAY)
    return [(p.code, p.file, p.line) for p in report.problems if code is None or p.code == code]


def test_shipped_registry_is_valid(monkeypatch):
    from conftest import DATA

    monkeypatch.chdir(DATA.parent)
    report = validate(read_registry("data"))
    assert [p for p in report.problems if p.severity == "error"] == []
    assert len(report.points) == len(list((DATA / "points").rglob("*.yaml")))


def test_good_fixture_has_no_problem(registry_dir):
    assert problems(registry_dir({"good.yaml": "good.yaml"})) == []


@pytest.mark.parametrize(
    ("source", "code", "line"),
    [
        ("wrong-type.yaml", "type-error", 6),
        ("missing-name.yaml", "missing-field", 1),
        ("outside.yaml", "coords-outside", 6),
        ("swapped.yaml", "coords-swapped", 6),
        ("unknown-service.yaml", "unknown-service", 10),
        ("service-not-allowed.yaml", "service-not-allowed", 11),
        ("future.yaml", "verified-future", 8),
        ("bad-hours.yaml", "bad-hours", 8),
        ("unknown-town.yaml", "unknown-town", 4),
        ("unknown-type.yaml", "unknown-type", 3),
    ],
)
def test_each_bad_record_gives_exactly_its_problem(registry_dir, source, code, line):
    data = registry_dir({source: source})
    assert problems(data) == [(code, f"data/points/{source}", line)]


def test_unknown_town_and_type_suggest_the_right_value(registry_dir):
    data = registry_dir({"unknown-town.yaml": "unknown-town.yaml", "unknown-type.yaml": "unknown-type.yaml"})
    messages = {p.code: p.message for p in validate(read_registry(data), today=TODAY).problems}
    assert "“古镇镇”" in messages["unknown-town"]
    assert "“trademark-station”" in messages["unknown-type"]


def test_unknown_service_suggests_the_nearest_code(registry_dir):
    data = registry_dir({"unknown-service.yaml": "unknown-service.yaml"})
    (problem,) = validate(read_registry(data), today=TODAY).problems
    assert "“trademark-filing”" in problem.message


def test_duplicate_id_across_two_files(registry_dir):
    data = registry_dir({"a/good.yaml": "good.yaml", "b/good.yaml": "good.yaml"})
    assert problems(data) == [("duplicate-id", "data/points/b/good.yaml", 1)]


def test_id_must_equal_file_name(registry_dir):
    data = registry_dir({"tm-guzhen-9.yaml": "id-mismatch.yaml"})
    assert problems(data) == [("id-filename-mismatch", "data/points/tm-guzhen-9.yaml", 1)]


def test_all_problems_come_at_once(registry_dir):
    files = {name: name for name in ("wrong-type.yaml", "outside.yaml", "future.yaml", "malformed.yaml", "good.yaml")}
    found = {code for code, _, _ in problems(registry_dir(files))}
    assert found == {"type-error", "coords-outside", "verified-future", "yaml-syntax"}


def test_unknown_field_is_reported_with_a_suggestion(registry_dir):
    data = registry_dir({"good.yaml": "good.yaml"})
    path = data / "points" / "good.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "adress: 某路1号\n", encoding="utf-8")
    (problem,) = validate(read_registry(data), today=TODAY).problems
    assert (problem.code, problem.line) == ("unknown-field", 20)
    assert "“address”" in problem.message


def test_stale_record_is_a_warning_not_an_error(registry_dir):
    data = registry_dir({"good.yaml": "good.yaml"})
    report = validate(read_registry(data), today=dt.date(2027, 6, 1), stale_days=365)
    assert [(p.code, p.severity, p.line) for p in report.problems] == [("stale", "warning", 14)]
    assert report.ok and report.points


def test_gcj02_input_is_stored_as_wgs84(registry_dir):
    report = validate(read_registry(registry_dir({"gcj02.yaml": "gcj02.yaml"})), today=TODAY)
    (point,) = report.points
    assert "crs" not in point
    assert point["lat"] == pytest.approx(22.6073 + 0.0027, abs=0.0004)
    assert point["lon"] == pytest.approx(113.1955 - 0.0055, abs=0.0004)


def test_location_may_be_unknown_only_when_said_so(registry_dir):
    data = registry_dir({"good.yaml": "good.yaml"})
    path = data / "points" / "good.yaml"
    text = path.read_text(encoding="utf-8").replace("lat: 22.61\nlon: 113.19\n", "")
    path.write_text(text, encoding="utf-8")
    assert problems(data) == [("missing-field", "data/points/good.yaml", 1)]
    path.write_text(text.replace("precision: town", "precision: unknown"), encoding="utf-8")
    assert problems(data) == []


def test_phone_items_are_checked_one_by_one(registry_dir):
    data = registry_dir({"good.yaml": "good.yaml"})
    path = data / "points" / "good.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  - 07608888888", "  - 07608888888\n  - 找王科长"), "utf-8"
    )
    assert problems(data) == [("constraint-error", "data/points/good.yaml", 11)]


def _good_with(data, old: str, new: str, name: str = "good.yaml"):
    path = data / "points" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        ("22.18", "113.15", None),  # the box's corner is inside
        ("22.79", "113.77", None),
        ("22.17", "113.40", "coords-outside"),  # 珠海 to the south: inside the old, wider validation box
        ("22.80", "113.40", "coords-outside"),  # 广州南沙 to the north
        ("22.50", "113.12", "coords-outside"),  # 江门 to the west
        ("22.50", "113.79", "coords-outside"),  # the estuary to the east
        ("113.40", "22.50", "coords-swapped"),
    ],
)
def test_coordinates_are_checked_against_the_one_bounding_box(registry_dir, lat, lon, code):
    data = registry_dir({"good.yaml": "good.yaml"})
    _good_with(data, "lat: 22.61\nlon: 113.19\n", f"lat: {lat}\nlon: {lon}\n")
    assert problems(data) == ([(code, "data/points/good.yaml", 6)] if code else [])


@pytest.mark.parametrize(
    ("verified", "days", "stale"),
    [("2025-01-01", 365, False), ("2024-12-31", 365, True), ("2026-01-01", 0, False), ("2025-12-31", 0, True)],
)
def test_one_stale_rule_for_the_validator_the_stale_command_and_the_stats(registry_dir, verified, days, stale):
    from servicepoints.registry.freshness import is_fresh, stale_by_town

    data = registry_dir({"good.yaml": "good.yaml"})
    _good_with(data, "verified: 2025-01-15", f"verified: {verified}")
    report = validate(read_registry(data), today=TODAY, stale_days=days)
    assert [(p.code, p.line) for p in report.problems] == ([("stale", 14)] if stale else [])
    (point,) = report.points
    assert is_fresh(point, days, TODAY) is not stale
    assert bool(stale_by_town(report.points, days, TODAY)) is stale


@pytest.mark.parametrize("id_line", ["", "id:\n", "id: ''\n", "id: '  '\n", "id: [a, b]\n"])
def test_records_without_a_usable_id_are_never_called_duplicates_of_none(registry_dir, id_line):
    data = registry_dir({"a.yaml": "good.yaml", "b.yaml": "good.yaml"})
    for name in ("a.yaml", "b.yaml"):
        _good_with(data, "id: good\n", id_line, name)
    report = validate(read_registry(data), today=TODAY)
    assert report.problems and "duplicate-id" not in {p.code for p in report.problems}
    assert {p.file for p in report.problems} == {"data/points/a.yaml", "data/points/b.yaml"}
    assert all(p.record is None and "None" not in p.message for p in report.problems), report.problems


def test_the_record_id_helper():
    from servicepoints.registry.load import Record

    assert Record("f", {"id": "tm-guzhen"}, {}).id == "tm-guzhen"
    assert [Record("f", {"id": v}, {}).id for v in (None, "", " \t", ["a"], {"a": "b"})] == [None] * 5
    assert Record("f", {}, {}).id is None


def test_a_large_registry_gives_the_same_problems_checked_in_parallel(tmp_path, monkeypatch):
    """At 400 records and more the package check runs in a forked process: same problems, none lost."""
    from conftest import fixture, make_registry

    good = fixture("good.yaml").decode()
    records = {f"p{n}.yaml": good.replace("id: good", f"id: p{n}") for n in range(420)}
    records["p7.yaml"] = records["p7.yaml"].replace("town: 古镇镇", "town: 古镇")  # a foreign key (package check)
    records["p9.yaml"] = records["p9.yaml"].replace("lat: 22.61", "lat: north")  # a type error
    data = make_registry(tmp_path, records)
    reports = {}
    for workers in ("0", "2"):
        monkeypatch.setenv("SERVICEPOINTS_WORKERS", workers)
        reports[workers] = validate(read_registry(data), today=dt.date(2025, 6, 1)).problems
    assert reports["0"] == reports["2"]
    assert {(p.record, p.field) for p in reports["2"] if p.severity == "error"} >= {("p7", "town"), ("p9", "lat")}


@pytest.mark.parametrize(
    ("area", "code", "message"),
    [
        ("area_served:\n  - 民众街道\n", None, None),
        ("area_served: 全市\n", None, None),
        ("area_served:\n  - 民众\n", "unknown-town", "服务范围（area_served）中的“民众”不是镇街全称，也不是“全市”。"),
        (
            "area_served:\n  - 全市\n  - 民众街道\n",
            "constraint-error",
            "服务范围（area_served）写了“全市”，就不要再列镇街。",
        ),
    ],
)
def test_area_served_is_the_whole_city_or_town_names(registry_dir, area, code, message):
    data = registry_dir({"good.yaml": "good.yaml"})
    path = data / "points" / "good.yaml"
    path.write_text(path.read_text(encoding="utf-8") + area, encoding="utf-8")
    report = validate(read_registry(data), today=TODAY)
    found = [(p.code, p.field, p.message.split("。")[0] + "。") for p in report.problems if p.field == "area_served"]
    assert found == ([(code, "area_served", message)] if code else [])


def test_the_previews_memo_and_known_files_give_the_report_a_fresh_validation_gives(tmp_path):
    """The editor's preview validates after every save, reading and checking again only the changed files
    (read_registry's ``known``, validate's ``memo``): each report equals a validation from scratch."""
    import shutil

    from conftest import DATA
    from servicepoints.registry.validate import Memo

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    known: dict = {}
    memo = Memo()
    day = dt.date(2026, 6, 1)

    def same() -> list:
        remembered = validate(read_registry(data, known), today=day, memo=memo)
        fresh = validate(read_registry(data), today=day)
        assert remembered.problems == fresh.problems
        assert remembered.points == fresh.points
        return [p.code for p in remembered.problems if p.severity == "error"]

    guzhen = data / "points" / "trademark-stations" / "tm-guzhen.yaml"
    text = guzhen.read_text(encoding="utf-8")
    assert same() == []
    assert same() == []  # nothing changed: nothing read or checked again
    guzhen.write_text(text.replace("town: 古镇镇", "town: 古镇"), encoding="utf-8")
    assert same() == ["unknown-town"]
    guzhen.write_text(text.replace("lat: 22.61", "lat: 北纬22.61"), encoding="utf-8")
    assert "type-error" in same()
    guzhen.write_text(text, encoding="utf-8")
    assert same() == []
    twin = data / "points" / "centers" / "tm-guzhen.yaml"  # the same id in another folder: a duplicate
    twin.write_text(text, encoding="utf-8")
    assert same() == ["duplicate-id"]
    twin.unlink()
    assert same() == []
    stale = text.replace("evidence: named", "verified: 2020-01-01\nevidence: named")
    guzhen.write_text(stale, encoding="utf-8")
    assert same() == []  # a warning only, kept with the record
    towns = data / "towns.csv"
    towns.write_text(towns.read_text(encoding="utf-8").replace("古镇镇", "古镇"), encoding="utf-8")
    assert "unknown-town" in same()  # a code list changed: every record checked again


# issue 27: public_points takes each record's values whole and types only the fields _typed can change.
SHIPPED = read_registry(DATA)
PUBLIC = SHIPPED.descriptor.visible_fields("points", "public", "related")
LISTS = SHIPPED.descriptor.list_fields("points")


def _value(field: dict):
    if field["type"] in ("number", "integer"):
        # Plain decimals the validator lets through (the datum conversions are defined near the place only).
        return st.none() | st.integers(22, 23).map(str) | st.sampled_from(["22.61", "113.19", "113"])
    text = st.none() | st.text(max_size=3)
    return text | st.lists(text, max_size=2) | st.lists(st.dictionaries(st.sampled_from(["title", "url"]), text))


RECORDS = st.lists(
    st.fixed_dictionaries(
        {"id": st.text(max_size=3)},
        optional={f["name"]: _value(f) for f in PUBLIC if f["name"] != "id"}
        | {"crs": st.sampled_from(["gcj02", "bd09", "x"]), "secret": st.text(max_size=2)},
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(RECORDS)
def test_public_points_type_each_value_as_the_plain_rule_does(values):
    registry = dataclasses.replace(SHIPPED, records=[Record(f"r{n}.yaml", v, {}) for n, v in enumerate(values)])
    plain = []
    for record in registry.records:  # the plain rule: every public field through _typed
        point = {f["name"]: _typed(record.values.get(f["name"]), f, f["name"] in LISTS) for f in PUBLIC}
        if point["lat"] is not None and point["lon"] is not None:
            lat, lon = geo.to_wgs84(point["lat"], point["lon"], record.values.get("crs"))
            point["lat"], point["lon"] = round(lat, 7), round(lon, 7)
        plain.append(point)
    made = public_points(registry)
    assert made == sorted(plain, key=lambda p: p["id"])
    assert [list(p) for p in made] == [[f["name"] for f in PUBLIC]] * len(made)  # the fields in their order
