"""The record reader reads each file in one pass over the parser's events (issue 27: the YAML was parsed twice,
once to refuse anchors and deep nesting, once to build the tree). What it makes of any text is what the two-pass
reader made of it: the same values and lines, or the same problem at the same line. The two-pass reader is kept
here, as the oracle, built on PyYAML's own composer."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import DATA, FIXTURES
from servicepoints.registry.yamlread import (
    _NULLS,
    MAX_DEPTH,
    Parsed,
    ReadError,
    _events,
    _explain,
    _Loader,
    _quick,
    _too_deep,
    decode,
    parse,
)


def composed(text: str) -> Parsed:
    """The two-pass reader: refuse anchors, aliases and deep nesting over the events, then compose a node tree."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ReadError("yaml-alias", event.start_mark.line + 1, "")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(event.start_mark.line + 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ReadError("yaml-syntax", mark.line + 1 if mark else 1, f"YAML 语法错误：{_explain(exc)}") from None
    except yaml.YAMLError as exc:
        raise ReadError("yaml-syntax", 1, f"YAML 语法错误：{exc}") from None
    if not isinstance(node, yaml.MappingNode):
        raise ReadError("not-a-mapping", node.start_mark.line + 1 if node else 1, "")
    parsed = Parsed()
    parsed.values = _mapping(node, parsed.lines, "")
    return parsed


def _mapping(node: yaml.MappingNode, lines: dict[str, int], prefix: str) -> dict:
    out: dict = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise ReadError("yaml-syntax", line, "字段名必须是简单文字。")
        if key_node.value in out:
            raise ReadError("yaml-duplicate-key", line, f"{lines[prefix + key_node.value]}")
        lines[prefix + key_node.value] = line
        out[key_node.value] = _value(value_node, lines, prefix + key_node.value)
    return out


def _value(node: yaml.Node, lines: dict[str, int], path: str):
    if isinstance(node, yaml.ScalarNode):
        return None if not node.style and node.value in _NULLS else node.value
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[f"{path}.{i}"] = item.start_mark.line + 1
            items.append(_value(item, lines, f"{path}.{i}"))
        return items
    return _mapping(node, lines, path + ".")


def outcome(read, text: str):
    """What a reader makes of a text: values and lines, or the problem's code and line (and, for a YAML syntax
    error or a key written twice, what the message says of it)."""
    try:
        parsed = read(text)
    except ReadError as exc:
        said = exc.message if exc.code == "yaml-syntax" else ""
        if exc.code == "yaml-duplicate-key":
            said = exc.message.split("第 ")[1].split(" 行")[0] if read is parse else exc.message
        return exc.code, exc.line, said
    return parsed.values, parsed.lines


# Pieces of records, right and wrong: plain, quoted and block values, lists, nested mappings, anchors and
# aliases, keys that are lists or written twice, several documents, tags, deep nesting, broken syntax.
PIECES = [
    "id: a\n",
    "name: '名称'\n",
    'phones:\n  - 0760-1\n  - "0760-2"\n',
    "sources:\n  - title: t\n    url: u\n  - title: v\n",
    "- z\n",
    "&a x\n",
    "*a\n",
    "c: &b [1, 2]\n",
    "d: *b\n",
    "? [k]\n: v\n",
    "? {k: 1}\n: v\n",
    "---\n",
    "...\n",
    "e: {f: [g, {h: i}]}\n",
    "id: b\n",
    "  nested: 3\n",
    "x: 'q\n",
    "\t: tab\n",
    "y: [[[[[[[[[1]]]]]]]]]\n",
    "y: [[[[[[[[1]]]]]]]]\n",
    "~\n",
    "null: 1\n",
    "k: ~\n",
    "k: ''\n",
    "k: |\n  text\n",
    "- {a: 1, a: 2}\n",
    "name: !!python/object:os.system echo\n",
    "m:\n  n:\n    o: p\n",
    "m:\n  n: 1\n  n: 2\n",
    "- [a, b]\n",
    ": empty\n",
    "%YAML 1.1\n",
    "q: `x\n",
    "r: a: b\n",
    "s:\n- 1\n-\n",
    "? \n",
    "t: !tag v\n",
    "{a: b}\n",
    "[a]\n",
    "'text'\n",
    "v: &anchor\n",
    "w: x # comment\n",
    "# comment\n",
    "\ufeffz: 1\n",
    "a\x85b: 1\n",
    "bad: \x07\n",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=12), min_size=1, max_size=7).map("".join))
@example("id: a\n---\nid: b\n")
@example("a: 1\n? [k]\n: v\na: 2\n")
@example("a: 1\na: 2\nb: 'open\n")
@example("a: 1\na: 2\nb: &x 1\n")
@example("- {a: 1, a: 2}\n")
@example("a: 1\n---\n- &x 1\n")
def test_one_pass_reads_every_text_as_the_two_pass_reader_did(text):
    assert outcome(parse, text) == outcome(composed, text)


def test_the_mistakes_only_a_whole_stream_shows_come_after_the_parser_has_read_it(tmp_path):
    # A key written twice, then a quote never closed: the syntax error, where the parser stops.
    assert outcome(parse, "a: 1\na: 2\nb: 'open\n")[:2] == ("yaml-syntax", 4)
    # A key written twice, then an anchor: the anchor, refused where it is written.
    assert outcome(parse, "a: 1\na: 2\nb: &x 1\n")[:2] == ("yaml-alias", 3)
    # Two documents, the second with a key written twice inside a top level that is a list.
    with pytest.raises(ReadError) as caught:
        parse("id: a\n---\n- {b: 1, b: 2}\n")
    assert (caught.value.code, caught.value.line) == ("yaml-syntax", 2)
    assert caught.value.message == "YAML 语法错误：but found another document。"
    # A top level that is a list holding a key written twice: not a record at all.
    assert outcome(parse, "- {a: 1, a: 2}\n")[:2] == ("not-a-mapping", 1)
    # The first of two mistakes in reading order: a list as a key (line 2) before a key written twice (line 4).
    assert outcome(parse, "a: 1\n? [k]\n: v\na: 2\n")[:2] == ("yaml-syntax", 2)


def test_a_key_written_twice_names_the_line_it_was_first_written_on():
    with pytest.raises(ReadError) as caught:
        parse("id: a\nsources:\n  - title: t\n    url: u\n    title: v\n")
    assert (caught.value.code, caught.value.line) == ("yaml-duplicate-key", 5)
    assert caught.value.message == "字段 title 写了两次（第 3 行已有），请删去一处。"


def test_nested_values_keep_their_lines():
    parsed = parse("id: a\nsources:\n  - title: t\n    url: u\n  -\n    title: v\nphones: [1, '']\n")
    assert parsed.values == {
        "id": "a",
        "sources": [{"title": "t", "url": "u"}, {"title": "v"}],
        "phones": ["1", ""],
    }
    assert parsed.lines == {
        "id": 1,
        "sources": 2,
        "sources.0": 3,
        "sources.0.title": 3,
        "sources.0.url": 4,
        "sources.1": 6,
        "sources.1.title": 6,
        "phones": 7,
        "phones.0": 7,
        "phones.1": 7,
    }


# issue 27: records in the shape editors write (`key: value`, lists of values or of `key: value` groups, comments)
# are read line by line (_quick), anything else from the parser's events. Texts in that shape, most of them, and
# over its edges: keys and values of every kind YAML reads otherwise, odd indentation, odd lines.
KEYS = ["id", "name", "sources", "title", "url", "a_b", "X1"]
ODD_KEYS = ["1a", "a-b", "ключ", "'q'", "? k", "k k", "-", "a" * 101]
VALUES = ["x", "中文名称", "0760-88888888", "http://x/y?a=1#f", "a:b", "a#b", "a  b", "a[b]{c},d", "~", "null",
          "Null", "nUll", "NULL", "'q'", "''", '"q"', '""', '"a #b"', '"a: b"', "'a\"b'", "2024-01-19", "x-y", "a'b",
          'a"b']  # fmt: skip
ODD_VALUES = ["", " x", "x ", "a: b", "a:", "a #b", "-1", "- a", "-", "#x", "&a", "*a", "!x", "|", ">", "%x", "@x",
              "`x", ",x", "?x", "? x", ":x", "[a, b]", "{a: b}", "'it''s'", '"a\\"b"', '"x', "'x", '"a"b"', "---",
              "...", '"a\\tb"', '"\\u4e2d"',
              "a\tb", "a\u3000b", "a\u200bb", "a\x85b", "a\u2028b", "a\rb", "\ufeffx", "a\x7fb"]  # fmt: skip
ODD_LINES = ["# c", "  # c", "#", "", "   ", "---", "...", "-", "  -", "  more", "%YAML 1.1", "? k", "k: v # c"]


def mostly(usual: list, odd: list, text: str) -> st.SearchStrategy[str]:
    """One of ``usual``, or about one time in fifteen something odd (or any text made of ``text``)."""
    rare = st.sampled_from(odd) | st.text(st.sampled_from(text), max_size=5)
    return st.integers(0, 14).flatmap(lambda n: st.sampled_from(usual) if n else rare)


NEAR_KEYS = mostly(KEYS, ODD_KEYS, "ab_:-' ")
NEAR_VALUES = mostly(VALUES, ODD_VALUES, " :#-'\"ab\\\t")


@st.composite
def near_records(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        key, shape = draw(NEAR_KEYS), draw(st.sampled_from(["value", "empty", "list", "groups"]))
        lines.append(f"{key}: {draw(NEAR_VALUES)}" if shape == "value" else f"{key}:")
        indent = draw(mostly(["  "], ["", " ", "   ", "    "], " "))
        for _ in range(draw(st.integers(1, 3)) if shape in ("list", "groups") else 0):
            if shape == "list":
                lines.append(f"{indent}- {draw(NEAR_VALUES)}")
                continue
            lines.append(f"{indent}- {draw(NEAR_KEYS)}: {draw(NEAR_VALUES)}")
            for _ in range(draw(st.integers(0, 2))):
                inner = draw(mostly([indent + "  "], [indent, indent + " ", indent + "    ", ""], " "))
                lines.append(f"{inner}{draw(NEAR_KEYS)}:{draw(mostly([' '], [''], ' '))}{draw(NEAR_VALUES)}")
    if draw(st.integers(0, 2)) == 0:  # a comment, a blank or an odd line anywhere
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(ODD_LINES) | st.text(max_size=6)))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=1500, deadline=None)
@given(near_records())
@example("id: a\nsources:\n  - title: t\n    url: \"http://x\"\n    date: 2024-01-19\n  - title: '中文'\n")
@example("id: a\nname:\nphones:\n  - 1\n  # c\n  - ''\nk: ~\n")
@example("id: a\nname: b\n  c\n")
@example("id: a\nsources:\n  - title: t\n    note:\n      - x\n")
def test_records_read_line_by_line_read_as_the_events_read_them(text):
    quick = _quick(text)
    if quick is not None:
        assert outcome(lambda _: quick, text) == outcome(composed, text) == outcome(_events, text)
        assert json.dumps(quick.values) == json.dumps(_events(text).values)  # the keys in the file's order too


@pytest.mark.parametrize("value", VALUES + ODD_VALUES)
@pytest.mark.parametrize(
    "template",
    ["id: a\nname: {}\n", "id: {}", "phones:\n  - {}\n  - b\n", "s:\n  - t: {}\n    u: {}\nid: a\n"],
)
def test_every_value_read_line_by_line_reads_as_the_events_read_it(template, value):
    text = template.format(value, value)
    quick = _quick(text)
    if quick is not None:
        assert outcome(lambda _: quick, text) == outcome(_events, text)


def test_the_shipped_records_and_the_good_fixture_are_read_line_by_line():
    # Else the quick reader saves nothing: every shipped record is in its shape.
    files = sorted(DATA.glob("points/**/*.yaml")) + [FIXTURES / "points" / "good.yaml"]
    for path in files:
        text = decode(path.read_bytes())
        quick = _quick(text)
        assert quick is not None, path
        assert json.dumps([quick.values, quick.lines]) == json.dumps([_events(text).values, _events(text).lines])
