"""The package check (tablecheck.py): frictionless is asked only what could be reported, and the problems
it reports are those the whole package would give."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import DATA, fixture
from servicepoints.registry import tablecheck
from servicepoints.registry.descriptor import Descriptor
from servicepoints.registry.load import Record, read_registry

GOOD = fixture("good.yaml").decode("utf-8")
# Ids and services a point_id foreign key could trip over if anything could: a number, a blank, a duplicate,
# an id against the pattern, a service twice and one that does not exist.
AWKWARD = {
    "good.yaml": GOOD,
    "number.yaml": GOOD.replace("id: good", "id: 12345"),
    "blank.yaml": GOOD.replace("id: good", "id: ' '"),
    "a/good.yaml": GOOD.replace("  - trademark-filing", "  - trademark-filing\n  - trademark-filing"),
    "Bad_Id.yaml": GOOD.replace("id: good", "id: Bad_Id").replace("  - trademark-filing", "  - no-such-service"),
}


@pytest.fixture
def awkward(tmp_path, monkeypatch):
    from conftest import make_registry

    monkeypatch.chdir(tmp_path)
    return read_registry(make_registry(tmp_path, AWKWARD))


def handed_over(registry, monkeypatch) -> dict:
    """The descriptor check_package hands to frictionless."""
    seen = {}
    real = tablecheck._package

    def spy(registry, derived, scratch):
        package = real(registry, derived, scratch)
        seen["descriptor"] = package.to_descriptor()
        return package

    monkeypatch.setattr(tablecheck, "_package", spy)
    tablecheck.check_package(registry)
    return seen["descriptor"]


def test_frictionless_is_not_asked_about_sources_nor_derived_point_ids(awkward, monkeypatch):
    tables = {r["name"]: r for r in handed_over(awkward, monkeypatch)["resources"]}
    assert "point_sources" not in tables  # provenance.py checks each source, with its line
    assert {"holidays", "needs", "channels"}.isdisjoint(tables)  # x-checked-by: their own checkers
    keys = {name: [k["fields"] for k in t["schema"].get("foreignKeys", [])] for name, t in tables.items()}
    assert keys["point_services"] == [["service"]]
    assert keys["points"] == [["town"], ["type"]]


def test_leaving_out_the_point_id_keys_loses_no_problem(awkward, monkeypatch):
    fewer = sorted(tablecheck.check_package(awkward))
    monkeypatch.setattr(tablecheck, "DERIVED_KEY", "no-such-field")  # every foreign key handed over
    every = sorted(tablecheck.check_package(awkward))
    assert fewer == every
    assert {p.code for p in fewer} >= {"duplicate-id", "unknown-service", "constraint-error"}


def test_the_package_says_how_every_file_is_read(awkward, monkeypatch):
    for table in handed_over(awkward, monkeypatch)["resources"]:  # not guessed by chardet and csv.Sniffer
        assert table["encoding"] == "utf-8"
        said = table["dialect"] | table["dialect"].pop("csv")  # frictionless keeps the CSV-only keys apart
        assert said == tablecheck.CSV_DIALECT


# Issue 27: frictionless is run only when the rows, checked here first as it checks them, could give it
# anything to report. Generated records, right and wrong in every way frictionless looks at (types, enums,
# patterns, lengths, required fields, ids twice, unknown towns, types and services, a service twice, empty
# items), must give exactly the problems frictionless gives when it is always run.
BASE = read_registry(DATA)
TOWNS = [t["name"] for t in BASE.tables["towns"]]
TYPES = [t["code"] for t in BASE.tables["types"]]
SERVICES = [s["code"] for s in BASE.tables["services"]]
TEXT = st.sampled_from(["", " ", "名称", "长" * 121, "a\nb", "x,y;z", '"q"', "=1", "\x00"])
VALUES = {
    "id": st.sampled_from(["good", "other", "a-1", "Bad_Id", "-a", "x" * 65, "", " ", "12345"]),
    "name": TEXT,
    "name_basis": st.sampled_from(["source", "composed", "other", ""]),
    "type": st.sampled_from([*TYPES[:3], "x-bad", ""]),
    "town": st.sampled_from([*TOWNS[:3], "新镇", "古镇", ""]),
    "status": st.sampled_from(["operating", "closed", "bogus", ""]),
    "status_date": st.sampled_from(["2025-01-15", "2025-1-5", "2025-02-30", "2025", "x", ""]),
    "lat": st.sampled_from(["22.61", "22.6", "-1", "1e3", "22.6100000000001", "abc", " 22.61", "", "1000"]),
    "lon": st.sampled_from(["113.19", "113", "nan", "inf", ""]),
    "crs": st.sampled_from(["wgs84", "gcj02", "gps", ""]),
    "precision": st.sampled_from(["exact", "town", "somewhere"]),
    "address": TEXT,
    "email": st.sampled_from(["a@example.cn", "a..b@example.cn", "not-an-address", ""]),
    "website": st.sampled_from(["https://example.cn/", "example.cn", ""]),
    "established": st.sampled_from(["2020", "2020-13", "2020-02-30", "20x0", ""]),
    "verified": st.sampled_from(["2025-01-15", "15/01/2025", ""]),
    "evidence": st.sampled_from(["named", "reported", "inferred", "seen", ""]),
    "services": st.lists(st.sampled_from([*SERVICES[:3], "no-such-service", "", None]), max_size=3)
    | st.sampled_from(SERVICES[:2]),
    "phones": st.lists(st.sampled_from(["0760-88888888", "", "a;b"]), max_size=2) | TEXT,
    "area_served": st.lists(st.sampled_from(["全市", *TOWNS[:2], "x"]), max_size=2),
    "sources": st.sampled_from([[{"title": "出处", "url": "https://example.cn/"}], [], "text", [{"title": None}]]),
}
# One change to a good record (most are mistakes, each of one kind), or none.
CHANGE = st.just({}) | st.sampled_from(sorted(VALUES)).flatmap(lambda k: VALUES[k].map(lambda v: {k: v}))
GOOD_VALUES = {
    "id": "good",
    "name": "测试商标站",
    "type": TYPES[0],
    "town": TOWNS[0],
    "status": "operating",
    "lat": "22.61",
    "lon": "113.19",
    "evidence": "named",
    "services": SERVICES[:1],
    "sources": [{"title": "出处", "url": "https://example.cn/"}],
}


def records(changes: list[dict]) -> list[dict]:
    """Good records with ids of their own, each with its change (an empty text: the field left out)."""
    made = [GOOD_VALUES | {"id": f"r{n}"} | change for n, change in enumerate(changes)]
    return [{k: v for k, v in values.items() if v != ""} for values in made]


def registry_of(records: list[dict]):
    made = [Record(f"data/points/r{n}.yaml", values, {}) for n, values in enumerate(records)]
    return dataclasses.replace(BASE, records=made, problems=[])


def always_frictionless(registry, monkeypatch) -> list:
    with monkeypatch.context() as patched:
        patched.setattr(tablecheck, "_nothing_to_find", lambda registry, derived: False)
        return sorted(tablecheck.check_package(registry))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(CHANGE, min_size=1, max_size=4).map(records))
@example([GOOD_VALUES])
@example([GOOD_VALUES, GOOD_VALUES | {"id": "other"}])
@example([GOOD_VALUES, GOOD_VALUES])
@example([GOOD_VALUES | {"name": None}])
@example([GOOD_VALUES | {"town": "新镇", "services": ["no-such-service"]}])
@example([GOOD_VALUES | {"services": [SERVICES[0], SERVICES[0]]}])
@example([GOOD_VALUES | {"id": "Bad_Id"}])
@example([GOOD_VALUES | {"lat": "1e3"}])
@example([GOOD_VALUES | {"status_date": "2025-1-5"}])
@example([GOOD_VALUES | {"status": "bogus"}])
@example([GOOD_VALUES | {"name": "长" * 121}])
@example([GOOD_VALUES | {"website": "https://example.cn/"}])
@example([GOOD_VALUES | {"email": "a..b@example.cn"}])  # the pattern allows it, frictionless' reader does not
def test_checking_the_rows_first_reports_what_frictionless_reports(monkeypatch, records):
    registry = registry_of(records)
    assert sorted(tablecheck.check_package(registry)) == always_frictionless(registry, monkeypatch)


def test_good_rows_are_not_read_by_frictionless(monkeypatch):
    for registry in (BASE, registry_of([GOOD_VALUES, GOOD_VALUES | {"id": "other", "town": TOWNS[1]}])):
        monkeypatch.setattr(tablecheck, "_package", lambda *args: pytest.fail("frictionless was asked"))
        assert tablecheck.check_package(registry) == []


def test_a_row_with_no_value_at_all_is_left_to_frictionless(monkeypatch):
    # With no required field and no key (another registry's descriptor may have neither), only frictionless'
    # blank-row check can report an empty record.
    raw = copy.deepcopy(BASE.descriptor.raw)
    for table in raw["resources"]:
        table["schema"].pop("primaryKey", None)
        for field in table["schema"]["fields"]:
            field.get("constraints", {}).pop("required", None)
            field.get("constraints", {}).pop("unique", None)
    registry = dataclasses.replace(registry_of([{}]), descriptor=Descriptor(raw))
    problems = tablecheck.check_package(registry)
    assert problems == always_frictionless(registry, monkeypatch) != []
