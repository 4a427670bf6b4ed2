"""The one opening-hours grammar, read by the validator, the page text, HSDS and the open-now state,
against the cases shared with the browser test (tests/hours_cases.json); and the holiday table."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import DATA, ROOT, TESTS, fixture, make_registry
from servicepoints.core import hours
from servicepoints.publish import hsds
from servicepoints.registry import holidays
from servicepoints.registry.load import read_registry
from servicepoints.registry.validate import validate

CASES = json.loads((TESTS / "hours_cases.json").read_text(encoding="utf-8"))
PARSE = CASES["parse"]
STATUS = CASES["status"]


@pytest.fixture(scope="module")
def calendar() -> hours.Calendar:
    return holidays.calendar(read_registry(DATA).tables["holidays"])


@pytest.mark.parametrize("case", PARSE, ids=[c["hours"] for c in PARSE])
def test_page_text_and_hsds_read_the_same_grammar(case):
    assert (hours.parse(case["hours"]) is not None) == case["valid"]
    assert hours.describe(case["hours"]) == case["describe"]
    assert [[a, b, days] for a, b, days in hours.weekly(case["hours"])] == case["weekly"]
    assert hsds.schedule_spans(case["hours"]) == [(_hsds(a), _hsds(b), ",".join(days)) for a, b, days in case["weekly"]]


def _hsds(time: str) -> str:
    """An HSDS time (HH:MM:SS); 24:00 is 23:59:59, the last time HSDS can hold."""
    return "23:59:59" if time == "24:00" else f"{time}:00"


def test_validator_accepts_exactly_the_valid_cases(tmp_path, monkeypatch):
    """One registry, one record per case: bad-hours exactly on the invalid ones."""
    monkeypatch.chdir(tmp_path)
    good = fixture("good.yaml").decode()
    records = {}
    for n, case in enumerate(PARSE):
        text = good.replace("id: good", f"id: case-{n}").replace(
            "hours: 09:00-17:00", f"hours: {json.dumps(case['hours'])}"
        )
        records[f"case-{n}.yaml"] = text
    report = validate(read_registry(make_registry(tmp_path, records)), today=dt.date(2026, 12, 1))
    flagged = {p.record for p in report.problems if p.code == "bad-hours"}
    assert flagged == {f"case-{n}" for n, case in enumerate(PARSE) if not case["valid"]}
    assert {p.code for p in report.problems} <= {"bad-hours", "stale", "control-character"}  # verified 2025-01-15
    hidden = {p.record for p in report.problems if p.code == "control-character"}  # a tab or line break
    assert hidden == {f"case-{n}" for n, case in enumerate(PARSE) if any(c in case["hours"] for c in "\t\n")}


def test_the_json_schema_hours_pattern_is_the_grammar_and_agrees_with_the_cases():
    """The editors' schema checks the same form as the validator: every valid case matches it, and a
    case it matches is invalid only for what a regex cannot say (spans out of order)."""
    import re

    from servicepoints.registry.jsonschema import HOURS_PATTERN

    assert f"^({hours.PATTERN})$" == HOURS_PATTERN
    for case in PARSE:
        matched = re.search(HOURS_PATTERN.removesuffix("$") + r"\Z", case["hours"]) is not None  # $ as in JSON Schema
        assert matched or not case["valid"], case["hours"]
        if any(c in case["hours"] for c in "\n\t\u3000"):
            assert not matched, case["hours"]


@pytest.mark.parametrize("case", STATUS, ids=[c["name"] for c in STATUS])
def test_open_now_in_china_time(case, calendar):
    status = hours.status(case["hours"], calendar, dt.datetime.fromisoformat(case["at"]), case.get("point_status"))
    assert (status.state, status.text) == (case["state"], case["text"])


def test_a_device_elsewhere_gets_china_time(calendar):
    """09:30 in Berlin on a Tuesday in December is 16:30 in Zhongshan: open until 17:00."""
    berlin = dt.timezone(dt.timedelta(hours=1))
    status = hours.status(
        "Mo-Fr 09:00-12:00,13:30-17:00; PH off", calendar, dt.datetime(2026, 12, 1, 9, 30, tzinfo=berlin)
    )
    assert (status.state, status.text) == ("open", "营业中 · 17:00 关门")


def test_hsds_schedule_rows_for_a_point():
    """HSDS schedules: one WEEKLY row per span; the PH rule has no RRULE form and is left out."""
    point = {"id": "p", "hours": "Mo-Fr 09:00-12:00,13:30-17:00; PH off"}
    assert hsds.schedule_spans(point["hours"]) == [
        ("09:00:00", "12:00:00", "MO,TU,WE,TH,FR"),
        ("13:30:00", "17:00:00", "MO,TU,WE,TH,FR"),
    ]


# --- the holiday table ---------------------------------------------------------------------------------


def test_shipped_holiday_table_validates():
    registry = read_registry(DATA)
    assert holidays.check_holidays(registry) == []
    years = holidays.years(registry.tables["holidays"])
    assert years[0] == 2004 and 2026 in years
    assert not [
        p for p in validate(registry).problems if p.file.endswith(("holidays.csv", "needs.csv", "channels.csv"))
    ]


def test_shipped_2026_rows_match_the_state_council_notice():
    """Spot checks against 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)."""
    days = holidays.calendar(read_registry(DATA).tables["holidays"]).days
    assert days["2026-10-01"] == ("holiday", "国庆节")
    assert days["2026-09-20"] == ("workday", "国庆节")
    assert days["2026-10-10"] == ("workday", "国庆节")
    assert days["2026-02-14"] == ("workday", "春节")
    assert "2026-10-08" not in days


BAD_TABLE = (
    "date,kind,name,source\n"
    "2026-10-01,holiday,国庆节,通知\n"
    "2026-02-30,holiday,春节,通知\n"
    "2026-10-01,holiday,国庆节,通知\n"
    "2026-10-02,vacation,国庆节,通知\n"
    "2026-10-03,holiday,,通知\n"
    "2026-10-08,workday,国庆节,通知\n"
    "26-10-9,holiday,国庆节,通知\n"
)


def test_bad_holiday_rows_are_problems_with_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    (data / "holidays.csv").write_text(BAD_TABLE, encoding="utf-8")
    problems = validate(read_registry(data), today=dt.date(2026, 12, 1)).problems
    found = [(p.file, p.line, p.field, p.severity) for p in problems if p.file.endswith("holidays.csv")]
    assert found == [
        ("data/holidays.csv", 3, "date", "error"),
        ("data/holidays.csv", 4, "date", "error"),
        ("data/holidays.csv", 5, "kind", "error"),
        ("data/holidays.csv", 6, "name", "error"),
        ("data/holidays.csv", 7, "kind", "warning"),
        ("data/holidays.csv", 8, "date", "error"),
    ]
    messages = {p.line: p.message for p in problems if p.file.endswith("holidays.csv")}
    assert "2026-02-30" in messages[3] and "不是真实的日期" in messages[3]
    assert "第 2 行和第 4 行" in messages[4]
    assert "vacation" in messages[5]


def test_stale_warns_from_1_december_when_next_year_is_missing():
    rows = read_registry(DATA).tables["holidays"]
    assert holidays.missing_next_year(rows, dt.date(2026, 11, 30)) is None
    warning = holidays.missing_next_year(rows, dt.date(2026, 12, 1))
    assert warning and "2027" in warning and "2004–2026" in warning
    with_next = rows + [{"date": "2027-01-01", "kind": "holiday", "name": "元旦", "source": "通知"}]
    assert holidays.missing_next_year(with_next, dt.date(2026, 12, 1)) is None


def test_stale_command_prints_the_holiday_warning_on_a_fixed_date(monkeypatch):
    from click.testing import CliRunner

    from servicepoints.cli import main

    monkeypatch.chdir(ROOT)
    december = CliRunner().invoke(main, ["stale", "--today", "2026-12-01", "--data", str(DATA)])
    assert december.exit_code == 0, december.output
    assert "还没有 2027 年" in december.output
    november = CliRunner().invoke(main, ["stale", "--today", "2026-11-30", "--data", str(DATA)])
    assert november.exit_code == 0 and "2027" not in november.output


def test_bad_need_service_code_is_a_problem_with_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    (data / "needs.csv").write_text(
        "code,name,description,services,words\nok,注册商标,,trademark-filing,\nbad,续展,,trademark-filling,\nok,重复,,policy-advice,\n",
        encoding="utf-8",
    )
    problems = [p for p in validate(read_registry(data)).problems if p.file.endswith("needs.csv")]
    assert [(p.line, p.field) for p in problems] == [(3, "services"), (4, "code")]
    assert "trademark-filling" in problems[0].message


def test_a_holiday_table_without_its_columns_is_one_problem_on_line_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    (data / "holidays.csv").write_text("日期,类别\n2026-10-01,holiday\n", encoding="utf-8")
    problems = [p for p in validate(read_registry(data)).problems if p.file.endswith("holidays.csv")]
    assert [(p.line, p.field) for p in problems] == [(1, "date")]
    assert "date、kind、name、source" in problems[0].message
