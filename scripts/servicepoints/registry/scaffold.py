"""A new record: every field, commented in Chinese, ready for an editor to fill in."""

from __future__ import annotations

import re

SCHEMA_LINE = "# yaml-language-server: $schema={schema}"
_PLAIN = re.compile(r"^[^\s#:'\"{}\[\],&*!|>%@`-][^#:]*$")


def fresh_id(type_code: str, town_slug: str, taken: set[str]) -> str:
    """``<type>-<town>-<n>`` with the smallest n not yet taken."""
    n = 1
    while f"{type_code}-{town_slug}-{n}" in taken:
        n += 1
    return f"{type_code}-{town_slug}-{n}"


_TYPED = re.compile(
    r"[-+]?([0-9]+|[0-9]*\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?|true|false|null|yes|no|on|off|~", re.I
)


def yaml_text(value: str, number: bool = False) -> str:
    """A scalar written so that YAML reads back exactly the same text; text that a YAML 1.2 editor would
    read as a number, true/false or null is quoted (unless it is meant as a ``number``)."""
    if _PLAIN.match(value) and (number or not _TYPED.fullmatch(value)):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + escaped + '"'


def scaffold(fields: list[dict], values: dict[str, str], schema_ref: str, choices: dict[str, dict[str, str]]) -> str:
    """The record text: given values filled in, every other field present as a comment.

    ``choices`` gives, per field, the allowed values with their Chinese labels (beyond the schema's
    enums: the services this point's type may offer), so an editor never has to guess a code.
    """
    lines = [
        SCHEMA_LINE.format(schema=schema_ref),
        "# 新网点记录：填好下面的值，删去用不到的注释行。字段说明见网站“数据字典”页。",
    ]
    for spec in fields:
        name = spec["name"]
        required = spec.get("constraints", {}).get("required") or name in ("town", "lat", "lon")
        lines.append(f"# {spec.get('title', name)}{'（必填）' if required else ''}：{spec.get('description', '')}")
        labels = spec.get("x-labels", {})
        allowed = choices.get(name) or {v: labels.get(v, "") for v in spec.get("constraints", {}).get("enum", [])}
        if allowed:
            lines.append(
                "#   可选值：" + "、".join(f"{code}（{label}）" if label else code for code, label in allowed.items())
            )
        if name in values:
            lines.append(f"{name}: {yaml_text(values[name])}")
        elif spec["type"] == "array":
            lines.append(f"{name}:\n  - title:\n    url:\n    date:")
        elif spec.get("x-list"):
            lines.append(f"# {name}:\n#   - {next(iter(allowed), spec.get('example', ''))}")
        elif required:
            lines.append(f"{name}:")
        else:
            lines.append(f"# {name}: {spec.get('example', '')}")
    return "\n".join(lines) + "\n"
