"""The one text rule and the web-address rule on record values, each a Problem at the value's line."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conftest import fixture, make_registry
from servicepoints.registry.load import read_registry
from servicepoints.registry.textcheck import _first_bad_character, bad_character
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
