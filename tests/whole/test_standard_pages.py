"""The standard pages say only what the explanatory note says, and name the section they follow."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, soup

STANDARD = ROOT / "docs" / "standard"
NOTE_SECTION = re.compile(r"依据编制说明(“|的“|\S{0,3}“)?[一二三四五六七八九十]")

# Requirements the old pages invented (staffing, floor area, steps, evaluation rules): never again.
INVENTED = [
    "至少有 1 名",
    "平方米",
    "一次性告知",
    "每年评估一次",
    "台账",
    "保密义务",
    "投诉渠道",
    "专人负责",
    "当场受理",
    "咨询、受理、办理、反馈与评价",
]


def _article(site, name: str):
    article = soup(site / "standard" / name / "index.html").select_one("article")
    for example in article.select(".admonition.example"):
        example.decompose()
    return article.get_text(" ", strip=True)


@pytest.mark.parametrize("path", sorted(STANDARD.glob("*.md")), ids=lambda p: p.stem)
def test_each_page_names_the_section_of_the_note_it_follows(path):
    text = path.read_text(encoding="utf-8")
    if path.stem == "index":
        assert "依据编制说明的" in text  # the table of pages and sections
    else:
        assert NOTE_SECTION.search(text), path


@pytest.mark.parametrize("name", [p.stem for p in sorted(STANDARD.glob("*.md")) if p.stem != "index"])
def test_no_invented_requirement_outside_a_marked_example(shipped_site, name):
    text = _article(shipped_site, name)
    for phrase in INVENTED:
        assert phrase not in text, (name, phrase)


def test_examples_are_marked_as_not_requirements(shipped_site):
    for path in (shipped_site / "standard").glob("*/index.html"):
        for example in soup(path).select(".admonition.example"):
            assert "不是本标准的要求" in example.get_text(), path


def test_clauses_the_note_does_not_give_are_left_open(shipped_site):
    for name in ("construction", "management", "process", "evaluation"):
        assert "待标准正式发布后补充" in _article(shipped_site, name), name


def test_the_notes_own_inconsistency_is_shown(shipped_site):
    text = soup(shipped_site / "standard" / "index.html").get_text()
    assert "6 家" in text and "7 个" in text and "运营中 4 个" in text


def test_policy_background_names_documents_with_both_dates(shipped_site):
    text = _article(shipped_site, "policy")
    for title in (
        "知识产权公共服务“十四五”规划",
        "“十四五”国家知识产权保护和运用规划",
        "国发〔2021〕20 号",
        "知识产权公共服务普惠工程实施方案（2023—2025 年）",
        "广东省知识产权保护条例",
        "广东省知识产权公共服务普惠工程实施计划（2023—2025 年）",
        "中山市进一步推进知识产权快速维权服务中心及商标品牌培育指导站建设管理的工作意见",
    ):
        assert title in text, title
    for date in ("2023 年 5 月", "2022 年 3 月 29 日", "2024 年 1 月", "2023 年 12 月 28 日", "2021 年 12 月 31 日"):
        assert date in text, date
    links = [
        a["href"] for a in soup(shipped_site / "standard" / "policy" / "index.html").select("article a[href^='http']")
    ]
    assert len(links) >= 2  # the official dates carry their sources


def test_eight_service_areas_of_the_zhongshan_model(shipped_site):
    page = soup(shipped_site / "standard" / "services" / "index.html")
    items = [li.get_text(strip=True) for li in page.select("#zhongshan-model ~ ol")[0].select("li")]
    assert items == [
        "知识产权管理体系建设服务",
        "高价值专利培育布局",
        "维权援助",
        "知识产权质押融资服务",
        "商标品牌咨询",
        "商标注册受理",
        "品牌建设",
        "知识产权运用促进",
    ]


def test_references_and_drafting_history_match_the_note(shipped_site):
    refs = _article(shipped_site, "references")
    assert "GB/T 21374" in refs and "GB/T 29490" not in refs  # only one normative reference
    drafting = soup(shipped_site / "standard" / "drafting" / "index.html")
    listed = [li.get_text(" ", strip=True) for li in drafting.select("#references ~ ol")[0].select("li")]
    assert len(listed) == 10 and "国知发管字〔2016〕92 号" in listed[0] and "DB4420/T 33-2023" in listed[-1]
    text = drafting.get_text()
    assert "2024 年 8 月—9 月" in text and "2025 年 2 月—3 月" in text
    assert "中山市深中标准质量研究中心" in text
