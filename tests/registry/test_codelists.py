"""Code lists: one reader for the validator and the site, every constraint in datapackage.json and the one
text rule for every cell, each mistake a Problem with file, line and field (never a KeyError)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from conftest import DATA, fixture, make_registry
from servicepoints.cli import main
from servicepoints.registry import holidays
from servicepoints.registry.load import read_registry
from servicepoints.registry.validate import validate

TODAY = dt.date(2026, 1, 1)
DESCRIPTOR = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
CODE_LISTS = {
    r["name"]: r["path"] for r in DESCRIPTOR["resources"] if "x-source" not in r and "x-derived-from" not in r
}


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})


def append(data, table: str, row: str) -> int:
    """Add a row to a code list; its line number."""
    path = data / CODE_LISTS[table]
    text = path.read_text(encoding="utf-8")
    text = text if text.endswith("\n") else text + "\n"
    path.write_text(text + row + "\n", encoding="utf-8")
    return len(text.splitlines()) + 1


def set_cell(data, table: str, column: str, value: str, row: int = 0) -> int:
    """Replace one cell (data row ``row``) through the csv writer, so any text is written faithfully; its line."""
    import csv
    import io

    path = data / CODE_LISTS[table]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[row + 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return 2 + row + sum(c.count("\n") for r in rows[1 : row + 1] for c in r)


def problems(data) -> list[tuple[str, str, int, str | None]]:
    report = validate(read_registry(data), today=TODAY)
    return [(p.code, p.file, p.line, p.field) for p in report.problems if p.severity == "error"]


def test_the_shipped_code_lists_have_no_problem():
    from servicepoints.registry.codelists import check_code_lists

    assert check_code_lists(read_registry(DATA)) == []


def test_a_holiday_with_a_stray_space_is_read_alike_by_the_validator_and_the_calendar(data):
    append(data, "holidays", " 2030-10-01 ,holiday, 国庆节 ,通知")
    registry = read_registry(data)
    assert problems(data) == []
    assert holidays.calendar(registry.tables["holidays"]).days["2030-10-01"] == ("holiday", "国庆节")


def test_full_width_digits_are_not_a_date(data):
    line = append(data, "holidays", "２０３０-10-01,holiday,国庆节,通知")
    assert problems(data) == [("codelist-error", "data/holidays.csv", line, "date")]


def test_a_need_code_with_a_trailing_space_is_the_code(data):
    set_cell(data, "needs", "code", "register-trademark ")
    assert read_registry(data).tables["needs"][0]["code"] == "register-trademark"
    assert problems(data) == []


@pytest.mark.parametrize("table", sorted(CODE_LISTS))
def test_a_missing_column_is_a_problem_on_line_1_for_every_command(data, table):
    path = data / CODE_LISTS[table]
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    dropped = header.index(next(f["name"] for f in _fields(table) if f.get("constraints", {}).get("required")))
    rows = [",".join(c for i, c in enumerate(line.split(",")) if i != dropped) for line in lines[:2]]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert problems(data) == [("codelist-error", f"data/{CODE_LISTS[table]}", 1, header[dropped])]
    for command in (
        ["validate"],
        ["nearest", "22.5", "113.4"],
        ["stale"],
        ["schema"],
        ["new", "--type", "trademark-station", "--town", "小榄镇", "--name", "新网点"],
    ):
        result = CliRunner().invoke(main, [*command, "--data", str(data)])
        assert result.exit_code == 1, (command, result.output)
        assert "Traceback" not in result.output and CODE_LISTS[table] in result.output


def _fields(table: str) -> list[dict]:
    return next(r for r in DESCRIPTOR["resources"] if r["name"] == table)["schema"]["fields"]


HOSTILE = [
    ("a\u202eb", "invisible-character"),
    ("a\u200bb", "invisible-character"),
    ("a\x07b", "control-character"),
    ("a\nb", "control-character"),
    ("\u3000", None),  # blank: stripped to nothing, so an empty cell
    ("x" * 40000, "codelist-error"),
]


@pytest.mark.parametrize("text, code", HOSTILE, ids=["bidi", "zero-width", "bell", "line-break", "blank", "long"])
@pytest.mark.parametrize("table, column", [("towns", "pinyin"), ("types", "description"), ("services", "audience")])
def test_hostile_text_in_a_code_list_cell_is_a_problem_at_its_line(data, table, column, text, code):
    line = set_cell(data, table, column, text, row=1)
    found = problems(data)
    if code is None:  # an optional column left blank is fine; a required one is missing
        required = any(f["name"] == column and f.get("constraints", {}).get("required") for f in _fields(table))
        assert found == ([("codelist-error", f"data/{CODE_LISTS[table]}", line, column)] if required else [])
        return
    assert found == [(code, f"data/{CODE_LISTS[table]}", line, column)]


@pytest.mark.parametrize(
    "table, column, value",
    [
        ("channels", "phone", "javascript:alert(1)"),
        ("channels", "source_url", "https://example.org/" + "a" * 3000),
        ("channels", "url", "javascript:alert(1)"),
        ("holidays", "name", "节" * 61),
        ("needs", "code", "../evil"),
        ("towns", "slug", "../../evil"),
        ("towns", "code", "４４２０００００１"),
        ("towns", "approx_lat", "２２.5"),
        ("types", "sort", "1e3"),
        ("types", "code", "trademark-station"),  # already the code of another row: the primary key
        ("reported", "type", "no-such-type"),  # a foreign key to types
        ("towns", "kind", "村"),
    ],
)
def test_every_constraint_of_the_descriptor_holds_for_every_code_list(data, table, column, value):
    line = set_cell(data, table, column, value, row=5 if table == "types" else 0)
    assert problems(data) == [("codelist-error", f"data/{CODE_LISTS[table]}", line, column)]


def test_a_bare_quote_is_an_error_at_its_line_as_in_the_browser_editor(data):
    header = (data / "types.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    line = append(data, "types", ",".join(['x"y', *["名"] * (len(header) - 1)]))
    found = problems(data)
    assert found == [("codelist-error", "data/types.csv", line, None)]


def test_a_row_with_more_cells_than_the_header_is_a_problem(data):
    header = (data / "types.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    line = append(data, "types", ",".join(["extra"] * (len(header) + 1)))
    assert ("codelist-error", "data/types.csv", line, None) in problems(data)
