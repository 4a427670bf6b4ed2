"""The data package descriptor (data/datapackage.json), asked instead of searched.

Every module that needs a table, its fields or an extension key (``x-*``) asks a ``Descriptor``:
no other module walks the descriptor's list of tables by hand. When the registry is read,
``Descriptor.load`` checks the descriptor's shape and its extension keys against
``descriptor.profile.json`` (a small JSON Schema), so a misspelt ``x-*`` key or a value of the
wrong type stops the command with one Chinese line (exit 2) instead of silently doing nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..core.errors import SetupError
from ..core.place import Place

PROFILE_PATH = Path(__file__).with_name("descriptor.profile.json")
TABLE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
DEFAULT_DELIMITER = ";"
PUBLIC = "public"

_RESOURCES = "resources"


@dataclass(frozen=True)
class Descriptor:
    """A data package descriptor. ``raw`` is the JSON object as read (or as built for publishing)."""

    raw: dict

    @classmethod
    def load(cls, raw: object, shown: str = "datapackage.json") -> Descriptor:
        """A checked descriptor: a list of named tables, a points table with fields, known ``x-*`` keys.

        ``shown`` names the file in the messages. Anything wrong is a SetupError with one line.
        """
        resources = raw.get(_RESOURCES) if isinstance(raw, dict) else None
        if (
            not isinstance(raw, dict)
            or not isinstance(resources, list)
            or not all(isinstance(r, dict) and isinstance(r.get("name"), str) for r in resources)
        ):
            raise SetupError(f"{shown} 应有 resources 列表，其中每个表都有 name")
        for r in resources:  # each name is also a published file name (opendata/NAME.csv)
            if not TABLE_NAME.fullmatch(r["name"]):
                raise SetupError(
                    f"{shown} 中的表名 {r['name']!r} 不可用：表名也是发布的文件名（NAME.csv），"
                    "只能用小写字母、数字、- 和 _，以字母开头"
                )
        points = next((r for r in resources if r["name"] == "points"), None)
        schema = points.get("schema") if points else None
        fields = schema.get("fields") if isinstance(schema, dict) else None
        named = isinstance(fields, list) and all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields)
        if not named:
            raise SetupError(f"{shown} 中没有 points 表的字段定义（resources → points → schema → fields）")
        mistake = profile_mistake(raw)
        if mistake:
            raise SetupError(f"{shown}：{mistake}")
        assert isinstance(raw, dict)  # resources were read from it above
        descriptor = cls(raw)
        for field in descriptor.fields():
            pattern = field.get("x-item-pattern")
            try:
                re.compile(pattern or "")
            except re.error as exc:
                msg = f"{shown}：points → schema → fields → {field['name']} → x-item-pattern 不是正则表达式：{exc}"
                raise SetupError(msg) from None
        return descriptor

    # Tables.

    @property
    def resources(self) -> list[dict]:
        """Every table, in descriptor order (empty when the descriptor has none)."""
        resources = self.raw.get(_RESOURCES) if isinstance(self.raw, dict) else None
        return resources if isinstance(resources, list) else []

    @property
    def names(self) -> list[str]:
        return [r["name"] for r in self.resources]

    def has(self, name: str | None) -> bool:
        return any(r["name"] == name for r in self.resources)

    def resource(self, name: str) -> dict:
        for resource in self.resources:
            if resource["name"] == name:
                return resource
        raise SetupError(f"datapackage.json 中没有 {name} 表")

    def schema(self, resource: str = "points") -> dict:
        return self.resource(resource)["schema"]

    def fields(self, resource: str = "points") -> list[dict]:
        return self.schema(resource)["fields"]

    def field(self, name: str, resource: str = "points") -> dict:
        for field in self.fields(resource):
            if field["name"] == name:
                return field
        raise SetupError(f"datapackage.json 中 {resource} 表没有 {name} 字段")

    def path(self, resource: str) -> str | None:
        """The table's file, relative to the package (None when the table has none)."""
        return self.resource(resource).get("path") if self.has(resource) else None

    def by_path(self) -> dict[str, dict]:
        """File name -> table, for the tables that have a file."""
        return {r["path"]: r for r in self.resources if isinstance(r.get("path"), str)}

    def only(self, keep) -> dict:
        """A copy of the raw descriptor holding only the tables for which ``keep(table)`` is true."""
        return self.raw | {_RESOURCES: [r for r in self.resources if keep(r)]}

    # Extension keys: the package's, each table's, each field's (see descriptor.profile.json).

    @property
    def place(self) -> Place:
        """``x-place``: where the registry's points are (``core/place.py`` checks its keys)."""
        return Place.from_descriptor(self.raw)

    @property
    def list_delimiter(self) -> str:
        """The one delimiter of list values in published tables."""
        return self.raw.get("x-list-delimiter", DEFAULT_DELIMITER)

    def source(self, resource: str) -> str | None:
        """``x-source``: the records a table is made from (points/**/*.yaml), or None for a CSV code list."""
        return self.resource(resource).get("x-source")

    def derived_from(self, resource: str) -> str | None:
        """``x-derived-from``: ``TABLE.FIELD`` whose list items make this table's rows, or None."""
        return self.resource(resource).get("x-derived-from")

    def checked_by(self, resource: str) -> str | None:
        """``x-checked-by``: the module with its own checks of this code list, or None."""
        return self.resource(resource).get("x-checked-by")

    def code_lists(self) -> list[dict]:
        """The tables read from their own CSV file (neither made from records nor derived)."""
        return [r for r in self.resources if "x-source" not in r and "x-derived-from" not in r]

    def labels(self, field: str, resource: str = "points") -> dict[str, str]:
        """``x-labels``: the Chinese label of each allowed value of a field."""
        return self.field(field, resource).get("x-labels", {})

    def area_code(self, field: str = "phones") -> str | None:
        """``x-area-code``: the local telephone area code of a phone field (0, then 2 or 3 digits), or None."""
        return self.field(field).get("x-area-code") if field in {f["name"] for f in self.fields()} else None

    def list_fields(self, resource: str = "points") -> set[str]:
        """``x-list``: the fields written as lists in records."""
        return {f["name"] for f in self.fields(resource) if f.get("x-list")}

    def visible_fields(self, resource: str = "points", *visibility: str) -> list[dict]:
        """``x-visibility``: the fields whose visibility is one of ``visibility`` (default: public only)."""
        wanted = visibility or (PUBLIC,)
        return [f for f in self.fields(resource) if f.get("x-visibility", PUBLIC) in wanted]

    def related(self, field: str, resource: str = "points") -> dict | None:
        """``x-related``: the table describing each item of a list-of-objects field, or None."""
        name = self.field(field, resource).get("x-related")
        return self.resource(name) if isinstance(name, str) and self.has(name) else None


# The extension-key profile and a checker of the small part of JSON Schema it uses.


@cache
def profile() -> dict:
    return json.loads(PROFILE_PATH.read_text(encoding="utf-8"))


LEVELS = ("package", "table", "field")  # where a key may stand: each "items" in the profile goes one level down


def extension_keys(schema: dict | None = None, depth: int = 0) -> dict[str, tuple[str, dict]]:
    """Every ``x-*`` key the profile declares -> (where it stands, its own schema with its description)."""
    schema = profile() if schema is None else schema
    out: dict[str, tuple[str, dict]] = {}
    for key, sub in schema.get("properties", {}).items():
        if key.startswith("x-"):
            out[key] = (LEVELS[depth], sub)
        else:
            out |= extension_keys(sub, depth)
    if isinstance(schema.get("items"), dict):
        out |= extension_keys(schema["items"], depth + 1)
    return out


TYPES = {
    "object": ("对象（{…}）", lambda v: isinstance(v, dict)),
    "array": ("列表（[…]）", lambda v: isinstance(v, list)),
    "string": ('文字（"…"）', lambda v: isinstance(v, str)),
    "boolean": ("true 或 false", lambda v: isinstance(v, bool)),
    "integer": ("整数", lambda v: isinstance(v, int) and not isinstance(v, bool)),
}
KEYWORDS = {"$schema", "$comment", "title", "description", "type"} | {
    "enum",
    "pattern",
    "minLength",
    "properties",
    "additionalProperties",
    "propertyNames",
    "items",
    "anyOf",
    "not",
}


def profile_mistake(raw: object, schema: dict | None = None) -> str | None:
    """The first place where ``raw`` breaks the profile, said in one Chinese line; None when it holds."""
    return _mistake(raw, profile() if schema is None else schema, [])


def _where(path: list[str]) -> str:
    return " → ".join(path) if path else "最外层"


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def _mistake(value: object, schema: dict, path: list[str]) -> str | None:
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise ValueError(f"descriptor profile uses unsupported keywords: {sorted(unknown)}")
    if "type" in schema:
        label, fits = TYPES[schema["type"]]
        if not fits(value):
            return f"{_where(path)} 应是{label}，不能是 {_shown(value)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{_where(path)} 只能是 {'、'.join(map(str, schema['enum']))} 之一，不能是 {_shown(value)}"
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return f"{_where(path)} 不能是空的"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return f"{_where(path)} 写法不对：{_shown(value)}"
    for sub in schema.get("anyOf", []):
        if _mistake(value, sub, path) is None:
            break
    else:
        if "anyOf" in schema:
            return f"{_where(path)} 不符合要求：{_shown(value)}"
    if "not" in schema and _mistake(value, schema["not"], path) is None:
        return f"{_where(path)} 不符合要求：{_shown(value)}"
    if isinstance(value, dict):
        return _object_mistake(value, schema, path)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            name = item.get("name") if isinstance(item, dict) else None
            found = _mistake(item, schema["items"], [*path, name if isinstance(name, str) else f"第 {i + 1} 项"])
            if found:
                return found
    return None


def _object_mistake(value: dict, schema: dict, path: list[str]) -> str | None:
    names = schema.get("propertyNames")
    for key in value:
        if names is not None and _mistake(key, names, [*path, key]) is not None:
            known = sorted(k for k in _enums(names) if k.startswith("x-"))
            if not known and _enums(names):  # a block of plain keys (x-place): name them all
                plain = "、".join(map(str, _enums(names)))
                return f"{_where(path)} 中的键 {key} 不认识（这里可用的键：{plain}），是拼错了吗？"
            return f"{_where(path)} 中的键 {key} 不认识（这里可用的扩展键：{'、'.join(known) or '无'}），是拼错了吗？"
    properties = schema.get("properties", {})
    for key, item in value.items():
        sub = properties.get(key, schema.get("additionalProperties"))
        if isinstance(sub, dict):
            found = _mistake(item, sub, [*path, key])
            if found:
                return found
    return None


def _enums(schema: dict) -> list:
    out = list(schema.get("enum", []))
    for sub in schema.get("anyOf", []):
        out += _enums(sub)
    return out
