"""Take in a returned fill-in sheet: cells in, proposed changes and problems out (pure functions).

The fill-in workbook (``servicepoints sheet``) has one column per point field an office can vouch for,
titled with the data dictionary's Chinese title, codes shown by their Chinese names, and a per-row
version: a short hash of the row as exported. ``plan`` reads the returned cells back:

- each cell becomes a field value, or a Problem naming the cell (``网点!F7``), the record and the field,
  when a spreadsheet changed it in a way we cannot undo exactly;
- each row becomes a change to its record, a new point, or a refused row (unknown id, another town,
  changed since export without ``force``);
- every changed and new record is then checked by the validator itself, and its problems are named by
  cell too. Nothing is written here (see ``intakewrite``).

What a spreadsheet does to cells and how each is undone is listed in ``docs/guide.md`` (填报表).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core.errors import Problem, errors
from .descriptor import Descriptor
from .load import Record, Registry, display_path
from .provenance import PROVIDER, REPORTED
from .scaffold import fresh_id
from .xlsxread import DateCell, Grid, SheetError, Workbook, cell_ref, read_workbook

SHEET = "网点"
GUIDE = "填写说明"
CODES = "代码表"
VERSION = "版本"  # the last column: a short hash of the row as exported (locked)
SCOPE = "本表范围"  # the guide sheet's row naming the towns the workbook was made for
ALL_TOWNS = "全市"
METHOD = "填报表"
# Fields the import sets itself (from --by, the date and the file), never read from a cell.
NOT_IN_SHEET = ("evidence", "sources", "verified", "name_basis", "status_date")
CODE_FIELDS = ("type", "town", "status", "precision", "crs", "services")
# Fields whose text has an ASCII grammar: full-width letters, digits and punctuation become ASCII (NFKC).
ASCII_FIELDS = ("id", "phones", "email", "website", "hours", "lat", "lon", "established")
SPLIT = re.compile(r"[;；,，、\n]+")
SHOWN_DELIMITER = "；"
_WIDE_DIGITS = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"\u3000": " ", "\u00a0": " "})
# Organisations, not people: the name given to --by ends in one of these (a person's name never does).
ORGANISATION_ENDINGS = (
    "局",
    "分局",
    "所",
    "中心",
    "站",
    "办",
    "办公室",
    "办事处",
    "委员会",
    "委",
    "政府",
    "公司",
    "协会",
    "商会",
    "院",
    "部",
    "科",
    "处",
    "厅",
    "队",
    "馆",
    "会",
    "社",
    "组",
    "室",
    "学校",
    "大学",
)


@dataclass(frozen=True)
class Column:
    """One column of the fill-in sheet: a point field, its Chinese title, and its choices (code -> name)."""

    field: str
    title: str
    choices: dict[str, str]
    is_list: bool = False
    number: bool = False

    def shown(self, value) -> str | float | None:
        """A record's value as the sheet shows it."""
        if value is None or value == [] or value == "":
            return None
        if self.is_list:
            items = value if isinstance(value, list) else [value]
            return SHOWN_DELIMITER.join(self.choices.get(v, v) if isinstance(v, str) else str(v) for v in items)
        if self.number:
            try:
                number = float(value)
            except (TypeError, ValueError):
                return str(value)
            return number if math.isfinite(number) else str(value)
        return self.choices.get(value, value) if isinstance(value, str) else str(value)


def columns(descriptor: Descriptor, tables: dict[str, list[dict]]) -> list[Column]:
    """The sheet's columns, in the data dictionary's order; the version column comes last."""
    lists = descriptor.list_fields()
    choices = {
        "type": {t["code"]: t["name"] for t in tables["types"]},
        "town": {t["name"]: t["name"] for t in tables["towns"]},
        "services": {s["code"]: s["name"] for s in tables["services"]},
    }
    out = []
    for spec in descriptor.fields():
        name = spec["name"]
        if name in NOT_IN_SHEET or spec["type"] == "array":
            continue
        labels = spec.get("x-labels") or {}
        enum = spec.get("constraints", {}).get("enum")
        options = choices.get(name) or ({code: labels.get(code, code) for code in enum} if enum else {})
        out.append(Column(name, spec.get("title", name), options, name in lists, spec["type"] == "number"))
    return out


def export_row(values: dict, cols: list[Column]) -> list:
    """One record as a sheet row: every column's shown value, then the row's version."""
    cells = [c.shown(values.get(c.field)) for c in cols]
    return [*cells, version(cells)]


def version(cells: list) -> str:
    """A short hash of a row as exported; ``v`` first so no spreadsheet takes it for a number."""
    text = json.dumps([c if not isinstance(c, float) else repr(c) for c in cells], ensure_ascii=False)
    return "v" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def scope_towns(records: list[Record], towns: list[str] | None) -> list[Record]:
    """The records a workbook for these towns lists (all of them when ``towns`` is None), sorted by id."""
    chosen = [r for r in records if towns is None or r.values.get("town") in towns]
    return sorted(chosen, key=lambda r: r.id or "")


# ---- reading cells ------------------------------------------------------------------------------


def _title_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[（(][^（()）]*[)）]$", "", text)  # a hint in brackets after the title
    return text.rstrip("*").casefold()


@dataclass
class Row:
    """One data row of the returned sheet, its cells read into field values."""

    number: int
    id: str | None
    version: str | None
    values: dict[str, object]  # field -> text, list of text, or None (an empty cell)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Sheet:
    """The returned sheet, read: its columns by number, rows, the towns it was made for, and notes."""

    name: str
    filename: str
    columns: dict[int, Column]  # column number -> field (the version column has field VERSION)
    rows: list[Row]
    scope: list[str] | None  # None: the whole city
    notes: list[str]


def read_returned(raw: bytes, filename: str, cols: list[Column], area: str | None) -> Sheet:
    """A returned file's data sheet (``网点``, else the first other sheet), read; SheetError if refused."""
    book = read_workbook(raw, filename, {SHEET, GUIDE})
    if SHEET not in book.names:
        others = [n for n in book.names if n not in (GUIDE, CODES)]
        if others:
            book = read_workbook(raw, filename, {others[0], GUIDE})
    return read_sheet(book, filename, cols, area)


def read_sheet(book: Workbook, filename: str, cols: list[Column], area: str | None) -> Sheet:
    """The data sheet's rows as field values; a SheetError for a header we cannot match."""
    grid = next((g for g in book.sheets if g.name == SHEET), None)
    notes = []
    if grid is None:
        grid = next((g for g in book.sheets if _has_id_header(g, cols)), None)
        if grid is None:
            raise SheetError(f"找不到工作表“{SHEET}”（第一行是“编号”“名称”等列标题的那张表）。")
        notes.append(f"没有名为“{SHEET}”的工作表，读取的是工作表“{grid.name}”。")
    ignored = [n for n in book.names if n not in (grid.name, GUIDE, CODES)]
    if ignored:
        notes.append("以下工作表不是填报表的一部分，已忽略：" + "、".join(ignored) + "。")
    header = _header(grid, cols)
    filled, said = _unmerge(grid)
    rows = []
    for r in sorted({r for r, _ in filled if r >= 2}):
        cells = {c: filled[(r, c)] for c in header if (r, c) in filled}
        if cells:
            rows.append(_row(grid.name, r, cells, header, area, said.get(r, [])))
    scope = _scope(next((g for g in book.sheets if g.name == GUIDE), None))
    return Sheet(grid.name, filename, header, rows, scope, notes)


def _has_id_header(grid: Grid, cols: list[Column]) -> bool:
    return any(
        isinstance(v, str) and _title_key(v) == _title_key(cols[0].title) for (r, _), v in grid.cells.items() if r == 1
    )


def _header(grid: Grid, cols: list[Column]) -> dict[int, Column]:
    known = {}
    for col in cols:
        known[_title_key(col.title)] = col
        known[_title_key(col.field)] = col
    known[_title_key(VERSION)] = Column(VERSION, VERSION, {})
    for r1, c1, r2, c2 in grid.merges:
        if r1 == 1 and c1 != c2:
            raise SheetError(
                f"{grid.name}!{cell_ref(1, c1)}:{cell_ref(r2, c2)} 把几列的标题合并成了一格：请取消合并，每列一个标题。"
            )
    header: dict[int, Column] = {}
    seen: dict[str, int] = {}
    used = {c for (_, c) in grid.cells}
    for c in sorted(used):
        title = grid.cells.get((1, c))
        where = f"{grid.name}!{cell_ref(1, c)}"
        if title is None:
            raise SheetError(f"{where} 没有列标题，但这一列填了内容：请写上列标题（见“{GUIDE}”），或删去这一列。")
        text = title if isinstance(title, str) else str(title)
        found = known.get(_title_key(text))
        if found is None:
            allowed = "、".join([c.title for c in cols] + [VERSION])
            raise SheetError(f"{where} 的列标题“{text}”不认识：列标题应是以下之一（可改顺序）：{allowed}。")
        col = found
        if col.field in seen:
            raise SheetError(
                f"{where} 的列标题“{text}”与 {grid.name}!{cell_ref(1, seen[col.field])} 重复：每个字段只能有一列。"
            )
        seen[col.field] = c
        header[c] = col
    if cols[0].field not in seen:
        raise SheetError(f"工作表“{grid.name}”缺少“{cols[0].title}”列：填报表的第一列是编号，请用导出的原表填写。")
    return header


def _unmerge(grid: Grid) -> tuple[dict, dict[int, list[tuple[bool, str]]]]:
    """Cells with each merged range's value copied down its column, and per row what was said about it:
    (refused, message). A range across columns is refused: its value belongs to no one field."""
    cells: dict = dict(grid.cells)
    said: dict[int, list[tuple[bool, str]]] = {}
    for r1, c1, r2, c2 in grid.merges:
        if r2 < 2 or (r1 == r2 and c1 == c2):
            continue
        where = f"{grid.name}!{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"
        if c1 != c2:
            message = f"{where} 把不同列的单元格合并成了一格，看不出值属于哪一列：请取消合并，每格填一个值。"
            for r in range(max(r1, 2), r2 + 1):
                said.setdefault(r, []).append((True, message))
            continue
        value = grid.cells.get((r1, c1))
        for r in range(max(r1, 2), r2 + 1):
            if value is not None:
                cells[(r, c1)] = value
            said.setdefault(r, []).append((False, f"{where} 是合并单元格，每行都按“{value}”读取。"))
    return cells, said


def _scope(guide: Grid | None) -> list[str] | None:
    if guide is None:
        return None
    for (r, c), value in guide.cells.items():
        if value == SCOPE:
            towns = guide.cells.get((r, c + 1))
            if isinstance(towns, str) and towns.strip() and towns.strip() != ALL_TOWNS:
                return [t for t in SPLIT.split(towns.strip()) if t]
    return None


def _row(sheet: str, r: int, cells: dict, header: dict[int, Column], area: str | None, said: list) -> Row:
    row = Row(r, None, None, {})
    for refused, text in said:
        if refused:
            row.problems.append(Problem(sheet, r, "sheet-cell", text))
        else:
            row.notes.append(text)
    for c, col in header.items():
        try:
            value, note = read_cell(cells.get(c), col, area)
        except CellError as exc:
            where = f"{sheet}!{cell_ref(r, c)}"
            row.problems.append(Problem(sheet, r, "sheet-cell", f"{where}（{col.title}）：{exc}", field=col.field))
            continue
        if note:
            row.notes.append(f"{sheet}!{cell_ref(r, c)}（{col.title}）：{note}")
        if col.field == VERSION:
            row.version = value if isinstance(value, str) else None
        else:
            row.values[col.field] = value
    given = row.values.pop("id", None)
    row.id = given if isinstance(given, str) else None
    rid = row.id
    row.problems = [replace(p, record=rid) for p in row.problems]
    return row


class CellError(ValueError):
    """A cell we cannot read exactly; the message says what to do, in Chinese."""


def clean(text: str, ascii_grammar: bool) -> str:
    """Full-width digits and spaces (and, in fields with an ASCII grammar, all full-width forms) made
    plain; spaces at either end dropped. Nothing else changes."""
    text = unicodedata.normalize("NFKC", text) if ascii_grammar else text.translate(_WIDE_DIGITS)
    return text.strip()


def read_cell(raw, col: Column, area: str | None) -> tuple[object, str | None]:
    """One cell as a field value (text, list of text, or None) and a note when a rule was applied."""
    if raw is None:
        return ([] if col.is_list else None), None
    if isinstance(raw, DateCell):
        return _date(raw, col)
    if isinstance(raw, float):
        return _number(raw, col, area)
    text = clean(raw, col.field in ASCII_FIELDS or col.field == VERSION)
    if col.field == VERSION or col.field == "id":
        return text or None, None
    if col.is_list:
        items = [clean(item, col.field in ASCII_FIELDS) for item in SPLIT.split(text)]
        items = [i for i in items if i]
        return [_code(i, col) for i in items], None
    if not text:
        return None, None
    return _code(text, col), None


def _code(text: str, col: Column) -> str:
    if not col.choices or text in col.choices:  # free text, or the code itself
        return text
        return text
    by_name = {name: code for code, name in col.choices.items()}
    if text in by_name:
        return by_name[text]
    options = "、".join(col.choices.values())
    raise CellError(f"“{text}”不在可选项中，请从下拉列表中选：{options}。")


def _number(value: float, col: Column, area: str | None) -> tuple[object, str | None]:
    if col.number:
        text = repr(value)
        if "e" in text or "E" in text:
            text = f"{value:.12f}".rstrip("0").rstrip(".")
        whole, _, decimals = text.partition(".")
        if len(decimals) > 12:
            text = f"{value:.12f}".rstrip("0")
        return text, None
    if col.field == "phones":
        return _phone(value, area)
    if col.field == "established" and value.is_integer() and 1000 <= value <= 2999:
        return str(int(value)), None
    if col.choices or col.field in ("id", VERSION):
        raise CellError(f"这里应填文字，表格软件存成了数字 {value:g}：请把单元格设为“文本”格式后重新填写。")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value)), f"表格软件存成了数字，按文字“{int(value)}”读取。"
    raise CellError(
        f"这里应填文字，表格软件存成了数字 {value!r}，看不出原来写的是什么：请把单元格设为“文本”格式后重新填写。"
    )


def _phone(value: float, area: str | None) -> tuple[object, str | None]:
    """A phone number a spreadsheet stored as a number: a mobile (11 digits from 1) is read as it is;
    a local number that lost its leading 0 (area code without 0, then 8 digits) gets the area code
    back; anything else is refused, since the digits it lost cannot be known."""
    example = f"例如 {area}-88888888" if area else "带区号"  # the area code is the instance's (x-area-code)
    again = f"请把“联系电话”列设为“文本”格式后重新填写号码（{example}）。"
    if not value.is_integer() or value < 0:
        raise CellError(f"号码被表格软件存成了数字 {value!r}，已丢失位数，看不出原号码：{again}")
    digits = str(int(value))
    if re.fullmatch(r"1[3-9][0-9]{9}", digits):
        return [digits], None
    if area and digits.startswith(area[1:]) and len(digits) == len(area) - 1 + 8:
        number = f"{area}-{digits[len(area) - 1 :]}"
        return [number], f"号码被存成了数字 {digits}（丢了开头的 0），按本地区号 {area} 读作 {number}。"
    raise CellError(f"号码被表格软件存成了数字 {digits}，开头的 0 等可能已丢失，看不出原号码：{again}")


_EPOCH_1900 = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 once Excel's phantom 1900-02-29 (60) is passed
_EPOCH_1904 = dt.date(1904, 1, 1)


def serial_date(cell: DateCell) -> dt.date:
    """The day a date serial stands for, in the workbook's date system (1900 or 1904)."""
    serial = cell.serial
    if not cell.date1904 and 0 < serial < 61:
        if int(serial) == 60:
            raise CellError("日期是 1900-02-29（表格软件历史上的错误日期），这一天不存在：请重新填写。")
        serial += 1  # before the phantom day the 1900 system is off by one
    if serial < 1 or serial > 2958465:
        raise CellError(f"日期序号 {serial:g} 超出范围：请重新填写日期。")
    epoch = _EPOCH_1904 if cell.date1904 else _EPOCH_1900
    return epoch + dt.timedelta(days=int(serial))


def _date(cell: DateCell, col: Column) -> tuple[object, str | None]:
    if col.field != "established":
        what = "时间" if cell.shows == "time" else "日期"
        raise CellError(f"表格软件把这里的内容当成了{what}，看不出原来写的文字：请把单元格设为“文本”格式后重新填写。")
    if cell.shows not in ("ymd", "ym"):
        raise CellError("设立时间被存成了不含年份的日期或时间：请写成 2021、2021-11 或 2021-11-15。")
    day = serial_date(cell)
    text = day.isoformat() if cell.shows == "ymd" else day.isoformat()[:7]
    return text, f"日期按{'1904' if cell.date1904 else '1900'}年日期系统读作 {text}。"


# ---- from rows to a plan ------------------------------------------------------------------------


@dataclass
class Change:
    row: int
    id: str
    file: str
    fields: list[tuple[str, str, object, object]]  # (field, title, old shown, new shown)
    values: dict  # the record's values after the change (private block not included)


@dataclass
class NewPoint:
    row: int
    id: str
    file: str
    values: dict


@dataclass
class Plan:
    sheet: Sheet
    changes: list[Change] = field(default_factory=list)
    new: list[NewPoint] = field(default_factory=list)
    refused: dict[int, list[Problem]] = field(default_factory=dict)  # row -> why
    missing: list[str] = field(default_factory=list)  # ids in the sheet's towns but not in the sheet
    notes: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused


def source_item(filename: str, by: str, day: dt.date) -> dict:
    return {"title": f"{METHOD}（{filename}）", PROVIDER: by, "date": day.isoformat()}


def reported(values: dict, filename: str, by: str, day: dt.date) -> dict:
    """A record's values once a sheet's facts are taken in: evidence reported, the sheet as a source
    (replacing an earlier source of the same title), verified on the day of submission. name_basis and
    status_date are not in the sheet and stay as they were."""
    item = source_item(filename, by, day)
    sources = [s for s in values.get("sources") or [] if not (isinstance(s, dict) and s.get("title") == item["title"])]
    return values | {"evidence": REPORTED, "sources": [*sources, item], "verified": day.isoformat()}


def plan(
    registry: Registry,
    sheet: Sheet,
    cols: list[Column],
    by: str,
    day: dt.date,
    force: bool = False,
    validate_with=None,
) -> Plan:
    """What taking in ``sheet`` would change; every changed or new record checked by the validator."""
    out = Plan(sheet, notes=list(sheet.notes))
    towns = {t["name"]: t for t in registry.tables["towns"]}
    scope = sheet.scope
    by_id = {r.id: r for r in registry.records if r.id}
    taken = set(by_id) | {Path(p.file).stem for p in registry.problems}
    seen: dict[str, int] = {}
    touched: dict[str, tuple[int, Record]] = {}

    def refuse(row: Row, message: str, field: str | None = None) -> None:
        out.refused.setdefault(row.number, []).append(
            Problem(sheet.name, row.number, "sheet-row", message, row.id, field)
        )

    for row in sheet.rows:
        out.notes += row.notes
        if row.problems:
            out.refused.setdefault(row.number, []).extend(row.problems)
        where = f"{sheet.name}!{_id_cell(sheet, row.number)}"
        if row.id:
            record = by_id.get(row.id)
            if row.id in seen:
                refuse(row, f"{where}：编号 {row.id} 在第 {seen[row.id]} 行已出现，同一网点只填一行。")
                continue
            seen[row.id] = row.number
            if record is None:
                refuse(row, f"{where}：编号 {row.id} 不在名录中。新网点请把编号留空；不要改动已有的编号。")
                continue
            home = record.values.get("town")
            if scope is not None and home not in scope:
                refuse(
                    row,
                    f"{where}：编号 {row.id} 是{home or '未写镇街'}的网点，"
                    f"不在本表范围（{'、'.join(scope)}）内，不能由本表修改。",
                )
                continue
            current = export_row(record.values, cols)[-1]
            if row.version != current and not force:
                refuse(
                    row,
                    f"{sheet.name}!{_version_cell(sheet, row.number)}：编号 {row.id} 的记录在导出本表之后已被修改"
                    f"（版本 {row.version or '空'}，现在是 {current}），为免覆盖别人的修改，这一行不导入："
                    "请重新导出填报表再填；确认要覆盖时加 --force。",
                )
                continue
            fields, values = _diff(record.values, row.values, cols)
            if scope is not None and values.get("town") not in scope and "town" in dict((f[0], 1) for f in fields):
                refuse(row, f"{where}：所在镇街只能填本表范围（{'、'.join(scope)}）内的镇街。", "town")
                continue
            if not fields:
                out.unchanged += 1
                continue
            if row.number in out.refused:
                continue
            values = reported(values, sheet.filename, by, day)
            out.changes.append(Change(row.number, row.id, record.file, fields, values))
            touched[row.id] = (row.number, Record(record.file, values, {}, record.private))
        else:
            if row.version:
                refuse(row, f"{where}：这一行有版本号却没有编号：已有网点的编号不能删改。")
                continue
            if not any(v not in (None, []) for v in row.values.values()):
                continue
            if row.number in out.refused:
                continue
            new = _new_point(row, sheet, towns, scope, taken, registry, refuse)
            if new is None:
                continue
            values = reported(new.values, sheet.filename, by, day)
            new.values = values
            taken.add(new.id)
            out.new.append(new)
            touched[new.id] = (row.number, Record(new.file, values, {}))
    if scope is not None:
        listed = set(seen)
        out.missing = [r.id for r in scope_towns(registry.records, scope) if r.id and r.id not in listed]
    _check(registry, out, touched, sheet, cols, day, validate_with)
    return out


def _id_cell(sheet: Sheet, r: int) -> str:
    c = next(c for c, col in sheet.columns.items() if col.field == "id")
    return cell_ref(r, c)


def _version_cell(sheet: Sheet, r: int) -> str:
    c = next((c for c, col in sheet.columns.items() if col.field == VERSION), None)
    return cell_ref(r, c) if c else _id_cell(sheet, r)


def same(old, new, col: Column) -> bool:
    """Whether a cell's value says the same as the record's (numbers by value, text after clean())."""
    if col.is_list:
        old_items = old if isinstance(old, list) else ([] if old in (None, "") else [old])
        return [clean(str(v), True) for v in old_items] == [clean(str(v), True) for v in new or []]
    if old in (None, "") or new in (None, ""):
        return old in (None, "") and new in (None, "")
    if col.number:
        try:
            return float(old) == float(new)
        except (TypeError, ValueError):
            return str(old) == str(new)
    return clean(str(old), col.field in ASCII_FIELDS) == new


def _diff(old: dict, cells: dict, cols: list[Column]) -> tuple[list, dict]:
    values = dict(old)
    fields = []
    for col in cols:
        if col.field == "id" or col.field not in cells:
            continue
        new = cells[col.field]
        if same(old.get(col.field), new, col):
            continue
        fields.append((col.field, col.title, col.shown(old.get(col.field)), col.shown(new)))
        if new in (None, []):
            values.pop(col.field, None)
        else:
            values[col.field] = new
    return fields, values


def _new_point(row: Row, sheet: Sheet, towns: dict, scope, taken: set[str], registry: Registry, refuse):
    values = {k: v for k, v in row.values.items() if v not in (None, [])}
    type_code, town = values.get("type"), values.get("town")
    where = f"{sheet.name}!{_id_cell(sheet, row.number)}"
    if not isinstance(type_code, str) or not isinstance(town, str) or town not in towns:
        refuse(row, f"{where}：新网点（编号留空的一行）要填网点类型和所在镇街，才能生成编号。", "type")
        return None
    if scope is not None and town not in scope:
        refuse(row, f"{where}：新网点的所在镇街只能填本表范围（{'、'.join(scope)}）内的镇街。", "town")
        return None
    twin = next((r.id for r in registry.records if r.values.get("name") == values.get("name") and r.id), None)
    if twin:
        refuse(row, f"{where}：新网点的名称与已有网点 {twin} 相同：已导入过的网点请在它自己的行里修改。", "name")
        return None
    if values.get("lat") is None and values.get("lon") is None and not values.get("precision"):
        values["precision"] = "unknown"
        row.notes.append(f"{where}：新网点没有填坐标，位置精度记为“位置待补充”（unknown）。")
    point_id = fresh_id(type_code, towns[town]["slug"], taken)
    folder = folder_for(registry, type_code)
    ordered = {"id": point_id} | {k: values[k] for k in _field_order(registry) if k in values}
    return NewPoint(row.number, point_id, f"{folder}/{point_id}.yaml", ordered)


def folder_for(registry: Registry, type_code: str) -> str:
    """Where records of this type live (as displayed), else ``points/<type>``."""
    for record in registry.records:
        if record.values.get("type") == type_code:
            return record.file.rsplit("/", 1)[0]
    return f"{display_path(registry.root / 'points')}/{type_code}"


def _field_order(registry: Registry) -> list[str]:
    return [f["name"] for f in registry.descriptor.fields()]


def _check(registry: Registry, out: Plan, touched: dict, sheet: Sheet, cols: list[Column], day, validate_with) -> None:
    """Validate the changed and new records as they would be; each error refuses its row."""
    if not touched:
        return
    from .validate import validate  # the validator itself: no second copy of its rules

    # Only the touched records are checked: every rule that spans records (a duplicate id) cannot fire,
    # since changed records keep their ids and new ones get ids no record has.
    rows = {rid: number for rid, (number, _) in touched.items()}
    records = [record for _, record in touched.values()]
    trial = Registry(registry.root, registry.descriptor, registry.tables, records, [])
    report = (validate_with or validate)(trial, day)
    by_field = {col.field: c for c, col in sheet.columns.items()}
    titles = {c.field: c.title for c in cols}
    for problem in errors(report.problems):
        if problem.record not in rows:
            continue
        number = rows[problem.record]
        c = by_field.get(problem.field or "") or by_field["id"]
        title = titles.get(problem.field or "", problem.field or "记录")
        message = f"{sheet.name}!{cell_ref(number, c)}（{problem.record}，{title}）：{problem.message}"
        out.refused.setdefault(number, []).append(
            Problem(sheet.name, number, problem.code, message, problem.record, problem.field)
        )
    out.changes = [c for c in out.changes if c.row not in out.refused]
    out.new = [n for n in out.new if n.row not in out.refused]


def organisation(name: str) -> str:
    """The --by name, checked to be an organisation's (it ends like one); a CellError otherwise."""
    text = clean(name, False)
    if len(text) < 4 or not text.endswith(ORGANISATION_ENDINGS) or "\n" in text:
        raise CellError(f"--by 应写提交填报表的单位名称（例如 小榄镇市场监督管理分局），不写个人姓名；收到“{name}”。")
    return text


def _shown(value) -> str:
    if value is None or value == "":
        return "（空）"
    return repr(value) if isinstance(value, float) else str(value)


def describe(result: Plan, by: str, day: dt.date) -> str:
    """The plan in Chinese, record by record: ``字段：旧值 → 新值``, new points, refused rows, notes."""
    sheet = result.sheet
    scope = "、".join(sheet.scope) if sheet.scope else ALL_TOWNS
    lines = [f"读取 {sheet.filename}：工作表“{sheet.name}”，{len(sheet.rows)} 行（本表范围：{scope}）。"]
    if result.notes:
        lines.append("读取说明：")
        lines += [f"  - {note}" for note in result.notes]
    if result.changes:
        lines.append(f"修改 {len(result.changes)} 个网点：")
        for change in result.changes:
            lines.append(f"  {change.id}（{sheet.name}第 {change.row} 行，{change.file}）")
            lines += [f"    {title}：{_shown(old)} → {_shown(new)}" for _, title, old, new in change.fields]
    if result.new:
        lines.append(f"新增 {len(result.new)} 个网点：")
        titles = {c.field: c for c in sheet.columns.values()}
        for point in result.new:
            lines.append(f"  {point.id}（{sheet.name}第 {point.row} 行，将写入 {point.file}）")
            for name, value in point.values.items():
                if name in titles and name != "id":
                    lines.append(f"    {titles[name].title}：{_shown(titles[name].shown(value))}")
    if result.changes or result.new:
        lines.append(
            f"以上网点的依据将记为“主管部门或网点提供”（reported），核实日期记为 {day.isoformat()}，"
            f"出处：{METHOD}（{sheet.filename}），提供单位：{by}。"
        )
    if result.unchanged:
        lines.append(f"没有改动的网点：{result.unchanged} 个。")
    if result.refused:
        lines.append(f"不能导入的行（{len(result.refused)} 行）：")
        for number in sorted(result.refused):
            lines += [f"  第 {number} 行：{p.message}" for p in result.refused[number]]
    if result.missing:
        lines.append("表中没有以下网点（不会删除；撤销的网点请把服务状态改为“已撤销”）：" + "、".join(result.missing))
    if not (result.changes or result.new or result.refused):
        lines.append("没有要导入的修改。")
    return "\n".join(lines)
