"""The editor's preview (site/preview.py): after records change, the partly rebuilt site is every file, byte for byte,
what a full build of the same data writes; bad input leaves the last good site served and says why in Chinese."""

from __future__ import annotations

import shutil
import socket
import threading
import urllib.request
from pathlib import Path

import pytest

from conftest import DATA, ROOT
from servicepoints.build import build_site
from servicepoints.core.settings import load_settings
from servicepoints.site import preview as preview_module
from servicepoints.site.preview import Preview

EPOCH = "1767225600"  # 2026-01-01: pages, sitemap and open data dated alike in both builds


@pytest.fixture
def fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("SERVICEPOINTS_RELEASE_DATE", "2026-01-01")
    monkeypatch.setenv("SERVICEPOINTS_WORKERS", "2")  # the forked paths too: open data, page bodies


@pytest.fixture
def editor(tmp_path, fixed_time, monkeypatch):
    """A copy of the shipped registry and its preview, built once in full."""
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    preview = Preview(ROOT / "mkdocs.yml", data, str(ROOT / "servicepoints.yml"), tmp_path / "preview", build_site)
    first = preview.update()
    assert first.kind == "full", first.message
    return preview


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_full_build(preview: Preview, tmp_path: Path, name: str) -> None:
    full = tmp_path / name
    build_site(ROOT / "mkdocs.yml", preview.data_dir, full, load_settings(str(ROOT / "servicepoints.yml")))
    rebuilt, expected = tree(preview.out_dir), tree(full)
    assert sorted(rebuilt.keys() - expected.keys()) == [], "files a full build does not write"
    assert sorted(expected.keys() - rebuilt.keys()) == [], "files the preview is missing"
    assert sorted(f for f in expected if rebuilt[f] != expected[f]) == []


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def record(preview: Preview, point_id: str) -> Path:
    return next((preview.data_dir / "points").rglob(f"{point_id}.yaml"))


def test_a_changed_phone_and_name_rebuild_one_point_page_and_equal_a_full_build(editor, tmp_path):
    path = record(editor, "aid-minzhong")
    edit(path, "name: 中山市民众街道知识产权维权援助服务站", "name: 中山市民众街道知识产权维权援助服务站（预览测试）")
    edit(path, "  - 0760-87866614", "  - 0760-87866615")
    outcome = editor.update()
    assert outcome.kind == "pages", outcome.message
    assert outcome.written == ["aid-minzhong"]
    page = (editor.out_dir / "points/aid-minzhong/index.html").read_text(encoding="utf-8")
    assert "（预览测试）" in page and "0760-87866615" in page
    assert_same_as_full_build(editor, tmp_path, "full")


def test_lists_follow_a_moved_record_a_new_service_a_new_record_and_one_removed(editor, tmp_path):
    """The town, type and need pages, counts, completeness, sitemap, search index, map data and open data all change;
    a record file moved to another folder changes its page's edit link; a removed record's page goes."""
    points = editor.data_dir / "points"
    moved = record(editor, "tm-guzhen")
    edit(moved, "town: 古镇镇", "town: 小榄镇")
    edit(moved, "  - trademark-filing\n", "  - trademark-filing\n  - brand-guidance\n")
    elsewhere = record(editor, "aid-minzhong")
    elsewhere.rename(points / "centers" / elsewhere.name)
    new = points / "studios" / "es-preview-test.yaml"
    new.write_text(
        record(editor, "tm-xiaolan").read_text(encoding="utf-8").replace("id: tm-xiaolan", "id: es-preview-test"),
        encoding="utf-8",
    )
    gone = record(editor, "tm-huangpu")
    gone.unlink()
    assert (editor.out_dir / "points/tm-huangpu/index.html").is_file()
    outcome = editor.update()
    assert outcome.kind == "pages", outcome.message
    assert sorted(outcome.written) == ["aid-minzhong", "es-preview-test", "tm-guzhen"]
    assert not (editor.out_dir / "points/tm-huangpu").exists()
    assert_same_as_full_build(editor, tmp_path, "full")


def test_a_code_list_change_is_a_full_build(editor, tmp_path):
    edit(editor.data_dir / "towns.csv", "小榄镇", "小榄镇")  # same text, new mtime: any code list edit
    (editor.data_dir / "towns.csv").touch()
    assert editor.update().kind == "full"
    assert editor.update().kind == "unchanged"


YAML_BROKEN = "name: [未闭合\n"


def test_bad_input_keeps_the_last_good_site_and_the_editors_file(editor, tmp_path):
    before = tree(editor.out_dir)
    path = record(editor, "tm-guzhen")
    good = path.read_text(encoding="utf-8")
    broken = good + YAML_BROKEN
    path.write_text(broken, encoding="utf-8")
    outcome = editor.update()
    assert outcome.kind == "refused"
    lines = outcome.message.splitlines()
    shown = "data/points/trademark-stations/tm-guzhen.yaml"
    assert lines[0].startswith(f"{shown}:")
    assert "错误 [yaml-syntax]" in lines[0]
    assert lines[-1] == "数据有错误，预览仍是上一次通过校验的网站；改好后保存即可。"
    assert path.read_text(encoding="utf-8") == broken  # the editor's file as they saved it
    assert tree(editor.out_dir) == before

    edit(path, YAML_BROKEN, "")
    edit(path, "town: 古镇镇", "town: 古镇")  # now valid YAML, but no such town
    outcome = editor.update()
    assert outcome.kind == "refused"
    assert f"{shown}:" in outcome.message and "错误 [unknown-town]" in outcome.message
    assert tree(editor.out_dir) == before

    edit(path, "town: 古镇", "town: 古镇镇")
    outcome = editor.update()
    assert outcome.kind == "pages" and outcome.written == []  # back as it was: no point page differs
    assert editor.problem is None
    assert_same_as_full_build(editor, tmp_path, "full")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_server_reloads_a_saved_record_and_shows_what_is_wrong_until_it_is_fixed(editor):
    """serve() as the command runs it: the saved record's page changes, the page carries the reload script; a broken
    record leaves the last good page, with the problem (escaped) at its top, until the record is fixed."""
    port, servers, outcomes = free_port(), [], []
    thread = threading.Thread(target=preview_module.serve, args=(editor, port, outcomes.append, servers.append))
    thread.daemon = True
    thread.start()
    url = f"http://127.0.0.1:{port}/points/aid-minzhong/"

    def page_until(condition) -> str:
        for _ in range(2400):  # the server polls for saved files, then rebuilds: up to two minutes on a busy machine
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    text = response.read().decode("utf-8")
                if condition(text):
                    return text
            except OSError:
                pass  # not listening yet
            thread.join(0.05)
        raise AssertionError(f"the served page never met the condition; updates: {outcomes}")

    try:
        while not servers:
            thread.join(0.05)
        first = page_until(lambda text: True)
        assert "livereload" in first and "sp-preview-problem" not in first
        path = record(editor, "aid-minzhong")
        edit(path, "name: 中山市民众街道知识产权维权援助服务站", "name: 民众预览改名")
        page_until(lambda text: "民众预览改名" in text)
        assert [o.kind for o in outcomes] == ["pages"]
        edit(path, "town: 民众街道", "town: <民众>")
        served = page_until(lambda text: "sp-preview-problem" in text)
        assert "预览未更新" in served and "民众预览改名" in served  # the last good page, the problem above it
        assert "错误 [unknown-town]" in served and "&lt;民众&gt;" in served and "<民众>" not in served
        edit(path, "town: <民众>", "town: 民众街道")
        page_until(lambda text: "sp-preview-problem" not in text)
        assert [o.kind for o in outcomes] == ["pages", "refused", "pages"]
    finally:
        servers[0].shutdown()
        thread.join(30)


def test_a_port_in_use_is_one_chinese_line(tmp_path):
    from servicepoints.core.errors import SetupError

    editor = Preview(ROOT / "mkdocs.yml", DATA, str(ROOT / "servicepoints.yml"), tmp_path / "preview", build_site)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SetupError, match=f"无法在 127.0.0.1:{port} 上提供预览：.*请换一个 --port"):
            preview_module.serve(editor, port, lambda outcome: None, lambda server: None)
