"""The holiday table handed to the browser (registry/holidays.py): only the years a reader can be in."""

from __future__ import annotations

import json

from conftest import DATA
from servicepoints.registry.holidays import browser_json, years
from servicepoints.registry.load import read_registry


def _rows() -> list[dict]:
    return read_registry(DATA).tables["holidays"]


def test_the_browser_gets_the_years_from_the_release_on():
    rows = _rows()
    assert years(rows)[0] < 2025 and 2026 in years(rows)  # the shipped table reaches back to 2004
    body = json.loads(browser_json(rows, since=2025))
    assert body["years"] == [y for y in years(rows) if y >= 2025]
    assert body["days"] and all(day[:4] in ("2025", "2026") for day in body["days"])
    everything = json.loads(browser_json(rows))
    assert {d: v for d, v in everything["days"].items() if d >= "2025"} == body["days"]


def test_a_release_after_the_table_ships_no_days():
    assert json.loads(browser_json(_rows(), since=2099)) == {"years": [], "days": {}}


def test_the_built_site_ships_the_release_years_table(shipped_site):
    """conftest builds with release_date 2026-01-01: the badge's table holds 2026 on, a few KB instead of 28."""
    path = shipped_site / "assets" / "servicepoints-holidays.json"
    body = json.loads(path.read_bytes())
    assert body["years"] == [y for y in years(_rows()) if y >= 2026] and body["years"]
    assert path.stat().st_size < 4096
