"""The editor's preview (site/preview.py): after records change, the partly rebuilt site is every file, byte for byte,
what a full build of the same data writes; bad input leaves the last good site served and says why in Chinese. When
only records changed, the changed point pages come first and the rest is refreshed in the background: its order, a
save during it, and its failure are tested here with the refresh held at a gate (forked, like the refresh itself)."""

from __future__ import annotations

import multiprocessing
import shutil
import signal
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
    yield preview
    preview.close()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_full_build(preview: Preview, tmp_path: Path, name: str) -> None:
    preview.wait()  # the background refresh, if the last update started one
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


FORK = multiprocessing.get_context("fork")


class Gate:
    """Holds the background refresh (in its forked process) where Preview._tidy begins, after the dirty build wrote
    every list, map, search and open-data file and before it removes what it would not write, until opened."""

    def __init__(self, monkeypatch) -> None:
        self.armed, self.reached, self.open = FORK.Event(), FORK.Event(), FORK.Event()
        tidy = Preview._tidy

        def held(preview, keep):
            if self.armed.is_set():
                self.reached.set()
                self.open.wait()
            return tidy(preview, keep)

        monkeypatch.setattr(Preview, "_tidy", held)
        self.armed.set()

    def wait_reached(self) -> None:
        assert self.reached.wait(300), "the background refresh never reached the gate"


def served(preview: Preview, name: str) -> str:
    return (preview.out_dir / name).read_text(encoding="utf-8")


RENAMED = "中山市民众街道知识产权维权援助服务站（先写页面）"


def test_the_point_page_is_written_before_the_lists_and_open_data_are_refreshed(editor, tmp_path, monkeypatch):
    gate = Gate(monkeypatch)
    told = []
    editor.refreshed = told.append
    edit(record(editor, "aid-minzhong"), "name: 中山市民众街道知识产权维权援助服务站", f"name: {RENAMED}")
    outcome = editor.update()
    assert outcome.kind == "pages" and outcome.background, outcome.message
    assert outcome.written == ["aid-minzhong"]
    assert outcome.message.endswith("；列表页、地图、搜索和开放数据在后台更新。")
    assert RENAMED in served(editor, "points/aid-minzhong/index.html")
    gate.wait_reached()  # the refresh has written everything else by now, but is not done
    assert told == []
    gate.open.set()
    done = editor.wait()
    assert done is not None and done.kind == "refreshed", done
    assert done.message.startswith("后台更新完成：列表页、地图、搜索和开放数据（保存后 ")
    assert told == [done]
    assert RENAMED in served(editor, "opendata/points.csv") and RENAMED in served(editor, "towns/minzhong/index.html")
    assert_same_as_full_build(editor, tmp_path, "full")


def test_before_the_refresh_the_lists_still_show_the_last_build(editor, monkeypatch):
    """Nothing but the point page is written before update() returns: the refresh, held before it starts, has
    written no list, map, search or open-data file yet."""
    before = tree(editor.out_dir)
    hold = FORK.Event()
    refresh = Preview._refresh_here
    monkeypatch.setattr(Preview, "_refresh_here", lambda *args: hold.wait() and refresh(*args))
    edit(record(editor, "aid-minzhong"), "name: 中山市民众街道知识产权维权援助服务站", f"name: {RENAMED}")
    outcome = editor.update()
    assert outcome.background
    now = tree(editor.out_dir)
    assert sorted(f for f in now if now[f] != before.get(f)) == ["points/aid-minzhong/index.html"]
    assert RENAMED not in served(editor, "opendata/points.csv")
    hold.set()
    assert editor.wait().kind == "refreshed"
    assert RENAMED in served(editor, "opendata/points.csv")


def test_a_save_during_the_refresh_stops_it_and_the_last_refresh_equals_a_full_build(editor, tmp_path, monkeypatch):
    gate = Gate(monkeypatch)
    told = []
    editor.refreshed = told.append
    path = record(editor, "aid-minzhong")
    edit(path, "name: 中山市民众街道知识产权维权援助服务站", f"name: {RENAMED}")
    assert editor.update().background
    first = editor._refresh
    assert first is not None
    gate.wait_reached()  # its lists name RENAMED; the next save changes the name again, and another record
    gate.armed.clear()  # the next refresh runs through
    edit(path, f"name: {RENAMED}", "name: 民众第二次保存")
    edit(record(editor, "tm-guzhen"), "town: 古镇镇", "town: 小榄镇")
    outcome = editor.update()
    assert outcome.kind == "pages" and sorted(outcome.written) == ["aid-minzhong", "tm-guzhen"], outcome.message
    assert first.process.exitcode == -signal.SIGKILL  # stopped, not left to write lists of the older data
    assert "民众第二次保存" in served(editor, "points/aid-minzhong/index.html")
    assert editor.wait().kind == "refreshed"
    assert [o.kind for o in told] == ["refreshed"]  # the stopped refresh is never told
    assert RENAMED not in served(editor, "opendata/points.csv")
    assert_same_as_full_build(editor, tmp_path, "full")


def test_a_failed_refresh_is_said_and_the_next_update_builds_everything(editor, tmp_path, monkeypatch):
    def broken(preview, keep):  # only a refresh tidies: the full build after it does not
        raise RuntimeError("磁盘满了")

    monkeypatch.setattr(Preview, "_tidy", broken)
    edit(record(editor, "aid-minzhong"), "name: 中山市民众街道知识产权维权援助服务站", f"name: {RENAMED}")
    assert editor.update().background
    failed = editor.wait()
    assert failed is not None and failed.kind == "failed"
    assert (
        failed.message
        == "后台更新列表页、地图、搜索和开放数据失败（程序错误 RuntimeError：磁盘满了）；正在完整重新生成预览。"
    )
    assert editor.changed()  # the server's poll sees a change, so the next update comes without a save
    assert editor.update().kind == "full"
    assert_same_as_full_build(editor, tmp_path, "full")


def test_a_record_moved_to_another_folder_and_town_comes_first_with_its_new_edit_link(editor, tmp_path):
    points = editor.data_dir / "points"
    edit(record(editor, "aid-minzhong"), "name: 中山市民众街道知识产权维权援助服务站", f"name: {RENAMED}")
    assert editor.update().written == ["aid-minzhong"]  # the other records' files as known: tm-guzhen's too
    moved = record(editor, "tm-guzhen")
    edit(moved, "town: 古镇镇", "town: 小榄镇")
    moved.rename(points / "centers" / moved.name)
    outcome = editor.update()
    assert outcome.background and outcome.written == ["tm-guzhen"], outcome.message
    assert "points/centers/tm-guzhen.yaml" in served(editor, "points/tm-guzhen/index.html")
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


class Serving:
    """serve() as the command runs it, in a thread, with every Outcome it echoes."""

    def __init__(self, preview: Preview) -> None:
        self.port, self.servers, self.outcomes = free_port(), [], []
        args = (preview, self.port, self.outcomes.append, self.servers.append)
        self.thread = threading.Thread(target=preview_module.serve, args=args, daemon=True)
        self.base = f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> Serving:
        self.thread.start()
        while not self.servers:
            self.thread.join(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.servers[0].shutdown()
        self.thread.join(30)

    def until(self, condition, what: str):
        for _ in range(2400):  # the server polls for saved files, then rebuilds: up to two minutes on a busy machine
            found = condition()
            if found:
                return found
            self.thread.join(0.05)
        raise AssertionError(f"{what} never happened; updates: {self.outcomes}")

    def page(self, path: str) -> str | None:
        try:
            with urllib.request.urlopen(self.base + path, timeout=60) as response:
                return response.read().decode("utf-8")
        except OSError:
            return None  # not listening yet

    def page_until(self, path: str, condition) -> str:
        return self.until(lambda: (text := self.page(path)) is not None and condition(text) and text, path)

    def kinds(self) -> list[str]:
        return [o.kind for o in self.outcomes if o.kind != "refreshed"]  # a refresh ends when it ends

    def poll(self, epoch: int, page: str) -> int:
        """The reload script's poll from ``page`` showing ``epoch``: the epoch it is told (greater: reload)."""
        request = urllib.request.Request(f"{self.base}livereload/{epoch}/1", headers={"Referer": self.base + page})
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.read())


def test_the_server_reloads_a_saved_record_and_shows_what_is_wrong_until_it_is_fixed(editor):
    """The saved record's page changes, the page carries the reload script; a broken record leaves the last good
    page, with the problem (escaped) at its top, until the record is fixed."""
    point = "points/aid-minzhong/"
    with Serving(editor) as serving:
        first = serving.page_until(point, lambda text: True)
        assert "livereload" in first and "sp-preview-problem" not in first
        path = record(editor, "aid-minzhong")
        edit(path, "name: 中山市民众街道知识产权维权援助服务站", "name: 民众预览改名")
        serving.page_until(point, lambda text: "民众预览改名" in text)
        assert serving.kinds() == ["pages"]
        edit(path, "town: 民众街道", "town: <民众>")
        served = serving.page_until(point, lambda text: "sp-preview-problem" in text)
        assert "预览未更新" in served and "民众预览改名" in served  # the last good page, the problem above it
        assert "错误 [unknown-town]" in served and "&lt;民众&gt;" in served and "<民众>" not in served
        edit(path, "town: <民众>", "town: 民众街道")
        serving.page_until(point, lambda text: "sp-preview-problem" not in text)
        assert serving.kinds() == ["pages", "refused", "pages"]


def test_a_refresh_reloads_the_open_list_pages_but_not_the_point_pages(editor):
    """The point page reloads after the update that wrote it; when the background refresh ends, a list page open
    since before reloads, the point page (which no refresh writes) does not."""
    with Serving(editor) as serving:
        serving.page_until("points/aid-minzhong/", lambda text: True)
        edit(record(editor, "aid-minzhong"), "name: 中山市民众街道知识产权维权援助服务站", f"name: {RENAMED}")
        serving.until(lambda: any(o.kind == "refreshed" for o in serving.outcomes), "the refresh")
        server = serving.servers[0]
        server.poll_response_timeout = 0.5  # the poll's wait for a reload that does not come
        updated, now = server.updated, server._visible_epoch
        assert now > updated  # the refresh's reload
        assert serving.poll(updated - 1, "points/aid-minzhong/") == now  # shown before the update: reloads
        assert serving.poll(updated, "points/aid-minzhong/") == updated  # shown since: not reloaded again
        assert serving.poll(updated, "towns/minzhong/") == now
        assert serving.poll(now, "towns/minzhong/") == now


def test_a_port_in_use_is_one_chinese_line(tmp_path):
    from servicepoints.core.errors import SetupError

    editor = Preview(ROOT / "mkdocs.yml", DATA, str(ROOT / "servicepoints.yml"), tmp_path / "preview", build_site)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SetupError, match=f"无法在 127.0.0.1:{port} 上提供预览：.*请换一个 --port"):
            preview_module.serve(editor, port, lambda outcome: None, lambda server: None)
