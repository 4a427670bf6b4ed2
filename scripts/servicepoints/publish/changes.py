"""What changed since the previous release, in every published table, and how much that moves the version.

Tables are compared as published text (the CSV cells), row by row under each table's primary key, so any
change a reader of the files would see is listed, field by field, old -> new. The version rule follows the
Data Package Version recipe (https://datapackage.org/recipes/data-package-version/):

- major: a table removed; a field added, removed, renamed or moved; a field's type or format, a table's
  primary or foreign keys changed; rows removed from a table another table refers to (a foreign key);
- minor: a table added; rows added; rows removed from a table no other table refers to;
- patch: values changed in existing rows; descriptive metadata (titles, descriptions, licence, publisher…).

The README and the open-data page say the same (the page from ``RULES`` below).
"""

from __future__ import annotations

import operator

from ..registry.descriptor import Descriptor

LEVELS = ("patch", "minor", "major")  # in increasing order
# The rule as the open-data page states it (one line per level, in LEVELS order).
RULES = {
    "major": "删除表格；增加、删除、改名或调换字段；改变字段的类型或格式、表格的主键或外键；"
    "删除被其他表引用的行（例如网点）。",
    "minor": "增加表格；增加行（例如新增网点）；删除没有被其他表引用的行。",
    "patch": "只修改已有行的值（例如改正一个电话），或只修改说明性的元数据（标题、说明、许可、发布者等）。",
}
LEVEL_TEXT = {
    "major": "主版本号加一（第一位数字）",
    "minor": "次版本号加一（第二位数字）",
    "patch": "修订号加一（第三位数字）",
}
UNITS = {"points": "个网点"}  # how the summary counts rows of a table; other tables count 行
RELEASE_KEYS = ("version", "created")  # what a release sets in the descriptor: not a change of the data


def _structure(resource: dict) -> tuple:
    schema = resource["schema"]
    fields = [(f["name"], f.get("type", "any"), f.get("format", "default")) for f in schema["fields"]]
    return fields, schema.get("primaryKey", []), schema.get("foreignKeys", [])


def _referenced(descriptor: dict) -> set[str]:
    """Tables another table's foreign key refers to."""
    return {
        fk["reference"]["resource"]
        for r in Descriptor(descriptor).resources
        for fk in r["schema"].get("foreignKeys", [])
        if fk["reference"].get("resource") not in ("", None, r["name"])
    }


def _keyed(rows: list[list[str]], key: list[str]) -> tuple[list[str], dict[tuple, list[str]]]:
    """The header, and each row under its primary key's cells ("" for a key field the header lacks; a later row of
    the same key wins). The keys are read column by column, in C; rows shorter than the header (a previous
    release's file) go the long way, as records."""
    header, *body = rows
    if body and min(map(len, body)) < len(header):
        records = [dict(zip(header, row, strict=False)) for row in body]
        return header, {tuple(r.get(k, "") for k in key): row for r, row in zip(records, body, strict=True)}
    last = {name: n for n, name in enumerate(header)}  # a repeated name: its last column, as a dict of the row
    cells = [list(map(operator.itemgetter(last[k]), body)) if k in last else [""] * len(body) for k in key]
    return header, dict(zip(zip(*cells, strict=True), body, strict=True))


def table_changes(old: dict | None, new: dict | None, old_rows: list, new_rows: list) -> dict:
    """One table's changes: rows added and removed (by primary key), values changed field by field, and
    fields added or removed. ``old``/``new``: the table's resource in each descriptor (None: absent)."""
    resource = new or old
    assert resource is not None
    key = resource["schema"].get("primaryKey") or [resource["schema"]["fields"][0]["name"]]
    old_fields = [f["name"] for f in old["schema"]["fields"]] if old else []
    new_fields = [f["name"] for f in new["schema"]["fields"]] if new else []
    old_header, before = _keyed(old_rows, key) if old else ([], {})
    new_header, after = _keyed(new_rows, key) if new else ([], {})
    changed = []
    for k in sorted(before.keys() & after.keys()):
        if old_header == new_header and before[k] == after[k]:
            continue  # the same cells under the same header: no field changed (most rows, release after release)
        was, now = dict(zip(old_header, before[k], strict=False)), dict(zip(new_header, after[k], strict=False))
        fields = {
            name: {"old": was[name], "new": now[name]}
            for name in new_fields
            if name in old_fields and was.get(name, "") != now.get(name, "")
        }
        if fields:
            changed.append({"key": dict(zip(key, k, strict=True)), "fields": fields})
    return {
        "title": resource.get("title", resource["name"]),
        "primary_key": key,
        "added": [dict(zip(key, k, strict=True)) for k in sorted(after.keys() - before.keys())],
        "removed": [dict(zip(key, k, strict=True)) for k in sorted(before.keys() - after.keys())],
        "changed": changed,
        "fields_added": [f for f in new_fields if f not in old_fields],
        "fields_removed": [f for f in old_fields if f not in new_fields],
    }


def compare(
    previous: dict | None, previous_tables: dict[str, list], descriptor: dict, tables: dict[str, list]
) -> tuple[dict[str, dict], str | None]:
    """Every table's changes and the level they move the version by (None: nothing published changed).

    ``previous``/``descriptor``: the published descriptors; ``*_tables``: name -> header and rows as text."""
    old = {r["name"]: r for r in Descriptor(previous).resources} if previous else {}
    new = {r["name"]: r for r in Descriptor(descriptor).resources}
    names = list(new) + [n for n in old if n not in new]
    referenced = _referenced(descriptor) | (_referenced(previous) if previous else set())
    changes, level = {}, -1
    for name in names:
        item = table_changes(old.get(name), new.get(name), previous_tables.get(name, []), tables.get(name, []))
        changes[name] = item
        if (
            name not in new
            or (name in old and _structure(old[name]) != _structure(new[name]))
            or item["removed"]
            and name in referenced
        ):
            level = max(level, 2)
        elif name not in old or item["added"] or item["removed"]:
            level = max(level, 1)
        elif item["changed"]:
            level = max(level, 0)
    if level < 0 and previous is not None and _descriptive(previous) != _descriptive(descriptor):
        level = 0
    return changes, (LEVELS[level] if level >= 0 else None)


def _descriptive(descriptor: dict) -> dict:
    return {k: v for k, v in descriptor.items() if k not in RELEASE_KEYS}


def bump(version: str, level: str) -> str:
    """MAJOR.MINOR.PATCH moved by one level, the lower parts reset to 0."""
    major, minor, patch = (int(x) for x in version.split("."))
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def summary(changes: dict[str, dict], descriptor: dict, previous: dict | None) -> str:
    """The release in one Chinese sentence a person reads: 新增 2 个网点，更新 5 个网点的联系电话。"""
    titles = {
        r["name"]: {f["name"]: f.get("title", f["name"]) for f in r["schema"]["fields"]}
        for r in _all(descriptor, previous)
    }
    parts: list[str] = []
    for name, item in changes.items():
        unit = UNITS.get(name)
        table = item["title"]
        where = "" if unit else f"{table}表"
        unit = unit or "行"
        if item["added"]:
            parts.append(f"{where}新增 {len(item['added'])} {unit}")
        if item["removed"]:
            parts.append(f"{where}删除 {len(item['removed'])} {unit}")
        counts: dict[str, int] = {}
        for row in item["changed"]:
            for field in row["fields"]:
                counts[field] = counts.get(field, 0) + 1
        for field, count in counts.items():
            parts.append(f"更新{where} {count} {unit}的{titles.get(name, {}).get(field, field)}")
        for field in item["fields_added"]:
            parts.append(f"{table}表增加字段 {field}")
        for field in item["fields_removed"]:
            parts.append(f"{table}表删除字段 {field}")
    if not parts:
        parts.append("表格内容没有变化，只更新了数据包的说明")
    return "，".join(parts) + "。"


def _all(descriptor: dict, previous: dict | None) -> list[dict]:
    resources = list(Descriptor(descriptor).resources)
    if previous:
        names = {r["name"] for r in resources}
        resources += [r for r in Descriptor(previous).resources if r["name"] not in names]
    return resources
