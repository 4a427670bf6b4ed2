"""The public site: pages at stable URLs, built from the registry, parsed (never compared whole)."""

from __future__ import annotations

import json
import re

import jinja2
import pytest

from conftest import DATA, ROOT, build, soup
from servicepoints.core.errors import CODES
from servicepoints.registry.load import read_registry
from servicepoints.registry.validate import validate
from servicepoints.site import render, search
from servicepoints.site.escape import md, script_json
from servicepoints.site.pagepath import Toc


@pytest.fixture(scope="module")
def shipped():
    registry = read_registry(DATA)
    return registry, validate(registry).points


def test_a_page_per_type_town_and_point(shipped_site, shipped):
    registry, points = shipped
    for kind in registry.tables["types"]:
        assert (shipped_site / "types" / kind["code"] / "index.html").is_file()
    for town in registry.tables["towns"]:
        assert (shipped_site / "towns" / town["slug"] / "index.html").is_file()
    assert {t["slug"] for t in registry.tables["towns"]} >= {"guzhen", "xiaolan", "dongqu"}
    for point in points:
        assert (shipped_site / "points" / point["id"] / "index.html").is_file()
    for page in ("index.html", "stats/index.html", "data/fields/index.html", "map/index.html", "opendata/index.html"):
        assert (shipped_site / page).is_file()
    assert len(list((shipped_site / "standard").glob("*/index.html"))) == 10


def test_type_page_lists_exactly_its_points(shipped_site, shipped):
    _, points = shipped
    for code in ("trademark-station", "rapid-center", "other"):
        page = soup(shipped_site / "types" / code / "index.html")
        listed = {tr["data-point-id"] for tr in page.select("tr[data-point-id]")}
        assert listed == {p["id"] for p in points if p["type"] == code}


def test_town_page_groups_points_and_links_the_map(shipped_site):
    page = soup(shipped_site / "towns" / "guzhen" / "index.html")
    listed = {tr["data-point-id"] for tr in page.select("tr[data-point-id]")}
    assert listed == {"guzhen-lighting-center", "tm-guzhen", "aid-guzhen"}
    assert page.select_one('a[href="../../map/#town=guzhen"]')


def test_point_pages_stay_out_of_navigation(shipped_site):
    nav_links = [a["href"] for a in soup(shipped_site / "index.html").select("nav.md-nav a[href]")]
    assert not [h for h in nav_links if re.search(r"(^|/)points/", h)]


def test_unknown_values_show_to_be_completed(shipped_site):
    page = soup(shipped_site / "points" / "protection-center" / "index.html")
    assert len(page.select(".sp-na")) >= 4
    assert "待补充" in page.get_text()


def test_jsonld_parses_and_matches_the_record(shipped_site, shipped):
    _, points = shipped
    point = next(p for p in points if p["id"] == "aid-minzhong")
    page = soup(shipped_site / "points" / "aid-minzhong" / "index.html")
    (script,) = page.select('script[type="application/ld+json"]')
    doc = json.loads(script.string)
    assert doc["@type"] == "GovernmentOffice"
    assert doc["name"] == point["name"]
    assert doc["openingHoursSpecification"][0]["opens"] == point["hours"].split(" ")[1][:5]  # schema.org, not OSM
    assert "geo" not in doc  # a town-centre estimate is not the office's position (test_machine_caveats.py)
    assert doc["url"].endswith("/points/aid-minzhong/")


def test_directions_links_use_each_apps_datum():
    """A known position (here tm-guzhen's, as if it were exact) is pinned in each app's own datum."""
    from servicepoints.site.links import map_links

    point = {"name": "某站", "town": "古镇镇", "address": "", "lat": 22.61, "lon": 113.19, "precision": "exact"}
    links = map_links(point, "商标品牌培育指导站", "中山市")
    amap = re.search(r"position=([\d.]+)%2C([\d.]+)", links["amap"])
    assert float(amap.group(1)) == pytest.approx(113.19 + 0.0055, abs=0.0006)  # GCJ-02 lon
    baidu = re.search(r"location=([\d.]+)%2C([\d.]+)", links["baidu"])
    assert float(baidu.group(1)) == pytest.approx(22.61 - 0.0027 + 0.006, abs=0.001)  # BD-09 lat


HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def test_hostile_names_show_as_text_everywhere(hostile_site):
    pages = [p for p in hostile_site.rglob("*.html")]
    for path in pages:
        page = soup(path)
        assert not page.select("img[onerror]"), path
        for script in page.select("script"):
            assert "alert(" not in (script.string or "") or script.get("type") == "application/ld+json", path
        assert "</script><script>alert(2)" not in path.read_text(encoding="utf-8"), path
    point = soup(hostile_site / "points" / "hostile" / "index.html")
    assert point.select_one("h1").get_text().strip().startswith(HOSTILE[0])
    assert point.select_one("title").get_text().startswith(HOSTILE[0])
    assert HOSTILE[1] in point.get_text()
    doc = json.loads(point.select_one('script[type="application/ld+json"]').string)
    assert doc["name"] == HOSTILE[0] and doc["alternateName"] == HOSTILE[1]
    assert "*粗体*" in point.get_text() and "[链接](http://x)" in point.get_text()
    shown = json.dumps(search.documents(hostile_site), ensure_ascii=False)  # what the search dialog inserts as HTML
    assert "hostile" in shown and "<script" not in shown and "<img" not in shown
    listing = soup(hostile_site / "types" / "trademark-station" / "index.html")
    assert HOSTILE[0] in listing.select_one('tr[data-point-id="hostile"] a').get_text()


def test_escape_helpers():
    assert str(md("<b>*x*</b> #1 [a](b)")) == "&lt;b&gt;\\*x\\*&lt;/b&gt; \\#1 \\[a\\]\\(b\\)"
    assert "</" not in str(script_json({"n": "</script><!--"}))
    assert json.loads(str(script_json({"n": "</script>&"}))) == {"n": "</script>&"}


def test_no_request_leaves_the_site(shipped_site):
    for path in shipped_site.rglob("*.html"):
        page = soup(path)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src")):
            for element in page.select(f"{tag}[{attr}]"):
                if tag == "link" and element.get("rel") in (["canonical"], ["alternate"]):
                    continue
                assert not re.match(r"^(https?:)?//", element[attr]), f"{path}: {element}"
        assert "fonts.googleapis" not in path.read_text(encoding="utf-8")
    for css in shipped_site.rglob("*.css"):
        assert not re.search(r"url\((['\"]?)(https?:)?//", css.read_text(encoding="utf-8")), css


def test_chinese_search_index_finds_towns_types_and_names(shipped_site):
    """The index's words are jieba's (a word per term, not a character), and each page is found by its words
    (古镇 begins 古镇镇, one word: the worker matches every word a part begins)."""
    docs, terms = search.documents(shipped_site), search.terms(shipped_site)
    assert "古镇" in terms and "古" not in terms  # segmented, not cut into characters
    for word, page in (
        ("古镇", "towns/guzhen/"),
        ("商标", "types/trademark-station/"),
        ("灯饰", "points/guzhen-lighting-center/"),
    ):
        found = [n for term, (title, text) in terms.items() if term.startswith(word) for n in title + text]
        assert any(docs[n]["location"].startswith(page) for n in found), word  # a part finds the words it begins


def test_data_dictionary_lists_every_field_of_every_table(shipped_site):
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    page = soup(shipped_site / "data" / "fields" / "index.html")
    rows = {tr["id"] for tr in page.select("tr[id]")}
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            assert f"{resource['name']}-{field['name']}" in rows


def test_standard_pages_are_marked_as_draft_with_clause_anchors(shipped_site):
    for path in (shipped_site / "standard").glob("*/index.html"):
        page = soup(path)
        assert "征求意见稿" in page.select_one(".sp-draft").get_text(), path
        assert "正式发布的文本为准" in page.select_one(".sp-draft").get_text(), path
    construction = soup(shipped_site / "standard" / "construction" / "index.html")
    assert construction.select_one("#c4-1") and construction.select_one("#c4-2-1")
    examples = [e.get_text() for e in construction.select(".admonition.example")]
    assert examples and all("示例" in e for e in examples)


def test_stats_page_counts_published_against_reported(shipped_site):
    text = soup(shipped_site / "stats" / "index.html").get_text()
    assert "推定" in text and "尚未收录" in text  # the full check is tests/whole/test_honest_pages.py
    assert "182" in (shipped_site / "index.html").read_text(encoding="utf-8")


def test_docs_name_every_problem_code_and_command(shipped_site):
    guide = soup(shipped_site / "guide" / "index.html")
    rows = {tr.select("td")[0].get_text(): tr for tr in guide.select("table tr") if tr.select("td code")}
    for code, about in CODES.items():  # the table is made from CODES (tests/core/test_errors.py)
        assert code in rows and about.fix.replace("`", "") in rows[code].get_text(), code
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    from servicepoints.cli import main

    for name in main.commands:
        assert f"servicepoints {name}" in readme, f"command {name} is missing from README.md"


def test_a_type_with_more_points_than_listed_links_town_sections_and_the_map(tmp_path):
    """listed=1: the type page lists one of its two points, states both, and links each town and the map;
    the town page does the same in the type's section."""
    from conftest import build, fixture, make_registry

    records = {
        f"t{n}.yaml": fixture("good.yaml")
        .replace(b"id: good", f"id: t{n}".encode())
        .replace(b"verified: 2025-01-15\n", b"")
        for n in (1, 2)
    }
    site = build(make_registry(tmp_path, records), tmp_path / "site", listed=1)
    page = soup(site / "types" / "trademark-station" / "index.html")
    assert [tr["data-point-id"] for tr in page.select("tr[data-point-id]")] == ["t1"]
    assert page.select_one('a[href="../../towns/guzhen/#trademark-station"]')
    rest = page.select_one("p.sp-listed").get_text()
    assert rest == "共 2 个，这里列出 1 个；其余的在网点地图和开放数据中。"
    assert page.select_one('p.sp-listed a[href="../../map/#type=trademark-station"]')
    town = soup(site / "towns" / "guzhen" / "index.html")
    assert [tr["data-point-id"] for tr in town.select("tr[data-point-id]")] == ["t1"]
    assert town.select_one("p.sp-listed").get_text() == rest
    assert town.select_one('p.sp-listed a[href="../../map/#town=guzhen&type=trademark-station"]')


def test_compiled_templates_are_shared_but_an_edited_one_is_compiled_afresh(tmp_path):
    from servicepoints.site.render import environment

    (tmp_path / "page.j2").write_text("{{ n }} 个网点", encoding="utf-8")
    assert environment(tmp_path).get_template("page.j2").render(n=1) == "1 个网点"
    (tmp_path / "page.j2").write_text("共 {{ n }} 个网点", encoding="utf-8")  # a new environment: a new build
    assert environment(tmp_path).get_template("page.j2").render(n=2) == "共 2 个网点"


class _Record(dict):
    kind = "the class attribute"


@pytest.mark.parametrize(
    ("obj", "name"),
    [
        ({"name": "网点"}, "name"),
        ({"items": "a key"}, "items"),  # a dict's own attribute wins, as in Jinja
        ({"get": 1}, "get"),
        ({"name": "网点"}, "missing"),
        (_Record(kind="a key"), "kind"),  # not a plain dict: Jinja's reading
        ("text", "upper"),
        (None, "name"),
    ],
)
def test_templates_read_a_record_as_jinja_does(obj, name):
    from servicepoints.site.render import environment

    ours, jinjas = environment(ROOT), jinja2.Environment(undefined=jinja2.StrictUndefined)
    got, expected = ours.getattr(obj, name), jinjas.getattr(obj, name)
    assert type(got) is type(expected)
    if isinstance(expected, jinja2.Undefined):
        assert (got._undefined_obj, got._undefined_name) == (obj, name)
    else:
        assert got == expected
    template = "{{ r[0].NAME is defined }} {{ r[0].NAME is callable }}".replace("NAME", name)
    assert ours.from_string(template).render(r=[obj]) == jinjas.from_string(template).render(r=[obj])


def test_point_parts_made_once_render_as_imported_with_context(tmp_path, monkeypatch):
    """point.html.j2 gets its partials made once per build (render.POINT_PARTS). Each shipped point's body must equal
    the template importing them "with context" on every page, as it did."""
    source = (ROOT / "site_templates" / "pages" / "point.html.j2").read_text(encoding="utf-8")
    parts = re.compile(
        r"\{% set na, badge, area_text = .*? %\}\n\{% set provenance, wayfinding = .*? %\}\n"
        r"\{% set open_badge, hours_script, channel_list = .*? %\}\n"
    )
    imported = (
        '{% from "_macros.j2" import na, badge, area_text with context %}\n'
        '{% import "_provenance.j2" as provenance with context %}\n'
        '{% import "_wayfinding.j2" as wayfinding with context %}\n'
        '{% from "_open_now.j2" import open_badge, hours_script with context %}\n'
        '{% from "_channels.j2" import channel_list with context %}\n'
        '{% from "_correction.j2" import correction with context %}\n'
    )
    correction = re.compile(r"\bparts\.correction\.correction\(")
    assert len(parts.findall(source)) == 1 and len(correction.findall(source)) == 1
    assert set(render.POINT_PARTS) == {"macros", "provenance", "wayfinding", "open_now", "channels", "correction"}
    compared: list[str] = []
    made_once = render.GeneratedPages.point

    def point(self, n):
        body, entry = made_once(self, n)
        template = self.env.from_string(correction.sub("correction(", parts.sub(lambda _: imported, source)))
        toc = Toc(self.permalink)
        record = self.data.points[n]
        extra, channels = render._point_extra(record, self.data), render.point_channels(record, self.data, self.view)
        html = template.render(point=record, extra=extra, channels=channels, toc=toc, **self.view)
        compared.append(record["id"] if html != body.html else "")
        return body, entry

    monkeypatch.setenv("SERVICEPOINTS_WORKERS", "0")
    monkeypatch.setattr(render.GeneratedPages, "point", point)
    try:
        build(DATA, tmp_path / "site")
    except jinja2.TemplateError as exc:  # a partial reading something beyond the view and its arguments
        pytest.fail(f"a point part needs the page's context: {exc}")
    assert len(compared) > 40 and [c for c in compared if c] == []


def test_every_generated_page_template_is_loaded_before_the_workers_fork(tmp_path, monkeypatch):
    """GeneratedPages loads every template its pages use (render.PAGE_TEMPLATES, POINT_PARTS) when it is made, before
    the plugin forks its workers, so they inherit them compiled: here nothing may be loaded after that."""
    made = render.GeneratedPages.__init__

    def init(self, *args, **kwargs):
        made(self, *args, **kwargs)

        def nothing_more(environment, template):
            raise jinja2.TemplateError(f"{template} was loaded after GeneratedPages was made")

        self.env.loader.get_source = nothing_more  # the same loader: Jinja's cache is keyed by it

    monkeypatch.setenv("SERVICEPOINTS_WORKERS", "0")
    monkeypatch.setattr(render.GeneratedPages, "__init__", init)
    out = build(DATA, tmp_path / "site")
    assert len(list(out.glob("points/*/index.html"))) > 40
    for kind in ("towns", "types", "find"):
        assert list(out.glob(f"{kind}/*/index.html")), kind


def test_opening_hours_kept_per_text_are_as_made_afresh_after_a_build(shipped_site, shipped):
    """render._opening_hours keeps its lists (one per hours text, shared by every point with those hours): nothing
    may change one after it is made, or later pages would carry another point's change."""
    hours_texts = {p["hours"] for p in shipped[1]}
    assert render._opening_hours.cache_info().currsize >= len(hours_texts - {None}) > 0
    for text in hours_texts:
        assert render._opening_hours(text) == render._opening_hours.__wrapped__(text), text


def test_point_channels_kept_by_type_and_services_are_each_points_own(tmp_path, monkeypatch):
    """GeneratedPages.point_channels keeps point_channels() by the point's type and services: for points of one type
    with each service alone (and none), it must give what point_channels() gives each of them."""
    made: list[render.GeneratedPages] = []
    init = render.GeneratedPages.__init__

    def kept(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(render.GeneratedPages, "__init__", kept)
    monkeypatch.setenv("SERVICEPOINTS_WORKERS", "0")
    build(DATA, tmp_path / "site")
    pages = made[-1]
    services = [s["code"] for s in pages.data.tables["services"]]
    seen = set()
    for point in pages.data.points:
        for codes in ([], *([code] for code in services)):
            variant = {**point, "services": codes}
            plain = render.point_channels(variant, pages.data, pages.view)
            assert pages.point_channels(variant) == plain, (point["id"], codes)
            seen.add(json.dumps(plain, sort_keys=True))
    assert len(seen) > 2  # the services lead to different channels, so a wrong key would show


def _env(cache: render._Compiled | None, templates: dict, **options) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.DictLoader(templates), bytecode_cache=cache, **options)


def test_compiled_templates_are_kept_for_the_next_build(tmp_path, monkeypatch):
    """A template compiled once is read back in the next process from the project's cache, not compiled."""
    from servicepoints.core.cache import Cache

    templates = {"t.html": "{% for x in items %}<b>{{ x }}</b>{% endfor %}"}
    first = render._Compiled()
    first.keep_in(Cache.in_project(tmp_path))
    assert _env(first, templates).get_template("t.html").render(items=[1, 2]) == "<b>1</b><b>2</b>"
    assert len(list((tmp_path / ".cache" / "servicepoints").glob("template-*"))) == 1
    later = render._Compiled()  # a new process: nothing in memory
    later.keep_in(Cache.in_project(tmp_path))
    env = _env(later, templates)
    monkeypatch.setattr(env, "compile", lambda *a, **k: pytest.fail("compiled again"))
    assert env.get_template("t.html").render(items=[3]) == "<b>3</b>"


def test_a_template_is_compiled_again_when_its_source_or_the_options_change(tmp_path):
    """The compiled code depends on the source and on how the environment reads it (whitespace control,
    delimiters, escaping): an entry made under other options or from another source is never used."""
    from servicepoints.core.cache import Cache

    source = "<# c #>{% if x %}\n  {{ x }}\n{% endif %}\n"
    cache = Cache.in_project(tmp_path)
    cases = [
        ({"t": source}, {}),
        ({"t": source}, {"trim_blocks": True, "lstrip_blocks": True}),
        ({"t": source}, {"comment_start_string": "<#", "comment_end_string": "#>"}),
        ({"t": source}, {"autoescape": True}),
        ({"t": source.replace("x }}", "x }}!")}, {}),
    ]
    expected = [_env(None, t, **o).get_template("t").render(x="<i>") for t, o in cases]  # no cache at all
    assert len(set(expected)) == len(cases)  # each case compiles to other code
    for (templates, options), output in zip(cases * 2, expected * 2, strict=True):  # the second time: all kept
        compiled = render._Compiled()  # each as a new process would: only the folder carries over
        compiled.keep_in(cache)
        assert _env(compiled, templates, **options).get_template("t").render(x="<i>") == output
    assert len(list(cache.folder.glob("template-*"))) == len(cases) - 1  # the edited source replaced its entry
