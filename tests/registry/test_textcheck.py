"""The one text rule and the web-address rule on record values, each a Problem at the value's line."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import DATA, fixture, make_registry
from servicepoints.registry.load import Record, read_registry
from servicepoints.registry.textcheck import TextScreen, _first_bad_character, bad_character, text_problems
from servicepoints.registry.validate import validate

GOOD = fixture("good.yaml").decode()
END = len(GOOD.splitlines()) + 1


@pytest.fixture
def found(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def run(extra: str) -> list[tuple[str, int, str | None]]:
        data = make_registry(tmp_path, {"good.yaml": GOOD + extra})
        report = validate(read_registry(data), today=dt.date(2026, 1, 1))
        return [(p.code, p.line, p.field) for p in report.problems if p.severity == "error"]

    return run


@pytest.mark.parametrize(
    "url",
    ["https://www.zs.gov.cn@evil.example/", "https://аpple.com/", "https://xn--pple-43d.com/", "https://a.cn/a b"],
)
def test_a_website_that_misleads_is_a_problem_at_its_line(found, url):
    assert found(f"website: '{url}'\n") == [("constraint-error", END, "website")]


def test_a_source_address_with_user_info_is_refused(found, tmp_path):
    text = GOOD.replace("url: https://", "url: https://www.zs.gov.cn@")
    data = make_registry(tmp_path / "u", {"good.yaml": text})
    problems = validate(read_registry(data), today=dt.date(2026, 1, 1)).problems
    assert [(p.code, p.field) for p in problems if p.severity == "error"] == [("source-bad-url", "sources")]


def test_a_source_address_longer_than_declared_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = GOOD.replace("url: https://", "url: https://example.org/" + "a" * 1200 + "?")
    data = make_registry(tmp_path, {"good.yaml": text})
    problems = validate(read_registry(data), today=dt.date(2026, 1, 1)).problems
    assert [(p.code, p.field) for p in problems if p.severity == "error"] == [("source-bad-url", "sources")]
    assert "1000" in problems[0].message


def test_a_list_too_long_for_one_published_cell_is_a_problem(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    items = "".join(f"  - '0760-{n:08d}'\n" for n in range(2800))  # 2,800 plain numbers: 36,400 characters joined
    data = make_registry(tmp_path, {"good.yaml": GOOD.replace("phones:\n  - 07608888888\n", "phones:\n" + items)})
    problems = validate(read_registry(data), today=dt.date(2026, 1, 1)).problems
    assert [(p.code, p.line, p.field) for p in problems if p.severity == "error"] == [("constraint-error", 9, "phones")]


def test_text_without_a_declared_maximum_is_held_to_2000_characters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = make_registry(tmp_path, {"good.yaml": GOOD.replace("town: 古镇镇", "town: " + "镇" * 2001)})
    problems = validate(read_registry(data), today=dt.date(2026, 1, 1)).problems
    assert ("constraint-error", 4, "town") in [(p.code, p.line, p.field) for p in problems]


def test_the_quick_answer_of_bad_character_is_the_character_by_character_one_for_every_code_point():
    # issue 27: most text is answered by str.isprintable() instead of one unicodedata lookup per character.
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        for multiline in (False, True):
            assert bad_character(char, multiline) == _first_bad_character(char, multiline), (hex(point), multiline)


@given(st.text(), st.booleans())
@example("第一行\n第二行\u3164", True)
@example("ａ\u3000b\u200b", False)
def test_bad_character_finds_the_first_bad_character_in_any_text(text, multiline):
    assert bad_character(text, multiline) == _first_bad_character(text, multiline)


# issue 27: validate asks TextScreen first and runs text_problems only on the values it does not pass. Fields of
# every kind the rule treats apart (uri, date, partial date, number, integer, list, multi-line, maxLength) and keys
# no field has; values of every shape a YAML record can hold.
FIELDS = {f["name"]: f for f in read_registry(DATA).descriptor.fields("points")}
FIELDS["count"] = {"name": "count", "title": "数量", "type": "integer"}  # no integer field today; another city's
SAMPLES = st.sampled_from(
    ["https://example.cn/a", "http://x", "https://a b", "https://例子.cn/", "2025-03-31", "2025-02-30", "2025",
     "2025-13", "22.61", "1e3", "7", "7.0", "-0.5", "0760-88888888", "全市", "小榄镇", "trademark-filing", " ", ""]
)  # fmt: skip
TEXTS = st.text(max_size=12) | SAMPLES | st.text(st.sampled_from("a \n\t\u3000\u200b\u3164"), max_size=4)
LONG = st.integers(0, 2100).map(lambda n: "长" * n) | st.just("0" * 32800)
VALUES = st.recursive(
    st.none() | TEXTS | LONG,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXTS | st.none(), inner, max_size=3),
    max_leaves=8,
)
KEYS = st.sampled_from(sorted(FIELDS)) | st.sampled_from(["nmae", "x"])


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
@example({"phones": ["0760-88888888", "0760-88888888"]})
@example({"services": ["trademark-filing", "trademark-filing"]})
@example({"phones": [f"0760-{n:08d}" for n in range(2800)], "services": ["trademark-filing"] * 2500})
@example({"count": "7.0"})
@example({"website": "https://www.zs.gov.cn@evil.example/", "established": "2025-02-30", "lat": "1e3"})
@example({"name": "长" * 121, "description": "第一行\n第二行", "sources": [{"title": " ", "url": "x"}]})
@example({"name": ["a", "b"], "address": {"a": "b"}, "phones": [["a"]], "area_served": [{"a": "b"}]})
def test_the_screen_passes_only_values_the_text_rule_finds_nothing_in(values):
    record = Record("data/points/r.yaml", values, {})
    screen = TextScreen(FIELDS)
    for key, value in values.items():
        if screen.clean(key, value):
            assert text_problems(Record(record.file, {key: value}, {}), FIELDS) == [], key
    assert text_problems(record, FIELDS, screen) == text_problems(record, FIELDS)


def test_the_screen_passes_every_value_of_a_good_record(tmp_path, monkeypatch):
    # Else the screen saves nothing: every value of the good fixture, sources too, is answered without the rule.
    monkeypatch.chdir(tmp_path)
    record = read_registry(make_registry(tmp_path, {"good.yaml": GOOD})).records[0]
    assert all(TextScreen(FIELDS).clean(key, value) for key, value in record.values.items())
