"""Frictionless validation of the whole package, mapped back to files and lines."""

from __future__ import annotations

import copy
import csv
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import Problem
from .descriptor import Descriptor
from .load import Record, Registry
from .provenance import SOURCES_RESOURCE
from .suggest import did_you_mean

if TYPE_CHECKING:
    import frictionless

TYPE_HINTS = {
    "number": "应为数字，例如 22.61",
    "integer": "应为整数",
    "date": "应为日期，格式 YYYY-MM-DD，例如 2025-03-31",
}


def cell_text(value, is_list: bool, delimiter: str) -> str | None:
    """A record value as the text frictionless casts (lists joined)."""
    if value is None:
        return None
    if is_list:
        items = value if isinstance(value, list) else [value]
        return delimiter.join(str(v) for v in items if v is not None) or None
    return value if isinstance(value, str) else str(value)


def check_package(registry: Registry) -> list[Problem]:
    """Types, constraints, keys and foreign keys of every table, as Problems."""
    fields = registry.descriptor.fields("points")
    delimiter = registry.descriptor.list_delimiter
    names = [f["name"] for f in fields]
    lists = registry.descriptor.list_fields("points")
    nested = {f["name"] for f in fields if f["type"] == "array"}
    rows = [
        [
            _nested_text(r.values.get(n)) if n in nested else cell_text(r.values.get(n), n in lists, delimiter)
            for n in names
        ]
        for r in registry.records
    ]
    links, origins = [], []
    for index, record in enumerate(registry.records):
        services = record.values.get("services")
        for item, code in enumerate(services if isinstance(services, list) else [services] if services else []):
            links.append([record.id, code if isinstance(code, str) else None])
            origins.append((index, item))
    derived: dict[str, list] = {"points": [names, *rows], "point_services": [["point_id", "service"], *links]}
    with tempfile.TemporaryDirectory(prefix="servicepoints-") as scratch:
        report = _package(registry, derived, Path(scratch)).validate()
    mapper = _Mapper(registry, origins)
    problems = []
    for task in report.tasks:
        for error in task.errors:
            problem = mapper.map(task.name, error)
            if problem:
                problems.append(problem)  # duplicates are removed once, by validate
    return problems


def _nested_text(value) -> str | None:
    """A nested value (the sources list) as the JSON text of a Table Schema array cell."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list) and value else None


# What frictionless is not asked to check, because nothing it could find there would be reported: each source
# (the point_sources table) is checked item by item, with its own line, in provenance.py; and a derived
# table's point_id is the id of a record of the points table itself (or empty), so it always refers to a point.
CHECKED_ELSEWHERE = (SOURCES_RESOURCE,)
DERIVED_KEY = "point_id"


def _checked_here(resource: dict) -> bool:
    """A table frictionless checks: not one with its own checker (x-checked-by: holidays.py, needs.py, with
    Chinese messages and lines), nor one of CHECKED_ELSEWHERE."""
    return "x-checked-by" not in resource and resource["name"] not in CHECKED_ELSEWHERE


def _package(registry: Registry, derived: dict[str, list], scratch: Path) -> frictionless.Package:
    """The package with the tables built from YAML written as CSV in ``scratch``.

    Not inline data: frictionless deep-copies inline rows each time it exports a descriptor
    (foreign-key lookups do), which cost seconds at 20,000 records.
    """
    descriptor = Descriptor(copy.deepcopy(registry.descriptor.only(_checked_here)))
    for resource in descriptor.resources:
        schema = resource["schema"]
        if resource["name"] in derived and "foreignKeys" in schema:  # reading points again for each costs seconds
            schema["foreignKeys"] = [
                k for k in schema["foreignKeys"] if k["fields"] not in (DERIVED_KEY, [DERIVED_KEY])
            ]
        if resource["name"] in derived:
            resource["path"] = f"{resource['name']}.csv"
            with (scratch / resource["path"]).open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows(derived[resource["name"]])
        else:
            shutil.copy(registry.root / resource["path"], scratch / resource["path"])
    import frictionless  # here: a slow import, which at scale only the forked package check needs

    return frictionless.Package(descriptor.raw, basepath=str(scratch))


class _Mapper:
    """Turns one frictionless error into one Problem at the right file and line."""

    def __init__(self, registry: Registry, origins: list[tuple[int, int]]) -> None:
        self.registry, self.origins = registry, origins
        self.fields = {f["name"]: f for f in registry.descriptor.fields("points")}
        self.towns = {t["name"]: t["name"] for t in registry.tables["towns"]}
        self.towns.update({t["slug"]: t["name"] for t in registry.tables["towns"]})
        self.towns.update(
            {t["name"][:-1] if t["kind"] == "镇" else t["name"][:-2]: t["name"] for t in registry.tables["towns"]}
        )
        self.types = {t["code"]: t["code"] for t in registry.tables["types"]}
        self.types.update({t["name"]: t["code"] for t in registry.tables["types"]})
        self.types.update({t["short_name"]: t["code"] for t in registry.tables["types"]})
        self.services = {s["code"]: s["code"] for s in registry.tables["services"]}
        self.services.update({s["name"]: s["code"] for s in registry.tables["services"]})

    def map(self, resource: str, error) -> Problem | None:
        row = getattr(error, "row_number", None)
        if resource == "points" and row:
            return self._point(self.registry.records[row - 2], error)
        if resource == "point_services" and row:
            index, item = self.origins[row - 2]
            return self._service(self.registry.records[index], item, error)
        if resource in self.registry.layout:
            return None  # each code list is checked, with Chinese messages and lines, in codelists.py
        return Problem("datapackage.json", row or 1, "codelist-error", f"表 {resource} 有误：{error.message}")

    def _point(self, record: Record, error) -> Problem | None:
        kind, name = error.type, getattr(error, "field_name", None)
        rid = record.id
        if kind in ("unique-error", "primary-key"):
            if rid is None:
                return None  # no id at all: reported once, as a missing or wrong id, not as a duplicate
            first = next(r for r in self.registry.records if r.id == rid)
            msg = f"编号“{rid}”已被 {first.file} 使用，每个网点的编号必须唯一。"
            return Problem(record.file, record.line("id"), "duplicate-id", msg, rid, "id")
        if kind == "foreign-key":
            return self._foreign(record, error)
        if name is None:
            return Problem(record.file, 1, "constraint-error", error.message, rid)
        field = self.fields[name]
        if field["type"] == "array":
            return None  # nested values (sources) are checked item by item in provenance.py
        return _cell_problem(record, name, field, error)

    def _foreign(self, record: Record, error) -> Problem:
        rid = record.id
        name = error.field_names[0] if getattr(error, "field_names", None) else "town"
        value = record.values.get(name)
        if name == "town":
            towns = f"{self.registry.place.name} {len(self.registry.tables['towns'])} 个镇街"
            msg = f"镇街“{value}”不在{towns}名单中，须写全称。{did_you_mean(value, self.towns)}"
            return Problem(record.file, record.line("town"), "unknown-town", msg, rid, "town")
        msg = f"网点类型“{value}”不存在。{did_you_mean(value, self.types)}可用代码见数据字典的“网点类型”表。"
        return Problem(record.file, record.line("type"), "unknown-type", msg, rid, "type")

    def _service(self, record: Record, item: int, error) -> Problem | None:
        rid = record.id
        line = record.line(f"services.{item}")
        code = (
            record.values["services"][item]
            if isinstance(record.values["services"], list)
            else record.values["services"]
        )
        if error.type == "foreign-key":
            msg = f"服务项目代码“{code}”不存在。{did_you_mean(code, self.services)}可用代码见数据字典的“服务项目”表。"
            return Problem(record.file, line, "unknown-service", msg, rid, "services")
        if error.type in ("primary-key", "unique-error") and record.values["services"].count(code) > 1:
            return Problem(
                record.file, line, "constraint-error", f"服务项目“{code}”写了两次，请删去一处。", rid, "services"
            )
        return None  # a missing id or empty item is reported on the points table


def _cell_problem(record: Record, name: str, field: dict, error) -> Problem:
    rid, line = record.id, record.line(name)
    label = f"{field.get('title', name)}（{name}）"
    cell = _shown(record.values.get(name))
    if error.type == "type-error":
        msg = f"{label}的值“{cell}”{TYPE_HINTS.get(field['type'], '类型不对')}。"
        return Problem(record.file, line, "type-error", msg, rid, name)
    constraint = re.search(r'constraint "(\w+)"', error.note or "")
    which = constraint.group(1) if constraint else ""
    if which == "required" or error.type == "missing-cell":
        return Problem(
            record.file,
            record.line(None),
            "missing-field",
            f"缺少必填字段 {label}。{field.get('description', '')}",
            rid,
            name,
        )
    return Problem(record.file, line, "constraint-error", _constraint_message(label, cell, field, which), rid, name)


def _shown(value) -> str:
    """A value as the editor wrote it: list items joined, nothing for an empty value."""
    if isinstance(value, list):
        return "、".join(str(v) for v in value if v is not None)
    return "" if value is None else str(value)


def _constraint_message(label: str, cell, field: dict, which: str) -> str:
    limits = field.get("constraints", {})
    if which == "enum":
        return f"{label}的值“{cell}”不在允许范围内，只能写：{'、'.join(limits['enum'])}。{field.get('description', '')}"
    if which == "maxLength":
        return f"{label}太长，最多 {limits['maxLength']} 个字。"
    if which in ("minimum", "maximum"):
        return f"{label}的值“{cell}”超出范围（{limits.get('minimum')} 至 {limits.get('maximum')}）。"
    example = f"，例如 {field['example']}" if "example" in field else ""
    if field.get("format") == "email":
        return f"{label}的值“{cell}”不是有效的电子邮箱地址{example}。"
    return f"{label}的值“{cell}”格式不对{example}。{field.get('description', '')}"
