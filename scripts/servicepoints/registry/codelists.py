"""Every code list (towns, types, services, reported, holidays, needs, channels, and any table added to
datapackage.json) checked by what the descriptor declares for it, cell by cell, before anything
is built from it: the columns, the one text rule (textcheck.text_rule), types with ASCII digits,
required, pattern (the whole cell), enum, length and range limits, unique columns, the primary key
and foreign keys between code lists. Each mistake is a Problem with the file, the line and a Chinese
message. Tables with a checker of their own (x-checked-by: holidays.py, needs.py) get these checks
too; their checker adds only what the descriptor cannot say.
"""

from __future__ import annotations

import re

from ..core.dates import real_date
from ..core.errors import Problem, printable
from ..core.weburl import url_problem
from .load import Registry, TableLayout
from .textcheck import text_rule

INTEGER = re.compile(r"-?[0-9]{1,15}")
NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?")
TYPE_HINTS = {
    "integer": "应是整数（只用 0–9）",
    "number": "应是十进制数字（只用 0–9 和小数点），例如 22.61",
    "date": "不是真实的日期，应写成 YYYY-MM-DD，例如 2026-10-01",
}


def code_list_names(registry: Registry) -> list[str]:
    return list(registry.layout)


def check_code_lists(registry: Registry, names: list[str] | None = None) -> list[Problem]:
    """The problems of the named code lists (default: all), in file and line order."""
    found = {name: _table(registry, name) for name in names or code_list_names(registry)}
    out: list[Problem] = []
    for name, problems in found.items():
        out += problems
        if not problems:  # references are checked only between tables that are themselves sound
            out += _foreign_keys(registry, name, registry.layout[name], found)
    return out


def sound(registry: Registry, name: str) -> bool:
    """A code list without errors of its own (other checks may rely on its codes)."""
    return name in registry.layout and not any(p.severity == "error" for p in _table(registry, name))


def _table(registry: Registry, name: str) -> list[Problem]:
    layout = registry.layout[name]
    if layout.problem:
        return [layout.problem]
    fields = registry.descriptor.fields(name)
    declared = [f["name"] for f in fields]
    lacking = [n for n in declared if n not in layout.header]
    if lacking:
        msg = (
            f"代码表 {name} 第 1 行（表头）缺少列：{'、'.join(lacking)}。"
            f"表头应为 {','.join(declared)}（数据包描述 datapackage.json 中的字段）。"
        )
        return [Problem(layout.file, 1, "codelist-error", msg, None, lacking[0])]
    out = []
    twice = sorted({h for h in layout.header if layout.header.count(h) > 1 and h})
    if twice:
        msg = f"代码表 {name} 的表头中 {'、'.join(printable(h) for h in twice)} 写了两次，每列只能有一个。"
        out.append(Problem(layout.file, 1, "codelist-error", msg, None, twice[0]))
    for index, row in enumerate(registry.tables[name]):
        line = layout.lines[index]
        key = _row_key(row, registry.descriptor.schema(name))
        if layout.widths[index] > len(layout.header):
            msg = f"代码表 {name} 第 {line} 行的格子比表头多：多出的内容没有列名，请删去或补上引号。"
            out.append(Problem(layout.file, line, "codelist-error", msg, key))
        for spec in fields:
            out += _cell(layout, name, line, key, spec, row.get(spec["name"]))
        for column in layout.header:
            if column not in declared and row.get(column):
                out += _cell(layout, name, line, key, {"name": column}, row[column])
    return out + _uniques(registry, name, layout)


def _row_key(row: dict, schema: dict) -> str | None:
    key = schema.get("primaryKey")
    names = [key] if isinstance(key, str) else key or []
    values = [row.get(n) for n in names]
    return printable("、".join(v for v in values if v)) if any(values) else None


def _cell(layout: TableLayout, table: str, line: int, key, spec: dict, value) -> list[Problem]:
    name = spec["name"]
    where = f"代码表 {table} 第 {line} 行的 {name}"
    limits = spec.get("constraints", {})

    def problem(message: str, code: str = "codelist-error") -> list[Problem]:
        return [Problem(layout.file, line, code, message, key, name)]

    if value is None:
        return problem(f"{where}是空的：这一列每行都要填写。") if limits.get("required") else []
    found = text_rule(value, bool(spec.get("x-multiline")), limits.get("maxLength"))
    if found:
        return problem(where + found[1], found[0] if found[0] != "constraint-error" else "codelist-error")
    kind = spec.get("type", "string")
    if kind in TYPE_HINTS and not _typed(kind, value):
        return problem(f"{where}“{printable(value)}”{TYPE_HINTS[kind]}。")
    if "pattern" in limits and not re.fullmatch(limits["pattern"], value):
        return problem(f"{where}“{printable(value)}”格式不对，应符合 {limits['pattern']}。")
    if spec.get("format") == "uri" and url_problem(value):
        return problem(f"{where}的网址“{printable(value)}”{url_problem(value)}。")
    if "enum" in limits and value not in limits["enum"]:
        return problem(f"{where}“{printable(value)}”不在允许范围内，只能写：{'、'.join(limits['enum'])}。")
    if "minLength" in limits and len(value) < limits["minLength"]:
        return problem(f"{where}太短，至少 {limits['minLength']} 个字。")
    if kind in ("integer", "number"):
        number = float(value)
        low, high = limits.get("minimum"), limits.get("maximum")
        if (low is not None and number < low) or (high is not None and number > high):
            return problem(f"{where}“{value}”超出范围（{low} 至 {high}）。")
    return []


def _typed(kind: str, value: str) -> bool:
    if kind == "integer":
        return INTEGER.fullmatch(value) is not None
    if kind == "number":
        return NUMBER.fullmatch(value) is not None
    return real_date(value) is not None


def _uniques(registry: Registry, name: str, layout: TableLayout) -> list[Problem]:
    """Unique columns and the primary key: the second row holding a value, naming the first."""
    schema = registry.descriptor.schema(name)
    key = schema.get("primaryKey")
    keys = [[key] if isinstance(key, str) else list(key or [])]
    keys += [[f["name"]] for f in schema["fields"] if f.get("constraints", {}).get("unique")]
    out, reported = [], set()
    for columns in [k for k in keys if k]:
        seen: dict[tuple, int] = {}
        for index, row in enumerate(registry.tables[name]):
            value = tuple(row.get(c) for c in columns)
            if any(v is None for v in value):
                continue
            line = layout.lines[index]
            if value in seen and (line, columns[0]) not in reported:
                reported.add((line, columns[0]))
                shown = printable("、".join(value))
                msg = f"{'、'.join(columns)}“{shown}”写了两次（第 {seen[value]} 行和第 {line} 行），请删去一行。"
                out.append(Problem(layout.file, line, "codelist-error", msg, shown, columns[0]))
            seen.setdefault(value, line)
    return out


def _foreign_keys(registry: Registry, name: str, layout: TableLayout, found: dict) -> list[Problem]:
    """References to other sound code lists (references to the points are checked with the points)."""
    out = []
    for fk in registry.descriptor.schema(name).get("foreignKeys", []):
        target = fk["reference"].get("resource") or name
        if (
            target not in registry.layout
            or found.get(target, [])
            or (target not in found and not sound(registry, target))
        ):
            continue
        fields = [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
        ref = fk["reference"]["fields"]
        ref = [ref] if isinstance(ref, str) else ref
        known = {tuple(r.get(c) for c in ref) for r in registry.tables[target]}
        for index, row in enumerate(registry.tables[name]):
            value = tuple(row.get(c) for c in fields)
            if all(v is not None for v in value) and value not in known:
                line = layout.lines[index]
                shown = printable("、".join(str(v) for v in value))
                msg = f"代码表 {name} 第 {line} 行的 {'、'.join(fields)}“{shown}”不在 {target} 表中。"
                out.append(Problem(layout.file, line, "codelist-error", msg, None, fields[0]))
    return out
