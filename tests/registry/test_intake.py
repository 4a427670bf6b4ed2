"""Taking in a returned fill-in sheet: cells read exactly or refused with the cell named, rows matched to
records, hostile workbooks refused before any cell is used, and nothing written unless asked."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import shutil
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA
from servicepoints.cli import main
from servicepoints.core.settings import Settings
from servicepoints.publish.export import zip_bytes
from servicepoints.publish.sheet import fill_in_workbook
from servicepoints.registry import intake
from servicepoints.registry.load import read_registry
from servicepoints.registry.xlsxread import DateCell, Grid, SheetError, Workbook, read_workbook

DAY = "2026-12-01"
BY = "小榄镇市场监督管理分局"


@pytest.fixture(scope="module")
def shipped():
    return read_registry(DATA)


@pytest.fixture(scope="module")
def cols(shipped):
    return {c.field: c for c in intake.columns(shipped.descriptor, shipped.tables)}


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A copy of data/ in a temporary folder that is also the working directory."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path / "data"


def workbook(data, towns=("小榄镇",)) -> bytes:
    registry = read_registry(data)
    return zip_bytes(fill_in_workbook(registry, list(towns), Settings(), DAY), DAY)


def snapshot(folder) -> dict:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_import(data, path, *args):
    argv = ["import", str(path), "--data", str(data), "--date", DAY, *args]
    return CliRunner().invoke(main, argv, catch_exceptions=False)


def edited(data, tmp_path, change, name="returned.xlsx"):
    """The exported workbook changed by ``change(workbook)`` through openpyxl, saved as ``name``."""
    book = openpyxl.load_workbook(io.BytesIO(workbook(data)))
    change(book)
    path = tmp_path / name
    book.save(path)
    return path


def column(book, title: str) -> int:
    return [c.value for c in book["网点"][1]].index(title) + 1


def refused(data, path, message, *args, code=1):
    """The import refuses with exactly ``message`` (on stdout or stderr) and changes no file."""
    before = snapshot(data)
    result = run_import(data, path, *args)
    assert result.exit_code == code, result.output
    assert message in result.output.splitlines() or f"  第 {message}" in result.output, result.output
    assert snapshot(data) == before


def rezip(raw: bytes, changes: dict[str, bytes | None]) -> bytes:
    """A copy of a workbook with some parts replaced, added or (None) removed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in changes:
                dst.writestr(info.filename, src.read(info))
        for name, body in changes.items():
            if body is not None:
                dst.writestr(name, body)
    return out.getvalue()


def sheet_xml(raw: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


# ---- the columns and single cells ----------------------------------------------------------------


def test_columns_are_the_data_dictionary_titles_without_what_import_sets(shipped):
    fields = shipped.descriptor.fields()
    titles = [c.title for c in intake.columns(shipped.descriptor, shipped.tables)]
    # name_basis and status_date too: the editors' record of where a name and a status come from
    assert titles == [f["title"] for f in fields if f["name"] not in intake.NOT_IN_SHEET]
    assert {"evidence", "sources", "verified", "name_basis", "status_date"} == set(intake.NOT_IN_SHEET)
    assert titles[:6] == ["编号", "名称", "别名", "网点类型", "所在镇街", "服务状态"]


def test_the_area_code_comes_from_the_data_package(shipped):
    assert shipped.descriptor.area_code() == "0760"


@pytest.mark.parametrize(
    ("field", "raw", "value", "note"),
    [
        (
            "phones",
            76087866614.0,
            ["0760-87866614"],
            "号码被存成了数字 76087866614（丢了开头的 0），按本地区号 0760 读作 0760-87866614。",
        ),
        ("phones", 13912345678.0, ["13912345678"], None),
        ("phones", "０７６０－８８８８８８８８ ；13912345678　", ["0760-88888888", "13912345678"], None),
        ("phones", "0760-88888888、0760-88886666", ["0760-88888888", "0760-88886666"], None),
        ("name", "　中山市小榄镇１号站  ", "中山市小榄镇1号站", None),
        ("address", "小榄镇（民安南路）", "小榄镇（民安南路）", None),
        ("type", "商标品牌培育指导站", "trademark-station", None),
        ("type", "trademark-station", "trademark-station", None),
        ("status", "运营中 ", "operating", None),
        ("lat", 22.6123, "22.6123", None),
        ("lat", "２２．６１", "22.61", None),
        ("established", 2021.0, "2021", None),
        ("established", DateCell(44515.0, "ymd", False), "2021-11-15", "日期按1900年日期系统读作 2021-11-15。"),
        ("established", DateCell(43053.0, "ymd", True), "2021-11-15", "日期按1904年日期系统读作 2021-11-15。"),
        ("established", DateCell(44501.0, "ym", False), "2021-11", "日期按1900年日期系统读作 2021-11。"),
        ("established", DateCell(59.0, "ymd", False), "1900-02-28", "日期按1900年日期系统读作 1900-02-28。"),
        ("description", 12.0, "12", "表格软件存成了数字，按文字“12”读取。"),
        ("hours", None, None, None),
        ("phones", None, [], None),
    ],
)
def test_a_cell_is_read_exactly(cols, field, raw, value, note):
    assert intake.read_cell(raw, cols[field], "0760") == (value, note)


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        (
            "phones",
            7608786661.4,  # 7.6087866614E9: digits are gone
            "号码被表格软件存成了数字 7608786661.4，已丢失位数，看不出原号码："
            "请把“联系电话”列设为“文本”格式后重新填写号码（例如 0760-88888888）。",
        ),
        (
            "phones",
            88888888.0,
            "号码被表格软件存成了数字 88888888，开头的 0 等可能已丢失，看不出原号码："
            "请把“联系电话”列设为“文本”格式后重新填写号码（例如 0760-88888888）。",
        ),
        (
            "hours",
            DateCell(0.375, "time", False),
            "表格软件把这里的内容当成了时间，看不出原来写的文字：请把单元格设为“文本”格式后重新填写。",
        ),
        (
            "established",
            DateCell(60.0, "ymd", False),
            "日期是 1900-02-29（表格软件历史上的错误日期），这一天不存在：请重新填写。",
        ),
        (
            "established",
            DateCell(45000.0, "md", False),
            "设立时间被存成了不含年份的日期或时间：请写成 2021、2021-11 或 2021-11-15。",
        ),
        (
            "name",
            1.5,
            "这里应填文字，表格软件存成了数字 1.5，看不出原来写的是什么：请把单元格设为“文本”格式后重新填写。",
        ),
        ("type", 3.0, "这里应填文字，表格软件存成了数字 3：请把单元格设为“文本”格式后重新填写。"),
    ],
)
def test_a_cell_that_cannot_be_read_exactly_is_refused(cols, field, raw, message):
    with pytest.raises(intake.CellError) as caught:
        intake.read_cell(raw, cols[field], "0760")
    assert str(caught.value) == message


def test_a_code_not_in_the_list_names_the_choices(cols):
    with pytest.raises(intake.CellError) as caught:
        intake.read_cell("运营", cols["status"], "0760")
    assert (
        str(caught.value) == "“运营”不在可选项中，请从下拉列表中选：运营中、待运营、筹建中、暂停服务、已撤销、待核实。"
    )


def test_without_an_area_code_in_the_data_a_lost_zero_is_refused(cols):
    with pytest.raises(intake.CellError):
        intake.read_cell(76087866614.0, cols["phones"], None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.builds(DateCell, st.floats(-1e7, 1e7), st.sampled_from(["ymd", "ym", "md", "time"]), st.booleans()),
    ),
    field=st.sampled_from(
        ["id", "name", "type", "town", "status", "lat", "phones", "hours", "services", "established", "版本"]
    ),
)
def test_arbitrary_cells_never_raise_anything_but_a_cell_error(cols, text, field):
    col = cols.get(field) or intake.Column(intake.VERSION, intake.VERSION, {})
    with contextlib.suppress(intake.CellError):
        intake.read_cell(text, col, "0760")


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.integers(1, 6), st.integers(1, 4)),
        st.one_of(st.text(max_size=30), st.floats(allow_nan=False), st.sampled_from(["编号", "名称", "tm-xiaolan"])),
        max_size=20,
    )
)
def test_arbitrary_sheets_end_in_a_plan_or_a_sheet_error(cells):
    registry = read_registry(DATA)
    cols = intake.columns(registry.descriptor, registry.tables)
    grid = Grid("网点", dict(cells) | {(1, 1): "编号"})
    try:
        sheet = intake.read_sheet(Workbook([grid], ["网点"]), "x.xlsx", cols, "0760")
    except SheetError:
        return
    intake.plan(registry, sheet, cols, BY, dt.date(2026, 12, 1), validate_with=lambda trial, day: _no_report())


def _no_report():
    from servicepoints.registry.validate import Report

    return Report(problems=[])


# ---- hostile workbooks: refused whole, exit 1, nothing written ---------------------------------------


def _save(tmp_path, raw: bytes, name="returned.xlsx"):
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def test_a_formula_cell_is_refused_by_its_cell(data, tmp_path):
    raw = workbook(data)
    xml = sheet_xml(raw).replace('<c r="L2" s="3"/>', '<c r="L2" s="3"><f>B2&amp;"x"</f><v>1</v></c>', 1)
    assert "<f>" in xml
    path = _save(tmp_path, rezip(raw, {"xl/worksheets/sheet1.xml": xml.encode()}))
    refused(
        data,
        path,
        'returned.xlsx：网点!L2 是公式（=B2&"x"），不读取：请把公式改为直接填写的值（复制后“选择性粘贴—数值”）。',
    )


def test_external_links_are_refused(data, tmp_path):
    raw = rezip(workbook(data), {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    refused(
        data,
        _save(tmp_path, raw),
        "returned.xlsx：工作簿含有指向其他文件或外部数据的链接，不读取：请把链接的单元格改为直接填写的值"
        "（复制后“选择性粘贴—数值”），删除外部链接后再导入。",
    )


def test_macros_are_refused(data, tmp_path):
    raw = rezip(workbook(data), {"xl/vbaProject.bin": b"\x00" * 64})
    message = "returned.xlsx：工作簿含有宏（VBA），不读取：请另存为不含宏的 Excel 工作簿（.xlsx）再导入。"
    refused(data, _save(tmp_path, raw), message)
    refused(data, _save(tmp_path, raw, "returned.xlsm"), message.replace("returned.xlsx", "returned.xlsm"))


def test_a_password_protected_workbook_is_refused(data, tmp_path):
    raw = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 500
    refused(
        data,
        _save(tmp_path, raw),
        "returned.xlsx：这个工作簿设了打开密码（已加密），无法读取："
        "请在 Excel 或 WPS 中取消密码后另存为 .xlsx 再导入。",
    )


@pytest.mark.parametrize("name", ["returned.xls", "returned.et", "renamed.xlsx"])
def test_old_binary_xls_and_et_files_are_refused_by_content(data, tmp_path, name):
    raw = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000 + "Workbook".encode("utf-16-le")
    refused(
        data,
        _save(tmp_path, raw, name),
        f"{name}：这是旧的二进制表格文件（.xls 或 WPS 的 .et），不是 .xlsx：请在 Excel 或 WPS 中“另存为”"
        "Excel 工作簿（.xlsx）后再导入。",
    )


def test_a_zip_bomb_of_shared_strings_is_refused(data, tmp_path):
    bomb = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    bomb += b"A" * (24 * 1024 * 1024) + b"</t></si></sst>"
    raw = rezip(workbook(data), {"xl/sharedStrings.xml": bomb})
    assert len(raw) < 200_000
    refused(
        data,
        _save(tmp_path, raw),
        "returned.xlsx：工作簿的部件 xl/sharedStrings.xml 解压后过大（可能是“压缩炸弹”），不读取："
        "单个部件不超过 64 MB，压缩比不超过 100 倍。",
    )


def test_a_hundred_thousand_rows_are_refused(data, tmp_path):
    raw = workbook(data)
    xml = sheet_xml(raw)
    rows = "".join(f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>x</t></is></c></row>' for r in range(3, 100_001))
    xml = xml.replace("</sheetData>", rows + "</sheetData>")
    path = _save(tmp_path, rezip(raw, {"xl/worksheets/sheet1.xml": xml.encode()}))
    refused(data, path, "returned.xlsx：工作表“网点”超过 50000 行（到第 50001 行），不读取：请按镇街分开导入。")


def test_a_dtd_or_entity_is_refused(data, tmp_path):
    raw = workbook(data)
    xml = sheet_xml(raw).replace("?>", '?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
    path = _save(tmp_path, rezip(raw, {"xl/worksheets/sheet1.xml": xml.encode()}))
    refused(
        data,
        path,
        "returned.xlsx：工作簿的部件 xl/worksheets/sheet1.xml 声明了 DTD 或实体，这不是表格软件保存的文件，不读取。",
    )


def test_a_file_that_is_no_spreadsheet_is_refused(data, tmp_path):
    refused(
        data,
        _save(tmp_path, b"%PDF-1.7 not a workbook"),
        "returned.xlsx：这不是 .xlsx 工作簿，也不是 .csv 文件：请导入填报表原来的 .xlsx 格式。",
    )


def test_the_reader_refuses_each_hostile_part_on_its_own():
    with pytest.raises(SheetError, match="已损坏"):
        read_workbook(b"PK\x03\x04broken", "x.xlsx")


# ---- messy but honest workbooks -------------------------------------------------------------------


def test_renamed_and_reordered_columns_are_matched_by_title(data, tmp_path):
    def change(book):
        sheet = book["网点"]
        sheet.move_range("L1:L3", cols=20)  # 联系电话 moved to the far right
        sheet.cell(1, 32, "phones")  # and titled by the field's name
        sheet.cell(3, 32, "0760-22223333")
        sheet.cell(1, 15, "服务时间（例如 Mo-Fr 09:00-17:00）")  # a hint after the title

    result = run_import(data, edited(data, tmp_path, change))
    assert result.exit_code == 0, result.output
    assert "    联系电话：（空） → 0760-22223333" in result.output.splitlines()


def test_an_unknown_column_title_is_refused(data, tmp_path):
    path = edited(data, tmp_path, lambda book: book["网点"].cell(1, 12, "手机"))
    refused(
        data,
        path,
        "returned.xlsx：网点!L1 的列标题“手机”不认识：列标题应是以下之一（可改顺序）："
        "编号、名称、别名、网点类型、所在镇街、"
        "服务状态、纬度、经度、坐标系、位置精度、地址、联系电话、电子邮箱、网址、服务时间、服务项目、服务范围、依托或运营单位、服务产业、"
        "设立时间、简介、版本。",
    )


def test_merged_cells_down_a_column_are_read_on_every_row_and_across_columns_are_refused(data, tmp_path):
    def down(book):
        sheet = book["网点"]
        sheet.cell(2, column(book, "服务时间"), "Mo-Fr 09:00-17:00")
        sheet.merge_cells("O2:O3")

    result = run_import(data, edited(data, tmp_path, down))
    assert result.exit_code == 0, result.output
    assert "  - 网点!O2:O3 是合并单元格，每行都按“Mo-Fr 09:00-17:00”读取。" in result.output.splitlines()
    assert result.output.count("服务时间：（空） → Mo-Fr 09:00-17:00") == 2

    def across(book):
        book["网点"].cell(3, 11, "民安南路1号")
        book["网点"].merge_cells("K3:L3")

    refused(
        data,
        edited(data, tmp_path, across, "across.xlsx"),
        "3 行：网点!K3:L3 把不同列的单元格合并成了一格，看不出值属于哪一列：请取消合并，每格填一个值。",
    )


def test_extra_sheets_are_ignored_and_said(data, tmp_path):
    def extra(book):
        book.create_sheet("草稿")["A1"] = "=SUM(1,2)"
        book["网点"].cell(3, column(book, "地址"), "小榄镇民安南路1号")

    result = run_import(data, edited(data, tmp_path, extra))
    assert result.exit_code == 0, result.output
    assert "  - 以下工作表不是填报表的一部分，已忽略：草稿。" in result.output.splitlines()


def test_a_phone_stored_as_a_number_is_read_by_the_area_code_rule_and_said(data, tmp_path):
    path = edited(data, tmp_path, lambda book: book["网点"].cell(3, column(book, "联系电话"), 76087866614))
    result = run_import(data, path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "    联系电话：（空） → 0760-87866614" in lines
    assert (
        "  - 网点!L3（联系电话）：号码被存成了数字 76087866614（丢了开头的 0），按本地区号 0760 读作 0760-87866614。"
        in lines
    )


def test_a_phone_that_lost_digits_refuses_its_row_by_cell(data, tmp_path):
    path = edited(data, tmp_path, lambda book: book["网点"].cell(3, column(book, "联系电话"), 7.6087866614e9))
    refused(
        data,
        path,
        "3 行：网点!L3（联系电话）：号码被表格软件存成了数字 7608786661.4，已丢失位数，看不出原号码："
        "请把“联系电话”列设为“文本”格式后重新填写号码（例如 0760-88888888）。",
    )


def test_the_validators_own_rules_name_the_cell(data, tmp_path):
    path = edited(data, tmp_path, lambda book: book["网点"].cell(3, column(book, "服务时间"), "周一至周五 9点到5点"))
    refused(
        data,
        path,
        "3 行：网点!O3（tm-xiaolan，服务时间）：服务时间“周一至周五 9点到5点”写法不对，"
        "应类似 Mo-Fr 09:00-12:00,13:30-17:00; PH off"
        "（分号分隔各条规则，时间用 24 小时制）。",
    )


def test_a_csv_saved_from_the_sheet_is_read_like_the_workbook(data, tmp_path):
    book = openpyxl.load_workbook(io.BytesIO(workbook(data)))
    rows = [["" if v is None else str(v) for v in row] for row in book["网点"].iter_rows(values_only=True)]
    rows[2][column(book, "联系电话") - 1] = "0760-22223333"
    path = tmp_path / "returned.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8-sig")
    result = run_import(data, path)
    assert result.exit_code == 0, result.output
    assert "    联系电话：（空） → 0760-22223333" in result.output.splitlines()
    path.write_bytes(path.read_text(encoding="utf-8-sig").encode("gb18030"))
    refused(
        data,
        path,
        "returned.csv：CSV 文件不是 UTF-8 编码（WPS、Excel 常存为 GBK）：请另存为“CSV UTF-8”，或直接导入 .xlsx。",
    )


# ---- rows matched to records ----------------------------------------------------------------------


def test_an_unknown_id_is_refused(data, tmp_path):
    path = edited(data, tmp_path, lambda book: book["网点"].cell(3, 1, "tm-nowhere"))
    refused(data, path, "3 行：网点!A3：编号 tm-nowhere 不在名录中。新网点请把编号留空；不要改动已有的编号。")


def test_a_record_of_another_town_is_refused(data, tmp_path):
    path = edited(data, tmp_path, lambda book: book["网点"].cell(3, 1, "tm-guzhen"))
    refused(data, path, "3 行：网点!A3：编号 tm-guzhen 是古镇镇的网点，不在本表范围（小榄镇）内，不能由本表修改。")


def test_a_record_changed_since_export_is_refused_unless_forced(data, tmp_path):
    path = edited(data, tmp_path, lambda book: book["网点"].cell(3, column(book, "地址"), "小榄镇民安南路1号"))
    book = openpyxl.load_workbook(path)
    version = openpyxl.utils.get_column_letter(column(book, "版本")) + "3"  # the last column, wherever it falls
    exported = book["网点"][version].value
    record = data / "points" / "trademark-stations" / "tm-xiaolan.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("status: unknown", "status: operating"), "utf-8")
    registry = read_registry(data)
    now = intake.export_row(
        next(r for r in registry.records if r.id == "tm-xiaolan").values,
        intake.columns(registry.descriptor, registry.tables),
    )[-1]
    assert exported != now
    refused(
        data,
        path,
        f"3 行：网点!{version}：编号 tm-xiaolan 的记录在导出本表之后已被修改（版本 {exported}，现在是 {now}），"
        "为免覆盖别人的修改，这一行不导入：请重新导出填报表再填；确认要覆盖时加 --force。",
    )
    forced = run_import(data, path, "--force")
    assert forced.exit_code == 0 and "    地址：（空） → 小榄镇民安南路1号" in forced.output.splitlines()


def test_a_row_missing_from_the_sheet_is_reported_not_deleted(data, tmp_path):
    path = edited(data, tmp_path, lambda book: book["网点"].delete_rows(2))
    before = snapshot(data)
    result = run_import(data, path, "--write", "--by", BY)
    assert result.exit_code == 0, result.output
    assert "表中没有以下网点（不会删除；撤销的网点请把服务状态改为“已撤销”）：aid-xiaolan" in result.output.splitlines()
    assert snapshot(data) == before


def test_the_same_id_twice_is_refused(data, tmp_path):
    path = edited(data, tmp_path, lambda book: book["网点"].cell(4, 1, "tm-xiaolan"))
    refused(data, path, "4 行：网点!A4：编号 tm-xiaolan 在第 3 行已出现，同一网点只填一行。")


def test_write_needs_an_organisation_never_a_person(data, tmp_path):
    path = edited(data, tmp_path, lambda book: None)
    result = run_import(data, path, "--write")
    assert result.exit_code == 2 and "--write 需要 --by 单位名称" in result.output
    result = run_import(data, path, "--write", "--by", "王小明")
    assert result.exit_code == 2
    assert "--by 应写提交填报表的单位名称（例如 小榄镇市场监督管理分局），不写个人姓名；收到“王小明”。" in result.output


def test_the_writer_refuses_a_file_outside_the_data_folder(data, tmp_path):
    from servicepoints.core.errors import SetupError
    from servicepoints.registry import intakewrite

    registry = read_registry(data)
    change = intake.Change(3, "tm-xiaolan", str(tmp_path / "elsewhere.yaml"), [], {})
    plan = intake.Plan(sheet=None, changes=[change])
    with pytest.raises(SetupError, match="指向数据目录 .* 之外"):
        intakewrite.prepare(registry, plan)


def test_write_never_follows_a_link_out_of_the_data_folder(data, tmp_path):
    outside = tmp_path / "outside.yaml"
    record = data / "points" / "trademark-stations" / "tm-xiaolan.yaml"
    outside.write_bytes(record.read_bytes())
    record.unlink()
    record.symlink_to(outside)
    path = edited(data, tmp_path, lambda book: book["网点"].cell(3, column(book, "地址"), "小榄镇民安南路1号"))
    before = outside.read_bytes()
    result = run_import(data, path, "--write", "--by", BY)
    assert result.exit_code != 0
    assert outside.read_bytes() == before
