"""`build --out` never deletes what it did not write: refusals, the marker, siblings, killed builds."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, fixture, make_registry
from servicepoints import build as buildmod
from servicepoints.cli import main
from servicepoints.core.errors import SetupError


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root``: file bytes, symlink targets, and folders (so an emptied folder shows)."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = path.read_bytes()
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """``world/repo``: a copy of every tracked file of the repository plus a git folder;
    ``world/others``: someone else's files beside it; ``world/repo/link``: a symlink to the project."""
    world = tmp_path_factory.mktemp("world")
    repo = world / "repo"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".git" / "precious").write_text("history\n", encoding="utf-8")
    (world / "others" / "photos").mkdir(parents=True)
    (world / "others" / "photos" / "cat.jpg").write_bytes(b"\xff\xd8 not really a cat")
    (world / "others" / "notes.txt").write_text("my notes\n", encoding="utf-8")
    (world / "others" / ".hidden").write_text("hidden\n", encoding="utf-8")
    (repo / "link").symlink_to(repo, target_is_directory=True)
    faked = world / "faked"
    faked.mkdir()
    (faked / buildmod.MARKER).write_text("I am not a build\n", encoding="utf-8")
    (faked / "thesis.tex").write_text("\\begin{document}\n", encoding="utf-8")
    linked = world / "linked-marker"
    linked.mkdir()
    (linked / "keep.txt").write_text("keep\n", encoding="utf-8")
    (linked / buildmod.MARKER).symlink_to(ROOT / "README.md")
    return world


REFUSED = [
    ".",
    "..",
    "data",
    "docs",
    "data/points",  # inside the data folder
    "docs/newfolder",  # inside the docs folder, not there yet
    ".git",
    ".git/site",
    "site_templates",
    "site_templates/pages/out",
    "scripts",  # inside the project, someone's (our) source files, no marker
    "link",  # a symlink to the project
    "../others",  # a folder of someone else's files
    "../others/photos",
    "../faked",  # a marker file that is not ours
    "../linked-marker",  # a marker that is a symlink
    "README.md",  # a file
    "../repo/../repo",
    "/",
]


@pytest.mark.parametrize("out", REFUSED)
def test_refused_output_folders_leave_every_byte_in_place(world, out, monkeypatch):
    repo = world / "repo"
    monkeypatch.chdir(repo)
    before = snapshot(world)
    result = CliRunner().invoke(main, ["build", "--out", out])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("servicepoints: 拒绝生成到 "), result.output
    assert "Traceback" not in result.output and "None" not in result.output
    assert snapshot(world) == before


def test_absolute_paths_and_other_data_folders_are_refused_too(world, tmp_path, monkeypatch):
    repo = world / "repo"
    monkeypatch.chdir(tmp_path)
    before = snapshot(world)
    config = str(repo / "mkdocs.yml")
    for out in (repo, repo / "data", world, repo / "docs" / "standard"):
        result = CliRunner().invoke(
            main, ["build", "--config", config, "--data", str(repo / "data"), "--out", str(out)]
        )
        assert result.exit_code == 2 and "拒绝生成到" in result.output, (out, result.output)
    # a data folder outside the project: the output may not hold it or lie in it
    data = make_registry(tmp_path / "elsewhere", {"good.yaml": fixture("good.yaml")})
    for out in (data.parent, data / "points" / "x"):
        result = CliRunner().invoke(main, ["build", "--config", config, "--data", str(data), "--out", str(out)])
        assert result.exit_code == 2 and "数据文件夹" in result.output, (out, result.output)
    assert snapshot(world) == before


def test_the_library_call_refuses_as_the_command_does(world):
    from servicepoints.core.settings import Settings

    before = snapshot(world)
    with pytest.raises(SetupError, match="拒绝生成到"):
        buildmod.build_site(world / "repo" / "mkdocs.yml", world / "repo" / "data", world / "others", Settings())
    assert snapshot(world) == before


def test_a_folder_built_before_markers_existed_is_still_ours(tmp_path):
    old = tmp_path / "site"
    (old / "opendata").mkdir(parents=True)
    (old / "search").mkdir()
    (old / "opendata" / "datapackage.json").write_text('{"name": "zhongshan-ip-service-points"}', encoding="utf-8")
    (old / "search" / "search_index.json").write_text("{}", encoding="utf-8")
    assert buildmod.check_out_dir(old, {}, "zhongshan-ip-service-points") == old.resolve()
    with pytest.raises(SetupError):  # someone else's data package of another name
        buildmod.check_out_dir(old, {}, "another-package")
    with pytest.raises(SetupError):  # without knowing our package, only the marker counts
        buildmod.check_out_dir(old, {}, None)
    (old / "search" / "search_index.json").unlink()
    with pytest.raises(SetupError):
        buildmod.check_out_dir(old, {}, "zhongshan-ip-service-points")


def test_an_empty_existing_folder_and_a_new_one_are_accepted(tmp_path):
    (tmp_path / "empty").mkdir()
    assert buildmod.check_out_dir(tmp_path / "empty", {}) == (tmp_path / "empty").resolve()
    assert buildmod.check_out_dir(tmp_path / "new" / "deeper", {}) == (tmp_path / "new" / "deeper").resolve()


# Siblings a careless build could take for its own: old naming schemes, and our names without our marker.
SIBLINGS = {
    ".out-old/keep.txt": b"old-style name",
    ".out-abc123/keep.txt": b"mkdtemp-style name",
    "out.bak/index.html": b"a backup",
    ".out.servicepoints-staging-foreign/keep.txt": b"our name, not our marker",
    ".out.servicepoints-old-foreign/keep.txt": b"our name, not our marker",
    "outside.txt": b"a file beside",
}


def _tiny(tmp_path: Path) -> Path:
    return make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One real build of a one-record registry, copied by the tests that need an earlier build of ours."""
    root = tmp_path_factory.mktemp("built")
    from conftest import build

    return build(_tiny(root), root / "site")


def _copy_of(built: Path, out: Path) -> Path:
    shutil.copytree(built, out, symlinks=True)
    return out


def _cli_build(data: Path, out: Path):
    config = str(ROOT / "mkdocs.yml")
    return CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out), "--config", config])


def test_rebuilds_replace_only_our_own_output_and_never_siblings(tmp_path, monkeypatch, built):
    assert (built / buildmod.MARKER).read_text(encoding="utf-8") == buildmod._BUILT  # every build is marked
    monkeypatch.chdir(tmp_path)
    data = _tiny(tmp_path)
    world = tmp_path / "w"
    for name, body in SIBLINGS.items():
        (world / name).parent.mkdir(parents=True, exist_ok=True)
        (world / name).write_bytes(body)
    _copy_of(built, world / "out")
    (world / "out" / "stray.txt").write_text("left in an earlier output of ours\n", encoding="utf-8")
    result = _cli_build(data, world / "out")
    assert result.exit_code == 0, result.output
    assert not (world / "out" / "stray.txt").exists()  # our folder is replaced whole
    assert (world / "out" / "points" / "good" / "index.html").is_file()
    assert (world / "out" / buildmod.MARKER).is_file()
    after = snapshot(world)
    assert {k: v for k, v in after.items() if not k.startswith("out/") and k != "out"} == {
        **{name: body for name, body in SIBLINGS.items()},
        **{name.split("/")[0]: "dir" for name in SIBLINGS if "/" in name},
    }


def test_a_build_that_fails_midway_leaves_the_old_site_and_no_staging(tmp_path, monkeypatch, built):
    monkeypatch.chdir(tmp_path)
    data = _tiny(tmp_path)
    _copy_of(built, tmp_path / "out")
    before = snapshot(tmp_path)

    def broken(config):
        Path(config["site_dir"], "half.html").write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")

    monkeypatch.setattr(buildmod, "mkdocs_build", broken)
    from servicepoints.core.settings import Settings

    with pytest.raises(RuntimeError):
        buildmod.build_site(ROOT / "mkdocs.yml", data, tmp_path / "out", Settings(release_date="2026-01-01"))
    assert snapshot(tmp_path) == before


def _leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}.servicepoints-"))


def test_a_killed_build_keeps_the_old_site_and_its_staging_goes_on_the_next_run(tmp_path, monkeypatch, built):
    monkeypatch.chdir(tmp_path)
    data = _tiny(tmp_path)
    out = _copy_of(built, tmp_path / "out")
    (out / "from-the-old-build.txt").write_text("old\n", encoding="utf-8")
    before = snapshot(out)
    args = ["build", "--data", str(data), "--out", str(out), "--config", str(ROOT / "mkdocs.yml")]
    command = [sys.executable, "-c", f"from servicepoints.cli import main; main({args!r})"]
    child = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _leftovers(tmp_path, "out") and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert [n for n in _leftovers(tmp_path, "out") if "staging" in n], "the build was not caught mid-way"
    assert snapshot(out) == before  # the old site stays whole
    result = _cli_build(data, out)  # the next run
    assert result.exit_code == 0, result.output
    assert _leftovers(tmp_path, "out") == []
    assert not (out / "from-the-old-build.txt").exists() and (out / buildmod.MARKER).is_file()


def test_a_swap_cut_short_puts_the_old_site_back(tmp_path):
    out = tmp_path / "site"
    old = tmp_path / ".site.servicepoints-old-x1"
    old.mkdir()
    (old / buildmod.MARKER).write_text(buildmod._BUILT, encoding="utf-8")
    (old / "index.html").write_text("old site", encoding="utf-8")
    staging = buildmod._new_sibling(out, "staging")
    (staging / "index.html").write_text("new, maybe incomplete", encoding="utf-8")
    (staging / buildmod.MARKER).write_text("servicepoints staging, pid 999999999\n", encoding="utf-8")
    buildmod.recover(out)
    assert (out / "index.html").read_text(encoding="utf-8") == "old site"
    assert _leftovers(tmp_path, "site") == []


@pytest.mark.parametrize("torn", ["", "servicepoints stag", "servicepoints staging, pid "])
def test_a_staging_folder_killed_before_its_marker_was_written_is_cleared(tmp_path, torn):
    """The killed-build test kills as soon as the folder appears: the marker may be empty or cut short."""
    out = tmp_path / "site"
    staging = tmp_path / ".site.servicepoints-staging-torn"
    staging.mkdir()
    (staging / buildmod.MARKER).write_text(torn, encoding="utf-8")
    buildmod.recover(out)
    assert _leftovers(tmp_path, "site") == []
    foreign = tmp_path / ".site.servicepoints-staging-foreign"
    foreign.mkdir()  # the same torn marker beside anything else is not known to be ours
    (foreign / buildmod.MARKER).write_text(torn, encoding="utf-8")
    (foreign / "keep.txt").write_text("someone's", encoding="utf-8")
    buildmod.recover(out)
    assert _leftovers(tmp_path, "site") == [".site.servicepoints-staging-foreign"]


def test_a_running_builds_staging_is_left_alone(tmp_path):
    out = tmp_path / "site"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        staging = tmp_path / ".site.servicepoints-staging-live"
        staging.mkdir()
        (staging / buildmod.MARKER).write_text(f"servicepoints staging, pid {sleeper.pid}\n", encoding="utf-8")
        half_removed = tmp_path / ".site.servicepoints-staging-empty"
        half_removed.mkdir()  # a removal cut short after the marker went: empty, so ours
        buildmod.recover(out)
        assert _leftovers(tmp_path, "site") == [".site.servicepoints-staging-live"]
    finally:
        sleeper.kill()
        sleeper.wait()
    buildmod.recover(out)
    assert _leftovers(tmp_path, "site") == []
