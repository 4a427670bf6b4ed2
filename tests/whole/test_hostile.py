"""Hostile input: every entry under points/ accounted for, hostile text a problem (never a crash),
a broken set-up one line and exit 2. Each case asserts the exact (code, file, line)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import stat

import pytest
from click.testing import CliRunner

from conftest import fixture, make_registry
from servicepoints.cli import main
from servicepoints.core.errors import SetupError
from servicepoints.registry.load import read_registry
from servicepoints.registry.validate import validate

TODAY = dt.date(2026, 1, 1)
GOOD = fixture("good.yaml").decode()
END = len(GOOD.splitlines()) + 1  # the line of a field added at the end of good.yaml


def found(data) -> list[tuple[str, str, int]]:
    report = validate(read_registry(data), today=TODAY)
    for problem in report.problems:
        assert "None" not in problem.message and "nan" not in problem.message.lower(), problem
        assert problem.file and problem.line >= 1 and problem.message
    return [(p.code, p.file, p.line) for p in report.problems]


def record(rid: str, **changes: str) -> str:
    """good.yaml with another id and some lines replaced (``field="new line"``, or "" to drop it)."""
    lines = GOOD.replace("id: good", f"id: {rid}").splitlines()
    out = []
    for line in lines:
        key = line.split(":", 1)[0]
        if key in changes:
            if changes[key]:
                out.append(changes.pop(key))
        else:
            out.append(line)
    out += [v for v in changes.values() if v]
    return "\n".join(out) + "\n"


@pytest.fixture
def reg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return lambda files: make_registry(tmp_path, files)


# --- every input file is accounted for ---------------------------------------------------------


@pytest.mark.parametrize("name", ["UPPER.YAML", "mixed.Yaml", "short.yml", "SHORT2.YML"])
def test_record_files_in_any_letter_case_and_yml_are_read(reg, name):
    stem = name.rsplit(".", 1)[0]
    rid = stem.lower()
    data = reg({name: record(rid), "good.yaml": GOOD})
    report = validate(read_registry(data), today=TODAY)
    if stem == rid:
        assert report.problems == [] and sorted(p["id"] for p in report.points) == sorted(["good", rid])
    else:  # read, and its upper-case name reported against the id
        assert [(p.code, p.file, p.line) for p in report.problems] == [
            ("id-filename-mismatch", f"data/points/{name}", 1)
        ]


def test_the_same_id_in_a_yaml_and_a_yml_file_is_a_duplicate(reg):
    data = reg({"good.yaml": GOOD, "good.yml": GOOD})
    assert found(data) == [("duplicate-id", "data/points/good.yml", 1)]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("notes.txt", "not-a-record"),
        ("good.yaml.bak", "not-a-record"),
        ("tm-guzhen.yaml.txt", "not-a-record"),  # Windows hid the real ending
        ("good.yaml~", "not-a-record"),
        ("README", "not-a-record"),
        ("record.json", "not-a-record"),
    ],
)
def test_other_files_are_errors_naming_the_file(reg, name, code):
    data = reg({"good.yaml": GOOD, f"sub/{name}": "id: x\n"})
    assert found(data) == [(code, f"data/points/sub/{name}", 1)]


def test_hidden_files_are_warnings_not_silence(reg):
    data = reg({"good.yaml": GOOD, ".DS_Store": b"\x00\x01", "sub/.gitkeep": ""})
    report = validate(read_registry(data), today=TODAY)
    assert [(p.code, p.file, p.severity) for p in report.problems] == [
        ("not-a-record", "data/points/.DS_Store", "warning"),
        ("not-a-record", "data/points/sub/.gitkeep", "warning"),
    ]
    assert report.ok


def test_a_folder_named_like_a_record_is_reported_and_its_contents_not_read(reg):
    data = reg({"good.yaml": GOOD, "x.yaml/inner.yaml": record("inner"), "ALSO.YML/a.txt": "x"})
    assert found(data) == [
        ("not-a-file", "data/points/ALSO.YML", 1),
        ("not-a-file", "data/points/x.yaml", 1),
    ]


def test_symlinks_outside_or_nowhere_are_refused_inside_are_read(reg, tmp_path):
    data = reg({"good.yaml": GOOD})
    secret = tmp_path / "secret.yaml"
    secret.write_text(record("secret"), encoding="utf-8")
    points = data / "points"
    (points / "outside.yaml").symlink_to(secret)
    (points / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    (points / "loop.yaml").symlink_to(points / "loop.yaml")
    (points / "updir").symlink_to(tmp_path, target_is_directory=True)
    (points / "inside").mkdir()
    (points / "inside" / "good.yaml").symlink_to(points / "good.yaml")
    (points / "again").symlink_to(points / "inside", target_is_directory=True)  # the same folder twice
    problems = found(data)
    assert problems == [
        ("symlink-dangling", "data/points/dangling.yaml", 1),
        ("duplicate-id", "data/points/good.yaml", 1),  # the linked copy, read once for two ways in
        ("symlink-dangling", "data/points/loop.yaml", 1),
        ("symlink-outside", "data/points/outside.yaml", 1),
        ("symlink-outside", "data/points/updir", 1),
    ]


def test_a_fifo_is_never_opened(reg):
    data = reg({"good.yaml": GOOD})
    os.mkfifo(data / "points" / "pipe.yaml")  # opening it would block for ever

    def hung(*_):
        raise TimeoutError("the validator opened the pipe and waited")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        assert found(data) == [("not-a-file", "data/points/pipe.yaml", 1)]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_a_problem(reg):
    data = reg({"good.yaml": GOOD, "locked.yaml": record("locked")})
    (data / "points" / "locked.yaml").chmod(0)
    try:
        assert found(data) == [("file-unreadable", "data/points/locked.yaml", 1)]
    finally:
        (data / "points" / "locked.yaml").chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_an_undecodable_file_name_is_shown_not_crashed_on(reg):
    data = reg({"good.yaml": GOOD})
    os.close(os.open(os.fsencode(data / "points") + b"/bad\xff.txt", os.O_CREAT | os.O_WRONLY))
    assert found(data) == [("not-a-record", "data/points/bad\ufffd.txt", 1)]


def test_an_empty_registry_is_an_error_not_all_valid(reg):
    data = reg({})
    assert found(data) == [("registry-empty", "data/points", 1)]
    result = CliRunner().invoke(main, ["validate", "--data", str(data)])
    assert result.exit_code == 1 and "全部通过" not in result.output


def test_a_registry_of_only_unreadable_files_is_not_called_empty(reg):
    assert found(reg({"a.yaml": ""})) == [("file-empty", "data/points/a.yaml", 1)]


@pytest.mark.parametrize(
    "breakage",
    [
        "no-data",
        "data-is-a-file",
        "no-points",
        "points-is-a-file",
        "points-links-outside",
        "no-datapackage",
        "datapackage-not-json",
        "datapackage-a-list",
        "no-points-table",
        "codelist-path-escapes",
        "codelist-absolute",
        "codelist-not-utf8",
        "codelist-missing",
        "table-name-escapes",
        "table-name-absolute",
    ],
)
def test_a_broken_data_folder_is_one_line_and_exit_two(reg, tmp_path, breakage):
    data = reg({"good.yaml": GOOD})
    target = data
    if breakage == "no-data":
        target = tmp_path / "nowhere"
    elif breakage == "data-is-a-file":
        target = data / "towns.csv"
    elif breakage == "no-points":
        (data / "points" / "good.yaml").unlink()
        (data / "points").rmdir()
    elif breakage == "points-is-a-file":
        (data / "points" / "good.yaml").unlink()
        (data / "points").rmdir()
        (data / "points").write_text("x", encoding="utf-8")
    elif breakage == "points-links-outside":
        (data / "points").rename(tmp_path / "elsewhere")
        (data / "points").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    elif breakage == "no-datapackage":
        (data / "datapackage.json").unlink()
    elif breakage == "datapackage-not-json":
        (data / "datapackage.json").write_text("{ not json", encoding="utf-8")
    elif breakage == "datapackage-a-list":
        (data / "datapackage.json").write_text("[1, 2]", encoding="utf-8")
    elif breakage == "no-points-table":
        (data / "datapackage.json").write_text('{"resources": [{"name": "towns"}]}', encoding="utf-8")
    else:
        text = (data / "datapackage.json").read_text(encoding="utf-8")
        if breakage == "codelist-path-escapes":
            text = text.replace('"path": "towns.csv"', '"path": "../../../../etc/passwd"')
        elif breakage == "codelist-absolute":
            text = text.replace('"path": "towns.csv"', '"path": "/etc/passwd"')
        elif breakage == "codelist-not-utf8":
            (data / "towns.csv").write_bytes("code,name\n1,中山\n".encode("gb18030"))
        elif breakage == "codelist-missing":
            (data / "towns.csv").unlink()
        elif breakage == "table-name-escapes":  # the name is also the published file opendata/NAME.csv
            text = text.replace('"name": "channels"', '"name": "../../evil"')
        elif breakage == "table-name-absolute":
            text = text.replace('"name": "channels"', '"name": "/tmp/evil"')
        (data / "datapackage.json").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--data", str(target)])
    assert result.exit_code == 2, (breakage, result.output)
    assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("servicepoints: ")
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    with pytest.raises(SetupError):
        read_registry(target)


# --- hostile content is a problem, not a crash ---------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code", "at"),
    [
        ('name: "测试\\x07站"', "control-character", 2),
        ('name: "测试\\t站"', "control-character", 2),
        ('name: "两行\\n名称"', "control-character", 2),  # only description may hold line breaks
        ('name: "a\\r"', "control-character", 2),
        ('name: "\\x1b[31m红色"', "control-character", 2),  # a terminal escape
        ('name: "测试\\u200b站"', "invisible-character", 2),  # zero-width space
        ('name: "\\u202e站标商试测"', "invisible-character", 2),  # right-to-left override
        ('name: "\\u2066测试\\u2069"', "invisible-character", 2),  # isolates
        ('name: "\\ufeff测试"', "invisible-character", 2),
        ('name: "测试\\u2028站"', "invisible-character", 2),  # line separator
        ('name: "\\u3164"', "invisible-character", 2),  # Hangul filler that looks blank
        ('name: "\\ue000私用"', "invisible-character", 2),  # private use
        ('address: "某路\\u200d1号"', "invisible-character", END),
        ('name: ""', "blank-value", 2),
        ('name: "   "', "blank-value", 2),
        ('name: "\\u3000\\u3000"', "blank-value", 2),  # full-width spaces
        ('name: "\\u00a0"', "blank-value", 2),  # no-break space
        ("town: ' '", "blank-value", 4),
    ],
)
def test_hostile_text_is_a_problem_at_its_line(reg, line, code, at):
    key = line.split(":", 1)[0]
    data = reg({"good.yaml": record("good", **{key: line})})
    assert (code, "data/points/good.yaml", at) in found(data)


def test_hostile_characters_in_list_items_point_at_the_item(reg):
    text = record("good", phones='phones:\n  - 07608888888\n  - "0760\\u200b8888888"')
    data = reg({"good.yaml": text})
    assert ("invisible-character", "data/points/good.yaml", 11) in found(data)


def test_line_breaks_are_fine_in_the_description_but_not_control_characters(reg):
    ok = reg({"good.yaml": record("good", description='description: "第一段\\n第二段"')})
    assert found(ok) == []
    (ok / "points" / "good.yaml").write_text(record("good", description='description: "a\\x00b"'), "utf-8")
    assert found(ok) == [("control-character", "data/points/good.yaml", END)]


@pytest.mark.parametrize(
    "value",
    [
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e999",
        "1e3",
        "2.261e1",
        "1" + "0" * 5000,
        "0x16",
        "22,61",
        "22.61.1",
        "+22.61",
        "٢٢.٦١",
        "1_000",
        ".5",
        "22.",
    ],
)
def test_numbers_must_be_plain_finite_decimals(reg, value):
    data = reg({"good.yaml": record("good", lat=f"lat: '{value}'")})
    problems = found(data)
    assert problems == [("type-error", "data/points/good.yaml", 6)], problems


def test_a_huge_integer_in_a_text_field_is_just_text(reg):
    data = reg({"good.yaml": record("good", address="address: " + "9" * 150)})
    assert found(data) == []


@pytest.mark.parametrize("depth", [9, 50, 5000])
def test_deep_nesting_is_a_problem_not_a_crash(reg, depth):
    data = reg({"good.yaml": record("good", description="description: " + "[" * depth + "]" * depth)})
    assert found(data) == [("yaml-too-deep", "data/points/good.yaml", END)]


def test_deep_block_nesting_is_caught_at_its_line(reg):
    nested = "alternate_name:\n" + "".join("  " * i + "-\n" for i in range(1, 11))
    data = reg({"good.yaml": GOOD + nested})
    assert found(data) == [("yaml-too-deep", "data/points/good.yaml", END + 8)]  # the 9th level opens there


def test_values_longer_than_their_maximum(reg):
    data = reg({"good.yaml": record("good", name="name: " + "长" * 121)})
    assert found(data) == [("constraint-error", "data/points/good.yaml", 2)]


def test_a_huge_file_is_not_read_whole(reg):
    data = reg({"good.yaml": GOOD, "huge.yaml": "name: " + "x" * (10 * 1024 * 1024) + "\n"})
    assert found(data) == [("file-too-large", "data/points/huge.yaml", 1)]


def test_mapping_keys_that_are_not_text_and_odd_documents(reg):
    data = reg(
        {
            "good.yaml": GOOD,
            "list.yaml": "- a\n- b\n",
            "two.yaml": GOOD + "---\nid: two\n",
            "keys.yaml": "? [a, b]\n: c\n",
            "null.yaml": "~\n",
            "tag.yaml": "name: !!python/object:os.system echo\n",
        }
    )
    problems = found(data)
    assert {(c, f) for c, f, _ in problems} >= {
        ("not-a-mapping", "data/points/list.yaml"),
        ("yaml-syntax", "data/points/two.yaml"),
        ("yaml-syntax", "data/points/keys.yaml"),
        ("not-a-mapping", "data/points/null.yaml"),
    }
