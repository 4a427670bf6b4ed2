"""The editor's preview (``servicepoints serve``): one full build, then, when records change, a rebuild of only
what they touch, writing byte for byte what a full build of the same data writes.

What a point page is made from: its own public record and the path of its file, and what every page is made from
(the descriptor, code lists, settings, templates, mkdocs.yml, the hand-written pages). Nothing on it comes from
another point. So when only files under ``points/`` changed, a rebuild (a dirty mkdocs build into the served folder)
- writes the point pages whose record changed or is new, and removes the files of records gone;
- writes every other page again (home, statistics, completeness, towns, types, needs, map, open data: about 60 pages
  whatever the registry's size) and every data file (map data, open data, search index, sitemap, browser editor);
- keeps the other point pages as the last build wrote them, and their search entries.
When the same points remain (records edited, or their files moved), the page the editor looks at comes first: the
point pages whose record or path changed are written alone, from the last foreground build's mkdocs objects
(Retained), and the open pages reload; then a forked process makes that rebuild, keeping every point page, in the
background (Preview's docstring), and the pages reload again when it ends.
A change to anything else is a full build (``servicepoints build``'s own, into the same folder).
``tests/site/test_preview.py`` holds every file of a rebuilt site equal to a full build of the same data (after the
background refresh, which ``Preview.wait`` waits for).

Bad input never reaches the site: the data is read and validated first, and a record that fails (or a YAML syntax
error) is reported in Chinese while the last good site stays served, with the problem shown on its pages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import html
import json
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, MkDocsException
from mkdocs.livereload import LiveReloadServer, _timestamp
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation

from ..core.errors import SetupError, errors, printable
from ..core.parallel import OrderedMap, Workers
from ..core.settings import Settings, load_settings
from ..registry.load import Record, Registry, read_registry
from ..registry.output import problems_text
from ..registry.validate import Memo, Report, validate
from . import wayfinding
from .cms import record_layout
from .pagepath import page_title
from .plugin import Preset, ServicepointsPlugin

POLL_SECONDS = 0.15  # how often the server looks for saved files
HOOKS = "servicepoints-preview"  # the name the preview's hooks join the build's plugins under
_DIRTY_WARNING = "A 'dirty' build is being performed"  # mkdocs' warning for what a preview rebuild is by design
_LATER = "列表页、地图、搜索和开放数据"  # what the background refresh writes, as the messages name it
BACKGROUND_NICE = 10  # the background refresh yields the CPU to the next save's point pages and to the server


def page_key(point: dict, paths: tuple[str | None, ...]) -> str:
    """What a point page is made from besides what every page is made from: the public record and its file's path."""
    text = json.dumps([point, paths], sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


@dataclass
class Memory:
    """What the site in the preview folder holds, from the last good build."""

    pages: dict[str, str]  # point id -> page_key of its page as written
    entries: dict[str, dict]  # point id -> its search entry
    extras: set[str]  # files every build writes that no mkdocs File stands for (sitemap, search index, marker)
    hand: dict[str, list[dict]]  # a hand-written page's URL -> its entries in Material's search index


class _Hooks(BasePlugin):
    """Joins one build (Preset.attach) after our plugin: on a rebuild, keeps the point pages whose record did not
    change (mkdocs' dirty build skips a page whose file says it is not modified) and their search entries; keeps
    what Retained needs to write a point page again without a build."""

    def __init__(self, ours: ServicepointsPlugin, memory: Memory | None) -> None:
        super().__init__()
        self.ours, self.memory = ours, memory
        self.outputs: set[str] = set()
        self.kept: dict[int, str] = {}  # point index -> id, for the points whose page is kept
        self.written: list[str] = []
        self.pages: list[tuple[str, bool]] = []  # each page's URL in build order, and whether it is hand-written
        self.hand: dict[str, list[dict]] = {}  # what Memory.hand will be after this build
        self.config, self.files = None, Files([])
        self.nav: Navigation | None = None
        self.env: jinja2.Environment | None = None

    def on_files(self, files: Files, config) -> Files:
        """After ours (same priority, joined later): every file the build writes; on a rebuild, which pages stay."""
        self.config, self.files = config, files
        self.outputs = {f.dest_uri for f in files if f.inclusion.is_included()}
        self._note_pages(files)
        if self.memory is None:
            return files
        ours, pages = self.ours, self.memory.pages
        kept_uris = set()
        for n, point in enumerate(ours.site.points):
            if pages.get(point["id"]) == _key(ours, point):
                self.kept[n] = point["id"]
                kept_uris.add(ours.generated.point_uri(n))
            else:
                self.written.append(point["id"])
        for file in files.documentation_pages():
            # Hand-written pages are made from docs/, mkdocs.yml, the code lists and settings, never from records:
            # kept too. Every generated page but the kept point pages is written again.
            kept = file.src_uri in kept_uris or file.generated_by is None
            # mypy refuses an assignment to a method; setattr is the way
            setattr(file, "is_modified", _NOT_MODIFIED if kept else _MODIFIED)  # noqa: B010
        # The point bodies: only the pages written need one, so they are rendered here when asked for.
        ours.bodies = OrderedMap(ours.generated.point, len(ours.site.points), Workers(0), "points")
        return files

    def on_nav(self, nav, config, files):
        self.nav = nav  # after ours (the type pages attached, the point pages made)
        return nav

    def on_env(self, env, config, files):
        self.env = env  # its templates compiled once for the life of the preview (our plugin's on_env)
        return env

    def _note_pages(self, files: Files) -> None:
        # A page's URL as its search entries' locations begin (the home page's is "", its file's "./").
        self.pages = [(f.url.removeprefix("./"), f.generated_by is None) for f in files.documentation_pages()]

    @event_priority(10)
    def on_post_build(self, config) -> None:
        """Before Material's search plugin (0) writes its index: the kept hand-written pages' entries, in the place a
        full build gives them (pages in build order). Before ours (-100) appends the point pages' entries: those of
        the kept point pages, as they were."""
        index = _material_search(config)
        by_page: dict[str, list[dict]] = {}
        for entry in index.entries if index is not None else []:
            by_page.setdefault(entry["location"].split("#")[0], []).append(entry)
        if self.memory is not None and index is not None:
            hand = self.memory.hand
            index.entries = [e for url, ours in self.pages for e in (hand[url] if ours else by_page.get(url, []))]
            by_page = {url: hand[url] for url, ours in self.pages if ours} | by_page
        self.hand = {url: by_page.get(url, []) for url, ours in self.pages if ours}
        if self.memory is not None:
            for n, point_id in self.kept.items():
                self.ours.entries[n] = self.memory.entries[point_id]


def _material_search(config):
    """Material's search index (entries in the order pages are built), or None without its search plugin."""
    for plugin in config.plugins.values():
        if type(plugin).__module__.startswith("material.plugins.search"):
            return plugin.search_index
    return None


def _MODIFIED() -> bool:
    return True


def _NOT_MODIFIED() -> bool:
    return False


def _key(ours: ServicepointsPlugin, point: dict) -> str:
    return page_key(point, (ours.site.paths.get(point["id"]), ours.way.record_files.get(point["id"])))


@dataclass
class Outcome:
    """What one update did, for the terminal (``message``, Chinese) and the tests."""

    # "full", "pages" (a partial rebuild), "unchanged", "refused" (bad input: the site is as it was), and for the
    # background refresh after "pages": "refreshed", or "failed" (the next update builds everything)
    kind: str
    message: str
    seconds: float = 0.0
    written: list[str] = field(default_factory=list)  # point ids whose pages were written (a partial rebuild)
    setup: bool = False  # refused for a broken set-up (settings, data folder, mkdocs.yml), not for bad data
    background: bool = False  # "pages" only: the rest of the site is being refreshed in the background


@dataclass
class Retained:
    """The last foreground build's mkdocs objects, kept to write a point page again with no build: its config,
    files, nav and theme environment, and our plugin (its frames, templates and view). A point page is made from
    its own record and file path and from what every page is made from (see the module's docstring), so only the
    records and paths in the plugin are brought up to date before the page is written (Preview._points_first)."""

    hooks: _Hooks
    ids: list[str]  # the points the build made pages for, in its order
    documentation: Sequence[File]  # the build's documentation files, as mkdocs renders a page
    nav: Navigation
    env: jinja2.Environment

    @classmethod
    def of(cls, hooks: _Hooks) -> Retained:
        ours = hooks.ours
        ours.bodies = OrderedMap(ours.generated.point, len(ours.site.points), Workers(0), "points")  # here, on demand
        documentation = hooks.files.documentation_pages(inclusion=InclusionLevel.is_included)
        assert hooks.nav is not None and hooks.env is not None  # the build ran on_nav and on_env
        return cls(hooks, [p["id"] for p in ours.site.points], documentation, hooks.nav, hooks.env)


@dataclass
class _Refresh:
    """The background refresh: a forked process (its own process group) and the thread that waits for it."""

    process: multiprocessing.process.BaseProcess
    waiter: threading.Thread | None = None
    ended: threading.Event = field(default_factory=threading.Event)  # the waiter has reaped the process
    cancelled: bool = False
    outcome: Outcome | None = None


class Preview:
    """The preview folder and how to bring it up to date with the data. ``full_build`` is the command layer's
    ``build_site`` (a staged build that replaces the folder whole); partial rebuilds write into the folder.

    When only records changed and every point still has its page, the changed point pages are written first, from
    the last foreground build's objects (Retained), and ``update`` returns; a forked process then refreshes the rest
    (a dirty build that keeps every point page), and ``refreshed`` gets its Outcome. A later update stops a refresh
    still running (its process group is killed) before writing anything: the next refresh writes again everything a
    refresh writes, and a refresh never writes a point page, so the folder is a full build's once one ends."""

    def __init__(
        self,
        config_file: Path,
        data_dir: Path,
        settings_file: str,
        out_dir: Path,
        full_build: Callable[..., None],
    ) -> None:
        self.config_file, self.data_dir, self.settings_file = Path(config_file), Path(data_dir), settings_file
        self.out_dir, self.full_build = Path(out_dir), full_build
        self.memory: Memory | None = None
        self.snapshot: dict[str, tuple[int, int, int, int]] = {}  # at the start of the last good update
        self.seen: dict[str, tuple[int, int, int, int]] = {}  # at the start of the last update
        self._roots: list[Path] | None = None
        self.busy = False
        self.problem: str | None = None  # the last refusal's message, shown on the served pages until fixed
        self.known: dict = {}  # record files as read (read_registry), and what validation found in each (Memo)
        self.memo = Memo()
        self._hooks: _Hooks | None = None
        self.retained: Retained | None = None
        self.refreshed: Callable[[Outcome], None] = lambda outcome: None  # told when a background refresh ends
        self._refresh: _Refresh | None = None
        self._lock = threading.Lock()  # an update, or a refresh's end, at a time
        self._record_files: dict[int, tuple[Record, str | None]] = {}  # id(record) -> it, its file in the repository

    def watched(self) -> list[Path]:
        """Everything a build reads: the data folder, settings, mkdocs.yml, hand-written pages and templates."""
        paths = [self.data_dir, Path(self.settings_file), self.config_file]
        try:
            config = load_config(str(self.config_file))
        except (Abort, MkDocsException):
            return [Path(os.path.abspath(p)) for p in paths]
        project = Path(config.config_file_path).parent
        paths.append(Path(config.docs_dir))
        if config.theme.custom_dir:
            paths.append(Path(config.theme.custom_dir))
        ours = config.plugins.get("servicepoints")
        if ours is not None:
            paths.append(project / ours.config.templates_dir)
        return [Path(os.path.abspath(p)) for p in paths]

    def _snapshot(self) -> dict[str, tuple[int, int, int, int]]:
        """Each file a build reads, by absolute path: its modification and change times, size and inode."""
        if self._roots is None:
            self._roots = self.watched()
        seen = {}
        for root in self._roots:
            for path in _files(root):
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                seen[path] = (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
        return seen

    def changed(self) -> bool:
        """Whether anything a build reads changed since the last update began (the server polls this)."""
        return self._snapshot() != self.seen

    def update(self) -> Outcome:
        """Bring the preview up to date: nothing, only the touched pages, or a full build. Never raises: bad
        input (or a failed build) is an Outcome "refused" whose message says what to fix, in Chinese."""
        start = time.perf_counter()
        self.busy = True
        try:
            with self._lock:
                return self._update(start)
        finally:
            self.busy = False

    def _update(self, start: float) -> Outcome:
        snapshot = self.seen = self._snapshot()
        if self.memory is not None and snapshot == self.snapshot:
            return Outcome("unchanged", "数据没有变化。")
        changed = {p for p in snapshot.keys() | self.snapshot.keys() if snapshot.get(p) != self.snapshot.get(p)}
        points = os.path.join(os.path.abspath(self.data_dir), "points", "")
        partial = self.memory is not None and all(p.startswith(points) for p in changed)
        try:
            settings = load_settings(self.settings_file)
            registry = read_registry(self.data_dir, self.known)
            report = validate(registry, stale_days=settings.stale_days, workers=settings.workers, memo=self.memo)
        except SetupError as exc:
            return self._refuse(f"设置或数据目录有误：{printable(exc, limit=1000)}", start, setup=True)
        if not report.ok:
            shown = problems_text(errors(report.problems), len(registry.records))
            return self._refuse(f"{shown}\n数据有错误，预览仍是上一次通过校验的网站；改好后保存即可。", start)
        self._stop_refresh()  # whatever comes next writes into the folder a refresh is writing
        first = partial and self.retained is not None and self.retained.ids == [p["id"] for p in report.points]
        try:
            if first:
                written = self._points_first(registry, report)
            elif partial:
                written = self._rebuild(settings, registry, report)
            else:
                self._full(settings, registry, report)
        except SetupError as exc:
            self.memory = self.retained = None  # the folder may be half written: the next update builds it whole
            return self._refuse(f"生成预览失败：{printable(exc, limit=1000)}", start, setup=True)
        except Exception as exc:  # a bug, not the editor's input: say so in one line and keep serving
            self.memory = self.retained = None
            return self._refuse(f"生成预览失败（程序错误 {type(exc).__name__}：{printable(exc, limit=300)}）。", start)
        self.snapshot, self.problem = snapshot, None
        seconds = time.perf_counter() - start
        count = len(report.points)
        if first:
            self._start_refresh(settings, registry, report, start)
            message = f"已更新预览：重建 {len(written)} 个网点页（{seconds:.1f} 秒）；{_LATER}在后台更新。"
            return Outcome("pages", message, seconds, written, background=True)
        if partial:
            return Outcome(
                "pages", f"已更新预览：重建 {len(written)} 个网点页和全部列表页（{seconds:.1f} 秒）。", seconds, written
            )
        return Outcome("full", f"已完整生成预览：{count} 个网点（{seconds:.1f} 秒）。", seconds)

    def _refuse(self, message: str, start: float, setup: bool = False) -> Outcome:
        self.problem = message
        return Outcome("refused", message, time.perf_counter() - start, setup=setup)

    def _attach(self, memory: Memory | None) -> Callable[..., None]:
        def attach(config, ours: ServicepointsPlugin) -> None:
            self._hooks = _Hooks(ours, memory)
            config.plugins[HOOKS] = self._hooks

        return attach

    def _full(self, settings: Settings, registry: Registry, report: Report) -> None:
        self.memory = self.retained = None
        self.full_build(
            self.config_file,
            self.data_dir,
            self.out_dir,
            settings,
            checked=(registry, report),
            attach=self._attach(None),
        )
        hooks = self._hooks
        assert hooks is not None
        extras = {_inside(p, self.out_dir) for p in _files(self.out_dir)} - hooks.outputs
        extras -= hooks.ours.search_files  # written by every build, as the data gives them: not kept as extras
        self._remember(hooks, extras)
        self.retained = Retained.of(hooks)

    def _rebuild(self, settings: Settings, registry: Registry, report: Report) -> list[str]:
        """A dirty mkdocs build into the served folder: see the module's docstring for what it writes. As the
        background refresh, it keeps every point page: _points_first wrote them and brought the memory up to date."""
        memory = self.memory
        assert memory is not None
        try:
            config = load_config(str(self.config_file), strict=True)
        except (Abort, MkDocsException) as exc:
            raise SetupError(f"mkdocs 配置 {self.config_file} 有误：{' '.join(str(exc).split())}") from None
        config["site_dir"] = str(self.out_dir)
        ours = config.plugins.get("servicepoints")
        if not isinstance(ours, ServicepointsPlugin):
            raise SetupError(f"mkdocs 配置 {self.config_file} 的 plugins 中没有 servicepoints，无法生成网点页面")
        ours.preset = Preset(self.data_dir, settings, (registry, report), self._attach(memory))
        self.memory = self.retained = None  # until this build is complete
        try:
            with _dirty_is_expected():
                mkdocs_build(config, dirty=True)
        except (Abort, MkDocsException) as exc:
            raise SetupError(f"mkdocs 构建失败：{' '.join(str(exc).split())}") from None
        hooks = self._hooks
        assert hooks is not None
        self._tidy(hooks.outputs | memory.extras | hooks.ours.search_files)
        self._remember(hooks, memory.extras)
        self.retained = Retained.of(hooks)
        return hooks.written

    def _points_first(self, registry: Registry, report: Report) -> list[str]:
        """Write the point pages whose record or file path changed, with the last foreground build's objects."""
        retained, memory = self.retained, self.memory
        assert retained is not None and memory is not None
        hooks, ours = retained.hooks, retained.hooks.ours
        ours.site.points[:] = report.points  # the list every view of the build holds
        ours.site.paths, ours.site.key_orders = record_layout(registry)
        ours.way.points.clear()
        ours.way.points.update((p["id"], p) for p in report.points)  # the breadcrumbs' names
        ours.way.record_files.clear()
        ours.way.record_files.update(self._repository_files(registry, ours))  # the edit links
        written = []
        for n, point in enumerate(report.points):
            key = _key(ours, point)
            if memory.pages.get(point["id"]) == key:
                continue
            file = hooks.files.get_file_from_path(ours.generated.point_uri(n))
            assert file is not None and file.page is not None
            file.dest_dir = str(self.out_dir)  # a full build wrote into its staging folder (mkdocs caches the path)
            file.abs_dest_path = os.path.normpath(os.path.join(self.out_dir, file.dest_uri))
            file.page.title = page_title(point["name"])
            memory.pages.pop(point["id"], None)  # unknown until written
            _populate_page(file.page, hooks.config, hooks.files)  # as a build reads each page before writing any
            _build_page(file.page, hooks.config, retained.documentation, retained.nav, retained.env)
            memory.pages[point["id"]], memory.entries[point["id"]] = key, ours.entries[n]
            written.append(point["id"])
        return written

    def _repository_files(self, registry: Registry, ours: ServicepointsPlugin) -> dict[str, str]:
        """Each record's file in the repository (wayfinding.prepare's ``record_files``), made again only for the
        records read again (read_registry's ``known`` keeps the same Record while its file is unchanged): at
        20,000 records, resolving every path was most of the time before the page."""
        before = self._record_files
        fresh = [r for r in registry.records if before.get(id(r), (None,))[0] is not r]
        made = wayfinding.prepare(
            dataclasses.replace(registry, records=fresh), ours.site, ours.config.data_dir, ours.config.templates_dir
        ).record_files
        now = self._record_files = {}
        again = {id(r) for r in fresh}
        for record in registry.records:
            now[id(record)] = (record, made.get(record.id or "") if id(record) in again else before[id(record)][1])
        return {r.id: path for r, path in now.values() if r.id is not None and path is not None}

    def _start_refresh(self, settings: Settings, registry: Registry, report: Report, start: float) -> None:
        """Refresh everything but the point pages in a forked process, nice'd below this one; a thread waits."""
        reader, writer = multiprocessing.Pipe(duplex=False)
        work = (settings, registry, report, writer)
        process = multiprocessing.get_context("fork").Process(target=self._refresh_here, args=work)
        process.start()
        writer.close()
        assert process.pid is not None  # started
        with contextlib.suppress(OSError):
            os.setpgid(process.pid, process.pid)  # as the child does first: whichever comes first makes the group
        refresh = self._refresh = _Refresh(process)
        refresh.waiter = threading.Thread(target=self._await_refresh, args=(refresh, reader, start), daemon=True)
        refresh.waiter.start()

    def _refresh_here(self, settings: Settings, registry: Registry, report: Report, writer) -> None:
        """In the forked process: the dirty build keeping every point page; sends None, or what went wrong."""
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)  # its workers and jobs join its group, so that stopping it stops them all
        os.nice(BACKGROUND_NICE)
        try:
            self._rebuild(settings, registry, report)
            writer.send(None)
        except SetupError as exc:
            writer.send(printable(exc, limit=1000))
        except Exception as exc:  # a bug: one line, as update() says it
            writer.send(f"程序错误 {type(exc).__name__}：{printable(exc, limit=300)}")

    def _await_refresh(self, refresh: _Refresh, reader, start: float) -> None:
        try:
            problem = reader.recv()
        except EOFError:  # killed (stopped by an update, or from outside) before it said anything
            problem = "后台进程意外结束"
        refresh.process.join()
        reader.close()
        refresh.ended.set()
        with self._lock:
            if refresh.cancelled:
                return
            seconds = time.perf_counter() - start
            if problem is None:
                message = f"后台更新完成：{_LATER}（保存后 {seconds:.1f} 秒）。"
                refresh.outcome = Outcome("refreshed", message, seconds)
            else:  # the folder is half refreshed: the next poll sees a change and builds everything
                self.memory = self.retained = None
                self.seen = {}
                message = f"后台更新{_LATER}失败（{problem}）；正在完整重新生成预览。"
                refresh.outcome = Outcome("failed", message, seconds)
        self.refreshed(refresh.outcome)

    def _stop_refresh(self) -> None:
        """Stop a background refresh still running, and its workers: the next one writes all it writes again."""
        refresh, self._refresh = self._refresh, None
        if refresh is None:
            return
        refresh.cancelled = True  # its end is not told, even if it has just ended: what it refreshed is older
        pid = refresh.process.pid
        assert pid is not None  # started
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:  # ended
            pass
        except OSError:  # not a group (cannot happen: both sides make it): the process alone, then
            refresh.process.kill()
        refresh.ended.wait()  # reaped by its waiter, which then finds it cancelled

    def wait(self) -> Outcome | None:
        """Wait for the background refresh, if one is running or has run since the last update; its Outcome."""
        refresh = self._refresh
        if refresh is None or refresh.waiter is None:
            return None
        refresh.waiter.join()
        return refresh.outcome

    def close(self) -> None:
        """Stop a background refresh still running (the preview ends)."""
        with self._lock:
            self._stop_refresh()

    def _tidy(self, keep: set[str]) -> None:
        """Remove what a full build of this data would not write (the pages of records gone), then empty folders."""
        for path in _files(self.out_dir):
            if _inside(path, self.out_dir) not in keep:
                os.unlink(path)
        for folder, _dirs, _files_here in os.walk(self.out_dir, topdown=False):
            if folder != str(self.out_dir) and not os.listdir(folder):
                os.rmdir(folder)

    def _remember(self, hooks: _Hooks, extras: set[str]) -> None:
        ours = hooks.ours
        points = ours.site.points
        self.memory = Memory(
            pages={p["id"]: _key(ours, p) for p in points},
            entries={p["id"]: ours.entries[n] for n, p in enumerate(points)},
            extras=extras,
            hand=hooks.hand,
        )


def _files(root: Path | str) -> Iterator[str]:
    """Every file under ``root`` (or ``root`` itself), links not followed: paths as ``root`` is written."""
    if os.path.isfile(root):
        yield str(root)
        return
    for folder, _dirs, names in os.walk(root):
        for name in names:
            yield os.path.join(folder, name)


def _inside(path: str, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


class _NotDirtyWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_DIRTY_WARNING)


@contextlib.contextmanager
def _dirty_is_expected() -> Iterator[None]:
    """mkdocs warns that a dirty build may leave stale navigation and links; a strict build would stop on it. Here
    it is the point: every page but the kept point pages is written again, and the tests hold the result equal."""
    logger, quiet = logging.getLogger("mkdocs.commands.build"), _NotDirtyWarning()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


_POLL = re.compile(r"/livereload/([0-9]+)/[0-9]+")  # the reload script's long poll: the page's epoch, a request id


class _Server(LiveReloadServer):
    """mkdocs' live-reload server (what ``mkdocs serve`` uses): serves the folder, reloads open pages after each
    update, and after a background refresh all but the point pages (a refresh never writes one: the page the editor
    looks at is not reloaded twice); while the data has errors every page starts with them."""

    preview: Preview
    updated = 0  # the epoch of the last update's reload; a refresh's reload comes after it

    def _serve_request(self, environ, start_response):
        """mkdocs' answer to the reload script's poll, but a point page waits for an update: the page asking is
        the one the poll's Referer names (the script's own request)."""
        poll = _POLL.fullmatch(environ["PATH_INFO"])
        if poll is None:
            return super()._serve_request(environ, start_response)
        epoch = int(poll[1])
        page = urllib.parse.urlsplit(environ.get("HTTP_REFERER") or "").path
        point = page.startswith(f"{self.mount_path}points/")

        def due() -> bool:
            return self._visible_epoch > epoch and (not point or self.updated > epoch)

        start_response("200 OK", [("Content-Type", "text/plain")])
        with self._epoch_cond:
            self._epoch_cond.wait_for(due, timeout=self.poll_response_timeout)
            return [b"%d" % (self._visible_epoch if due() else epoch)]  # its own epoch: the script polls again

    def _inject_js_into_html(self, content, epoch):
        content = super()._inject_js_into_html(content, epoch)
        problem = self.preview.problem
        if not problem:
            return content
        banner = (
            '<div id="sp-preview-problem" role="alert" style="position:fixed;inset:0 0 auto 0;z-index:1000;'
            "max-height:50vh;overflow:auto;background:#fff3f3;color:#7a0000;border-bottom:3px solid #b00;"
            'padding:1em;font:14px/1.5 monospace;white-space:pre-wrap">'
            f"<strong>预览未更新：</strong>\n{html.escape(problem)}</div>"
        ).encode()
        at = content.find(b"<body")
        at = content.find(b">", at) + 1 if at >= 0 else 0
        return content[:at] + banner + content[at:]


def serve(
    preview: Preview, port: int, echo: Callable[[Outcome], None], ready: Callable[[LiveReloadServer], None]
) -> None:
    """Serve the preview folder on localhost until interrupted (or ``shutdown()``), updating it on every change to
    what it reads; ``echo`` gets each update's outcome, ``ready`` the server before it starts."""

    def builder() -> None:
        server.updated = server._wanted_epoch  # what the pages see once this update ends
        echo(preview.update())

    def refreshed(outcome: Outcome) -> None:
        """The lists, map, search and open data are new now (or the next poll rebuilds everything): reload."""
        echo(outcome)
        with server._epoch_cond:
            if server._visible_epoch == server._wanted_epoch:  # else an update is running: it reloads at its end
                server._visible_epoch = server._wanted_epoch = _timestamp()
                server._epoch_cond.notify_all()

    server = _Server(builder=builder, host="127.0.0.1", port=port, root=str(preview.out_dir))
    server.preview = preview
    preview.refreshed = refreshed
    server.build_delay = 0.05  # the editor saves once; a burst of saves is still one rebuild
    # The preview polls what it reads itself (Preview.changed, against the files as they were when the last update
    # began, so nothing saved during a rebuild is missed); mkdocs' watcher would be one more walk of the same files,
    # and the server injects its reload script only while it has a watched path.
    server._watched_paths = {str(path): 1 for path in preview.watched()}
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(POLL_SECONDS):
            if not preview.busy and preview.changed():  # while an update runs, the next poll after it
                with server._rebuild_cond:
                    server._want_rebuild = True
                    server._rebuild_cond.notify_all()

    threading.Thread(target=poll, daemon=True).start()
    ready(server)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the builder never raises: this is the socket
        raise SetupError(
            f"无法在 127.0.0.1:{port} 上提供预览：{exc.strerror or exc}；端口可能已被占用，请换一个 --port"
        ) from None
    finally:
        stop.set()
        server.shutdown()
        preview.close()
