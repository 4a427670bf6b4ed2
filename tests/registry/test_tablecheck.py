"""The package check (tablecheck.py): frictionless is asked only what could be reported, and the problems
it reports are those the whole package would give."""

from __future__ import annotations

import pytest

from conftest import fixture
from servicepoints.registry import tablecheck
from servicepoints.registry.load import read_registry

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
