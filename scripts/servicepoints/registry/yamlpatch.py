"""Change some top-level fields of a record's YAML text in place, keeping everything else as written.

The browser editor does the same in JavaScript (``servicepoints-cms.js`` patches the ``yaml`` package's
Document). Here, a field's value is replaced at the character span PyYAML reports for it, so comments,
key order, blank lines and the quoting of every other value stay byte for byte. A new field goes after
the field before it in the data dictionary's order; a removed field loses its lines. A new source is
appended to the ``sources`` list with the list's own indentation. ``patch`` re-reads its result and
refuses (``PatchError``) unless it holds exactly the wanted values.
"""

from __future__ import annotations

import yaml

from .scaffold import yaml_text
from .yamlread import _Loader, parse

_MISSING = object()


class PatchError(Exception):
    """The patched text would not read back as the wanted values."""


def render(name: str, value, indent: str = "", number: bool = False) -> str:
    """One field as block YAML lines (ending in a newline)."""
    if isinstance(value, list):
        lines = [f"{indent}{name}:"]
        for item in value:
            if isinstance(item, dict):
                lines.append(_item(item, indent + "  "))
            else:
                lines.append(f"{indent}  - {yaml_text(str(item))}")
        return "\n".join(lines) + "\n"
    return f"{indent}{name}: {yaml_text(str(value), number)}\n"


def _item(item: dict, indent: str) -> str:
    lines = []
    for n, (key, value) in enumerate((k, v) for k, v in item.items() if v is not None):
        lead = f"{indent}- " if n == 0 else f"{indent}  "
        lines.append(f"{lead}{key}: {yaml_text(str(value))}")
    return "\n".join(lines)


def _spans(text: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, yaml.MappingNode):
        raise PatchError("记录文件不是“字段: 值”的形式")
    return {k.value: (k, v) for k, v in root.value}


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _last_scalar(node: yaml.Node) -> yaml.Node:
    """The last scalar inside a node: its end mark is exact (a block collection's runs on to the next key)."""
    while isinstance(node, yaml.SequenceNode | yaml.MappingNode) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node


def _entry_end(text: str, value: yaml.Node) -> int:
    """Where a field's (or list item's) lines end: after the line its last scalar ends on."""
    end = _last_scalar(value).end_mark.index
    if end > 0 and text[end - 1] == "\n":
        return end
    newline = text.find("\n", end)
    return len(text) if newline < 0 else newline + 1


def patch(text: str, changes: dict, order: list[str], numbers: tuple[str, ...] = ()) -> str:
    """``text`` with each field of ``changes`` set (None: removed); other bytes kept. Fields named in
    ``numbers`` are written as plain numbers."""
    for name, value in changes.items():
        text = _one(text, name, value, order, name in numbers)
    if not text.endswith("\n"):
        text += "\n"
    expected = parse(text).values  # raises ReadError on a broken result
    for name, value in changes.items():
        got = expected.get(name, None)
        if (value if value not in ([], "") else None) != got:
            raise PatchError(f"字段 {name} 写入后读回的值不一致")
    return text


def _one(text: str, name: str, value, order: list[str], number: bool = False) -> str:
    spans = _spans(text)
    if value is None or value == []:
        if name not in spans:
            return text
        key, node = spans[name]
        start = _line_start(text, key.start_mark.index)
        return text[:start] + text[_entry_end(text, node) :]
    if name in spans:
        key, node = spans[name]
        if (
            isinstance(node, yaml.ScalarNode)
            and not isinstance(value, list)
            and node.start_mark.line == key.start_mark.line
        ):
            # a one-line scalar: replace just the value, keeping a comment after it
            if node.value == "" and node.start_mark.index == node.end_mark.index:
                return (
                    text[: key.end_mark.index]
                    + ": "
                    + yaml_text(str(value), number)
                    + text[_line_end(text, key.end_mark.index) :]
                )
            return text[: node.start_mark.index] + yaml_text(str(value), number) + text[node.end_mark.index :]
        indent = " " * key.start_mark.column
        start = _line_start(text, key.start_mark.index)
        return text[:start] + render(name, value, indent, number) + text[_entry_end(text, node) :]
    # a new field: after the nearest earlier field in the dictionary's order, else before the first field
    at = order.index(name) if name in order else len(order)
    before = [n for n in order[:at] if n in spans]
    if before:
        _, node = spans[before[-1]]
        where = _entry_end(text, node)
    elif spans:
        first = min(spans.values(), key=lambda kv: kv[0].start_mark.index)[0]
        where = _line_start(text, first.start_mark.index)
    else:
        where = len(text)
    head = text[:where]
    if head and not head.endswith("\n"):
        head += "\n"
    return head + render(name, value, "", number) + text[where:]


def _line_end(text: str, index: int) -> int:
    """The end of the value part of a line: before a comment or the newline."""
    newline = text.find("\n", index)
    end = len(text) if newline < 0 else newline
    comment = text.find(" #", index, end)
    return comment if comment >= 0 else end


def _dash_indent(text: str, item: yaml.Node) -> str:
    """The spaces before a list item's dash."""
    line = text[_line_start(text, item.start_mark.index) : item.start_mark.index]
    return " " * (len(line) - len(line.lstrip(" ")))


def append_source(text: str, item: dict) -> str:
    """``text`` with ``item`` added to the end of the ``sources`` list, written like its other items;
    an item of the same title is replaced in place."""
    spans = _spans(text)
    if (
        "sources" not in spans
        or not isinstance(spans["sources"][1], yaml.SequenceNode)
        or not spans["sources"][1].value
    ):
        return _one(text, "sources", [item], [])
    _, node = spans["sources"]
    for child in node.value:
        if isinstance(child, yaml.MappingNode) and any(
            k.value == "title" and isinstance(v, yaml.ScalarNode) and v.value == item["title"] for k, v in child.value
        ):
            start = _line_start(text, child.start_mark.index)
            return text[:start] + _item(item, _dash_indent(text, child)) + "\n" + text[_entry_end(text, child) :]
    end = _entry_end(text, node)
    head = text[:end] if text[:end].endswith("\n") else text[:end] + "\n"
    return head + _item(item, _dash_indent(text, node.value[0])) + "\n" + text[end:]
