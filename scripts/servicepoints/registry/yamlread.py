"""Read one YAML record without YAML's surprises.

Every scalar stays the text the editor typed (``01088888888``, ``09:00``, ``no``),
duplicate keys and aliases are problems, and every value keeps its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

import yaml
from yaml.composer import ComposerError

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
    quick = _quick(text)
    return quick if quick is not None else _events(text)


def _events(text: str) -> Parsed:
    """parse, over the parser's events: any text."""
    try:
        return _read(text)
    except yaml.MarkedYAMLError as exc:
        line = _line(exc.problem_mark or exc.context_mark)
        if "nesting depth" in str(exc.problem or exc):
            raise _too_deep(line) from None
        raise ReadError("yaml-syntax", line, f"YAML 语法错误：{_explain(exc)}") from None
    except yaml.YAMLError as exc:  # no position known (e.g. a reader error)
        raise ReadError("yaml-syntax", 1, f"YAML 语法错误：{exc}") from None


def _too_deep(line: int) -> ReadError:
    msg = f"列表或字段嵌套超过 {MAX_DEPTH} 层：记录只需要“字段: 值”、列表，以及来源那样的一组字段。"
    return ReadError("yaml-too-deep", line, msg)


class _Mark(Protocol):  # PyYAML's pure and libyaml marks alike
    line: int


def _line(mark: _Mark | None) -> int:
    """The 1-based line of a parser mark (the first line when the parser gave none)."""
    return mark.line + 1 if mark else 1


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


class _Frame:
    """A mapping or list being filled: the path its values' lines are kept under and, for a mapping, the key
    whose value comes next (None: a key comes next)."""

    __slots__ = ("items", "prefix", "key")

    def __init__(self, items: dict | list, prefix: str) -> None:
        self.items, self.prefix = items, prefix
        self.key: str | None = None


_REFUSED_KEY = "\0"  # what a key that is not text is kept as until the record is refused
_ALIAS = "记录中不能使用 YAML 锚点（&）和别名（*），请把值直接写出来。"


def _read(text: str) -> Parsed:
    """One pass over the parser's events, building the values as they come (no node tree, no tags).

    Anchors and aliases (the alias bomb's tools) are refused where first written, and so is nesting deeper
    than MAX_DEPTH, as soon as the parser reaches them. What only a whole, well-formed stream can say (two
    documents, a top level that is not a mapping, then the first key that is not text or is written twice)
    is said once the parser has read every event without an error, in that order.
    """
    parsed, stack = Parsed(), list[_Frame]()
    documents: list[yaml.Event] = []
    top: yaml.Event | None = None  # the first document's top-level value
    mistake: ReadError | None = None
    loader = _Loader(text)
    try:
        while True:
            event = loader.get_event()
            value: str | dict | list | None
            if isinstance(event, yaml.ScalarEvent):
                if event.anchor:
                    raise ReadError("yaml-alias", _line(event.start_mark), _ALIAS)
                value = None if not event.style and event.value in _NULLS else event.value
            elif isinstance(event, yaml.CollectionStartEvent):
                if event.anchor:
                    raise ReadError("yaml-alias", _line(event.start_mark), _ALIAS)
                if len(stack) >= MAX_DEPTH:
                    raise _too_deep(_line(event.start_mark))
                value = {} if isinstance(event, yaml.MappingStartEvent) else []
            elif isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                continue
            elif isinstance(event, yaml.AliasEvent):
                raise ReadError("yaml-alias", _line(event.start_mark), _ALIAS)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents.append(event)
                continue
            elif isinstance(event, yaml.StreamEndEvent) or event is None:
                break
            else:
                continue  # the stream's start, a document's end
            if not stack:  # a document's top level
                top, path = top or event, ""
                if top is event and isinstance(value, dict):
                    parsed.values = value  # anything else at the top is refused below
            else:
                frame = stack[-1]
                if isinstance(frame.items, list):
                    path = f"{frame.prefix}.{len(frame.items)}"
                    parsed.lines[path] = _line(event.start_mark)
                    frame.items.append(value)
                elif frame.key is not None:
                    path = frame.prefix + frame.key
                    frame.items[frame.key], frame.key = value, None
                else:
                    frame.key, mistake = _key(event, frame, parsed.lines, mistake)
                    if not isinstance(value, dict | list):
                        continue
                    path = _REFUSED_KEY
            if isinstance(value, dict):
                stack.append(_Frame(value, path + "." if stack else ""))
            elif isinstance(value, list):
                stack.append(_Frame(value, path))
    finally:
        loader.dispose()
    if len(documents) > 1:  # in the words of PyYAML's composer, which reads one document
        said = ComposerError("expected a single document in the stream", None, "but found another document", None)
        raise ReadError("yaml-syntax", _line(documents[1].start_mark), f"YAML 语法错误：{_explain(said)}")
    if not isinstance(top, yaml.MappingStartEvent):
        line = _line(top.start_mark) if top else 1
        raise ReadError("not-a-mapping", line, "文件应由“字段: 值”组成，例如 name: 网点名称。")
    if mistake:
        raise mistake
    return parsed


def _key(event: yaml.Event, frame: _Frame, lines: dict[str, int], mistake: ReadError | None):
    """A mapping's key: (the key, the first mistake so far). A key must be text, written once."""
    line = _line(event.start_mark)
    if not isinstance(event, yaml.ScalarEvent):
        return _REFUSED_KEY, mistake or ReadError("yaml-syntax", line, "字段名必须是简单文字。")
    key = event.value
    path = frame.prefix + key
    if key in frame.items and mistake is None:
        message = f"字段 {key} 写了两次（第 {lines[path]} 行已有），请删去一处。"
        mistake = ReadError("yaml-duplicate-key", line, message)
    lines[path] = line
    return key, mistake


# Records as editors write them: `key: value` lines, lists of values or of `key: value` groups (sources), comments.
# Such text is read here, line by line, for a tenth of what libyaml's events cost (issue 27); anything else, or
# anything that might read otherwise, is None and read by _read. tests/registry/test_yamlread.py holds the two to
# the same values and lines.
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,99}):(?: (.*))?")
_NOT_PLAIN = frozenset(" -?:,[]{}#&*!|>'\"%@`")  # what may not start a plain scalar (or starts something else)
_UNSURE = object()  # a value _quick leaves to _read


def _quick(text: str) -> Parsed | None:
    """``text`` read as _read reads it, when it is in the plain shape above; else None."""
    values: dict = {}
    lines: dict[str, int] = {}
    key = None  # the top-level key whose value came empty: a list may follow
    items: list | None = None  # that list, once its first item came
    indent = 0  # its items' indentation
    item: dict | None = None  # the last item, when it is a mapping
    group = ""  # that item's path, with its dot
    for number, line in enumerate(text.split("\n"), 1):
        if not line.isprintable():
            return None  # a tab, a control or hidden character, another line break: libyaml's to judge
        stripped = line.lstrip(" ")
        if not stripped or stripped[0] == "#":
            continue
        if line[-1] == " ":
            return None
        depth = len(line) - len(stripped)
        if depth == 0:
            found = _KEY.fullmatch(line)
            if found is None or found[1] in values:
                return None
            key, items, item = found[1], None, None
            lines[key] = number
            if found[2] is not None:
                values[key], key = _scalar(found[2]), None
                if values[found[1]] is _UNSURE:
                    return None
            else:
                values[key] = None
        elif key is not None and stripped.startswith("- ") and (items is None or depth == indent):
            if items is None:
                items, indent = [], depth
                values[key] = items
            path = f"{key}.{len(items)}"
            lines[path] = number
            found = _KEY.fullmatch(stripped, 2)
            if found is None:
                item = None
                items.append(_scalar(stripped[2:]))
                if items[-1] is _UNSURE:
                    return None
            else:
                item, group = {}, path + "."
                items.append(item)
                if not _pair(item, found, group, number, lines):
                    return None
        elif item is not None and depth == indent + 2:
            found = _KEY.fullmatch(stripped)
            if found is None or found[1] in item or not _pair(item, found, group, number, lines):
                return None
        else:
            return None
    return Parsed(values, lines) if values else None


def _pair(mapping: dict, found: re.Match, prefix: str, number: int, lines: dict[str, int]) -> bool:
    """One `key: value` of a list item's mapping, kept; False when the value is left to _read."""
    lines[prefix + found[1]] = number
    mapping[found[1]] = None if found[2] is None else _scalar(found[2])
    return mapping[found[1]] is not _UNSURE


def _scalar(text: str):
    """A value written on its key's line: plain, or quoted without escapes; _UNSURE for anything else."""
    first = text[0]
    if first in "\"'":
        inner = text[1:-1]
        if len(text) > 1 and text[-1] == first and first not in inner and "\\" not in inner:
            return inner
        return _UNSURE
    if first in _NOT_PLAIN or ": " in text or " #" in text or text[-1] == ":":
        return _UNSURE
    return None if text in _NULLS else text
