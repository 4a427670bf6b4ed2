"""Loading YAML records: text stays text, bad files are problems, every value keeps its line."""

from __future__ import annotations

import re

import pytest

from servicepoints.registry.load import read_registry
from servicepoints.registry.yamlread import MAX_BYTES, ReadError, decode, parse


def only(registry, code):
    return [(p.code, p.file, p.line) for p in registry.problems if p.code == code]


def test_unquoted_phone_and_hours_load_as_typed_text():
    parsed = parse("phones:\n  - 07608888888\nhours: 09:00-17:00\nflag: no\nother: on\nwhen: 2025-01-15\n")
    assert parsed.values == {
        "phones": ["07608888888"],
        "hours": "09:00-17:00",
        "flag": "no",
        "other": "on",
        "when": "2025-01-15",
    }
    assert parsed.lines == {"phones": 1, "phones.0": 2, "hours": 3, "flag": 4, "other": 5, "when": 6}


def test_empty_values_are_none_but_quoted_empty_is_text():
    assert parse("a:\nb: ~\nc: ''\n").values == {"a": None, "b": None, "c": ""}


@pytest.mark.parametrize(
    ("source", "code", "line"),
    [
        ("malformed.yaml", "yaml-syntax", 4),
        ("dup-key.yaml", "yaml-duplicate-key", 5),
        ("alias-bomb.yaml", "yaml-alias", 2),
        ("not-utf8.yaml", "file-encoding", 2),
        ("empty.yaml", "file-empty", 1),
    ],
)
def test_unreadable_files_are_problems_with_file_and_line(registry_dir, source, code, line):
    registry = read_registry(registry_dir({f"x/{source}": source}))
    assert only(registry, code) == [(code, f"data/points/x/{source}", line)]
    assert registry.records == []


def test_oversized_file_is_a_problem_not_a_crash(registry_dir, tmp_path):
    data = registry_dir({})
    (data / "points" / "big.yaml").write_text("id: big\ndescription: " + "长" * MAX_BYTES + "\n", encoding="utf-8")
    registry = read_registry(data)
    assert only(registry, "file-too-large") == [("file-too-large", "data/points/big.yaml", 1)]


def test_a_list_at_the_top_is_not_a_record():
    with pytest.raises(ReadError) as caught:
        parse("- a\n- b\n")
    assert caught.value.code == "not-a-mapping"


def test_comment_only_file_is_empty():
    with pytest.raises(ReadError) as caught:
        decode(b"# yaml-language-server: $schema=x\n\n")
    assert caught.value.code == "file-empty"


def test_private_block_is_kept_apart_from_the_record(registry_dir, tmp_path):
    data = registry_dir({"good.yaml": "good.yaml"})
    path = data / "points" / "good.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "private:\n  contact: 13900000000\n", encoding="utf-8")
    record = read_registry(data).records[0]
    assert record.private == {"contact": "13900000000"}
    assert "private" not in record.values


@pytest.mark.parametrize(
    ("text", "hint", "line"),
    [
        ("id: x\nname: y\n\ttype: other\n", "Tab", 3),
        ("id: x\nname: 地址: 某路\n", "加引号", 2),
        ("id: x\nname: '未闭合\n", "引号没有闭合", 3),
    ],
)
def test_common_yaml_mistakes_are_explained_in_chinese(text, hint, line):
    with pytest.raises(ReadError) as caught:
        parse(text)
    assert caught.value.code == "yaml-syntax" and hint in caught.value.message
    assert caught.value.line == line


def test_the_record_id_is_defined_once_in_record_id():
    """Record.id (a non-blank text, else None) is the one reading of a record's id outside the raw table row."""
    from conftest import ROOT

    readers = []
    for path in (ROOT / "scripts" / "servicepoints").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"""values(\.get\(|\[)["']id["']""", text):
            readers.append(path.name)
    assert readers == ["load.py"]


@pytest.mark.parametrize("written", ["''", "'  '"])
def test_a_blank_id_is_reported_as_blank_not_also_as_a_file_name_mismatch(written, registry_dir):
    from servicepoints.registry.validate import validate

    data = registry_dir({"a.yaml": "good.yaml"})
    record = data / "points" / "a.yaml"
    record.write_text(re.sub(r"(?m)^id: .*$", f"id: {written}", record.read_text(encoding="utf-8")), encoding="utf-8")
    codes = {p.code for p in validate(read_registry(data)).problems if p.field == "id"}
    assert "blank-value" in codes and "id-filename-mismatch" not in codes
