"""Every command against a hostile registry: every code-list cell holds hostile text, and data/ holds links
out of itself (a record, a type folder, the schema file). No traceback; exit 1 or 2; nothing written
outside data/ or the output folder, and nothing read through a link out."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os

import pytest
from click.testing import CliRunner

from conftest import DATA, ROOT, fixture, make_registry
from servicepoints.cli import main

HOSTILE = [
    "../../../outside",
    "a\u202eb",
    "a\u200bb",
    "a\x00b",
    "a\x07b",
    '"quoted", too',
    "line\nbreak",
    "::error file=x::pwned",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "   ",
    "２０２６-10-01",
    "x" * 40000,
    "=cmd|' /C calc'!A0",
    "https://www.zs.gov.cn@evil.example/",
]
DESCRIPTOR = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
CODE_LISTS = [r["path"] for r in DESCRIPTOR["resources"] if "x-source" not in r and "x-derived-from" not in r]
NEW = ["new", "--type", "trademark-station", "--town", "小榄镇", "--name", "新网点"]
COMMANDS = {
    "validate": ["validate"],
    "validate-json": ["validate", "--format", "json"],
    "validate-github": ["validate", "--format", "github"],
    "build": ["build", "--out", "{out}", "--config", str(ROOT / "mkdocs.yml")],
    "serve": ["serve", "--out", "{out}", "--config", str(ROOT / "mkdocs.yml")],
    "new": NEW,
    "new-hostile-town": ["new", "--type", "../../x", "--town", "../../x", "--name", "a\nb"],
    "stale": ["stale"],
    "nearest": ["nearest", "22.5", "113.4"],
    "schema": ["schema"],
    "schema-write": ["schema", "--write"],
    "sheet": ["sheet", "--out", "{out}.xlsx"],
    "import": ["import", "{returned}"],
    "import-write": ["import", "{returned}", "--write", "--by", "某镇政务服务中心"],
}
RETURNED = "编号,名称,电话\n../../x,\u202e假,=cmd|' /C calc'!A0\ngood,改名,0760-88888888\n"


def hostile_code_lists(data) -> None:
    """Every cell of every code list (header kept) replaced by the next hostile text."""
    texts = itertools.cycle(HOSTILE)
    for name in CODE_LISTS:
        path = data / name
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        rows = rows[:1] + [[next(texts) for _ in row] for row in rows[1:4]]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")


def links_out(data, outside) -> None:
    """A record, a type folder and the schema file that lead out of data/."""
    (outside / "record.yaml").write_bytes(fixture("good.yaml").replace(b"id: good", b"id: record"))
    (outside / "folder").mkdir()
    (outside / "schema.json").write_text("keep", encoding="utf-8")
    (data / "points" / "record.yaml").symlink_to(outside / "record.yaml")
    (data / "points" / "trademark-station").symlink_to(outside / "folder", target_is_directory=True)
    (data / "points" / "assistance-station").symlink_to(outside / "folder", target_is_directory=True)
    (data / "point.schema.json").unlink(missing_ok=True)
    (data / "point.schema.json").symlink_to(outside / "schema.json")


def snapshot(root, skip=()) -> dict[str, bytes | str]:
    """Every file and link under root (links by their target), except under the skipped folders."""
    found: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if any(rel == s or rel.startswith(s + os.sep) for s in skip):
                continue
            if os.path.islink(path):
                found[rel] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as handle:
                    found[rel] = handle.read()
    return found


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SERVICEPOINTS_")]:
        monkeypatch.delenv(name)
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    outside = tmp_path / "outside"
    outside.mkdir()
    return tmp_path, data, outside


@pytest.mark.parametrize("setup", ["hostile-code-lists", "links-out", "both"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_fails_cleanly_and_writes_nothing_outside(world, setup, command):
    root, data, outside = world
    if setup != "links-out":
        hostile_code_lists(data)
    if setup != "hostile-code-lists":
        links_out(data, outside)
    out = root / "site-out"
    returned = root / "returned.csv"
    returned.write_text(RETURNED, encoding="utf-8")
    args = [a.replace("{out}", str(out)).replace("{returned}", str(returned)) for a in COMMANDS[command]]
    before = snapshot(root, skip=["data", "site-out", "site-out.xlsx"])
    inside = snapshot(data)
    result = CliRunner().invoke(main, [*args, "--data", str(data)])
    assert result.exception is None or isinstance(result.exception, SystemExit), (result.output, result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code in (1, 2), result.output
    assert result.output.strip(), "a failure says why"
    assert snapshot(root, skip=["data", "site-out", "site-out.xlsx"]) == before  # nothing outside data/, the output
    assert snapshot(outside) == before_outside(before)
    if result.exit_code:
        assert snapshot(data) == inside  # a refused command leaves data/ as it was
        assert not out.exists() and not (root / "site-out.xlsx").exists()


def before_outside(before: dict) -> dict:
    return {k.removeprefix("outside" + os.sep): v for k, v in before.items() if k.startswith("outside" + os.sep)}


def test_the_outside_record_is_never_read(world):
    root, data, outside = world
    links_out(data, outside)
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--data", str(data)])
    body = json.loads(result.output)
    assert result.exit_code == 1 and not any(p["record"] == "record" for p in body["problems"])
    assert any(p["code"] == "symlink-outside" for p in body["problems"])
