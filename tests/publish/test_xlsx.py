"""The workbook writer (xlsx.py): what spreadsheet programs read back from it."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from servicepoints.publish import xlsx
from servicepoints.publish.export import zip_bytes
from servicepoints.publish.xlsx import Sheet, column_letter, sheet_titles, text_width, workbook_members


def book(sheets: list[Sheet]) -> bytes:
    return zip_bytes(workbook_members(sheets, "编辑组", "2026-12-01"), "2026-12-01")


def load(raw: bytes):
    return openpyxl.load_workbook(io.BytesIO(raw))


def test_cells_headers_numbers_and_empty_cells_read_back():
    raw = book(
        [
            Sheet("网点", ["编号", "纬度", "数量"], [["a-1", 22.5, 3], ["b-2", None, -1]]),
            Sheet("镇街", ["名称"], [["小榄镇"]]),
        ]
    )
    workbook = load(raw)
    assert workbook.sheetnames == ["网点", "镇街"]
    sheet = workbook["网点"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["编号", "纬度", "数量"],
        ["a-1", 22.5, 3],
        ["b-2", None, -1],
    ]
    assert [c.data_type for c in sheet[2]] == ["s", "n", "n"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C3"
    assert sheet.column_dimensions["A"].width == 8  # at least 8 wide
    assert workbook.properties.creator == "编辑组"
    assert workbook.properties.created.isoformat() == "2026-12-01T00:00:00"


def test_the_same_sheets_give_the_same_bytes():
    sheets = [Sheet("网点", ["a"], [["x"]])]
    assert book(sheets) == book(sheets)


def test_text_that_xml_cannot_hold_is_escaped_the_way_excel_reads_it():
    members = workbook_members([Sheet("t", ["a"], [["a\x01b"], ["_x0041_"], [" lead"], ["<b>&"]])], "c", "2026-12-01")
    xml = members["xl/worksheets/sheet1.xml"].decode()
    assert "<t>a_x0001_b</t>" in xml  # ECMA-376 ST_Xstring: Excel shows the character itself
    assert "<t>_x005F_x0041_</t>" in xml  # a literal "_x0041_" stays literal, not "A"
    assert '<t xml:space="preserve"> lead</t>' in xml
    assert "<t>&lt;b&gt;&amp;</t>" in xml
    for body in members.values():  # every part is well-formed XML
        from xml.etree import ElementTree

        ElementTree.fromstring(body)


def test_no_cell_can_be_a_formula():
    xml = workbook_members([Sheet("t", ["a"], [["=1+1"]])], "c", "2026-12-01")["xl/worksheets/sheet1.xml"]
    assert b"<f>" not in xml and b't="inlineStr"' in xml
    assert load(book([Sheet("t", ["a"], [["=1+1"]])]))["t"]["A2"].data_type == "s"


@pytest.mark.parametrize("bad", [True, b"x", [1], float("nan"), float("inf")])
def test_a_value_that_is_not_text_or_a_finite_number_is_refused(bad):
    with pytest.raises((TypeError, ValueError)):
        workbook_members([Sheet("t", ["a"], [[bad]])], "c", "2026-12-01")


def test_a_short_row_is_refused():
    with pytest.raises(ValueError, match="a row of 1 cells under 2 headers"):
        workbook_members([Sheet("t", ["a", "b"], [["x"]])], "c", "2026-12-01")


def test_sheet_names_are_made_acceptable_to_excel():
    long = "法定节假日和调休上班日" * 4
    assert sheet_titles(["a/b", "a:b", "", "'q'", long, long, "Sheet"]) == [
        "a_b",
        "a_b (2)",
        "Sheet",
        "q",
        long[:31],
        long[:27] + " (2)",
        "Sheet (2)",
    ]
    workbook = load(book([Sheet("a/b", ["x"], []), Sheet("A/B", ["x"], []), Sheet("it's", ["x"], [])]))
    assert workbook.sheetnames == ["a_b", "A_B (2)", "it's"]
    names = workbook_members([Sheet("it's", ["x"], [])], "c", "2026-12-01")["xl/workbook.xml"].decode()
    assert "&apos;it&apos;&apos;s&apos;!$A$1:$A$1" in names or "'it''s'!$A$1:$A$1" in names


def test_widths_and_letters():
    assert [column_letter(n) for n in (1, 26, 27, 52, 53, 702, 703)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]
    assert text_width("小榄镇") == 6 and text_width("abc") == 3 and text_width(22.5) == 4 and text_width(None) == 0


def test_the_archive_lists_the_content_types_first():
    with zipfile.ZipFile(io.BytesIO(book([Sheet("t", ["a"], [])]))) as archive:
        assert archive.namelist()[0] == "[Content_Types].xml"
        types = archive.read("[Content_Types].xml").decode()
    assert re.search(r'PartName="/xl/workbook.xml" ContentType="[^"]+sheet.main\+xml"', types)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"), max_size=40)


def _as_stored(text: str) -> str:
    """The text in the file, after the XML parser: ECMA-376 escapes for what XML cannot hold (Excel decodes
    them; openpyxl shows them as they are)."""
    text = re.sub(r"_(?=x[0-9A-Fa-f]{4}_)", "_x005F_", text)
    return re.sub("[\x00-\x08\x0b-\x1f]", lambda m: f"_x{ord(m.group(0)):04X}_", text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), _TEXT, st.integers(-(10**12), 10**12)), min_size=2, max_size=2)))
def test_any_text_and_numbers_read_back_as_written(rows):
    workbook = load(book([Sheet("t", ["a", "b"], rows)]))
    read = [[c.value for c in row] for row in workbook["t"].iter_rows(min_row=2, max_row=len(rows) + 1, max_col=2)]
    expected = [[_as_stored(v) if isinstance(v, str) else v for v in row] for row in rows]
    assert read == [[v if v != "" else None for v in row] for row in expected]


# Issue 27: a text cell skips the escaping when there is nothing to escape, and widths are measured column by
# column; both give what the plain rules give, on any text.
@given(_TEXT.filter(bool), st.sampled_from([xlsx.PLAIN, xlsx.OPEN_TEXT]))
@example("名称 ", xlsx.PLAIN)
@example("a\n", xlsx.PLAIN)
@example("\u3000a", xlsx.PLAIN)
@example("a_x0041_<b>", xlsx.PLAIN)
def test_a_text_cell_keeps_its_edge_spaces_and_escapes_what_it_must(text, style):
    space = ' xml:space="preserve"' if re.search(r"^\s|\s$", text) else ""
    s = f' s="{style}"' if style else ""
    assert xlsx._cell("B7", text, style) == f'<c r="B7"{s} t="inlineStr"><is><t{space}>{xlsx._text(text)}</t></is></c>'


@given(st.lists(st.lists(st.one_of(st.none(), _TEXT, st.integers(), st.floats(0, 1e6)), min_size=3, max_size=3)))
@example([["abcdefghij", "甲", 1], ["中文中文中文", "x", None]])  # a shorter text can be wider: CJK counts twice
def test_each_column_is_as_wide_as_its_widest_value(rows):
    header = ["a", "名称", "long header"]
    xml = xlsx._sheet_xml(Sheet("t", header, rows))
    widths = [float(w) for w in re.findall(r'<col min="\d+" max="\d+" width="([0-9.]+)"', xml)]
    widest = [max(text_width(v) for v in [h, *(row[n] for row in rows)]) for n, h in enumerate(header)]
    assert widths == [min(max(w + 2, 8), 60) for w in widest]


_VALUE = st.one_of(st.none(), st.just(""), _TEXT, st.sampled_from(["a", "b", " a", "=1", "a&b"]), st.integers(-3, 3))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(_VALUE, st.floats(-3, 3), st.sampled_from([1, 1.0, 0, 0.0, -0.0])), min_size=3, max_size=3)
    ),
    st.booleans(),
)
@example([["a", 1, 1.0], ["a", 1.0, 1]], False)  # equal numbers of another type are other cells (1 == 1.0)
@example([["", None, "x"], [None, "", "x"]], True)  # empty cells of a protected sheet keep their style
@example([], False)
def test_the_cells_are_what_the_plain_rule_writes_cell_by_cell(rows, protect):
    """_sheet_xml writes a column's cells once per distinct text and joins the rows in C: the same XML as writing
    every cell with _cell, row by row."""
    sheet = Sheet("t", ["a", "b", "c"], rows, protect=protect, locked=frozenset({1}), numbers=frozenset({3}))
    styles = [xlsx._style(sheet, n) for n in (1, 2, 3)]
    plain = "".join(
        f'<row r="{r}">'
        + "".join(xlsx._cell(f"{letter}{r}", v, st) for letter, v, st in zip("ABC", row, styles, strict=True))
        + "</row>"
        for r, row in enumerate(rows, 2)
    )
    xml = xlsx._sheet_xml(sheet)
    data = xml[xml.index("</row>") + len("</row>") : xml.index("</sheetData>")]  # after the header row
    assert data == plain
