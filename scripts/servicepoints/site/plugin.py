"""The mkdocs plugin: its event hooks add every generated page and data file at build time.

All its state lives on the plugin instance. ``servicepoints build`` hands the instance the registry
it has already validated (``preset``); a plain ``mkdocs build`` reads and validates it here.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.toc import get_toc
from mkdocs.utils.meta import get_data

from ..core.cache import Cache
from ..core.errors import SetupError
from ..core.parallel import Background, OrderedMap, Workers, default_workers
from ..core.settings import Settings, check_site_url, load_settings
from ..publish.export import describe_files, make_files, opendata_plan
from ..publish.feed import FEED_NAME
from ..publish.release import Previous, read_previous
from ..registry.holidays import browser_json
from ..registry.load import Registry, read_registry
from ..registry.model import SiteData
from ..registry.output import problems_text
from ..registry.validate import Report, validate
from . import glossary, mapview, material, search, styles, wayfinding
from .cms import admin_files, parse_repo, record_layout
from .corrections import fill_guide
from .escape import neutralise_links
from .pagepath import Frames, GeneratedPage, install, page_title
from .render import (
    COMPILED,
    LATE_PAGES,
    GeneratedPages,
    environment,
    late_view,
    render_late_page,
    render_pages,
    site_view,
    with_problem_codes,
)

BODIES_AHEAD = 1000  # point bodies the workers may render ahead of the writer (about 40 KB each)
POINTS_CHUNK = 50  # point bodies a worker renders per task
PAGES_AHEAD = 3  # type, town and need bodies ahead at scale (a need page then lists thousands of points)
ALL_PAGES_AHEAD_UP_TO = 5000  # points; below this all of them are rendered ahead
TYPE_LISTING = "types/index.md"  # the type pages join its nav section (on_nav)
_ANCHOR = re.compile(r'\sid="([^"]+)"')  # ids in our own generated HTML, for mkdocs' anchor checks


@dataclass
class Preset:
    """What the command layer chose for the next build: data folder, settings, and its checked registry."""

    data_dir: Path
    settings: Settings
    checked: tuple[Registry, Report] | None = None
    # Called by on_config with the config and this plugin: the editor's preview joins the build (site/preview.py).
    attach: Callable[..., None] | None = None


class _Options(Config):
    data_dir = opt.Type(str, default="data")
    settings_file = opt.Type(str, default="servicepoints.yml")
    templates_dir = opt.Type(str, default="site_templates/pages")


def _repository_links(config, settings: Settings) -> None:
    """The header link and every page's edit link come from the one repository setting (checked with
    the others before any work), as do the correction links and the browser editor."""
    repo = parse_repo(settings.repo_url, settings.repo_branch, settings.repo_host)
    config.repo_url = repo.url if repo else None
    config.edit_uri = repo.edit_uri(wayfinding.docs_folder(config)) if repo else None


class ServicepointsPlugin(BasePlugin[_Options]):
    """Validates the registry and generates the pages; a bad registry stops the build."""

    def __init__(self) -> None:
        super().__init__()
        self.preset: Preset | None = None
        self.frames = Frames()
        # Set by on_config for the build: the checked data, the page templates, the previous release,
        # breadcrumbs and edit links, the glossary's terms.
        self.site: SiteData
        self.templates = Path()
        self.previous: Previous | None = None
        self.way: wayfinding.Wayfinding
        self.terms: dict = {}
        self.generated: GeneratedPages  # this and the page maps: made by on_files for the later hooks
        self.kinds: dict[str, dict] = {}
        self.towns: dict[str, dict] = {}
        self.needs: dict[str, dict] = {}
        self.need_entries: dict[str, dict] = {}
        self.bodies: OrderedMap
        self.pages: OrderedMap
        self.late: Background | None = None
        self.workers: Workers | None = None
        self.order: dict[str, int] = {}
        self.view: dict = {}
        self.entries: dict[int, dict] = {}
        self.search_index_bytes = 0
        self.search_files: set[str] = set()
        self.stylesheets: list[Stylesheet] = []
        self.cache = Cache(None)  # the project's (core/cache.py), from on_config

    def on_config(self, config):
        base = Path(config.config_file_path).parent
        if self.preset is not None:
            data_dir, settings = self.preset.data_dir, self.preset.settings
        else:
            data_dir = base / self.config.data_dir
            settings = load_settings(base / self.config.settings_file)
        checked = self.preset.checked if self.preset is not None else None
        if checked is None:
            registry = read_registry(data_dir)
            checked = registry, validate(registry, stale_days=settings.stale_days, workers=settings.workers)
        registry, report = checked
        if not report.ok:
            raise PluginError("数据校验未通过：\n" + problems_text(report.problems, len(registry.records)))
        try:
            check_site_url(config.site_url)
        except SetupError as exc:
            raise PluginError(str(exc)) from None
        site_url = config.site_url or "http://127.0.0.1:8000/"
        _repository_links(config, settings)
        self.site = SiteData(registry.descriptor, registry.tables, report.points, settings, site_url)
        self.site.paths, self.site.key_orders = record_layout(registry)
        self.templates = base / self.config.templates_dir
        self.previous = read_previous(settings.previous_release)
        config.extra["servicepoints_feed"] = f"opendata/{FEED_NAME}"  # every page's head names the releases feed
        self.frames = Frames()
        self.entries = {}
        self.way = wayfinding.prepare(registry, self.site, self.config.data_dir, self.config.templates_dir)
        terms = Path(config.docs_dir) / glossary.GLOSSARY_PAGE
        self.terms = glossary.read_terms(terms) if terms.is_file() else {}
        self.cache = Cache.in_project(base, settings.cache == "on")
        COMPILED.keep_in(self.cache)  # our templates' and the theme's compiled code, kept for the next build
        # before anything is segmented (or forked):
        material.keep_whole(glossary.search_words(self.site.tables), self.cache)
        self.stylesheets = _stylesheets(config, self.templates, self.cache)
        if self.preset is not None and self.preset.attach is not None:
            self.preset.attach(config, self)
        return config

    def on_files(self, files: Files, config) -> Files:
        """Every generated file and page, in named steps. The open-data files are made meanwhile by a
        forked process (at scale) that writes them straight into the site: only LATE_PAGES wait for it."""
        self.workers = Workers(default_workers(len(self.site.points), chosen=self.site.settings.workers))
        self._add_open_data(files, config)
        self._add_data_files(files, config)
        self.view = site_view(self.site) | wayfinding.point_view(self.way, config) | _instance_words(config)
        self._add_listing_pages(files, config)
        self._add_generated_pages(files, config)
        self._start_workers()
        return files

    def _add_open_data(self, files: Files, config) -> None:
        """Start making the open-data files (in the background) and add them, backed by the files the
        job writes in place: mkdocs leaves such files alone."""
        folder = Path(config.site_dir) / "opendata"
        plan = opendata_plan(self.site, self.previous)
        late = functools.partial(_late_work, self.site, plan, folder, self.cache)
        self.late = Background(late, forked=self.workers is not None and self.workers.processes > 0)
        for name in plan:
            files.append(File.generated(config, f"opendata/{name}", abs_src_path=str(folder / name)))

    def _add_data_files(self, files: Files, config) -> None:
        """The browser editor (/admin/), the map's points and the holiday calendar for the open-now badge."""
        for name, body in admin_files(self.site, environment(self.templates), config.site_name).items():
            files.append(File.generated(config, name, content=body))
        files.append(File.generated(config, mapview.DATA_FILE, content=mapview.map_data(self.site)))
        since = int(self.site.settings.release()[:4])  # the years a reader of this release can be in
        holidays = browser_json(self.site.tables.get("holidays", []), since)  # for servicepoints-hours.js
        files.append(File.generated(config, "assets/servicepoints-holidays.json", content=holidays))

    def _add_listing_pages(self, files: Files, config) -> None:
        """The pages made whole from their templates now (home, indexes, statistics, data dictionary…);
        the town and need indexes' own pages stay out of the nav."""
        for uri, text in render_pages(self.site, self.templates, self.view).items():
            unlisted = any(uri.startswith(f"{d}/") and uri != f"{d}/index.md" for d in ("towns", "find"))
            inclusion = InclusionLevel.NOT_IN_NAV if unlisted else InclusionLevel.UNDEFINED
            files.append(File.generated(config, uri, content=text, inclusion=inclusion))

    def _add_generated_pages(self, files: Files, config) -> None:
        """One page per type, town, need and point, their bodies rendered later (see _start_workers), and the
        late pages last, so that mkdocs reads every other page before these wait for their view. Type pages
        are added out of the nav, like town, need and point pages: on_nav attaches them (_attach_type_pages)."""
        toc = (config.mdx_configs or {}).get("toc", {})
        self.generated = GeneratedPages(self.site, self.templates, self.view, str(toc.get("permalink", "¶")))
        hidden = InclusionLevel.NOT_IN_NAV
        self.kinds = {f"types/{kind['code']}.md": kind for kind in self.view["types"]}
        self.towns = {f"towns/{town['slug']}.md": town for town in self.view["towns"]}
        self.needs = self.generated.needs()
        for uri, body in self.generated.need_data_files(self.needs).items():  # the finder's nearest beyond the HTML
            files.append(File.generated(config, uri, content=body))
        for uri in [*self.kinds, *self.towns, *self.needs]:
            files.append(File.generated(config, uri, content="", inclusion=hidden))
        for n in range(len(self.site.points)):
            files.append(File.generated(config, self.generated.point_uri(n), content="", inclusion=hidden))
        for uri in LATE_PAGES:
            files.append(File.generated(config, uri, content=""))
        self.generated.urls = {f.src_uri: f.url for f in files}
        self.need_entries = self.generated.need_entries()

    def _start_workers(self) -> None:
        """Type, town and need pages' bodies (the need pages list every point offering a service): rendered
        by workers at scale, a few ahead, while this process reads the Markdown pages; point bodies after."""
        count, workers = len(self.site.points), self.workers
        assert workers is not None  # made by on_files
        tasks = [functools.partial(self.generated.kind, kind) for kind in self.kinds.values()]
        tasks += [functools.partial(self.generated.town, town) for town in self.towns.values()]
        tasks += [functools.partial(self.generated.need, need) for need in self.needs.values()]
        self.order = {uri: n for n, uri in enumerate([*self.kinds, *self.towns, *self.needs])}
        ahead = len(tasks) if count <= ALL_PAGES_AHEAD_UP_TO else PAGES_AHEAD
        self.pages = OrderedMap(lambda n: tasks[n](), len(tasks), workers, "pages", chunk=1, window=ahead)
        window = BODIES_AHEAD // POINTS_CHUNK
        self.bodies = OrderedMap(self.generated.point, count, workers, "points", POINTS_CHUNK, window)
        if workers.processes:
            material.segment(self.site.place.name)  # load jieba's dictionary once, before the workers fork
        self.pages.prefetch()  # the workers start while this process reads the Markdown pages

    def on_page_markdown(self, markdown: str, page, config, files) -> str:
        """LATE_PAGES (the map and the open-data pages) are written once the background job has made their
        view: the open-data files' sizes, checksums and first rows, and the map's folium parts. A hand-written
        page's corrections mark becomes the editing group's address and phone (corrections.fill_guide)."""
        if page.file.src_uri in LATE_PAGES and page.file.generated_by:
            source = render_late_page(self.templates, page.file.src_uri, self.view | self._late_view())
            markdown, page.meta = get_data(source)  # its front matter, as mkdocs reads a page's source
        elif page.file.generated_by is None:
            markdown = with_problem_codes(markdown)  # the guide's table of codes, from core/errors.py
            markdown = fill_guide(markdown, self.site.settings)  # the corrections address and phone
        return markdown

    def on_nav(self, nav, config, files):
        """Type pages join the nav from types.csv (_attach_type_pages). Point, town and need pages skip
        Markdown and Material's search parser: their bodies come from our templates, one at a time while
        writing (point pages from worker processes at scale)."""
        self._attach_type_pages(nav, files)
        skip = material.SKIP_SEARCH
        for n, point in enumerate(self.site.points):
            file = files.get_file_from_path(self.generated.point_uri(n))
            GeneratedPage(
                file, config, title=page_title(point["name"]), slug=point["id"], body=_Body(self, n), meta=skip
            )
        for uri, town in self.towns.items():
            body = functools.partial(self.pages.get, self.order[uri])
            file = files.get_file_from_path(uri)
            GeneratedPage(file, config, title=page_title(town["name"]), slug=town["slug"], body=body, meta=skip)
        for uri, need in self.needs.items():  # the need-finder's pages (issue 16), their nav hidden as before
            body = functools.partial(self.pages.get, self.order[uri])
            file, title = files.get_file_from_path(uri), page_title(f"我要办：{need['name']}")
            GeneratedPage(
                file, config, title=title, slug=need["code"], body=body, meta={"hide": ["navigation"], **skip}
            )
        self.bodies.prefetch()  # behind the type, town and need pages
        return nav

    def _attach_type_pages(self, nav, files: Files) -> None:
        """Each type page, in types.csv order, after the type listing (types/index.md, the only one
        mkdocs.yml lists) in its section, as Material's blog attaches its generated views: so a type added
        to types.csv has its page in the nav, and validation and build always agree. Previous/next links
        are made again for the whole nav."""
        listing = next((p for p in nav.pages if p.file.src_uri == TYPE_LISTING), None)
        if listing is None or listing.parent is None:
            raise PluginError(f"mkdocs.yml 的 nav 中应有一个栏目列出 {TYPE_LISTING}：网点类型页接在它后面。")
        section = listing.parent
        at = nav.pages.index(listing) + 1
        while at < len(nav.pages) and nav.pages[at].parent is section:
            at += 1  # after the section's pages
        placed = {p.file.src_uri for p in nav.pages}
        pages = []
        for uri, kind in self.kinds.items():
            if uri in placed:
                continue  # listed by hand in mkdocs.yml: mkdocs has placed it already
            file = files.get_file_from_path(uri)
            page = file.page if file is not None else None
            assert page is not None  # mkdocs makes a Page for every documentation file, in the nav or not
            page.file.inclusion = InclusionLevel.UNDEFINED  # back in the nav
            page.title = kind["name"]  # as a title in mkdocs.yml's nav would be
            page.parent = section
            section.children.append(page)
            pages.append(page)
        nav.pages[at:at] = pages
        for before, page, after in zip([None, *nav.pages[:-1]], nav.pages, [*nav.pages[1:], None], strict=True):
            page.previous_page, page.next_page = before, after

    def on_env(self, env, config, files):
        self._late_view()  # mkdocs copies the files next: they must all be there
        env.bytecode_cache = COMPILED  # the theme's templates, compiled once (and kept, see on_config)
        install(env, self.frames)
        env.globals["servicepoints_stylesheets"] = [(sheet.theme, sheet.name) for sheet in self.stylesheets]
        return env

    def on_page_content(self, html: str, page, config, files) -> str:
        """Type pages (in the nav, so mkdocs made their Page) get their body from our template here,
        in place of the empty Markdown. Then drop the Markdown: mkdocs converts every page before it
        writes any, so at 20,000 points holding both was most of the build's peak memory."""
        kind = self.kinds.get(page.file.src_uri)
        if kind is not None and page.file.generated_by:
            body = self.pages.get(self.order[page.file.src_uri])
            html = body.html
            page.toc = get_toc(body.toc)
            page.present_anchor_ids = set(_ANCHOR.findall(html))
        page.markdown = ""  # not None: mkdocs reads None as "no title yet"
        if page.file.generated_by:
            page.file.content_string = ""
        return self._link_glossary(html, page)

    def _link_glossary(self, html: str, page) -> str:
        """Glossary terms link to their entry where they first appear (not on point and type pages:
        those are straight HTML, see pagepath.py)."""
        uri = page.file.src_uri
        if uri == glossary.GLOSSARY_PAGE or (uri.startswith(("points/", "types/")) and not uri.endswith("index.md")):
            return html
        up = "../" * page.url.count("/")
        return glossary.link_terms(html, f"{up}glossary/", self.terms)

    def on_page_context(self, context, page, config, nav):
        """Breadcrumbs and the edit link of the page's own file, for the theme (wayfinding.py)."""
        wayfinding.annotate(page, config, self.way)
        return context

    def on_post_page(self, output: str, page, config) -> str:
        """Drop a written page's HTML: mkdocs would keep all of them until the end.
        Every page passes the last link guard: no unsafe address is ever live."""
        page.content = None
        return neutralise_links(output)

    @event_priority(-100)  # after Material's search plugin has written its index
    def on_post_build(self, config) -> None:
        self._close()
        entries = [self.generated.town_entry(town) for town in self.towns.values()]
        entries += list(self.need_entries.values())
        entries += [self.entries[n] for n in sorted(self.entries)]
        written = search.write(Path(config.site_dir), entries)
        self.search_files = set(written)  # its shard and document files change with the data (site/preview.py)
        self.search_index_bytes = sum(written.values())
        shutil.rmtree(Path(config.site_dir) / material.LUNR, ignore_errors=True)  # our worker needs none of it
        folder = Path(config.site_dir) / material.STYLESHEETS
        for sheet in self.stylesheets:
            (folder / sheet.name).write_text(sheet.text, encoding="utf-8")
            for stale in (sheet.theme, f"{sheet.theme}.map"):  # linked from no page now
                (folder / stale).unlink(missing_ok=True)

    def on_build_error(self, error) -> None:
        self._close()

    def _late_view(self) -> dict:
        """The background job's view for LATE_PAGES, once it has written the open-data files."""
        if self.late is None:
            raise PluginError("servicepoints: the open-data job was never started (on_files did not run)")
        return self.late.result()

    def _close(self) -> None:
        if self.late is not None:
            self.late.close()
        if self.workers is not None:
            self.workers.close()
            self.workers = None


@dataclass(frozen=True)
class Stylesheet:
    theme: str  # the theme's file name, which every page would link
    name: str  # ours, in its place
    text: str


def _stylesheets(config, templates: Path, cache: Cache) -> list[Stylesheet]:
    """The theme's stylesheets cut to what our sources can write (site/styles.py): the classes in the theme's
    templates and ours, our scripts and styles, the Markdown pages, this package's code and the Markdown
    extensions in use; the palette's colours. Read from code, pages and settings only, never from the data,
    so the cut is kept in ``cache`` under a digest of everything it is made from."""
    sources = [p for d in config.theme.dirs for p in Path(d).rglob("*.html")]
    if config.theme.custom_dir:
        sources += [p for p in Path(config.theme.custom_dir).rglob("*") if p.suffix in {".js", ".css"}]
    sources = [p for p in sources if "vendor" not in p.parts]
    sources += list(templates.rglob("*.j2"))
    sources += [p for p in Path(config.docs_dir).rglob("*") if p.suffix in {".md", ".html"}]
    sources += list(Path(__file__).resolve().parents[1].rglob("*.py"))
    sources += _extension_sources(config.markdown_extensions)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(set(sources))]
    texts.append(" ".join(material.RUNTIME_CLASSES))
    theme = material.installed_stylesheets()
    scripts = [p.read_text(encoding="utf-8", errors="replace") for p in theme[0].parent.parent.glob("javascripts/*.js")]
    sheets = {path.name: path.read_text(encoding="utf-8") for path in theme}
    palette = material.palette_attributes(config.theme.get("palette"))
    made_from = json.dumps([texts, scripts, sheets, sorted((k, sorted(v)) for k, v in palette.items())]).encode()
    cut = cache.json(
        _STYLES_ENTRY,
        made_from,
        lambda: styles.pruned(sheets, styles.words(texts), palette, styles.properties([*texts, *scripts])),
        lambda kept: (
            isinstance(kept, dict) and sorted(kept) == sorted(sheets) and all(isinstance(v, str) for v in kept.values())
        ),
    )
    return [Stylesheet(name, styles.file_name(name, text), text) for name, text in cut.items()]


_STYLES_ENTRY = "theme-stylesheets"


def _extension_sources(names) -> list[Path]:
    """The source files of the Markdown extensions in use (the classes they write are strings there)."""
    import importlib.util

    found = []
    for name in names:
        if not isinstance(name, str):
            continue
        for module in ([f"markdown.extensions.{name}"] if "." not in name else []) + [name]:
            try:
                spec = importlib.util.find_spec(module)
            except (ImportError, ValueError):
                spec = None
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                found.append(Path(spec.origin))
                break
    return found


def _instance_words(config) -> dict:
    """The instance's own words for generated pages (mkdocs.yml, extra.servicepoints): the home page's
    paragraph and 关于本站's part."""
    words = (config.extra or {}).get("servicepoints") or {}
    return {"home_about": words.get("home_about"), "about_instance": words.get("about") or ""}


def _late_work(site: SiteData, plan: dict, folder: Path, cache: Cache) -> dict:
    """Make every open-data file, writing each into the site as it is made; return the view LATE_PAGES need."""
    files = make_files(plan, folder)
    return late_view(site, describe_files(plan, files), files, cache)


class _Body:
    """Point page ``n``'s body, fetched from the workers when the page is written; keeps its search entry."""

    def __init__(self, plugin: ServicepointsPlugin, n: int) -> None:
        self.plugin, self.n = plugin, n

    def __call__(self):
        body, entry = self.plugin.bodies.get(self.n)
        self.plugin.entries[self.n] = entry
        return body
