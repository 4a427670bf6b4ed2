"""Sentences hold to their sources, by meaning (issue 26): each test names the claim it keeps from coming back.

The figures are recomputed from the published data; the wording is checked by what a sentence must and must not
say, so a rewrite that keeps the meaning passes and one that brings the old claim back fails.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from conftest import DATA, ROOT, soup
from servicepoints.site import search

NOTE_N = ("快速维权服务中心", "商标品牌培育指导站", "流动工作室")  # the note's "N" (its section 二)
NOT_N = ("维权援助服务站", "其他机构类服务网点")  # listed by the note among the points, not in its "N"


def _csv(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def points(shipped_site) -> list[dict]:
    return json.loads((shipped_site / "opendata" / "points.json").read_text(encoding="utf-8"))["points"]


def _text(page: Path, selector: str = "article") -> str:
    return soup(page).select_one(selector).get_text(" ", strip=True)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；])", text) if s.strip()]


def _n_definition(text: str) -> str:
    """The sentence (or list item) that says what "N" is."""
    found = [s for s in _sentences(text) if re.search(r"(^|\W|“)N(”|\W)", s) and "快速维权服务中心" in s]
    assert found, text[:300]
    return found[0]


def test_n_is_the_notes_list_on_home_glossary_and_types(shipped_site):
    home = soup(shipped_site / "index.html").select_one("#what").find_next("ul").get_text(" ", strip=True)
    glossary = soup(shipped_site / "glossary" / "index.html").select_one("#one-one-n").find_next("p")
    glossary = glossary.find_next("p").get_text()  # the first paragraph is the alias line
    for text in (home, glossary):
        n = _n_definition(text)
        assert all(kind in n for kind in NOTE_N), n
        assert not any(kind in n for kind in NOT_N), n
    in_n = {t["code"] for t in _csv("types.csv") if t["part"] == "N"}
    assert in_n == {"rapid-center", "trademark-station", "enterprise-studio"}


def test_need_pages_state_the_inferred_count_and_mark_each_inferred_card(shipped_site, points):
    by_id = {p["id"]: p for p in points}
    checked = 0
    for page in sorted((shipped_site / "find").glob("*/index.html")):
        doc = soup(page)
        cards = doc.select("#find-results li.sp-result")
        if not cards:
            continue
        inferred = [c for c in cards if by_id[c["data-point-id"]]["evidence"] == "inferred"]
        status = doc.select_one("#find-status").get_text()
        assert f"共 {len(cards)} 个" in status, page
        assert (f"其中 {len(inferred)} 个是推定的" in status) == bool(inferred), (page, status)
        for card in cards:
            marked = card.select_one(".sp-evidence-inferred") is not None
            assert marked == (by_id[card["data-point-id"]]["evidence"] == "inferred"), card["data-point-id"]
        checked += bool(inferred)
    assert checked  # some need page lists inferred points


def test_search_entries_mark_inferred_points(shipped_site, points):
    titles = {d["location"]: d["title"] for d in search.documents(shipped_site)}
    for p in points:
        title = titles[f"points/{p['id']}/"]
        assert ("推定" in title) == (p["evidence"] == "inferred"), (p["id"], title)


def test_the_2022_rapid_centres_list_no_current_services(shipped_site, points):
    """Both 2022 sources describe the six services as what the centres will offer once running (正式运行后)."""
    for pid in ("nantou-appliance-center", "tanzhou-photo-center"):
        point = next(p for p in points if p["id"] == pid)
        assert point["services"] == []
        assert "正式运行后" in point["description"]
        page = shipped_site / "find" / "patent-infringed" / "index.html"
        assert not soup(page).select(f'[data-point-id="{pid}"]')


def test_12330_is_retired_and_every_channel_is_sourced(shipped_site):
    channels = _csv("channels.csv")
    assert channels and all(c["phone"] != "12330" for c in channels)
    for c in channels:
        assert c["source_url"] and c["source_date"] >= "2019", c  # not the 2009 Henan item
    for page in (shipped_site / "find").glob("*/index.html"):
        assert not soup(page).select('a[href="tel:12330"]'), page
    about = soup(shipped_site / "about" / "index.html").select_one("#channels").find_next("p").get_text()
    assert "12330" in about and "12315" in about and "2019" in about


def test_the_note_has_a_full_citation(shipped_site, points):
    about = soup(shipped_site / "about" / "index.html")
    heading = about.select_one("#note")
    note = " ".join(el.get_text(" ", strip=True) for el in heading.find_next_siblings()[:3])
    for part in ("中山市深中标准质量研究中心", "征求意见稿", "2025 年 3 月", "没有找到", "公开网址"):
        assert part in note, part
    citing = [p for p in points if any("编制说明" in s["title"] for s in p["sources"])]
    assert citing
    for p in citing:
        (source,) = [s for s in p["sources"] if "编制说明" in s["title"]]
        assert "深中标准质量研究中心" in source["title"] and "征求意见稿" in source["title"]
        assert source["note"] and "公开网址" in source["note"], p["id"]


def test_mirrors_are_replaced_by_originals_with_a_copy_read_at_note(points):
    urls = [s for p in points for s in p["sources"] if s["url"]]
    assert not [s for s in urls if re.search(r"szmaolu|leonstrydom", s["url"])]
    original = next(s for p in points for s in p["sources"] if s["url"] and "post_2309072" in s["url"])
    assert original["url"].startswith("http://www.zs.gov.cn/")
    assert "szmaolu" in original["note"] and "转载" in original["note"]


def test_construction_says_not_found_not_none_exist(shipped_site):
    text = _text(shipped_site / "standard" / "construction" / "index.html")
    assert "中山没有公开" not in text
    assert text.count("本站未找到") >= 2 and "DB4420/T 31" in text


def test_glossary_places_stations_as_the_sources_do(shipped_site):
    glossary = soup(shipped_site / "glossary" / "index.html")
    entry = glossary.select_one("#trademark-station").find_next("p").find_next("p").get_text()
    assert "国家知识产权局商标业务中山受理窗口" in entry  # the window's name in both sources
    assert "古镇" in entry and "灯饰知识产权维权中心" in entry  # not every station sits in a 政务服务中心
    assistance = glossary.select_one("#assistance").find_next("p").find_next("p").get_text()
    assert "就是做这件事的窗口" not in assistance and "推定" in assistance


def test_composed_names_are_said_to_be_composed(shipped_site, points):
    glossary = _text(shipped_site / "glossary" / "index.html")
    assert "本站不编造数据" not in glossary and "拟定" in glossary
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    fields = next(r for r in package["resources"] if r["name"] == "points")["schema"]["fields"]
    described = next(f for f in fields if f["name"] == "name")["description"]
    assert not described.startswith("网点的正式名称") and "composed" in described
    for p in points:
        if p["evidence"] == "inferred" or p["type"] == "enterprise-studio":
            assert p["name_basis"] == "composed", p["id"]
    for pid in ("studio-shiyu", "tm-xiaolan"):
        assert "名称由本站拟定" in _text(shipped_site / "points" / pid / "index.html")
    assert "名称由本站拟定" not in _text(shipped_site / "points" / "aid-minzhong" / "index.html")


def _coverage(points: list[dict]) -> tuple[str, str, str]:
    reported = sum(int(r["count"]) for r in _csv("reported.csv"))
    inferred = sum(1 for p in points if p["evidence"] == "inferred")
    return str(reported), str(len(points)), str(inferred)


def test_where_the_data_is_called_complete_it_says_how_much(shipped_site, points):
    reported, total, inferred = _coverage(points)
    published = json.loads((shipped_site / "opendata" / "datapackage.json").read_text(encoding="utf-8"))
    catalog = (shipped_site / "opendata" / "catalog.jsonld").read_text(encoding="utf-8")
    opendata = _text(shipped_site / "opendata" / "index.html")
    for text in (published["description"], catalog, opendata):
        assert f"共 {reported} 个" in text and f"收录 {total} 个" in text and f"其中 {inferred} 个" in text
        assert "不是市场监督管理部门" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{total} of the {reported} points" in readme and f"{inferred} of them are inferred" in readme
    for page in (shipped_site / "types").glob("*/index.html"):
        assert "全部网点" not in [h.get_text().rstrip("¶") for h in soup(page).select("h2")], page


def test_about_says_the_site_is_not_the_regulators(shipped_site):
    heading = soup(shipped_site / "about" / "index.html").select_one("#who")
    who = " ".join(p.get_text() for p in heading.find_all_next("p", limit=2))
    assert re.search(r"不是.*市场监督管理部门", who)
    home = _text(shipped_site / "index.html")
    assert "官方公开报告" not in home
    assert soup(shipped_site / "index.html").select_one('article a[href^="about/"]')  # who wrote the report
    heading = soup(shipped_site / "about" / "index.html").select_one("#note")
    note = " ".join(p.get_text() for p in heading.find_all_next("p", limit=3))
    assert "不是政府公报" in note


def test_the_footer_of_every_page_links_to_about(shipped_site):
    pages = [p for p in shipped_site.rglob("*.html") if "admin" not in p.relative_to(shipped_site).parts]
    assert len(pages) > 100
    for page in pages:
        footer = soup(page).select_one("footer .md-copyright")
        assert footer is not None, page
        link = footer.select_one("a[href]")
        assert link.get_text() == "关于本站", page
        assert "不是" in footer.get_text() and "官方渠道" in footer.get_text()
        if page.name == "404.html":
            continue  # served at any depth: its links are absolute
        target = (page.parent / link["href"]).resolve() / "index.html"
        assert target == (shipped_site / "about" / "index.html").resolve(), page


PRESENT_TENSE = ("正在申请", "正在制定")


def test_status_claims_from_the_note_carry_their_date(shipped_site):
    pages = [shipped_site / "index.html", shipped_site / "glossary" / "index.html"]
    pages += sorted((shipped_site / "types").glob("*/index.html"))
    pages += [shipped_site / "points" / "protection-center" / "index.html"]
    for page in pages:
        text = _text(page)
        assert not [w for w in PRESENT_TENSE if w in text], page
        for sentence in _sentences(text):
            if "正创建" in sentence:
                assert re.search(r"2025\s*年\s*3\s*月", sentence), (page, sentence)


def test_low_list(shipped_site, points):
    pages = [p for p in shipped_site.rglob("index.html") if soup(p).select_one("article")]
    assert not [p for p in pages if "枢纽" in _text(p)]
    banner = _text(shipped_site / "standard" / "index.html", ".sp-draft")
    assert "编制说明" in banner and "没有拿到征求意见稿的正文" in banner
    drafting = _text(shipped_site / "standard" / "drafting" / "index.html")
    assert "拟立项" in drafting and "2025 年 2 月—3 月才下达立项通知" in drafting
    for page in ("construction", "drafting"):
        text = _text(shipped_site / "standard" / page / "index.html")
        assert "知识产权保护工作站" in text and "DB4201/T 723" in text
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    start = guide.index("id: aid-minzhong")
    assert "verified:" not in guide[start : guide.index("private:", start)]  # the record never had one
    for pid in ("tm-huangpu", "aid-huangpu"):
        point = next(p for p in points if p["id"] == pid)
        assert point["evidence"] == "named"
        assert any(s["url"] == "http://www.zs.gov.cn/zjj/zwdt/content/post_2249988.html" for s in point["sources"])


def test_seven_rapid_centres_always_show_the_notes_six(shipped_site):
    """Outside the standard pages, wherever the reported 7 is stated, the note's other figure (6) is beside it."""
    rows = _csv("reported.csv")
    alt = sum(int(r["alt_count"]) for r in rows if r["type"] == "rapid-center" and r["alt_count"])
    assert alt == 6
    pages = [shipped_site / p / "index.html" for p in ("types", "stats", "types/rapid-center")]
    for page in [shipped_site / "index.html", *pages]:
        article = soup(page).select_one("article")
        sevens = article.select('span.sp-n[data-count="measure=reported&type=rapid-center"]')
        assert sevens, page
        for seven in sevens:
            beside = seven.find_next("span", class_="sp-n")
            assert beside["data-count"] == "measure=alt&type=rapid-center" and beside.get_text() == "6", page
