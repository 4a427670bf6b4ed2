"""Breadcrumbs: one trail function (wayfinding.trail) decides the steps; the templates only lay them out."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, soup
from servicepoints.site import wayfinding

BASE = "https://zs-ip-servicepoints.github.io/servicepoints/"


def _shown_trail(page) -> list[str]:
    """The title of each step of a page's breadcrumbs, the page itself last."""
    items = page.select_one(".sp-breadcrumbs").select("li")
    return [(li.select_one("a") or li.select_one('[aria-current="page"]')).get_text().strip() for li in items]


@pytest.fixture(scope="module")
def way():
    from servicepoints.core.settings import Settings
    from servicepoints.registry.load import read_registry
    from servicepoints.registry.model import SiteData
    from servicepoints.registry.validate import validate

    registry = read_registry(ROOT / "data")
    site = SiteData(registry.descriptor, registry.tables, validate(registry).points, Settings(), BASE)
    return wayfinding.prepare(registry, site, "data", "site_templates/pages")


@pytest.mark.parametrize("point_id", ["tm-xiaolan", "protection-center", "studio-shiyu"])
def test_a_point_pages_breadcrumbs_are_the_trail_function_s_steps(shipped_site, way, point_id):
    page = soup(shipped_site / "points" / point_id / "index.html")
    steps = wayfinding.trail(f"points/{point_id}.md", way)
    assert steps == wayfinding.point_trail(way, way.points[point_id])
    assert _shown_trail(page) == [s["title"] for s in steps]
    links = [a["href"] for a in page.select(".sp-breadcrumbs a")]
    assert links == ["../../" + s["path"] for s in steps[:-1]]


def test_the_breadcrumb_template_holds_no_rule_of_its_own():
    text = (ROOT / "site_templates" / "pages" / "_wayfinding.j2").read_text(encoding="utf-8")
    macro = text.split("{% macro breadcrumbs(point) %}", 1)[1].split("{% endmacro %}", 1)[0]
    assert "sp_trail(point)" in macro
    for decision in ("towns/", "types/", "town_by_name", "type_by_code", "首页", "镇街", "服务目录", "{% if"):
        assert decision not in macro, decision
    assert not re.search(r"point\.(town|type)", macro)
