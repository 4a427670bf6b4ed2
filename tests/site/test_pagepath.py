"""The page path for generated pages: the filled theme frame is the theme's own rendering, builds are
byte-identical whatever the number of workers, and no page loses content against the Markdown path."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import DATA, ROOT, fixture, make_registry
from servicepoints.site import pagepath


def build_with_plugin(data: Path, out: Path, monkeypatch=None, **settings):
    """A strict mkdocs build with our plugin; returns the plugin instance (its state is on it)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from servicepoints.core.settings import Settings
    from servicepoints.site.plugin import Preset

    config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(out), strict=True)
    plugin = config.plugins["servicepoints"]
    plugin.preset = Preset(data, Settings(release_date="2026-01-01", **settings))
    build(config)
    return config, plugin


@pytest.fixture(scope="module")
def every_page_checked(tmp_path_factory):
    """The shipped registry, with the frame checked against the theme's full rendering on every page."""
    mp = pytest.MonkeyPatch()
    mp.setattr(pagepath, "CHECKED_PAGES", 10**9)
    mp.setenv("SERVICEPOINTS_WORKERS", "0")
    try:
        out = tmp_path_factory.mktemp("checked") / "site"
        config, plugin = build_with_plugin(DATA, out)
    finally:
        mp.undo()
    return out, config, plugin


def test_every_filled_frame_is_the_themes_own_rendering(every_page_checked):
    _, _, plugin = every_page_checked
    stats = plugin.frames.stats
    assert stats["rejected"] == 0, "the theme renders our pages differently from the filled frame"
    assert stats["filled"] == len(plugin.site.points) + len(plugin.towns) + len(plugin.needs) and stats["full"] == 0
    point_frames = [key for key in plugin.frames.frames if "('服务项目', 'services')" in repr(key[1])]
    assert len(point_frames) == 1, "every point page should share one frame"


def test_titles_that_need_escaping_get_the_themes_full_rendering(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEPOINTS_WORKERS", "0")
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml"), "hostile.yaml": fixture("hostile.yaml")})
    _, plugin = build_with_plugin(data, tmp_path / "site")
    filled = 1 + len(plugin.towns) + len(plugin.needs)
    assert plugin.frames.stats == {"filled": filled, "full": 1, "rejected": 0}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical_with_and_without_workers(every_page_checked, tmp_path, monkeypatch):
    first, _, _ = every_page_checked
    monkeypatch.setenv("SERVICEPOINTS_WORKERS", "2")
    build_with_plugin(DATA, tmp_path / "site")
    one, two = _tree(first), _tree(tmp_path / "site")
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


def test_builds_are_byte_identical_with_the_cache_off_cold_or_warm(every_page_checked, tmp_path, monkeypatch):
    """The project's cache (compiled templates, jieba's table) changes how fast a build is, never a byte."""
    from servicepoints.core import cache as cache_module
    from servicepoints.site import plugin as plugin_module

    first = _tree(every_page_checked[0])
    folder = tmp_path / "cache"
    kept = []

    def in_project(cls, project, enabled=True):
        kept.append(enabled)
        return cls(folder if enabled else None)

    monkeypatch.setattr(plugin_module.Cache, "in_project", classmethod(in_project))
    monkeypatch.setenv("SERVICEPOINTS_WORKERS", "0")
    for run, setting in enumerate(["off", "on", "on"]):  # no cache, then the folder empty, then filled
        build_with_plugin(DATA, tmp_path / f"site{run}", cache=setting)
        if run == 1:
            filled = {p.name: p.read_bytes() for p in folder.iterdir()}
            assert any(name.startswith("template-") for name in filled)
        tree = _tree(tmp_path / f"site{run}")
        assert tree.keys() == first.keys()
        assert [name for name in first if first[name] != tree[name]] == []
    assert kept == [False, True, True]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == filled  # the warm build used it, made nothing new
    assert cache_module.FOLDER.parts == (".cache", "servicepoints")


# No page loses content: sampled point, town and type pages as the Markdown path rendered them (the templates
# kept in tests/legacy_pages/ from when these pages moved to straight HTML) against the built pages.
LEGACY = ROOT / "tests" / "legacy_pages"
SAMPLE = {
    "point": ["protection-center", "guzhen-lighting-center", "tm-xiaolan", "aid-minzhong", "tm-guzhen"],
    "town": ["guzhen", "xiaolan", "shiqi"],
    "type": ["trademark-station", "rapid-center", "enterprise-studio", "other"],
    "need": ["register-trademark", "patent-infringed", "ip-management"],
}


def _legacy_content(config, plugin, kind: str, slug: str) -> str:
    """The page's body through Python-Markdown and mkdocs' link handling, as every build did before."""
    import jinja2
    from mkdocs.structure.files import File, Files, get_files
    from mkdocs.structure.pages import Page

    from servicepoints.site import render

    env = render.environment(ROOT / "site_templates" / "pages")
    env.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(LEGACY)), env.loader])
    view = plugin.generated.view
    if kind == "point":
        point = next(p for p in plugin.site.points if p["id"] == slug)
        extra = render._point_extra(point, plugin.site)
        channels = render.point_channels(point, plugin.site, view)
        text = env.get_template("point.md.j2").render(point=point, extra=extra, channels=channels, **view)
        uri = f"points/{slug}.md"
    elif kind == "town":
        town = next(t for t in view["towns"] if t["slug"] == slug)
        text, uri = env.get_template("town.md.j2").render(town=town, **view), f"towns/{slug}.md"
    elif kind == "type":
        kind_row = view["type_by_code"][slug]
        text = env.get_template("type.md.j2").render(kind=kind_row, type_table_limit=1000, **view)  # its old limit
        uri = f"types/{slug}.md"
    else:
        need = plugin.needs[f"find/{slug}.md"]
        extra = plugin.generated._need_extra
        text, uri = env.get_template("need.md.j2").render(need=need, **extra, **view), f"find/{slug}.md"
    file = File.generated(config, uri, content=text)
    files = get_files(config)
    files.append(File.generated(config, "types/index.md", content="# x"))
    files.append(file)
    page = Page(None, file, config)
    page.read_source(config)
    page.render(config, Files(list(files)))
    return page.content


def _words(node) -> list[str]:
    return [w for w in re.split(r"\s+", node.get_text(" ")) if w]


def _links(node) -> Counter:
    """Links with their text; the title's own permalink is left out (its anchor was a slug of the name)."""
    return Counter((a.get("href"), " ".join(_words(a))) for a in node.select("a[href]") if not a.find_parent("h1"))


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(word in it for word in small)


@pytest.mark.parametrize(("kind", "slug"), [(k, s) for k, slugs in SAMPLE.items() for s in slugs])
def test_no_generated_page_loses_text_or_links(every_page_checked, kind, slug):
    site, config, plugin = every_page_checked
    old = BeautifulSoup(_legacy_content(config, plugin, kind, slug), "html.parser")
    folder = {"point": "points", "town": "towns", "type": "types", "need": "find"}[kind]
    built = BeautifulSoup((site / folder / slug / "index.html").read_text(encoding="utf-8"), "html.parser")
    new = built.select_one("article.md-content__inner")
    hint = (
        f"{slug}: tests/legacy_pages/{kind}.md.j2 (the old Markdown template) shows more than the page built from "
        f"site_templates/pages/{kind}.html.j2. If you changed the page, change the .html.j2 template."
    )
    assert _words(old) and _is_subsequence(_words(old), _words(new)), hint
    missing = _links(old) - _links(new)
    assert not missing, f"{hint} Lost links: {missing}"
    assert built.select_one("h1").get_text().strip().rstrip("¶") == old.select_one("h1").get_text().strip().rstrip("¶")
