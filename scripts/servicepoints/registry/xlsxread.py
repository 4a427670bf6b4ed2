"""Read a returned fill-in workbook (.xlsx, or .csv) into plain cells, refusing what could hurt us.

A returned sheet is outside text: it may hold formulas, links to other files, macros, a password, a
zip bomb or a million rows, or be an old binary .xls/.et file renamed. Each of these ends in a
``SheetError`` with its own Chinese message before any cell is used. What remains is cells of three
kinds: text (``str``), numbers (``float``) and numbers the spreadsheet shows as dates (``DateCell``).

Only the standard library reads it: ``zipfile`` with caps on every part's size, the total and the
compression ratio, and ``xml.etree`` on parts that may not declare a DTD or entities.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

MAX_FILE = 32 * 1024 * 1024  # the workbook file itself
MAX_PART = 64 * 1024 * 1024  # one part once unzipped
MAX_TOTAL = 160 * 1024 * 1024  # all parts read, unzipped
MAX_RATIO = 100  # unzipped / zipped, for parts over RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_PARTS = 2000
MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_STRINGS = 2_000_000

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file signature of .xls, .et and encrypted .xlsx
ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
# Excel's built-in number formats that show a date (ECMA-376 18.8.30), and what each shows.
_BUILTIN_DATES = {14: "ymd", 15: "ymd", 16: "md", 17: "ym", 22: "ymd", 27: "ym", 30: "ymd", 31: "ymd", 36: "ym"}
_BUILTIN_DATES |= {n: "ymd" for n in (28, 29, 32, 33, 34, 35, 50, 51, 52, 53, 54, 55, 56, 57, 58)}
_BUILTIN_TIMES = {18, 19, 20, 21, 45, 46, 47}


class SheetError(Exception):
    """A workbook we will not read; the message says why, in Chinese, and where when it can."""


@dataclass(frozen=True)
class DateCell:
    """A number shown as a date: the serial, what the format shows (``ymd``, ``ym``, ``md``, ``time``)."""

    serial: float
    shows: str
    date1904: bool


@dataclass
class Grid:
    """One worksheet's cells by (row, column), 1-based, and its merged ranges (r1, c1, r2, c2)."""

    name: str
    cells: dict[tuple[int, int], str | float | DateCell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return max((r for r, _ in self.cells), default=0)


@dataclass
class Workbook:
    sheets: list[Grid]
    names: list[str]  # every sheet's name, in order, including the ones not read


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def read_workbook(raw: bytes, filename: str, wanted: set[str] | None = None) -> Workbook:
    """The sheets of a .xlsx or .csv file (only those named in ``wanted``, when given, are read)."""
    if len(raw) > MAX_FILE:
        raise SheetError(f"文件有 {len(raw) // 1024 // 1024} MB，超过上限 {MAX_FILE // 1024 // 1024} MB，不读取。")
    if raw.startswith(OLE):
        if ENCRYPTED in raw:
            raise SheetError(
                "这个工作簿设了打开密码（已加密），无法读取：请在 Excel 或 WPS 中取消密码后另存为 .xlsx 再导入。"
            )
        raise SheetError(
            "这是旧的二进制表格文件（.xls 或 WPS 的 .et），不是 .xlsx：请在 Excel 或 WPS 中“另存为”"
            "Excel 工作簿（.xlsx）后再导入。"
        )
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"PK\x05\x06"):
        return _read_xlsx(raw, wanted)
    if filename.lower().endswith(".csv"):
        return _read_csv(raw)
    raise SheetError("这不是 .xlsx 工作簿，也不是 .csv 文件：请导入填报表原来的 .xlsx 格式。")


def _read_csv(raw: bytes) -> Workbook:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(
            "CSV 文件不是 UTF-8 编码（WPS、Excel 常存为 GBK）：请另存为“CSV UTF-8”，或直接导入 .xlsx。"
        ) from None
    if "\x00" in text:
        raise SheetError("CSV 文件中有空字符（\\0），不是文本文件。")
    grid = Grid("网点")
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
            if r > MAX_ROWS:
                raise SheetError(f"工作表“网点”超过 {MAX_ROWS} 行，不读取：请按镇街分开导入。")
            if len(row) > MAX_COLUMNS:
                raise SheetError(f"工作表“网点”第 {r} 行有 {len(row)} 列，超过上限 {MAX_COLUMNS} 列。")
            for c, value in enumerate(row, 1):
                if value != "":
                    grid.cells[(r, c)] = value
    except csv.Error as exc:
        raise SheetError(f"CSV 文件格式有误：{exc}") from None
    return Workbook([grid], [grid.name])


class _Parts:
    """The zip's parts, each read at most once and never past the caps."""

    def __init__(self, raw: bytes) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(raw))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError):
            raise SheetError("文件已损坏，不是完整的 .xlsx 工作簿（无法解压）。") from None
        if len(infos) > MAX_PARTS:
            raise SheetError(f"工作簿由 {len(infos)} 个部件组成，超过上限 {MAX_PARTS}，不读取。")
        self.infos = {i.filename: i for i in infos}
        self.total = 0

    def names(self) -> list[str]:
        return list(self.infos)

    def read(self, name: str) -> bytes | None:
        info = self.infos.get(name)
        if info is None:
            return None
        if info.flag_bits & 0x1:
            raise SheetError("工作簿的部件已加密，无法读取：请取消密码后另存为 .xlsx 再导入。")
        if info.file_size > MAX_PART or (
            info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise SheetError(_bomb(name))
        try:
            with self.zip.open(info) as handle:
                data = handle.read(MAX_PART + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise SheetError(f"工作簿已损坏：部件 {name} 无法解压。") from None
        self.total += len(data)
        if (
            len(data) > MAX_PART
            or self.total > MAX_TOTAL
            or (len(data) > RATIO_FLOOR and len(data) > MAX_RATIO * max(info.compress_size, 1))
        ):
            raise SheetError(_bomb(name))
        return data

    def xml(self, name: str) -> ET.Element | None:
        data = self.read(name)
        if data is None:
            return None
        head = data[:4096].upper()
        if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
            raise SheetError(f"工作簿的部件 {name} 声明了 DTD 或实体，这不是表格软件保存的文件，不读取。")
        try:
            return ET.fromstring(data)
        except ET.ParseError:
            raise SheetError(f"工作簿已损坏：部件 {name} 不是有效的 XML。") from None


def _bomb(name: str) -> str:
    return (
        f"工作簿的部件 {name} 解压后过大（可能是“压缩炸弹”），不读取："
        f"单个部件不超过 {MAX_PART // 1024 // 1024} MB，压缩比不超过 {MAX_RATIO} 倍。"
    )


def _read_xlsx(raw: bytes, wanted: set[str] | None) -> Workbook:
    parts = _Parts(raw)
    names = parts.names()
    lower = [n.lower() for n in names]
    types = parts.read("[Content_Types].xml") or b""
    if any(n.endswith("vbaproject.bin") for n in lower) or b"macroEnabled" in types:
        raise SheetError("工作簿含有宏（VBA），不读取：请另存为不含宏的 Excel 工作簿（.xlsx）再导入。")
    if any(n.startswith("xl/externallinks/") for n in lower) or "xl/connections.xml" in lower:
        raise SheetError(
            "工作簿含有指向其他文件或外部数据的链接，不读取：请把链接的单元格改为直接填写的值"
            "（复制后“选择性粘贴—数值”），删除外部链接后再导入。"
        )
    book = parts.xml("xl/workbook.xml")
    if book is None:
        raise SheetError("文件不是 Excel 工作簿：缺少 xl/workbook.xml。")
    pr = book.find(f"{_NS}workbookPr")
    date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    targets = _relationships(parts, "xl/_rels/workbook.xml.rels")
    entries = [(s.get("name") or "", s.get(_R) or "") for s in book.iter(f"{_NS}sheet")]
    strings = _shared_strings(parts, targets)
    dates = _date_styles(parts)
    sheets = []
    for name, rid in entries:
        if wanted is not None and name not in wanted:
            continue
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        root = parts.xml(path)
        if root is None:
            raise SheetError(f"工作簿已损坏：找不到工作表“{name}”的内容。")
        sheets.append(_sheet(name, root, strings, dates, date1904))
    return Workbook(sheets, [n for n, _ in entries])


def _relationships(parts: _Parts, name: str) -> dict[str, str]:
    root = parts.xml(name)
    if root is None:
        return {}
    out = {}
    for rel in root.iter(f"{_PKG}Relationship"):
        if rel.get("Type", "").endswith("/externalLink"):
            raise SheetError("工作簿含有指向其他文件的外部链接，不读取：请把链接的单元格改为直接填写的值后再导入。")
        out[rel.get("Id", "")] = rel.get("Target", "")
    return out


def _shared_strings(parts: _Parts, targets: dict[str, str]) -> list[str]:
    """The shared strings, from the part the workbook's relationships name (else the usual place)."""
    target = next((t for t in targets.values() if t.lower().endswith("sharedstrings.xml")), "sharedStrings.xml")
    root = parts.xml(target.lstrip("/") if target.startswith("/") else "xl/" + target)
    if root is None:
        return []
    out: list[str] = []
    for item in root.iter(f"{_NS}si"):
        if len(out) >= MAX_STRINGS:
            raise SheetError(f"工作簿的共享文字超过 {MAX_STRINGS} 条，不读取。")
        out.append(_text(item))
    return out


def _text(node: ET.Element) -> str:
    """A string item's text: its <t>, or its runs' <t>s; phonetic hints (<rPh>) left out."""
    direct = node.find(f"{_NS}t")
    if direct is not None:
        return direct.text or ""
    return "".join(t.text or "" for r in node.findall(f"{_NS}r") for t in r.findall(f"{_NS}t"))


def _date_styles(parts: _Parts) -> dict[int, str]:
    """Cell style index -> what its number format shows, for the styles that show dates or times."""
    root = parts.xml("xl/styles.xml")
    if root is None:
        return {}
    custom = {}
    formats = root.find(f"{_NS}numFmts")
    for fmt in formats.findall(f"{_NS}numFmt") if formats is not None else []:
        try:
            custom[int(fmt.get("numFmtId", ""))] = _shows(fmt.get("formatCode", ""))
        except ValueError:
            continue
    out = {}
    xfs = root.find(f"{_NS}cellXfs")
    for i, xf in enumerate(xfs.findall(f"{_NS}xf") if xfs is not None else []):
        try:
            number = int(xf.get("numFmtId", "0"))
        except ValueError:
            continue
        shows = custom.get(number) or _BUILTIN_DATES.get(number) or ("time" if number in _BUILTIN_TIMES else "")
        if shows:
            out[i] = shows
    return out


def _shows(code: str) -> str:
    """What a custom number format shows: ymd, ym, md, y, time, or "" (not a date)."""
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.split(";")[0]).lower()
    has = {ch for ch in "ymdhs" if ch in bare}
    if not has & {"y", "d"} and "m" in has and not has & {"h", "s"}:
        return ""  # "m" alone is not a date format we know
    if has & {"y", "d"}:
        return "".join(ch for ch in "ymd" if ch in has)
    return "time" if has & {"h", "s"} else ""


def _sheet(name: str, root: ET.Element, strings: list[str], dates: dict[int, str], date1904: bool) -> Grid:
    grid = Grid(name)
    data = root.find(f"{_NS}sheetData")
    last_row = 0
    for row in data.findall(f"{_NS}row") if data is not None else []:
        try:
            r = int(row.get("r") or last_row + 1)
        except ValueError:
            raise SheetError(f"工作表“{name}”已损坏：行号“{row.get('r')}”不是数字。") from None
        if r > MAX_ROWS:
            raise SheetError(f"工作表“{name}”超过 {MAX_ROWS} 行（到第 {r} 行），不读取：请按镇街分开导入。")
        last_row, last_col = r, 0
        for cell in row.findall(f"{_NS}c"):
            ref = cell.get("r")
            match = _REF.fullmatch(ref) if ref else None
            c = column_number(match.group(1)) if match else last_col + 1
            last_col = c
            where = f"{name}!{ref or cell_ref(r, c)}"
            if c > MAX_COLUMNS:
                raise SheetError(f"{where}：超过 {MAX_COLUMNS} 列，不读取。")
            value = _value(cell, where, strings, dates, date1904)
            if value is not None and value != "":
                grid.cells[(r, c)] = value
    merged = root.find(f"{_NS}mergeCells")
    for merge in merged.findall(f"{_NS}mergeCell") if merged is not None else []:
        first, _, last = (merge.get("ref") or "").partition(":")
        a, b = _REF.fullmatch(first), _REF.fullmatch(last or first)
        if a and b:
            grid.merges.append((int(a.group(2)), column_number(a.group(1)), int(b.group(2)), column_number(b.group(1))))
    return grid


def cell_ref(r: int, c: int) -> str:
    """(7, 6) -> F7."""
    letters = ""
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{r}"


def _value(cell: ET.Element, where: str, strings: list[str], dates: dict[int, str], date1904: bool):
    formula = cell.find(f"{_NS}f")
    if formula is not None:
        shown = f"（={formula.text}）" if formula.text else ""
        raise SheetError(f"{where} 是公式{shown}，不读取：请把公式改为直接填写的值（复制后“选择性粘贴—数值”）。")
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        node = cell.find(f"{_NS}is")
        return _text(node) if node is not None else None
    raw = cell.find(f"{_NS}v")
    text = raw.text if raw is not None else None
    if text is None:
        return None
    if kind == "s":
        try:
            return strings[int(text)]
        except (ValueError, IndexError):
            raise SheetError(f"{where}：工作簿已损坏（引用了不存在的共享文字 {text}）。") from None
    if kind == "str":
        return text
    if kind == "e":
        raise SheetError(f"{where} 是错误值 {text}，不读取：请改为直接填写的值。")
    if kind == "b":
        raise SheetError(f"{where} 是逻辑值（TRUE/FALSE），这里应填文字：请改为直接填写的值。")
    try:
        number = float(text)
    except ValueError:
        raise SheetError(f"{where}：工作簿已损坏（数值“{text[:40]}”不是数字）。") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise SheetError(f"{where}：工作簿已损坏（数值不是有限的数字）。")
    style = cell.get("s")
    shows = dates.get(int(style)) if style and style.isdigit() else None
    return DateCell(number, shows, date1904) if shows else number
