"""One rule for "a real date" (core.dates.real_date), and every place that reads a date keeps to it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from conftest import DATA, make_registry
from servicepoints.cli import main
from servicepoints.core.dates import real_date
from servicepoints.core.errors import SetupError
from servicepoints.core.hours import Calendar
from servicepoints.core.settings import Settings
from servicepoints.registry.codelists import check_code_lists
from servicepoints.registry.freshness import is_fresh
from servicepoints.registry.jsonschema import DATE_TEXT
from servicepoints.registry.load import Record, read_registry
from servicepoints.registry.provenance import check_provenance
from servicepoints.registry.textcheck import text_problems

NOT_REAL = ["2025-1-05", "２０２５-０１-０５", "2025-02-30", "2025-01-05\n", " 2025-01-05", "2025/01/05", "20250105"]


def test_real_date_names_the_day_or_nothing():
    assert real_date("2024-02-29") == dt.date(2024, 2, 29)
    for text in [*NOT_REAL, "2023-02-29", "", None, 20250105, "0000-01-01"]:
        assert real_date(text) is None, text


@given(st.one_of(st.dates().map(dt.date.isoformat), st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\n?", fullmatch=True)))
def test_the_editors_json_schema_pattern_says_the_same_as_the_validator(text):
    if text.startswith("0000"):
        return  # the pattern allows year 0000, which no calendar has: the validator's word is final there
    assert (re.fullmatch(DATE_TEXT, text) is not None) == (real_date(text) is not None)


@given(st.text(max_size=12))
def test_any_text_is_a_date_or_none_never_an_exception(text):
    day = real_date(text)
    assert day is None or day.isoformat() == text


@pytest.mark.parametrize("text", NOT_REAL)
def test_every_reader_of_a_date_refuses_the_same_texts(text, tmp_path):
    registry = read_registry(DATA)
    fields = {f["name"]: f for f in registry.descriptor.fields()}
    base = {"id": "x", "name": "x", "evidence": "named"}
    record = Record("x.yaml", base | {"verified": text}, {"verified": 3})
    expected = "control-character" if "\n" in text else "type-error"  # a line break is refused before the date
    assert [p.code for p in text_problems(record, fields) if p.field == "verified"] == [expected]
    sourced = Record("x.yaml", base | {"sources": [{"title": "出处", "date": text}]}, {"sources.0.date": 5})
    codes = [p.code for p in check_provenance(sourced, registry.descriptor, dt.date(2030, 1, 1))]
    assert codes == ["source-bad-date"]
    assert Calendar.from_rows([{"date": text, "kind": "holiday", "name": "x"}]).days == {}
    assert not is_fresh({"verified": text}, 365, dt.date(2025, 1, 6))
    with pytest.raises(SetupError, match="release_date"):
        Settings(release_date=text).check()

    data = make_registry(tmp_path, {})
    quoted = '"' + text + '"'
    holidays = (data / "holidays.csv").read_text(encoding="utf-8").splitlines()
    (data / "holidays.csv").write_text("\n".join([holidays[0], f"{quoted},holiday,元旦,通知"]) + "\n", encoding="utf-8")
    channels = (data / "channels.csv").read_text(encoding="utf-8").splitlines()
    cells = next(csv.reader([channels[1]]))
    cells[next(csv.reader([channels[0]])).index("source_date")] = text
    channels[1] = _csv_line(cells)
    (data / "channels.csv").write_text("\n".join(channels) + "\n", encoding="utf-8")
    copied = read_registry(data)
    if text.strip() != text:
        return  # code-list cells are stripped when read: a surrounding space or line break is not the date's
    found = {(Path(p.file).name, p.field) for p in check_code_lists(copied) if p.field in ("date", "source_date")}
    assert found == {("channels.csv", "source_date"), ("holidays.csv", "date")}
    for args in (["stale", "--today", text], ["import", "x.xlsx", "--date", text]):
        result = CliRunner().invoke(main, [*args, "--data", str(data)])
        assert result.exit_code == 2 and "YYYY-MM-DD" in result.output, args


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()
