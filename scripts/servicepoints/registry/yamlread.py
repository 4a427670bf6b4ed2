"""Read one YAML record without YAML's surprises.

Every scalar stays the text the editor typed (``01088888888``, ``09:00``, ``no``),
duplicate keys and aliases are problems, and every value keeps its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import yaml

_Loader: type[yaml.CSafeLoader | yaml.SafeLoader]
try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

MAX_BYTES = 64 * 1024
MAX_DEPTH = 8  # a record is a mapping of values, lists and (for sources) lists of mappings
_NULLS = {"", "~", "null", "Null", "NULL"}


@dataclass
class Parsed:
    """A parsed record: plain values plus the line of every key and list item."""

    values: dict = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


class ReadError(Exception):
    """A file that cannot be read as a record; carries a problem code and line."""

    def __init__(self, code: str, line: int, message: str) -> None:
        super().__init__(message)
        self.code, self.line, self.message = code, line, message


def decode(raw: bytes) -> str:
    """Bytes to text, or a ReadError naming the line of the first bad byte."""
    if len(raw) > MAX_BYTES:
        raise ReadError("file-too-large", 1, f"文件有 {len(raw)} 字节，超过上限 {MAX_BYTES} 字节。")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ReadError("file-encoding", line, "文件含有非 UTF-8 字节，请用 UTF-8 编码另存。") from None
    if not text.strip() or all(ln.strip().startswith("#") for ln in text.splitlines() if ln.strip()):
        raise ReadError("file-empty", 1, "文件是空的，没有任何字段。")
    return text


def parse(text: str) -> Parsed:
    """Text to a Parsed record, or a ReadError."""
    try:
        _check_events(text)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line = _line(exc.problem_mark or exc.context_mark)
        if "nesting depth" in str(exc.problem or exc):
            raise _too_deep(line) from None
        raise ReadError("yaml-syntax", line, f"YAML 语法错误：{_explain(exc)}") from None
    except yaml.YAMLError as exc:  # no position known (e.g. a reader error)
        raise ReadError("yaml-syntax", 1, f"YAML 语法错误：{exc}") from None
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node else 1
        raise ReadError("not-a-mapping", line, "文件应由“字段: 值”组成，例如 name: 网点名称。")
    parsed = Parsed()
    parsed.values = _mapping(node, parsed.lines, "")
    return parsed


def _too_deep(line: int) -> ReadError:
    msg = f"列表或字段嵌套超过 {MAX_DEPTH} 层：记录只需要“字段: 值”、列表，以及来源那样的一组字段。"
    return ReadError("yaml-too-deep", line, msg)


class _Mark(Protocol):  # PyYAML's pure and libyaml marks alike
    line: int


def _line(mark: _Mark | None) -> int:
    """The 1-based line of a parser mark (the first line when the parser gave none)."""
    return mark.line + 1 if mark else 1


def _check_events(text: str) -> None:
    """One pass over the parser's events (no tree is built yet): anchors and aliases (the alias
    bomb's tools) are refused where first written, and so is nesting deeper than MAX_DEPTH."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ReadError(
                "yaml-alias", _line(event.start_mark), "记录中不能使用 YAML 锚点（&）和别名（*），请把值直接写出来。"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(_line(event.start_mark))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


# PyYAML's wording for the mistakes editors make most, said in Chinese (the original follows).
_HINTS = {
    "tab character": "用了 Tab 键缩进，请改用空格。",
    "mapping values are not allowed": "这里不该出现冒号：可能是缩进不对，或值里含有“: ”（请给整个值加引号）。",
    "could not find expected ':'": "这一行缺少“字段: 值”中的冒号，或上一行的引号没有闭合。",
    "cannot start any token": "值以特殊字符（如 @ ` %）开头，请给整个值加引号。",
    "expected <block end>": "缩进不一致：同一层的字段要对齐。",
    "while scanning a quoted scalar": "引号没有闭合。",
}


def _explain(exc: yaml.MarkedYAMLError) -> str:
    problem = str(exc.problem or exc)
    said = f"{exc.context or ''} {problem}"
    hint = next((text for key, text in _HINTS.items() if key in said), "")
    return f"{hint}（{problem}）" if hint else f"{problem}。"


def _mapping(node: yaml.MappingNode, lines: dict[str, int], prefix: str) -> dict:
    out: dict = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise ReadError("yaml-syntax", key_node.start_mark.line + 1, "字段名必须是简单文字。")
        key = key_node.value
        line = key_node.start_mark.line + 1
        if key in out:
            raise ReadError(
                "yaml-duplicate-key", line, f"字段 {key} 写了两次（第 {lines[prefix + key]} 行已有），请删去一处。"
            )
        lines[prefix + key] = line
        out[key] = _value(value_node, lines, prefix + key)
    return out


def _value(node: yaml.Node, lines: dict[str, int], path: str):
    if isinstance(node, yaml.ScalarNode):
        if not node.style and node.value in _NULLS:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[f"{path}.{i}"] = item.start_mark.line + 1
            items.append(_value(item, lines, f"{path}.{i}"))
        return items
    assert isinstance(node, yaml.MappingNode)  # composed nodes are scalars, sequences or mappings
    return _mapping(node, lines, path + ".")
