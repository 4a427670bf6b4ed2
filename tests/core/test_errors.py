"""Problem codes are a closed set: a Problem with an unknown code cannot be made; the guide's table is made from it."""

from __future__ import annotations

import ast
import re

import pytest

from conftest import ROOT, soup
from servicepoints.core.errors import CODES, Problem
from servicepoints.registry import load
from servicepoints.site.render import PROBLEM_CODES_MARKER, problem_codes_markdown

PACKAGE = ROOT / "scripts" / "servicepoints"
CODE_LIKE = re.compile(r"[a-z]+(-[a-z]+)+")


def test_an_unknown_or_misspelt_code_cannot_be_made():
    with pytest.raises(ValueError, match="unknown problem code 'unknown-tonw'"):
        Problem("a.yaml", 1, "unknown-tonw", "镇街不对")
    assert all(Problem("a.yaml", 1, code, about.meaning).code == code for code, about in CODES.items())


def test_every_code_the_package_names_is_in_the_set():
    """Found without running the code: a literal code in any call to Problem(...) or a problem(...) helper."""
    named = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "Problem",
                "problem",
            ):
                named |= {
                    a.value
                    for a in [*node.args, *(k.value for k in node.keywords)]
                    if isinstance(a, ast.Constant) and isinstance(a.value, str) and CODE_LIKE.fullmatch(a.value)
                }
    assert named, "the scan found no codes"
    assert named <= CODES.keys(), named - CODES.keys()


def test_the_guide_holds_the_marker_not_a_copy_of_the_table():
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    assert guide.count(PROBLEM_CODES_MARKER) == 1
    assert not any(f"| `{code}` |" in guide for code in CODES), "a hand-written row of the table"
    table = problem_codes_markdown().splitlines()
    assert table[0] == "| 代码 | 意思 | 怎么改 |" and len(table) == 2 + len(CODES)


def test_the_built_guide_lists_every_code_in_the_sets_order(shipped_site):
    page = soup(shipped_site / "guide" / "index.html")
    rows = [tr.select("td") for tr in page.select("table tr") if tr.select("td code")]
    listed = [cells[0].get_text() for cells in rows if len(cells) == 3 and cells[0].get_text() in CODES]
    assert listed == list(CODES)
    assert PROBLEM_CODES_MARKER not in (shipped_site / "guide" / "index.html").read_text(encoding="utf-8")


def test_reading_the_points_folder_yields_paths_and_problems_only(tmp_path):
    points = tmp_path / "points"
    (points / "sub").mkdir(parents=True)
    (points / "a.yaml").write_text("id: a\n", encoding="utf-8")
    (points / "notes.txt").write_text("x", encoding="utf-8")
    (points / ".hidden").write_text("x", encoding="utf-8")
    (points / "b.yaml").mkdir()
    (points / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    found = list(load._entries(points, tmp_path.resolve(), points, "data/points"))
    problems = sorted((p.file, p.code, p.severity) for p in found if isinstance(p, Problem))
    assert problems == [
        ("data/points/.hidden", "not-a-record", "warning"),
        ("data/points/b.yaml", "not-a-file", "error"),
        ("data/points/gone.yaml", "symlink-dangling", "error"),
        ("data/points/notes.txt", "not-a-record", "error"),
    ]
    assert [e for e in found if not isinstance(e, Problem)] == [(points / "a.yaml", "data/points/a.yaml")]
