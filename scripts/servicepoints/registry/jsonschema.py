"""A JSON Schema for one point record, generated from the Table Schema and the code lists.

Editors get completion and red underlines while typing (the ``# yaml-language-server: $schema=``
line in every record). It mirrors the per-record rules; cross-file rules (unique id, id = file name)
and time-dependent ones (verified not in the future) are the validator's alone.
"""

from __future__ import annotations

import re

from ..core.geo import Box
from . import textcheck
from .descriptor import Descriptor
from .load import allowed_services
from .provenance import INFERRED_FORBIDDEN, INFERRED_PRECISIONS, INFERRED_STATUS, PROVIDER, REPORTED, source_fields

NUMBER_TEXT = f"^{textcheck.NUMBER_TEXT}$"  # what the validator accepts in a number field
# A date that exists: 31-day and 30-day months, 28 days of February, and 29 February in leap years only.
_REAL_DATE = (
    r"([0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
    r"|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)"
)
DATE_TEXT = f"^{_REAL_DATE}$"
PARTIAL_DATE_TEXT = rf"^([0-9]{{4}}(-(0[1-9]|1[0-2]))?|{_REAL_DATE})$"
# Text the validator accepts: something besides spaces, and no control or invisible characters
# (textcheck.bad_character; the validator also refuses unassigned code points, which a regex cannot name).
_HIDDEN = (
    r"\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f"
    r"\u2028-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb\uffa0\ue000-\uf8ff"
)
TEXT_PATTERN = rf"^(?=[\s\S]*\S)[^{_HIDDEN}\u000a]*$"
MULTILINE_TEXT_PATTERN = rf"^(?=[\s\S]*\S)[^{_HIDDEN}]*$"
_DAY = r"(Mo|Tu|We|Th|Fr|Sa|Su)"
_SEL = rf"({_DAY}(-{_DAY})?|PH|SH)(,({_DAY}(-{_DAY})?|PH|SH))*"
_TIME = r"([01][0-9]|2[0-4]):[0-5][0-9]"
_SPANS = rf"{_TIME}-{_TIME}(,{_TIME}-{_TIME})*"
_RULE = rf"(24/7|({_SEL} )?{_SPANS}|{_SEL} (off|closed))"
HOURS_PATTERN = rf"^{_RULE}( *; *{_RULE})*$"


def point_json_schema(descriptor: Descriptor, tables: dict[str, list[dict]]) -> dict:
    fields = descriptor.fields("points")
    codes = {
        "type": sorted(t["code"] for t in tables["types"]),
        "town": [t["name"] for t in tables["towns"]],
        "services": sorted(s["code"] for s in tables["services"]),
    }
    place = descriptor.place
    properties = {f["name"]: _property(f, codes.get(f["name"]), place.box) for f in fields}
    if "sources" in properties:
        properties["sources"] |= _sources_items(descriptor)
    properties["private"] = {"type": "object", "description": "内部联系人等信息，永不发布。"}
    required = [f["name"] for f in fields if f.get("constraints", {}).get("required")]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{place.name}{place.network}记录",
        "description": "data/points/ 下一个网点 YAML 文件的结构。由 data/datapackage.json 生成，请勿手工修改。",
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
        "allOf": [_location_rule(), _inferred_rule(), _reported_rule(), *_service_rules(descriptor, tables)],
    }


def _property(field: dict, codes: list[str] | None, box: Box | None = None) -> dict:
    spec: dict = {"title": field.get("title", field["name"]), "description": field.get("description", "")}
    limits = field.get("constraints", {})
    if field.get("x-list"):
        item: dict = {"type": ["string", "integer"], "allOf": [{"pattern": TEXT_PATTERN}]}
        if codes:
            item = {"enum": codes}
        elif "x-item-pattern" in field:
            item["allOf"].append({"pattern": f"^({field['x-item-pattern']})$"})
            item |= {"minimum": 10000, "maximum": 10**24}  # a number an editor typed: at least 5 digits
        return spec | {"type": "array", "items": item, "uniqueItems": True}
    if field["type"] == "array":
        return spec | {"type": "array", "minItems": 1}
    if field["type"] == "number" and box is not None:  # lat and lon: inside the place's extent
        low, high = (box.south, box.north) if field["name"] == "lat" else (box.west, box.east)
        return spec | {"type": ["number", "string"], "pattern": NUMBER_TEXT, "minimum": low, "maximum": high}
    if field["type"] == "date":
        return spec | {"type": "string", "pattern": DATE_TEXT}
    if field.get("x-format") == "partial-date":
        return spec | {"type": ["string", "integer"], "pattern": PARTIAL_DATE_TEXT, "minimum": 1000, "maximum": 9999}
    if codes:
        spec["enum"] = codes
    elif "enum" in limits:
        spec["enum"] = limits["enum"]
    else:
        spec["type"] = ["string", "integer"] if field["name"] == "established" else "string"
    if "enum" not in spec:
        spec["allOf"] = [{"pattern": MULTILINE_TEXT_PATTERN if field.get("x-multiline") else TEXT_PATTERN}]
    if "pattern" in limits:
        spec["pattern"] = f"^({limits['pattern']})$"
    if field.get("x-format") == "opening_hours":
        spec["pattern"] = HOURS_PATTERN
    if "maxLength" in limits:
        spec["maxLength"] = limits["maxLength"]
    if "x-labels" in field:
        spec["enumDescriptions"] = [field["x-labels"][v] for v in spec.get("enum", [])]
    return spec


def _sources_items(descriptor: Descriptor) -> dict:
    """One source: an object with a required title, an http(s) url and a publication date."""
    fields = source_fields(descriptor)
    properties = {n: _property(f, None) for n, f in fields.items()}
    if "title" in properties:
        properties["title"]["minLength"] = 1
    item = {
        "type": "object",
        "additionalProperties": False,
        "required": [n for n, f in fields.items() if f.get("constraints", {}).get("required")],
        "properties": properties,
    }
    return {"items": item}


def _inferred_rule() -> dict:
    """An inferred point carries no fact of its own: no contact details, status unknown."""
    return {
        "if": {"properties": {"evidence": {"const": "inferred"}}, "required": ["evidence"]},
        "then": {
            "properties": {
                **{name: False for name in INFERRED_FORBIDDEN},
                "status": {"const": INFERRED_STATUS},
                "precision": {"enum": list(INFERRED_PRECISIONS)},
            },
            "required": ["precision"],
        },
    }


def _reported_rule() -> dict:
    """A reported point says in one of its sources who provided the facts and when."""
    return {
        "if": {"properties": {"evidence": {"const": REPORTED}}, "required": ["evidence"]},
        "then": {"properties": {"sources": {"contains": {"required": [PROVIDER, "date"]}}}},
    }


def _location_rule() -> dict:
    return {
        "if": {"not": {"properties": {"precision": {"const": "unknown"}}, "required": ["precision"]}},
        "then": {"required": ["town", "lat", "lon"]},
    }


def _service_rules(descriptor: Descriptor, tables: dict[str, list[dict]]) -> list[dict]:
    allowed = allowed_services(descriptor, tables)
    return [
        {
            "if": {"properties": {"type": {"const": t}}, "required": ["type"]},
            "then": {"properties": {"services": {"items": {"enum": sorted(allowed[t])}}}},
        }
        for t in sorted(allowed)
    ]


def as_editor_sees(values: dict) -> dict:
    """A record's text values typed as a YAML 1.2 editor types them (numbers become numbers)."""

    def typed(value):
        if isinstance(value, list):
            return [typed(v) for v in value]
        if isinstance(value, dict):
            return {k: typed(v) for k, v in value.items()}
        if isinstance(value, str) and re.fullmatch(r"[-+]?[0-9]+", value):
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[-+]?([0-9]*\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?", value):
            return float(value)
        return value

    return typed(values)
