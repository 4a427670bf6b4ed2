"""The theme's stylesheets cut to what the site can use (servicepoints.site.styles) and how the build ships
them (site/plugin.py, theme/main.html)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, soup
from servicepoints.site import material, styles

CLASSES = frozenset({"md-typeset", "admonition", "md-nav__link", "note"})
INDIGO = {"data-md-color-primary": frozenset({"indigo"})}


def test_blocks_skip_comments_and_keep_braces_inside_strings():
    css = '/* a { b } */a{content:"}{"}@media screen{.x{color:red}}@charset "utf-8";'
    assert styles.blocks(css) == [
        styles.Block("a", 'content:"}{"'),
        styles.Block("@media screen", ".x{color:red}"),
        styles.Block('@charset "utf-8"', None),
    ]


def test_split_top_leaves_commas_inside_brackets_and_strings():
    assert styles.split_top('.a:is(.b,.c),[title="x,y"],.d') == [".a:is(.b,.c)", '[title="x,y"]', ".d"]


def test_a_selector_needing_a_class_nobody_writes_cannot_match():
    assert styles.possible(".md-typeset .admonition", CLASSES)
    assert not styles.possible(".md-typeset .tabbed-set", CLASSES)
    assert styles.possible("a:hover>code", CLASSES)  # no class at all


def test_is_matches_when_one_alternative_can_and_not_is_never_a_reason_to_drop():
    assert styles.possible(".md-typeset :is(.tabbed-set,.admonition)", CLASSES)
    assert not styles.possible(".md-typeset :is(.tabbed-set,.md-annotation)", CLASSES)
    assert styles.possible(".md-nav__link:not(.md-nav__link--active)", CLASSES)
    assert styles.possible(".md-typeset :where(.note:not(.tabbed-set))", CLASSES)


def test_attribute_values_are_not_classes_and_palette_colours_we_never_set_cannot_match():
    assert styles.possible('.md-typeset a[href$=".pdf"]', CLASSES)  # ".pdf" is a string, not a class
    assert styles.possible("[data-md-color-primary=indigo] .md-typeset", CLASSES, INDIGO)
    assert not styles.possible("[data-md-color-primary=red] .md-typeset", CLASSES, INDIGO)
    assert not styles.possible('[data-md-color-primary="red"]', CLASSES, INDIGO)
    assert styles.possible("[data-md-color-scheme=slate]", CLASSES, INDIGO)  # not an attribute we know
    assert styles.possible(".md-typeset .\\31 0", CLASSES)  # an escaped class: kept, never guessed


def test_prune_drops_selectors_then_empty_rules_then_empty_media_and_keeps_other_at_rules():
    css = (
        ".md-typeset .admonition,.md-typeset .tabbed-set{margin:0}"
        ".tabbed-set{display:flex}"
        "@media screen{.tabbed-labels{color:red}}"
        "@media print{.note,.critic{display:none}}"
        "@keyframes spin{0%{opacity:0}to{opacity:1}}"
        "[data-md-color-primary=pink]{--md-primary-fg-color:#e91e63}"
    )
    assert styles.prune(css, CLASSES, INDIGO) == (
        ".md-typeset .admonition{margin:0}@media print{.note{display:none}}@keyframes spin{0%{opacity:0}to{opacity:1}}"
    )


def test_custom_properties_nobody_reads_go_in_a_chain_and_across_sheets():
    sheets = {
        "main": ":root{--a:1px;--b:var(--c);--c:2px;--icon:url('data:image/svg+xml;x,<svg/>')}.x{margin:var(--a)}",
        "palette": ":root{--d:3px;--e:4px}",
    }
    assert styles.drop_unread_properties(sheets, frozenset({"--e"})) == {
        "main": ":root{--a:1px}.x{margin:var(--a)}",
        "palette": ":root{--e:4px}",
    }


def test_a_cut_is_named_by_its_content():
    one = styles.file_name("main.57a0d79d.min.css", ".a{color:red}")
    assert re.fullmatch(r"main\.[0-9a-f]{8}\.min\.css", one)
    assert one != styles.file_name("main.57a0d79d.min.css", ".a{color:blue}")
    assert styles.file_name("palette.fb2fffe2.min.css", ".a{color:red}").startswith("palette.")


def test_words_are_what_a_template_or_script_could_write_as_a_class():
    assert styles.words(['<div class="md-nav__item--nested sp-x">', "el.classList.add('md-top')"]) >= {
        "md-nav__item--nested",
        "sp-x",
        "md-top",
    }
    assert styles.properties(["style.setProperty('--md-x', 1)", "var(--sp-gap)"]) == {"--md-x", "--sp-gap"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(".{}[]():;,\"'/*@ -_abcmd=x\\")), max_size=80))
def test_any_text_is_cut_without_an_error_and_a_second_cut_changes_nothing(css):
    once = styles.prune(css, CLASSES, INDIGO)
    assert styles.prune(once, CLASSES, INDIGO) == once
    assert len(once) <= len(css) + css.count("}") + 1  # no more than the text (and a closing brace per rule)
    styles.drop_unread_properties({"x": css}, frozenset())


def test_the_theme_links_each_of_its_stylesheets_once_and_the_palette_setting_gives_the_colours():
    base = (material.templates_dir() / "base.html").read_text(encoding="utf-8")
    for path in material.installed_stylesheets():
        assert base.count(path.name) == 1, path.name
    assert material.palette_attributes({"primary": "deep purple"})["data-md-color-primary"] == {"deep-purple"}
    both = material.palette_attributes([{"scheme": "default"}, {"scheme": "slate", "accent": "red"}])
    assert both["data-md-color-scheme"] == {"default", "slate"} and both["data-md-color-accent"] == {"indigo", "red"}


def test_the_classes_kept_for_the_theme_script_are_ones_it_writes():
    bundle = "".join(p.read_text(encoding="utf-8") for p in material.templates_dir().glob("assets/javascripts/*.js"))
    for name in material.RUNTIME_CLASSES:
        assert name in bundle, name


def test_pages_link_our_cut_and_the_theme_originals_are_gone(shipped_site):
    folder = shipped_site / material.STYLESHEETS
    shipped = sorted(p.name for p in folder.iterdir())
    theme = [p.name for p in material.installed_stylesheets()]
    assert not set(theme) & set(shipped) and not any(name.endswith(".map") for name in shipped)
    for page in ["index.html", "points/tm-xiaolan/index.html", "find/register-trademark/index.html", "404.html"]:
        links = [a["href"] for a in soup(shipped_site / page).select('link[rel="stylesheet"]')]
        ours = [
            href.rsplit("/", 1)[1] for href in links if "/stylesheets/" in href or href.startswith("assets/stylesheets")
        ]
        assert sorted(ours) == shipped, page
    main = next(folder.glob("main.*.min.css")).read_text(encoding="utf-8")
    assert ".md-typeset .admonition" in main and ".md-search-result__item" in main
    assert ".md-annotation" not in main and ".md-tooltip2" not in main and ".md-version__current" not in main
    assert "[data-md-color-primary=red]" not in next(folder.glob("palette.*")).read_text(encoding="utf-8")


def test_the_cut_depends_on_code_and_pages_never_on_the_data(shipped_site, hostile_site):
    def sheets(site):
        return {p.name: p.read_bytes() for p in (site / material.STYLESHEETS).iterdir()}

    assert sheets(shipped_site) == sheets(hostile_site)


def test_the_cut_is_kept_and_reused_only_for_the_same_sources(tmp_path, monkeypatch):
    """The cut depends only on code, pages and settings, so the project's cache keeps it: the next build gets
    the same stylesheets without cutting; a changed source is cut afresh."""
    from mkdocs.config import load_config

    from servicepoints.core.cache import Cache
    from servicepoints.site import plugin, styles

    config = load_config(str(ROOT / "mkdocs.yml"))
    templates = ROOT / "site_templates" / "pages"
    cache = Cache.in_project(tmp_path)
    fresh = plugin._stylesheets(config, templates, Cache(None))
    assert plugin._stylesheets(config, templates, cache) == fresh
    cut = styles.pruned
    monkeypatch.setattr(styles, "pruned", lambda *a: pytest.fail("cut again"))
    assert plugin._stylesheets(config, templates, cache) == fresh
    monkeypatch.setattr(styles, "pruned", cut)
    config.theme["palette"] = {"primary": "red", "accent": "red"}  # the setting changes: other colours stay
    assert plugin._stylesheets(config, templates, cache) == plugin._stylesheets(config, templates, Cache(None)) != fresh
