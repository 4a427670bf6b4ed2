"""Problems and results as text for people, JSON for machines, annotations for GitHub."""

from __future__ import annotations

import json

from ..core.errors import Problem, errors


def _visible(text: str, keep: str = " ") -> str:
    return "".join(c if c.isprintable() or c in keep else f"\\u{ord(c):04x}" for c in text)


def log_text(text: str) -> str:
    """One problem for a terminal or a CI log: control characters shown as \\uXXXX; a line break only
    continues the problem (the next line starts "  | "); and no line starts, after its spaces, with "::"
    or "##[" (a GitHub Actions workflow command the runner would obey)."""
    lines = _visible(text.replace("\r\n", "\n").replace("\r", "\n"), " \n").split("\n")
    lines = lines[:1] + ["  | " + line for line in lines[1:]]
    return "\n".join("› " + line if line.lstrip().startswith(("::", "##[")) else line for line in lines)


def problems_text(problems: list[Problem], records: int) -> str:
    lines = []
    for p in problems:
        where = "，".join(x for x in (p.record and f"记录 {p.record}", p.field and f"字段 {p.field}") if x)
        level = "警告" if p.severity == "warning" else "错误"
        text = f"{p.file}:{p.line}: {level} [{p.code}] {p.message}" + (f"（{where}）" if where else "")
        lines.append(log_text(text))
    bad = len(errors(problems))
    warn = len(problems) - bad
    files = len({p.file for p in problems})
    if problems:
        lines.append(f"共 {records} 条记录：{bad} 个错误，{warn} 个警告，涉及 {files} 个文件。")
    else:
        lines.append(f"共 {records} 条记录，全部通过校验。")
    return "\n".join(lines)


def problems_json(problems: list[Problem], records: int) -> str:
    body = {"valid": not errors(problems), "records": records, "problems": [p.as_dict() for p in problems]}
    return json.dumps(body, ensure_ascii=False, indent=2)


def _escape_data(text: str) -> str:
    """A workflow command's message: GitHub's own escapes for %, CR and LF; other control characters shown."""
    return _visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def problems_github(problems: list[Problem], records: int) -> str:
    """One workflow command per problem, so each appears on its line in the pull request."""
    lines = []
    for p in problems:
        level = "warning" if p.severity == "warning" else "error"
        props = f"file={_escape_property(p.file)},line={p.line},title={_escape_property(p.code)}"
        lines.append(f"::{level} {props}::{_escape_data(p.message)}")
    bad = len(errors(problems))
    lines.append(f"{records} records: {bad} errors, {len(problems) - bad} warnings")
    return "\n".join(lines)


FORMATS = {"text": problems_text, "json": problems_json, "github": problems_github}
