"""The page path for generated pages: the filled theme frame is the theme's own rendering, builds are
byte-identical whatever the number of workers, and no page loses content against the Markdown path."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import DATA, ROOT, fixture, make_registry
from servicepoints import pagepath


def build_with_plugin(data: Path, out: Path, monkeypatch=None):
    """A strict mkdocs build with our plugin; returns the plugin instance (its state is on it)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from servicepoints.plugin import Preset
    from servicepoints.settings import Settings

    config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(out), strict=True)
    plugin = config.plugins["servicepoints"]
    plugin.preset = Preset(data, Settings(release_date="2026-01-01"))
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
    assert stats["filled"] == len(plugin.site.points) and stats["full"] == 0
    assert len(plugin.frames.frames) == 1, "every point page should share one frame"


def test_titles_that_need_escaping_get_the_themes_full_rendering(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEPOINTS_WORKERS", "0")
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml"), "hostile.yaml": fixture("hostile.yaml")})
    _, plugin = build_with_plugin(data, tmp_path / "site")
    assert plugin.frames.stats == {"filled": 1, "full": 1, "rejected": 0}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical_with_and_without_workers(every_page_checked, tmp_path, monkeypatch):
    first, _, _ = every_page_checked
    monkeypatch.setenv("SERVICEPOINTS_WORKERS", "2")
    build_with_plugin(DATA, tmp_path / "site")
    one, two = _tree(first), _tree(tmp_path / "site")
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


# No page loses content: each sampled point page, as the Markdown path rendered it (the template kept in
# tests/legacy_pages/ when the pages moved to straight HTML, or the live one before), against the built page.
LEGACY = ROOT / "tests" / "legacy_pages"
SAMPLE = ["protection-center", "guzhen-lighting-center", "tm-xiaolan", "aid-minzhong", "tm-guzhen"]


def _legacy_content(config, plugin, point_id: str) -> str:
    """The point's body through Python-Markdown and mkdocs' link handling, as every build did before."""
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import Page

    from servicepoints import render

    templates = LEGACY if (LEGACY / "point.md.j2").is_file() else ROOT / "site_templates" / "pages"
    point = next(p for p in plugin.site.points if p["id"] == point_id)
    view = plugin.points.view
    text = (
        render.environment(templates)
        .get_template("point.md.j2")
        .render(point=point, extra=render._point_extra(point, plugin.site), **view)
    )
    file = File.generated(config, f"points/{point_id}.md", content=text)
    page = Page(None, file, config)
    page.read_source(config)
    page.render(config, Files([file]))
    return page.content


def _words(node) -> list[str]:
    return [w for w in re.split(r"\s+", node.get_text(" ")) if w]


def _links(node) -> Counter:
    return Counter((a.get("href"), " ".join(_words(a))) for a in node.select("a[href]"))


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(word in it for word in small)


@pytest.mark.parametrize("point_id", SAMPLE)
def test_no_point_page_loses_text_or_links(every_page_checked, point_id):
    site, config, plugin = every_page_checked
    old = BeautifulSoup(_legacy_content(config, plugin, point_id), "html.parser")
    built = BeautifulSoup((site / "points" / point_id / "index.html").read_text(encoding="utf-8"), "html.parser")
    new = built.select_one("article.md-content__inner")
    assert _words(old) and _is_subsequence(_words(old), _words(new)), point_id
    missing = _links(old) - _links(new)
    assert not missing, f"{point_id} lost links: {missing}"
    assert built.select_one("h1").get_text().strip().rstrip("¶") == point_id_name(plugin, point_id)


def point_id_name(plugin, point_id: str) -> str:
    return next(p["name"] for p in plugin.site.points if p["id"] == point_id)
