"""The theme's stylesheet without the rules this site can never use (issue 27, lighter pages).

mkdocs-material ships one stylesheet for every feature it has: content tabs, code annotations, versions,
blog posts, tooltips. A rule can only apply to a page when every class its selector requires is a class
something of ours can write. Those classes are the words of the texts that make our pages: the theme's
templates, our templates and scripts, the Markdown pages, the code that writes HTML, the Markdown extensions
in use, and the few classes Material's script adds while the page runs (``material.RUNTIME_CLASSES``). The
rest of the rules are dropped, and so are custom properties that nothing reads any more (mostly icons drawn
as data URIs for the dropped rules).

The words come from code, templates and pages, never from the data: the stylesheet, and so its name, is the
same for every registry, and an editor's preview of one changed record never changes it.

Everything here is text to text; the plugin reads the files and writes the result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z_][\w-]*")
_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)(?![\w\\-])")  # a class written with an escape is never matched
_PROPERTY = re.compile(r"--[A-Za-z_][\w-]*")
_READ = re.compile(r"var\(\s*(--[A-Za-z_][\w-]*)")
_DECLARED = re.compile(r"\s*(--[A-Za-z_][\w-]*)\s*:")
# Selector functions that match when any one of their selectors matches: checked inside. The contents of
# every other function (:not, :has, :nth-child(... of S)) are ignored, which can only keep a rule.
_ANY_OF = {"is", "where", "matches", "-webkit-any", "-moz-any"}
_FUNCTION_NAME = re.compile(r":([\w-]+)$")
_EQUALS = re.compile(r"([\w-]+)=(\"[^\"]*\"|'[^']*'|[\w-]+)")  # [name=value], nothing else
Attributes = dict[str, frozenset[str]]  # attribute name -> every value our pages can give it
_SPECIAL = re.compile(r"/\*|[\"'()\[\]{},;]")
_GROUPING = ("@media", "@supports", "@layer", "@container", "@document")  # at-rules that hold rules


@dataclass(frozen=True)
class Block:
    """One statement of a stylesheet: ``prelude { body }``, or ``prelude;`` when ``body`` is None."""

    prelude: str
    body: str | None


def words(texts: Iterable[str]) -> frozenset[str]:
    """Every word (letters, digits, ``_`` and ``-``) of ``texts``: the class names they can write."""
    found: set[str] = set()
    for text in texts:
        found.update(_WORD.findall(text))
    return frozenset(found)


def properties(texts: Iterable[str]) -> frozenset[str]:
    """Every custom property name (``--name``) that ``texts`` mention."""
    found: set[str] = set()
    for text in texts:
        found.update(_PROPERTY.findall(text))
    return frozenset(found)


def _skip_string(text: str, i: int) -> int:
    """The index just after the string that starts at ``i``."""
    quote, i = text[i], i + 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _scan(text: str):
    """Each bracket, separator (``,`` ``;``) and string start of ``text``, outside comments, with its bracket
    depth: a bracket has the depth of the text around it, what it holds one more. Other characters are
    not yielded: no caller needs them, and skipping them keeps a 140 KB stylesheet fast."""
    depth, i = 0, 0
    while (match := _SPECIAL.search(text, i)) is not None:
        i, c = match.start(), match.group(0)
        if c == "/*":
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
            continue
        if c in "\"'":
            yield i, depth
            i = _skip_string(text, i)
            continue
        if c in "([{":
            yield i, depth
            depth += 1
        elif c in ")]}":
            depth = max(depth - 1, 0)
            yield i, depth
        else:
            yield i, depth
        i += 1


def _closing(text: str, i: int) -> int:
    """The index of the bracket that closes the one at ``i``, or -1."""
    for j, depth in _scan(text[i:]):
        if depth == 0 and j > 0 and text[i + j] in ")]}":
            return i + j
    return -1


def _without_comments(text: str) -> str:
    out, last = [], 0
    for match in re.finditer(r"/\*.*?(\*/|$)|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", text, re.S):
        if match.group(0).startswith("/*"):
            out.append(text[last : match.start()])
            last = match.end()
    out.append(text[last:])
    return "".join(out)


def split_top(text: str, separator: str = ",") -> list[str]:
    """``text`` cut at each ``separator`` outside strings and brackets."""
    parts, start = [], 0
    for i, depth in _scan(text):
        if depth == 0 and text[i] == separator:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def blocks(css: str) -> list[Block]:
    """The top-level statements of ``css``, comments dropped."""
    css = _without_comments(css)
    found: list[Block] = []
    start, opened = 0, -1
    for i, depth in _scan(css):
        c = css[i]
        if depth == 0 and c == ";" and opened < start:
            if css[start:i].strip():
                found.append(Block(css[start:i].strip(), None))
            start = i + 1
        elif depth == 0 and c == "{":
            opened = i
        elif depth == 0 and c == "}":
            if opened >= start:  # a stray "}" (broken input) is dropped with what precedes it
                found.append(Block(css[start:opened].strip(), css[opened + 1 : i]))
            start = i + 1
    return found


def possible(selector: str, classes: frozenset[str], attributes: Attributes | None = None) -> bool:
    """Whether ``selector`` can match an element of our pages: False only when it requires a class that is
    not in ``classes``, or ``[name=value]`` with a value ``attributes[name]`` does not hold (other attribute
    selectors and most selector functions are not looked into)."""
    attributes = attributes or {}
    outside: list[str] = []
    i = 0
    while i < len(selector):
        c = selector[i]
        if c in "\"'":
            i = _skip_string(selector, i)
            outside.append(" ")
        elif c in "[(":
            end = _closing(selector, i)
            if end < 0:  # unbalanced: keep the rule
                return True
            inside = selector[i + 1 : end]
            name = _FUNCTION_NAME.search("".join(outside)) if c == "(" else None
            if (
                name
                and name.group(1).lower() in _ANY_OF
                and not any(possible(part, classes, attributes) for part in split_top(inside))
            ):
                return False
            test = _EQUALS.fullmatch(inside.strip()) if c == "[" else None
            if test and test.group(1) in attributes and test.group(2).strip("\"'") not in attributes[test.group(1)]:
                return False
            outside.append(" ")
            i = end + 1
        else:
            outside.append(c)
            i += 1
    return all(name in classes for name in _CLASS.findall("".join(outside)))


def _each_rule(css: str, change: Callable[[Block], str | None]) -> str:
    """``css`` with each style rule replaced by ``change(rule)`` (None drops it), inside at-rules that hold
    rules too (dropping those left empty); statements and other at-rules are kept whole."""
    out: list[str] = []
    for block in blocks(css):
        if block.body is None:
            out.append(block.prelude + ";")
        elif not block.prelude.startswith("@"):
            out.append(change(block) or "")
        elif block.prelude.lower().startswith(_GROUPING):
            inner = _each_rule(block.body, change)
            out.append(f"{block.prelude}{{{inner}}}" if inner else "")
        else:
            out.append(f"{block.prelude}{{{block.body}}}")
    return "".join(out)


def prune(css: str, classes: frozenset[str], attributes: Attributes | None = None) -> str:
    """``css`` (minified output) without the selectors that cannot match, and without rules left empty of
    selectors; at-rules that hold rules are pruned inside, other at-rules are kept whole."""

    def kept(rule: Block) -> str | None:
        selectors = [s for s in split_top(rule.prelude) if possible(s, classes, attributes)]
        return f"{','.join(selectors)}{{{rule.body}}}" if selectors else None

    return _each_rule(css, kept)


def _drop_declarations(css: str, unread: set[str]) -> str:
    def kept(rule: Block) -> str | None:
        body = ";".join(d for d in split_top(rule.body or "", ";") if _declared(d) not in unread)
        return f"{rule.prelude}{{{body}}}" if body.strip() else None

    return _each_rule(css, kept)


def _declared(declaration: str) -> str | None:
    """The custom property ``declaration`` sets, if it sets one."""
    match = _DECLARED.match(declaration)
    return match.group(1) if match else None


def drop_unread_properties(sheets: dict[str, str], read_elsewhere: frozenset[str]) -> dict[str, str]:
    """``sheets`` (name -> css) without the custom properties that no sheet (``var(--name)``) and no other
    text (``read_elsewhere``) reads; repeated until nothing more goes, since a dropped value may have been
    the only reader of another."""
    while True:
        read = {name for css in sheets.values() for name in _READ.findall(css)} | read_elsewhere
        declared = {
            _declared(d) for css in sheets.values() for rule in _rules(css) for d in split_top(rule.body or "", ";")
        }
        unread = {name for name in declared if name is not None and name not in read}
        if not unread:
            return sheets
        sheets = {name: _drop_declarations(css, unread) for name, css in sheets.items()}


def _rules(css: str) -> Iterable[Block]:
    for block in blocks(css):
        if block.body is not None and block.prelude.startswith("@"):
            if block.prelude.lower().startswith(_GROUPING):
                yield from _rules(block.body)
        elif block.body is not None:
            yield block


def pruned(
    sheets: dict[str, str], classes: frozenset[str], attributes: Attributes, read_elsewhere: frozenset[str]
) -> dict[str, str]:
    """The stylesheets our pages get (name -> css): each ``prune``d, then ``drop_unread_properties``."""
    return drop_unread_properties(
        {name: prune(css, classes, attributes) for name, css in sheets.items()}, read_elsewhere
    )


def file_name(theme_name: str, css: str) -> str:
    """``theme_name`` (``main.<hash>.min.css``, as the theme names its files) with the hash of ``css``, so a
    browser's long-lived cache never serves an older cut."""
    stem = theme_name.split(".", 1)[0]
    return f"{stem}.{hashlib.sha256(css.encode('utf-8')).hexdigest()[:8]}.min.css"
