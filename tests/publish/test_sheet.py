"""The fill-in workbook: titles from the data dictionary, codes by name with drop-downs, 编号 and 版本
locked, a guide sheet, parts in the order Excel expects, and it opens in LibreOffice without repair."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from conftest import DATA
from servicepoints.core.settings import Settings
from servicepoints.publish.export import zip_bytes
from servicepoints.publish.sheet import fill_in_workbook
from servicepoints.registry import intake
from servicepoints.registry.load import read_registry

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# CT_Worksheet's sequence (ECMA-376 Part 1, 18.3.1.99), the elements this writer may use.
ORDER = [
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
]


@pytest.fixture(scope="module")
def registry():
    return read_registry(DATA)


@pytest.fixture(scope="module")
def raw(registry):
    return zip_bytes(fill_in_workbook(registry, ["小榄镇"], Settings(), "2026-12-01"), "2026-12-01")


@pytest.fixture(scope="module")
def book(raw):
    return openpyxl.load_workbook(io.BytesIO(raw))


def part(raw: bytes, name: str) -> ET.Element:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return ET.fromstring(z.read(name))


def test_sheets_titles_and_rows_come_from_the_data(book, registry):
    assert book.sheetnames == ["网点", "填写说明", "代码表"]
    sheet = book["网点"]
    fields = [f for f in registry.descriptor.fields() if f["name"] not in intake.NOT_IN_SHEET]
    assert [c.value for c in sheet[1]] == [f["title"] for f in fields] + ["版本"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == sorted(r.id for r in registry.records if r.values.get("town") == "小榄镇")
    by_title = dict(zip([c.value for c in sheet[1]], rows[1], strict=True))
    assert by_title["网点类型"] == "商标品牌培育指导站" and by_title["服务状态"] == "待核实"
    assert by_title["所在镇街"] == "小榄镇" and by_title["纬度"] == 22.67
    assert by_title["服务项目"] == "商标业务受理"
    assert re.fullmatch(r"v[0-9a-f]{8}", by_title["版本"])


def test_only_the_id_and_version_columns_are_locked(book, raw):
    sheet = book["网点"]
    assert sheet.protection.sheet and not sheet.protection.password
    last = sheet.max_column
    for row in (2, 3):
        locked = [sheet.cell(row, c).protection.locked for c in range(1, last + 1)]
        assert locked == [True] + [False] * (last - 2) + [True]
    cols = part(raw, "xl/worksheets/sheet1.xml").find(f"{MAIN}cols")
    styles = {int(c.get("min")): c.get("style") for c in cols}
    xfs = part(raw, "xl/styles.xml").find(f"{MAIN}cellXfs").findall(f"{MAIN}xf")

    def unlocked(style):  # an empty cell below the data takes its column's style
        xf = xfs[int(style or 0)]
        guard = xf.find(f"{MAIN}protection")
        return guard is not None and guard.get("locked") == "0"

    assert [unlocked(styles[c]) for c in range(1, last + 1)] == [False] + [True] * (last - 2) + [False]
    phones = [c.value for c in sheet[1]].index("联系电话") + 1
    assert xfs[int(styles[phones])].get("numFmtId") == "49"  # text: a typed 0760… keeps its 0
    assert all(book[name].protection.sheet for name in ("填写说明", "代码表"))


def test_drop_downs_offer_the_code_lists_by_name(book, registry):
    sheet, codes = book["网点"], book["代码表"]
    titles = [c.value for c in sheet[1]]
    offered = {}
    for rule in sheet.data_validations.dataValidation:
        column = str(rule.sqref).split(":")[0].rstrip("0123456789")
        sheet_name, _, ref = rule.formula1.partition("!")
        assert sheet_name == "'代码表'"
        values = [c.value for row in codes[ref.replace("$", "")] for c in row]
        offered[titles[openpyxl.utils.column_index_from_string(column) - 1]] = (values, rule.errorStyle)
    labels = {f["name"]: f.get("x-labels", {}) for f in registry.descriptor.fields()}
    assert offered == {
        "网点类型": ([t["name"] for t in registry.tables["types"]], "stop"),
        "所在镇街": ([t["name"] for t in registry.tables["towns"]], "stop"),
        "服务状态": (list(labels["status"].values()), "stop"),
        "坐标系": (list(labels["crs"].values()), "stop"),
        "位置精度": (list(labels["precision"].values()), "stop"),
        "服务项目": ([s["name"] for s in registry.tables["services"]], "information"),
    }


def test_the_guide_names_the_towns_the_columns_and_the_hours_grammar(book, registry):
    rows = [r for r in book["填写说明"].iter_rows(values_only=True)]
    assert rows[0] == ("项目", "说明", "例子")
    assert rows[1] == (intake.SCOPE, "小榄镇", None)
    firsts = [r[0] for r in rows]
    for col in intake.columns(registry.descriptor, registry.tables):
        assert col.title in firsts
    text = "\n".join(str(v) for r in rows for v in r if v)
    for phrase in ("不知道的信息请留空", "提交即确认", "Mo-Fr 09:00-12:00,13:30-17:00; PH off", "交回"):
        assert phrase in text


def test_worksheet_parts_keep_the_order_excel_expects(raw):
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        names = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert len(names) == 3
    for name in names:
        tags = [child.tag.removeprefix(MAIN) for child in part(raw, name)]
        assert all(t in ORDER for t in tags), tags
        assert tags == sorted(tags, key=ORDER.index), (name, tags)


def test_libreoffice_opens_the_workbook_without_repair(raw, tmp_path, registry):
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing; .ci/install-opendata installs it")
        pytest.skip("LibreOffice is not installed")
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(raw)
    done = subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path / "out"),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "repair" not in (done.stdout + done.stderr).lower()
    with (tmp_path / "out" / "sheet.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    cols = intake.columns(registry.descriptor, registry.tables)
    assert rows[0] == [c.title for c in cols] + ["版本"]
    assert [r[0] for r in rows[1:]] == ["aid-xiaolan", "tm-xiaolan"]
