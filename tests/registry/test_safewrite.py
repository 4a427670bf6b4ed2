"""Writers never leave data/: write_inside, and the commands that write through it (new, schema --write)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from conftest import fixture, make_registry
from servicepoints.cli import main
from servicepoints.core.errors import SetupError
from servicepoints.registry.safewrite import write_inside

NEW = ["new", "--type", "assistance-station", "--town", "小榄镇", "--name", "新网点"]  # no record of this type yet


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SERVICEPOINTS_")]:
        monkeypatch.delenv(name)
    return make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_writes_a_new_file_in_new_folders(data):
    path = write_inside(data, "points/a/b/x.yaml", "id: x\n", new=True)
    assert path == data / "points" / "a" / "b" / "x.yaml" and path.read_text() == "id: x\n"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no scratch file left
    with pytest.raises(SetupError, match="已经存在"):
        write_inside(data, "points/a/b/x.yaml", "other\n", new=True)
    assert path.read_text() == "id: x\n"


@pytest.mark.parametrize("name", ["../x.yaml", "points/../../x.yaml", "/tmp/x.yaml", "points/\x00.yaml", "a\\..\\x"])
def test_names_that_leave_the_folder_are_refused(data, name):
    with pytest.raises(SetupError):
        write_inside(data, name, "x")


def test_links_on_the_way_or_at_the_target_are_refused(data, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.json").write_text("keep", encoding="utf-8")
    (data / "points" / "linked").symlink_to(outside, target_is_directory=True)
    (data / "point.schema.json").unlink(missing_ok=True)
    (data / "point.schema.json").symlink_to(outside / "victim.json")
    with pytest.raises(SetupError, match="链接"):
        write_inside(data, "points/linked/x.yaml", "x")
    with pytest.raises(SetupError, match="链接"):
        write_inside(data, "point.schema.json", "x")
    assert tree(outside) == {"victim.json": b"keep"}


def test_new_refuses_a_type_folder_that_is_a_link_out(data, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (data / "points" / "assistance-station").symlink_to(outside, target_is_directory=True)
    result = CliRunner().invoke(main, [*NEW, "--data", str(data)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert "链接" in result.output and list(outside.iterdir()) == []


def test_new_refuses_a_town_slug_that_leaves_the_folder(data, tmp_path):
    towns = (data / "towns.csv").read_text(encoding="utf-8").replace(",xiaolan,", ",../../../evil,")
    (data / "towns.csv").write_text(towns, encoding="utf-8")
    before = tree(tmp_path)
    result = CliRunner().invoke(main, [*NEW, "--data", str(data)])
    assert result.exit_code == 1 and "towns.csv" in result.output and "slug" in result.output, result.output
    assert "Traceback" not in result.output and tree(tmp_path) == before


def test_new_writes_inside_and_says_where(data):
    result = CliRunner().invoke(main, [*NEW, "--data", str(data)])
    assert result.exit_code == 0, result.output
    written = data / "points" / "assistance-station" / "assistance-station-xiaolan-1.yaml"
    assert written.is_file() and "data/points/assistance-station/assistance-station-xiaolan-1.yaml" in result.output
    assert written.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../../point.schema.json")


def test_schema_write_refuses_a_linked_target(data, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    (data / "point.schema.json").unlink(missing_ok=True)
    (data / "point.schema.json").symlink_to(victim)
    result = CliRunner().invoke(main, ["schema", "--write", "--data", str(data)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert victim.read_text(encoding="utf-8") == "keep"


def test_schema_write_writes_the_schema(data):
    (data / "point.schema.json").unlink(missing_ok=True)
    result = CliRunner().invoke(main, ["schema", "--write", "--data", str(data)])
    assert result.exit_code == 0 and (data / "point.schema.json").read_text(encoding="utf-8").startswith("{")


@pytest.mark.parametrize("where", ["missing", "outside", "folder"])
def test_validate_file_that_is_not_read_is_never_reported_valid(data, tmp_path, where):
    target = {
        "missing": data / "points" / "nope.yaml",
        "outside": tmp_path / "elsewhere.yaml",
        "folder": data / "points",
    }[where]
    if where == "outside":
        target.write_bytes(fixture("good.yaml"))
    result = CliRunner().invoke(main, ["validate", str(target), "--data", str(data)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert "全部通过" not in result.output


def test_validate_file_inside_reports_only_that_file(data):
    (data / "points" / "bad.yaml").write_bytes(fixture("unknown-town.yaml"))
    only_good = CliRunner().invoke(main, ["validate", str(data / "points" / "good.yaml"), "--data", str(data)])
    assert only_good.exit_code == 0, only_good.output
    only_bad = CliRunner().invoke(main, ["validate", str(data / "points" / "bad.yaml"), "--data", str(data)])
    assert only_bad.exit_code == 1 and "unknown-town" in only_bad.output
