"""Frictionless validation of the whole package, mapped back to files and lines."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import math
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import Problem
from .descriptor import Descriptor
from .load import Record, Registry, collector_paused
from .provenance import SOURCES_RESOURCE
from .suggest import did_you_mean
from .textcheck import NUMBER_TEXT

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
    with collector_paused():  # frictionless, below, runs with the collector
        derived, origins = _derived(registry)
        if _nothing_to_find(registry, derived):
            return []  # what frictionless would say, without reading every row again (nor importing it)
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


def _derived(registry: Registry) -> tuple[dict[str, list], list[tuple[int, int]]]:
    """The points table and the point_services table made from the records (a header, then rows), and where each
    point_services row comes from (the record's index and the item's)."""
    fields = registry.descriptor.fields("points")
    delimiter = registry.descriptor.list_delimiter
    names = [f["name"] for f in fields]
    lists = registry.descriptor.list_fields("points")
    nested = {f["name"] for f in fields if f["type"] == "array"}
    rows = [  # an empty cell is None (written as "", which frictionless reads as missing)
        [
            _nested_text(r.values.get(n)) if n in nested else cell_text(r.values.get(n), n in lists, delimiter) or None
            for n in names
        ]
        for r in registry.records
    ]
    links, origins = [], []
    for index, record in enumerate(registry.records):
        services = record.values.get("services")
        for item, code in enumerate(services if isinstance(services, list) else [services] if services else []):
            links.append([record.id, code if isinstance(code, str) and code else None])
            origins.append((index, item))
    derived: dict[str, list] = {"points": [names, *rows], "point_services": [["point_id", "service"], *links]}
    return derived, origins


def _nested_text(value) -> str | None:
    """A nested value (the sources list) as the JSON text of a Table Schema array cell."""
    return _JSON(value) if isinstance(value, list) and value else None


_JSON = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), its encoder made once


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
            schema["foreignKeys"] = _foreign_keys(resource, derived)
        # Every file is ours or a code list read as UTF-8 CSV (load.read_table): said, not guessed from a sample.
        resource.update(encoding="utf-8", dialect=dict(CSV_DIALECT))
        if resource["name"] in derived:
            resource["path"] = f"{resource['name']}.csv"
            with (scratch / resource["path"]).open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows(derived[resource["name"]])
        else:
            shutil.copy(registry.root / resource["path"], scratch / resource["path"])
    import frictionless  # here: a slow import, which at scale only the forked package check needs

    return frictionless.Package(descriptor.raw, basepath=str(scratch))


def _foreign_keys(resource: dict, derived: dict[str, list]) -> list[dict]:
    """The foreign keys frictionless is asked about: a derived table's point_id key left out."""
    keys = resource["schema"].get("foreignKeys", [])
    if resource["name"] not in derived:
        return keys
    return [k for k in keys if k["fields"] not in (DERIVED_KEY, [DERIVED_KEY])]


# The CSV files frictionless reads: csv.writer's (and csv.reader's) own dialect, as the scratch tables are written.
CSV_DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "skipInitialSpace": False, "header": True}


# Nothing to find: frictionless' checks, done here for the tables and keys this package has, and only for them.
#
# At 20,000 points frictionless reads 80,000 rows (2.5 s, and 0.4 s to import it) to find, in almost every build,
# nothing. So the rows are first checked here, field by field as frictionless checks them (its cell reading
# and constraints, the primary key, unique fields, foreign keys into the code lists as read from their files):
# when every cell passes, frictionless would report nothing and is not run. Anything this does not model (another
# field type, format or constraint, a missing-values list, another table) and any cell that does not pass leaves
# the whole check to frictionless, as before, so the problems are its own (tests/registry/test_tablecheck.py
# compares the two on generated registries).
_CHECKED_TYPES = {"string", "number", "date", "array"}
_CHECKED_CONSTRAINTS = {"required", "unique", "pattern", "enum", "maxLength", "minLength"}
_FIELD_KEYS = {"name", "type", "title", "description", "constraints", "format", "example"}
_RESOURCE_KEYS = {"name", "title", "description", "path", "schema", "x-source", "x-derived-from"}
_NUMBER = re.compile(NUMBER_TEXT)


def _nothing_to_find(registry: Registry, derived: dict[str, list]) -> bool:
    """True only when frictionless, given the package _package() makes, would report no error at all."""
    layout = registry.layout
    for resource in Descriptor(registry.descriptor.only(_checked_here)).resources:
        if resource["name"] in derived:
            if not _table_passes(registry, resource, derived):
                return False
        elif resource["name"] not in layout or layout[resource["name"]].problem is not None:
            return False
    return True


def _table_passes(registry: Registry, resource: dict, derived: dict[str, list]) -> bool:
    schema = resource["schema"]
    fields = schema.get("fields")
    if set(resource) - _RESOURCE_KEYS or set(schema) - {"fields", "primaryKey", "foreignKeys"}:
        return False
    header, *rows = derived[resource["name"]]
    names = [f.get("name") for f in fields]
    if names != header or len(set(names)) != len(names) or not all(isinstance(n, str) and n for n in names):
        return False
    checks = [_column_check(f) for f in fields]
    if None in checks:
        return False
    if [None] * len(names) in rows:  # rows hold None for an empty cell, never ""
        return False  # a blank row
    columns = dict(zip(names, zip(*rows, strict=True) if rows else [() for _ in fields], strict=True))
    if not all(check(columns[n]) for check, n in zip(checks, names, strict=True)):  # type: ignore[misc]
        return False  # a cell frictionless refuses, or a unique field's value written twice
    key = _names(schema.get("primaryKey", []))
    keyed = set(key) | {f["name"] for f in fields if f.get("constraints", {}).get("unique")}
    keyed |= {name for fk in _foreign_keys(resource, derived) for name in _names(fk.get("fields"))}
    if not all(f.get("type") == "string" for f in fields if f["name"] in keyed) or not set(keyed) <= set(names):
        return False  # keys compared as text only: frictionless compares numbers and dates as values
    if key:
        tuples = _tuples(columns, key)
        if any(all(v is None for v in t) for t in tuples) or len(set(tuples)) != len(tuples):
            return False
    return all(_references_hold(registry, fk, columns) for fk in _foreign_keys(resource, derived))


def _tuples(columns: dict[str, tuple], names: list[str]) -> list[tuple]:
    """Each row's values of some fields."""
    return list(zip(*(columns[n] for n in names), strict=True))


def _names(fields) -> list:
    """A key's fields, as a list (a key of one field may be written as its name)."""
    return [fields] if isinstance(fields, str) else fields if isinstance(fields, list) else []


def _column_check(field: dict) -> Callable[[tuple], bool] | None:
    """What frictionless' cell reader and the field's constraints accept, as a function of the field's column
    (an empty cell None); None when the field has something this does not model."""
    kind, constraints = field.get("type"), field.get("constraints", {})
    form = field.get("format", "default")
    if kind not in _CHECKED_TYPES or set(field) - _FIELD_KEYS - {k for k in field if k.startswith("x-")}:
        return None
    if not isinstance(constraints, dict) or set(constraints) - _CHECKED_CONSTRAINTS:
        return None
    if kind == "array" and set(constraints) - {"required"}:
        return None
    if "example" in field and not _example_reads(kind, field["example"]):
        return None
    if form not in ("default", "email", "uri") or (form != "default" and kind != "string"):
        return None
    required, unique = constraints.get("required", False), constraints.get("unique", False)
    enum, pattern = constraints.get("enum"), constraints.get("pattern")
    most, least = constraints.get("maxLength"), constraints.get("minLength")
    if not isinstance(required, bool) or not isinstance(unique, bool) or (unique and kind != "string"):
        return None
    if enum is not None and (
        kind != "string" or not isinstance(enum, list) or not all(isinstance(e, str) for e in enum)
    ):
        return None
    if any(n is not None and (type(n) is not int or kind == "array") for n in (most, least)):
        return None
    matcher = None
    if pattern is not None:
        if not isinstance(pattern, str) or kind != "string":
            return None
        try:
            matcher = re.compile(f"^{pattern}$")  # as frictionless compiles it (and matches from the start)
        except re.error:
            return None

    def passes(column: tuple) -> bool:
        values = [v for v in column if v is not None]
        distinct = set(values)
        if required and len(values) != len(column) or unique and len(distinct) != len(values):
            return False
        if not all(_reads(kind, form, v) for v in distinct):
            return False
        if enum is not None and not distinct <= set(enum):
            return False
        if most is not None and any(len(v) > most for v in distinct):
            return False
        if least is not None and any(len(v) < least for v in distinct):
            return False
        return matcher is None or all(matcher.match(v) for v in distinct)

    return passes


def _example_reads(kind: str, example) -> bool:
    """A field's example frictionless reads as a value of the field's type (it checks each one)."""
    if kind == "number" and type(example) in (int, float):
        return math.isfinite(example)
    return isinstance(example, str) and _reads(kind, "default", example)


def _reads(kind: str, form: str, cell: str) -> bool:
    """A cell frictionless reads as a value of its type (a plain decimal for a number: a narrower rule than
    frictionless', so that anything else is left to it)."""
    if kind == "string":
        return form == "default"  # an email address or a web address: left to frictionless' own readers
    if kind == "number":
        return _NUMBER.fullmatch(cell) is not None
    if kind == "date":
        try:
            dt.datetime.strptime(cell, "%Y-%m-%d")  # frictionless' default date format
        except ValueError:
            return False
        return True
    try:
        return isinstance(json.loads(cell), list)  # an array cell: JSON text of a list
    except (ValueError, RecursionError):
        return False


def _references_hold(registry: Registry, key: dict, columns: dict[str, tuple]) -> bool:
    """Every row's value of a foreign key is in the code list it refers to, as frictionless reads that file."""
    fields, reference = _names(key.get("fields")), key.get("reference", {})
    target = _names(reference.get("fields"))
    if not fields or len(fields) != len(target):
        return False
    known = _code_list_keys(registry, reference.get("resource"), tuple(target))
    if known is None:
        return False
    values = set(_tuples(columns, fields))
    values.discard(tuple(None for _ in fields))  # frictionless skips a key that is wholly empty
    return values <= known


def _code_list_keys(registry: Registry, name, target: tuple) -> set[tuple] | None:
    """The values of ``target`` in code list ``name``, read from its file as frictionless reads it: CSV_DIALECT,
    UTF-8, cells by position under a header naming the fields, an empty cell None. None: not a simple case."""
    if name not in registry.layout or registry.layout[name].problem is not None:
        return None
    resource = registry.descriptor.resource(name)
    fields = resource["schema"]["fields"]
    names = [f["name"] for f in fields]
    plain = all(
        f.get("type") == "string" and f.get("format", "default") == "default" for f in fields if f["name"] in target
    )
    if not plain or not set(target) <= set(names) or "missingValues" in resource["schema"]:
        return None
    try:
        text = (registry.root / resource["path"]).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    header, *rows = list(csv.reader(io.StringIO(text, newline=""))) or [[]]
    if header != names:
        return None
    at = [names.index(t) for t in target]
    known = set()
    for row in rows:
        value = tuple((row[i] or None) if i < len(row) else None for i in at)
        if not all(v is None for v in value):
            known.add(value)
    return known


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
