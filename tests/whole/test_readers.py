"""Readers: accessibility (axe-core in Chromium at phone and desktop widths), the 长者模式, breadcrumbs,
edit and repository links, the glossary, tables on a phone, and screenshots for reviewers.

The shipped site is built once per session (conftest.shipped_site) and served on 127.0.0.1; one
Chromium (Playwright) serves the whole module, a fresh page each test. Screenshots go to build/screenshots/
(gitignored: the tests never dirty the working tree; CI uploads the folder). axe-core is vendored in
tests/vendor/axe-core/."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from conftest import DATA, ROOT, TESTS, chrome, new_page, serving, soup, wait_for
from servicepoints.registry.load import read_registry
from servicepoints.site import glossary, material, search, wayfinding

AXE = TESTS / "vendor" / "axe-core"
SCREENSHOTS = ROOT / "build" / "screenshots"
REPO_URL = "https://github.com/zs-ip-servicepoints/servicepoints"
WIDTHS = (390, 1280)
SEARCH = "search:小榄镇"  # the home page with the search dialog open on this query


def _shipped_point() -> tuple[dict, str]:
    """A shipped point in a town, and its record file relative to the repository."""
    registry = read_registry(DATA)
    record = next(r for r in registry.records if r.values.get("town") == "小榄镇")
    return record.values, Path(record.file).resolve().relative_to(ROOT).as_posix()


POINT, POINT_FILE = _shipped_point()
PAGES = {
    "home": "",
    "map": "map/",
    "find": "find/",
    "need": "find/register-trademark/",
    "town": "towns/xiaolan/",
    "type": "types/trademark-station/",
    "point": f"points/{POINT['id']}/",
    "opendata": "opendata/",
    "stats": "stats/",
    "standard": "standard/scope/",
    "guide": "guide/",
    "coordinator": "coordinator/",
    "admin": "admin/",  # the browser editor's own page (not the theme's): who can log in, the other routes
    "fields": "data/fields/",
    "completeness": "data/completeness/",
    "glossary": "glossary/",
    "search": SEARCH,
}


@pytest.fixture(scope="module")
def server(shipped_site):
    with serving(shipped_site) as url:
        yield url + "/"


@pytest.fixture(scope="module")
def chromium(server):
    with chrome("--hide-scrollbars") as browser:
        yield browser


TILE_HOSTS = ("autonavi.com", "tianditu", "openstreetmap")


@pytest.fixture
def browser(chromium):
    """A fresh page (its own storage) whose map tiles fail at once: this machine cannot reach them."""
    with new_page(chromium, device_scale_factor=1) as page:
        page.route(lambda url: any(h in (urlparse(url).hostname or "") for h in TILE_HOSTS), lambda r: r.abort())
        yield page


# The theme's search answers the query it was given (not an earlier keystroke's): its first results are drawn
# with the count line.
SEARCH_ANSWERED = "(document.querySelector('.md-search-result__meta') || {}).textContent?.includes('个符合条件')"


# No CSS transition or animation is running (the theme fades the search dialog and its results in).
SETTLED = "document.getAnimations().every(a => a.playState !== 'running')"


def _type_query(page, query: str) -> None:
    """Open the search dialog and search for ``query``: typed at once, then one key, since the theme searches on
    keyup; so the only answer is the whole query's."""
    page.evaluate("document.querySelector('label[for=__search]').click()")  # the first one: hidden on a desktop
    box = page.locator("input.md-search__input")
    box.fill(query)
    box.press("End")


def _open(page, server: str, path: str, width: int, height: int = 900) -> None:
    """The page at this size, once loaded: the reading aids fit its tables on load (after the theme wrapped them),
    so nothing is left to a resize handler."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(server + ("" if path == SEARCH else path))
    if path == "map/":
        wait_for(page, "document.querySelector('.leaflet-marker-icon, .marker-cluster')")
    if path == SEARCH:
        _type_query(page, SEARCH.split(":", 1)[1])
        wait_for(page, SEARCH_ANSWERED)
        assert page.locator(".md-search-result__item").count() > 0, "no result"
        wait_for(page, SETTLED)  # the dialog and its results have faded in: axe judges the colours readers see


def _axe(page) -> list[dict]:
    if not page.evaluate("!!window.axe"):
        page.add_script_tag(content=(AXE / "axe.min.js").read_text(encoding="utf-8"))
    return page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({"
        "  id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + n.html.slice(0, 120))"
        "})), e => [{id: 'axe-error', impact: 'critical', nodes: [String(e)]}])"
    )


def test_vendored_axe_is_the_pinned_release():
    manifest = json.loads((AXE / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((AXE / name).read_bytes()).hexdigest() == digest, name
    assert f"axe v{manifest['version']}" in (AXE / "axe.min.js").read_text(encoding="utf-8")[:300]
    assert "Mozilla Public License" in (AXE / "LICENSE").read_text(encoding="utf-8")


NO_ELDER_MODE = {"admin"}  # the editor's own page, outside the theme: it has no 长者模式 toggle


def _serious_violations(page, server: str, pages: dict[str, str], width: int, elder: bool = False) -> dict:
    """Kind of page -> its serious or critical axe violations (a few nodes each), for every page in ``pages``
    (in 长者模式 when ``elder``: each page is checked to be in it)."""
    found = {}
    for kind, path in pages.items():
        _open(page, server, path, width)
        if kind not in NO_ELDER_MODE:
            assert page.evaluate("document.documentElement.classList.contains('sp-large')") == elder, kind
        bad = [v for v in _axe(page) if v["impact"] in ("serious", "critical")]
        if bad:
            found[kind] = {v["id"]: v["nodes"][:5] for v in bad}
    return found


ELDER = "localStorage.setItem('servicepoints-large-text', '1')"  # 长者模式, as its toggle stores it


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("width", WIDTHS)
def test_no_serious_or_critical_axe_violation_on_any_kind_of_page(browser, server, width, elder):
    if elder:
        browser.context.add_init_script(ELDER)
    found = _serious_violations(browser, server, PAGES, width, elder)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


# The made-up second city (conftest.second_city_site): every kind of page it has passes the same axe run.
CITY_PAGES = {
    "home": "",
    "map": "map/",
    "find": "find/",
    "need": "find/register-trademark/",
    "town": "towns/xiling/",
    "type": "types/trademark-station/",
    "point": "points/chenghu-protection-center/",
    "opendata": "opendata/",
    "stats": "stats/",
    "guide": "guide/",
    "fields": "data/fields/",
    "completeness": "data/completeness/",
}


@pytest.fixture(scope="module")
def city_server(second_city_site):
    with serving(second_city_site) as url:
        yield url + "/"


@pytest.mark.parametrize("width", WIDTHS)
def test_no_serious_or_critical_axe_violation_on_the_second_city(browser, city_server, width):
    found = _serious_violations(browser, city_server, CITY_PAGES, width)
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_large_text_mode_is_one_click_away_and_persists_across_pages(browser, server):
    _open(browser, server, "", 390)  # a fresh context: nothing stored
    size = "parseFloat(getComputedStyle(document.querySelector('.md-content .md-typeset p')).fontSize)"
    large = "document.documentElement.classList.contains('sp-large')"
    normal = browser.evaluate(size)
    button = browser.locator(".md-header [data-sp-mode-toggle]")
    assert button.is_visible() and button.get_attribute("aria-pressed") == "false"
    button.click()
    assert browser.evaluate(large)
    assert browser.evaluate(size) >= normal * 1.2
    for path in (PAGES["point"], PAGES["stats"]):  # a fresh page load remembers the choice
        _open(browser, server, path, 390)
        assert browser.evaluate(large), path
        toggle = browser.locator(".md-header [data-sp-mode-toggle]")
        assert toggle.get_attribute("aria-pressed") == "true"
        assert browser.evaluate(size) >= normal * 1.2
    bad = [v for v in _axe(browser) if v["impact"] in ("serious", "critical")]
    assert bad == [], bad
    toggle.click()
    _open(browser, server, "", 390)
    assert not browser.evaluate(large)


@pytest.mark.parametrize("width", WIDTHS)
def test_point_page_has_breadcrumbs_an_edit_link_and_the_repository_in_the_header(browser, server, width):
    _open(browser, server, PAGES["point"], width)
    crumbs = browser.locator(".sp-breadcrumbs li")
    assert [c.strip("› ").strip() for c in crumbs.all_inner_texts()] == ["首页", "镇街", "小榄镇", POINT["name"]]
    assert crumbs.last.locator("[aria-current=page]").count() == 1
    edit = browser.locator("a[data-sp-edit]")
    assert edit.evaluate("a => a.href") == f"{REPO_URL}/edit/main/{POINT_FILE}"
    assert (ROOT / POINT_FILE).is_file()
    assert edit.is_visible()
    if width >= 1280:  # the theme shows the repository in the header from 60em up; on phones it is in the menu
        repo = browser.locator(".md-header a.md-source")
        assert repo.evaluate("a => a.href").rstrip("/") == REPO_URL and repo.is_visible()
    crumbs.nth(2).locator("a").click()
    wait_for(browser, "location.pathname.endsWith('/towns/xiaolan/')")
    heading = "h => [...h.childNodes].filter(n => !n.matches?.('.headerlink')).map(n => n.textContent).join('')"
    assert browser.locator("h1").evaluate(heading) == "小榄镇"  # without the permalink, unseen until hovered


def _microdata_trail(page, page_url: str) -> list[tuple]:
    """The schema.org BreadcrumbList in a page's microdata, with each item's URL resolved."""
    (trail,) = page.select('[itemtype="https://schema.org/BreadcrumbList"]')
    items = []
    for item in trail.select('[itemprop="itemListElement"][itemtype="https://schema.org/ListItem"]'):
        link = item.select_one('[itemprop="item"]')
        position = int(item.select_one('meta[itemprop="position"]')["content"])
        items.append((position, item.select_one('[itemprop="name"]').get_text(), urljoin(page_url, link["href"])))
    return items


def test_point_and_town_pages_carry_a_schema_org_breadcrumb_list(shipped_site):
    base = "https://zs-ip-servicepoints.github.io/servicepoints/"
    url = base + f"points/{POINT['id']}/"
    page = soup(shipped_site / "points" / POINT["id"] / "index.html")
    assert _microdata_trail(page, url) == [
        (1, "首页", base),
        (2, "镇街", base + "towns/"),
        (3, "小榄镇", base + "towns/xiaolan/"),
        (4, POINT["name"], url),
    ]
    # The trail is microdata; the only JSON-LD is the point's own office, which an inferred point has none of.
    offices = 0 if POINT["evidence"] == "inferred" else 1
    assert len(page.select('script[type="application/ld+json"]')) == offices
    town = soup(shipped_site / "towns" / "xiaolan" / "index.html")
    assert [a.get_text() for a in town.select(".sp-breadcrumbs a")] == ["首页", "镇街"]
    assert town.select_one("a[data-sp-edit]")["href"] == f"{REPO_URL}/edit/main/data/towns.csv"
    assert town.select_one('.md-header a.md-source[href="' + REPO_URL + '"]')


def test_every_page_links_to_an_existing_file_in_the_repository(shipped_site):
    for kind, path in PAGES.items():
        if path in (SEARCH, PAGES["admin"]):  # the admin page is Decap's, outside the site's frame
            continue
        link = soup(shipped_site / path / "index.html").select_one("a[data-sp-edit]")
        assert link, kind
        target = link["href"].removeprefix(f"{REPO_URL}/edit/main/")
        assert (ROOT / target).is_file(), (kind, target)


def test_search_index_keeps_town_names_whole(shipped_site):
    """jieba cut 小榄镇 into 小榄 + 镇: Material's entries (Markdown pages) and ours (point pages) must not. Every
    document whose text holds a town's name is listed under that name as one word of the index."""
    docs = search.documents(shipped_site)
    terms = search.terms(shipped_site)
    town_names = glossary.search_words(read_registry(DATA).tables)
    assert "小榄镇" in town_names and len(town_names) == 23
    cut = []
    for name in town_names:
        listed = set(terms.get(name, ([], []))[0]) | set(terms.get(name, ([], []))[1])
        cut += [(d["location"], name) for n, d in enumerate(docs) if name in d["title"] + d["text"] and n not in listed]
    assert cut == [], cut
    holding = [docs[n]["location"] for n in sorted(set(terms["小榄镇"][0]) | set(terms["小榄镇"][1]))]
    assert any(loc.startswith(("guide/", "stats/")) for loc in holding)  # Material's own entries
    assert f"points/{POINT['id']}/" in holding  # ours, from render.search_entry
    worker = "site_templates/theme/" + material.SEARCH_WORKER  # the query is cut on the same words: our worker
    assert (shipped_site / material.SEARCH_WORKER).read_bytes() == (ROOT / worker).read_bytes()


def _search(page, server: str, query: str) -> list[tuple[str, list[str], float]]:
    """Each result article's text (U+200B and the 缺少 line left out), the terms it lists as 缺少 (missing),
    and its score (0 for a page listed only as the parent of matching sections)."""
    _open(page, server, "", 1280)
    _type_query(page, query)
    wait_for(page, SEARCH_ANSWERED)
    return page.evaluate(
        "[...document.querySelectorAll('.md-search-result__article')].map(a => {"
        "  const line = a.querySelector('.md-search-result__terms');"
        "  const text = [...a.childNodes].filter(n => n !== line).map(n => n.textContent).join('');"
        "  return [text.replace(/\\u200b/g, ''), line ? [...line.querySelectorAll('del')].map(d => d.textContent) : [],"
        "          parseFloat(a.dataset.mdScore)]; })"
    )


@pytest.mark.parametrize("town", ["小榄镇", "石岐街道", "中山港街道", "三角镇"])
def test_search_for_a_town_finds_it_and_reports_nothing_missing(browser, server, town):
    """A town's name is one word of the index (jieba learns the 23 names) and of the query (our worker cuts a
    query on the index's words), so the search looks for the name itself: before, 小榄镇
    was searched as 小* (or 小榄* and 镇*), 三角镇 as 三*, 石岐街道 as 石岐* and 街*, with 缺少 on results
    holding the name."""
    articles = _search(browser, server, town)
    scored = [text for text, _, score in articles if score > 0]
    assert scored and [text[:30] for text in scored if town not in text] == []
    assert [(text[:30], missing) for text, missing, _ in articles if town in text and missing] == []


@pytest.mark.parametrize("query", ["小榄镇商标", "小榄镇知识产权"])
def test_search_lists_as_missing_only_what_a_result_lacks(browser, server, query):
    """A query of several words: the theme's worker marked every part but the last "小榄镇**", so it listed
    it after 缺少 (missing) even on 中山市小榄镇商标品牌培育指导站 (the issue's 缺少：小榄 镇)."""
    articles = _search(browser, server, query)
    assert any("小榄镇" in text for text, _, _ in articles)
    shown = [(text[:30], term) for text, missing, _ in articles for term in missing]
    wrong = [(text[:30], term) for text, missing, _ in articles for term in missing if term.strip("*") in text]
    assert wrong == []
    assert all(not term.endswith("*") for _, term in shown), shown  # the theme's wildcard mark is not for readers


def test_map_filters_fold_on_a_phone_and_say_what_they_select(browser, server):
    """The filters took ~300 px above the map at 390 px: there they start folded, and the summary line
    follows the reader's changes and a deep link's, so nothing is hidden."""
    summary = "document.getElementById('map-filter-summary').textContent"
    folded = "!document.getElementById('map-filter-box').open"
    _open(browser, server, "map/", 390)
    assert browser.evaluate(folded)
    assert browser.evaluate(summary) == "全部类型 · 全部服务 · 不含已撤销"
    top = browser.evaluate("document.querySelector('.sp-map').getBoundingClientRect().top + scrollY")
    assert top < 600, top  # was 660 with the filters open
    wait_for(browser, "document.documentElement.hasAttribute('data-map-ready')")
    browser.evaluate("location.hash = '#type=assistance-station'")  # a deep link followed on the page
    wait_for(browser, summary + ".startsWith('知识产权维权援助服务站')")
    assert browser.evaluate(summary) == "知识产权维权援助服务站 · 全部服务 · 不含已撤销"
    browser.evaluate("document.querySelector('#map-filters input[value=unknown]').click()")
    assert browser.evaluate(summary) == "知识产权维权援助服务站 · 全部服务 · 不含已撤销、待核实"
    browser.click("#map-filter-box > summary")
    assert browser.locator("#filter-service").is_visible()
    _open(browser, server, "map/", 1280)  # a desktop has room: open
    assert not browser.evaluate(folded) and browser.locator("#filter-type").is_visible()


def test_tables_fit_a_phone(browser, server):
    for path in (PAGES["town"], PAGES["type"], PAGES["stats"], PAGES["opendata"], PAGES["fields"], PAGES["guide"]):
        _open(browser, server, path, 390)
        assert browser.evaluate("document.documentElement.scrollWidth") <= 390, path
        unmarked = browser.evaluate(
            "[...document.querySelectorAll('.md-content *')].filter(e => {"
            "  const s = getComputedStyle(e).overflowX;"
            "  return (s === 'auto' || s === 'scroll') && e.scrollWidth > e.clientWidth + 1"
            "    && !(e.tabIndex >= 0 && e.getAttribute('aria-label'));"
            "}).map(e => e.className)"
        )
        assert unmarked == [], (path, unmarked)
    _open(browser, server, PAGES["town"], 390)
    assert browser.evaluate("document.querySelectorAll('table[data-sp-stack]').length") > 0
    label = "getComputedStyle(document.querySelector('table[data-sp-stack] td'), '::before').content"
    assert "名称" in browser.evaluate(label)
    _open(browser, server, PAGES["town"], 1280)
    assert browser.evaluate("document.querySelectorAll('table[data-sp-stack]').length") == 0


def test_glossary_terms_link_to_their_entry_where_they_first_appear(shipped_site):
    home = soup(shipped_site / "index.html")
    links = {a.get_text(): a["href"] for a in home.select("a.sp-term")}
    assert links["流动工作室"] == "glossary/#studio"
    assert len(home.select('a.sp-term[href="glossary/#studio"]')) == 1
    assert not home.select("h1 a.sp-term, h2 a.sp-term")  # “1+1+N” is in headings and a 《title》 only
    entry = soup(shipped_site / "glossary" / "index.html")
    for href in links.values():
        assert entry.find(id=href.split("#")[1]), href
    for required in ("one-one-n", "rapid-center", "assistance", "studio", "make-up-day"):
        assert entry.find(id=required), required
    town = soup(shipped_site / "towns" / "xiaolan" / "index.html")
    assert all(a["href"].startswith("../../glossary/#") for a in town.select("a.sp-term"))


def test_link_terms_skips_links_headings_and_code_and_links_once():
    terms = {"快维中心": "rapid", "快维": "rapid", "调休": "day"}
    html = (
        "<h2>快维中心</h2><p><a href='x'>快维中心</a> <code>调休</code></p>"
        "<p>《关于快维中心的通知》古镇的快维中心和快维中心；调休 &amp; 调休</p>"
    )
    out = glossary.link_terms(html, "../glossary/", terms)
    assert out == (
        "<h2>快维中心</h2><p><a href='x'>快维中心</a> <code>调休</code></p>"
        "<p>《关于快维中心的通知》古镇的"
        '<a class="sp-term" href="../glossary/#rapid" title="名词解释">快维中心</a>和快维中心；'
        '<a class="sp-term" href="../glossary/#day" title="名词解释">调休</a> &amp; 调休</p>'
    )


def test_read_terms_takes_headings_and_aliases(tmp_path):
    page = tmp_path / "glossary.md"
    page.write_text("# 名词\n\n## “1+1+N” {#a}\n\n## 快维中心 {#b}\n\n别称：快速维权中心、快维\n", encoding="utf-8")
    assert glossary.read_terms(page) == {"1+1+N": "a", "快维中心": "b", "快速维权中心": "b", "快维": "b"}


def test_trail_of_a_point_without_a_town_goes_through_the_catalogue():
    way = wayfinding.Wayfinding(
        points={"p": {"id": "p", "name": "某网点", "town": None, "type": "other"}},
        record_files={},
        towns={},
        town_slugs={},
        types={"other": {"code": "other", "name": "其他机构类服务网点"}},
        data_dir="data",
        templates_dir="site_templates/pages",
    )
    assert [c["path"] for c in wayfinding.trail("points/p.md", way)] == ["", "types/", "types/other/", "points/p/"]
    assert wayfinding.trail("points/missing.md", way) is None
    assert wayfinding.trail("stats.md", way) is None


def test_edit_url_reaches_files_outside_the_docs_folder():
    url = wayfinding.edit_url(REPO_URL, "edit/main/docs/", "docs", "data/points/a/b.yaml")
    assert url == f"{REPO_URL}/edit/main/data/points/a/b.yaml"
    assert wayfinding.edit_url(REPO_URL + "/", "edit/main/docs", "docs", "docs/guide.md") == (
        f"{REPO_URL}/edit/main/docs/guide.md"
    )
    assert wayfinding.edit_url(None, "edit/main/docs/", "docs", "docs/guide.md") is None


SHOTS = {"home": "", "map": "map/", "point": PAGES["point"], "opendata": "opendata/"}


def test_screenshots_at_phone_width_for_reviewers(browser, server):
    """Written to build/screenshots/ (gitignored); CONTRIBUTING.md links there."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in SHOTS.items():
        _open(browser, server, path, 390)
        if name != "map":  # the whole page; the map page as a phone shows it
            height = browser.evaluate("document.documentElement.scrollHeight")
            _open(browser, server, path, 390, min(height, 5000))
        target = SCREENSHOTS / f"{name}-390.png"
        browser.screenshot(path=str(target))
        png = target.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 390, name
