"""The published tables: rows of text exactly as they go into the CSV files."""

from __future__ import annotations

import copy
import re

from ..core.place import KEY as PLACE_KEY
from ..registry.descriptor import Descriptor
from ..registry.model import SiteData

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
ALL = "all"  # a primary-key cell left empty in the source ("not split by status") is published as this

# OWASP CSV injection: a text cell starting with one of these is read as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
INERT_PREFIX = "'"


def inert(text: str) -> str:
    """A cell as spreadsheets must see it: text that could start a formula gets a leading apostrophe.

    Numbers (``-1.5``, ``2e-3``) stay as they are, so numeric columns stay numeric.
    """
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return INERT_PREFIX + text
    return text


def coverage(data: SiteData) -> str:
    """One sentence, counted from the data, on who publishes the package and how much of the network it holds.

    The package's description ends with it, so the catalogue (catalog.py), the downloads page and the package
    say the same; 关于本站 gives the same figures with the site's counted spans (counts.py)."""
    reported = sum(int(r["count"]) for r in data.tables.get("reported", []))
    dates = sorted(r["as_of"] for r in data.tables.get("reported", []) if r.get("as_of"))
    inferred = sum(1 for p in data.points if p.get("evidence") == "inferred")
    held = f"收录 {len(data.points)} 个网点，其中 {inferred} 个没有出处点名、是按公开报告的数量推定的"
    if reported:
        held = f"公开报告（截至 {dates[-1]}）的网点共 {reported} 个，本名录{held}"
    return f"本名录由“{data.settings.publisher}”整理，不是市场监督管理部门或其他政府部门的官方数据；{held}。"


def published_descriptor(data: SiteData, version: str | None = None, day: str | None = None) -> dict:
    """The data package as published: public fields only, one CSV per table, and the release's version and
    date when given (release.decide compares the package without them)."""
    descriptor = copy.deepcopy(data.descriptor.raw)
    settings = data.settings
    # The instance's own metadata: published as it is, placed after the release's; x-place stays in data/.
    keywords, sources = descriptor.pop("keywords", []), descriptor.pop("sources", [])
    descriptor.pop(PLACE_KEY, None)
    copied = Descriptor(descriptor)
    for resource in copied.resources:
        for key in ("x-source", "x-derived-from", "x-checked-by"):
            resource.pop(key, None)
        resource.update(path=f"{resource['name']}.csv", format="csv", mediatype="text/csv", encoding="utf-8")
        schema = resource["schema"]
        schema["fields"] = copied.visible_fields(resource["name"])
        for field in schema["fields"]:
            if "example" in field and not isinstance(field["example"], str):
                field["example"] = _text(field["example"])  # Table Schema 2.0: an example is a string
            _pattern_in_words(field)
        for name in _empty_keys(resource, data.tables.get(resource["name"], [])):
            field = next(f for f in schema["fields"] if f["name"] == name)
            field["constraints"] = field.get("constraints", {}) | {"required": True}
            field["description"] = field.get("description", "") + f"源数据中留空的，发布时写作 {ALL}（不分状态）。"
    descriptor["description"] = descriptor.get("description", "") + coverage(data)
    descriptor = {"$schema": PROFILE, **descriptor}
    if version and day:
        descriptor.update(version=version, created=f"{day}T00:00:00Z")
    descriptor.update(
        homepage=data.site_url,
        keywords=keywords,
        licenses=[{"name": settings.licence, "path": settings.licence_url, "title": settings.licence_title}],
        contributors=[{"title": settings.publisher, "roles": ["publisher"]}],
        sources=sources,
    )
    return descriptor


def _pattern_in_words(field: dict) -> None:
    """An optional field's pattern moves from its constraints into its description.

    frictionless' SQL export turns ``pattern`` into a SQLite ``REGEXP`` check whose function fails on the NULL of
    an empty cell, so the whole table is refused (datapackage-to-datasette crashes). A required field never holds
    NULL and keeps its pattern; data/ keeps every pattern, which the validator and point.schema.json enforce.
    """
    constraints = field.get("constraints", {})
    if "pattern" in constraints and not constraints.get("required"):
        pattern = constraints.pop("pattern")
        if not constraints:
            field.pop("constraints")
        field["description"] = field.get("description", "") + f"有值时完整符合正则表达式 {pattern}。"


def _empty_keys(resource: dict, records: list[dict]) -> list[str]:
    """Primary-key fields of a code list that some source rows leave empty."""
    keys = resource["schema"].get("primaryKey", [])
    return [k for k in keys if any(r.get(k) in (None, "") for r in records)]


def _text(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)


def cell(value, delimiter: str = ";") -> str:
    """One value as CSV text: lists joined, numbers in their shortest exact form, None empty."""
    if type(value) is str:  # noqa: E721 - most values; a subclass goes the long way
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        return delimiter.join(str(v) for v in value)
    return _text(value)


def derived_records(data: SiteData, derived_from: str, fields: list[str]) -> list[dict]:
    """Rows of a table derived from a list field of the points (``points.services``, ``points.sources``)."""
    _, _, key = derived_from.partition(".")
    out = []
    for p in data.points:
        for item in p.get(key) or []:
            out.append({fields[0]: p["id"], **(item if isinstance(item, dict) else {fields[1]: item})})
    return out


def table_rows(data: SiteData, descriptor: dict) -> dict[str, list[list[str]]]:
    """Every published table as a header row plus text rows (before spreadsheet neutralising)."""
    tables: dict[str, list[list[str]]] = {}
    published = Descriptor(descriptor)
    delimiter = published.list_delimiter
    for resource in published.resources:
        name = resource["name"]
        names = [f["name"] for f in resource["schema"]["fields"]]
        derived = data.descriptor.derived_from(name)
        if name == "points":
            records = data.points
        elif derived:
            records = derived_records(data, derived, names)
        else:
            records = data.tables[name]
        empty = set(_empty_keys(resource, records)) if not derived and name != "points" else set()
        rows = [[cell(r.get(n), delimiter) or (ALL if n in empty else "") for n in names] for r in records]
        tables[name] = [names, *rows]
    return tables
