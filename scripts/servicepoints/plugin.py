"""The mkdocs plugin: its event hooks add every generated page and data file at build time."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel

from . import glossary, wayfinding
from .changes import read_previous
from .export import build_opendata, describe_files
from .holidays import browser_json
from .load import read_registry
from .model import SiteData
from .output import problems_text
from .render import render_pages
from .settings import Settings, load_settings
from .validate import validate

_override: dict = {}


def use(data_dir: Path | None, settings: Settings | None, checked: tuple | None) -> None:
    """Let the command layer choose the data folder and settings for the next build, and hand
    over the registry and report it has already validated."""
    _override.clear()
    if data_dir is not None:
        _override.update(data_dir=Path(data_dir), settings=settings, checked=checked)


def _validated(data_dir: Path, settings: Settings) -> tuple:
    """Read and validate when run as plain ``mkdocs build`` (not through ``servicepoints build``)."""
    registry = read_registry(data_dir)
    return registry, validate(registry, stale_days=settings.stale_days)


class _Options(Config):
    data_dir = opt.Type(str, default="data")
    settings_file = opt.Type(str, default="servicepoints.yml")
    templates_dir = opt.Type(str, default="site_templates/pages")


class ServicepointsPlugin(BasePlugin[_Options]):
    """Validates the registry and generates the pages; a bad registry stops the build."""

    def on_config(self, config):
        base = Path(config.config_file_path).parent
        data_dir = _override.get("data_dir") or base / self.config.data_dir
        settings = _override.get("settings") or load_settings(base / self.config.settings_file)
        registry, report = _override.get("checked") or _validated(data_dir, settings)
        if not report.ok:
            raise PluginError("数据校验未通过：\n" + problems_text(report.problems, len(registry.records)))
        site_url = config.site_url or "http://127.0.0.1:8000/"
        self.site = SiteData(registry.descriptor, registry.tables, report.points, settings, site_url)
        self.templates = base / self.config.templates_dir
        self.previous = read_previous(settings.previous_release)
        self.way = wayfinding.prepare(registry, self.site, self.config.data_dir, self.config.templates_dir)
        terms = Path(config.docs_dir) / glossary.GLOSSARY_PAGE
        self.terms = glossary.read_terms(terms) if terms.is_file() else {}
        glossary.keep_words_whole(glossary.search_words(self.site.tables))
        return config

    def on_files(self, files: Files, config) -> Files:
        opendata = build_opendata(self.site, self.previous)
        for name, body in opendata.items():
            files.append(File.generated(config, f"opendata/{name}", content=body))
        holidays = browser_json(self.site.tables.get("holidays", []))  # for servicepoints-hours.js
        files.append(File.generated(config, "assets/servicepoints-holidays.json", content=holidays))
        for uri, text in render_pages(self.site, self.templates, describe_files(opendata), opendata).items():
            hidden = uri.startswith("points/") or any(
                uri.startswith(f"{d}/") and uri != f"{d}/index.md" for d in ("towns", "find")
            )
            inclusion = InclusionLevel.NOT_IN_NAV if hidden else InclusionLevel.UNDEFINED
            files.append(File.generated(config, uri, content=text, inclusion=inclusion))
        return files

    def on_page_content(self, html: str, page, config, files) -> str:
        """Drop the Markdown once it is HTML: mkdocs converts every page before it writes any,
        so at 20,000 points holding both was most of the build's peak memory."""
        page.markdown = ""  # not None: mkdocs reads None as "no title yet"
        if page.file.generated_by:
            page.file.content_string = ""
        return self._link_glossary(html, page)

    def _link_glossary(self, html: str, page) -> str:
        """Glossary terms link to their entry where they first appear (not on the many point pages)."""
        if page.file.src_uri == glossary.GLOSSARY_PAGE or page.file.src_uri.startswith("points/"):
            return html
        up = "../" * page.url.count("/")
        return glossary.link_terms(html, f"{up}glossary/", self.terms)

    def on_page_context(self, context, page, config, nav):
        """Breadcrumbs and the edit link of the page's own file, for the theme (wayfinding.py)."""
        wayfinding.annotate(page, config, self.way)
        return context

    def on_post_page(self, output: str, page, config) -> str:
        """Drop a written page's HTML: mkdocs would keep all of them until the end."""
        page.content = None
        return output
