"""Provenance: every record says where it comes from, and an inferred record says nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import DATA, make_registry
from servicepoints.registry.load import read_registry
from servicepoints.registry.validate import validate

TODAY = dt.date(2026, 1, 1)
HEAD = """id: x
name: 测试商标站
type: trademark-station
town: 古镇镇
status: operating
lat: 22.61
lon: 113.19
precision: town
"""
CITED = "evidence: named\nsources:\n  - title: 测试出处\n    url: https://example.gov.cn/a.html\n    date: 2024-01-19\n"


def _problems(tmp_path, monkeypatch, text: str):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / f"r{len(list(tmp_path.iterdir()))}"
    data = make_registry(root, {"x.yaml": text})
    return validate(read_registry(data), today=TODAY).problems


def found(tmp_path, monkeypatch, text: str) -> list[tuple[str, int, str | None]]:
    return [(p.code, p.line, p.field) for p in _problems(tmp_path, monkeypatch, text) if p.severity == "error"]


def messages(tmp_path, monkeypatch, text: str) -> list[str]:
    return [p.message for p in _problems(tmp_path, monkeypatch, text)]


def test_a_cited_record_passes(tmp_path, monkeypatch):
    assert found(tmp_path, monkeypatch, HEAD + CITED) == []


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        # no sources at all: the record's first line
        ("evidence: named\n", [("sources-missing", 1, "sources")]),
        # an empty list: the line of the key
        ("evidence: named\nsources:\n", [("sources-missing", 10, "sources")]),
        ("evidence: named\nsources: []\n", [("sources-missing", 10, "sources")]),
        # one text instead of a list
        ("evidence: named\nsources: 公开新闻报道\n", [("source-invalid", 10, "sources")]),
        # a list of texts instead of mappings
        ("evidence: named\nsources:\n  - 公开新闻报道\n", [("source-invalid", 11, "sources")]),
        # no title
        ("evidence: named\nsources:\n  - url: https://a.cn/\n", [("source-invalid", 11, "sources")]),
        ("evidence: named\nsources:\n  - title:\n", [("source-invalid", 11, "sources")]),
        # an unknown key, on its own line
        ("evidence: named\nsources:\n  - title: 标题\n    link: https://a.cn/\n", [("source-invalid", 12, "sources")]),
        # bad url and bad dates, each on its own line
        ("evidence: named\nsources:\n  - title: 标题\n    url: www.a.cn\n", [("source-bad-url", 12, "sources")]),
        ("evidence: named\nsources:\n  - title: 标题\n    url: ftp://a.cn/x\n", [("source-bad-url", 12, "sources")]),
        ("evidence: named\nsources:\n  - title: 标题\n    date: 2023年11月\n", [("source-bad-date", 12, "sources")]),
        ("evidence: named\nsources:\n  - title: 标题\n    date: 2023-02-30\n", [("source-bad-date", 12, "sources")]),
        ("evidence: named\nsources:\n  - title: 标题\n    date: 2026-01-02\n", [("source-bad-date", 12, "sources")]),
        # the same source twice
        ("evidence: named\nsources:\n  - title: 标题\n  - title: 标题\n", [("source-invalid", 12, "sources")]),
        # no evidence, or a value outside the code list
        ("sources:\n  - title: 标题\n", [("missing-field", 1, "evidence")]),
        ("evidence: yes\nsources:\n  - title: 标题\n", [("constraint-error", 9, "evidence")]),
    ],
)
def test_each_provenance_mistake_is_one_problem_at_its_line(tmp_path, monkeypatch, tail, expected):
    assert found(tmp_path, monkeypatch, HEAD + tail) == expected


def test_messages_are_chinese_and_show_the_fix(tmp_path, monkeypatch):
    (message,) = messages(tmp_path, monkeypatch, HEAD + "evidence: named\n")
    assert "信息来源" in message and "title:" in message
    (message,) = messages(tmp_path, monkeypatch, HEAD + "sources:\n  - title: 标题\n")
    assert "缺少必填字段 依据（evidence）" in message


INFERRED = """id: x
name: 中山市古镇镇知识产权维权援助服务站
type: assistance-station
town: 古镇镇
status: unknown
lat: 22.61
lon: 113.19
precision: town
evidence: inferred
sources:
  - title: 编制说明
"""


def test_an_inferred_record_with_only_what_the_count_gives_passes(tmp_path, monkeypatch):
    assert found(tmp_path, monkeypatch, INFERRED) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("precision: town\n", "precision: town\naddress: 某路1号\n"), [("inferred-with-facts", 9, "address")]),
        (
            ("precision: town\n", "precision: town\nphones:\n  - 0760-88888888\n"),
            [("inferred-with-facts", 9, "phones")],
        ),
        (
            ("precision: town\n", "precision: town\nhours: Mo-Fr 09:00-17:00\n"),
            [("inferred-with-facts", 9, "hours")],
        ),
        (("status: unknown\n", "status: operating\n"), [("inferred-with-facts", 5, "status")]),
        (("precision: town\n", "precision: exact\n"), [("inferred-with-facts", 8, "precision")]),
    ],
)
def test_an_inferred_record_may_not_carry_facts_no_source_gives(tmp_path, monkeypatch, change, expected):
    assert found(tmp_path, monkeypatch, INFERRED.replace(*change)) == expected


def test_the_old_free_text_source_field_is_refused_with_a_hint(tmp_path, monkeypatch):
    problems = messages(tmp_path, monkeypatch, HEAD + CITED + "source: 公开新闻报道\n")
    assert len(problems) == 1 and "sources" in problems[0]


def test_every_shipped_record_carries_evidence_and_sources():
    report = validate(read_registry(DATA))
    assert report.points and all(p["evidence"] in ("named", "inferred") for p in report.points)
    assert all(p["sources"] and all(s["title"] for s in p["sources"]) for p in report.points)


def test_shipped_inferred_records_carry_no_contact_or_status():
    for p in validate(read_registry(DATA)).points:
        if p["evidence"] == "inferred":
            assert p["status"] == "unknown", p["id"]
            assert not (p["address"] or p["phones"] or p["hours"] or p["organization"]), p["id"]


def test_the_verified_facts_are_on_their_records():
    points = {p["id"]: p for p in validate(read_registry(DATA)).points}
    minzhong = points["aid-minzhong"]
    assert minzhong["phones"] == ["0760-87866614"]
    assert minzhong["hours"] == "Mo-Fr 09:00-12:00,13:30-17:00; PH off"
    assert minzhong["established"] == "2023-11-13" and minzhong["address"].startswith("民众大道48号")
    assert {s["url"] for s in minzhong["sources"]} == {"http://www.zs.gov.cn/mzz/gggs/content/post_2343527.html"}
    nantou = points["tm-nantou"]
    assert "政务服务中心" in nantou["address"] and nantou["organization"] == "中山市家电知识产权快速维权服务中心"
    assert "http://www.zs.gov.cn/ntz/zwdt/content/post_2366740.html" in {s["url"] for s in nantou["sources"]}
    assert "海外知识产权纠纷应对指导中心" in points["protection-center"]["description"]
    for pid in ("nantou-appliance-center", "tanzhou-photo-center"):
        assert "http://zsnews.cn/news/index/view/cateid/35/id/680671.html" in {s["url"] for s in points[pid]["sources"]}


REPORTED = (
    "evidence: reported\nsources:\n  - title: 填报表（xiaolan.xlsx）\n    provided_by: 小榄镇市场监督管理分局\n"
    "    date: 2025-12-01\n"
)


def test_a_reported_record_names_who_provided_it_and_when(tmp_path, monkeypatch):
    assert found(tmp_path, monkeypatch, HEAD + "phones:\n  - 0760-88888888\n" + REPORTED) == []
    no_provider = HEAD + "evidence: reported\nsources:\n  - title: 填报表（xiaolan.xlsx）\n    date: 2025-12-01\n"
    assert found(tmp_path, monkeypatch, no_provider) == [("source-invalid", 10, "sources")]
    assert "provided_by 写单位名称，不写个人姓名" in messages(tmp_path, monkeypatch, no_provider)[0]
    undated = HEAD + REPORTED.replace("    date: 2025-12-01\n", "")
    assert found(tmp_path, monkeypatch, undated) == [("source-invalid", 11, "sources")]


def test_a_provider_on_a_named_record_asks_for_reported(tmp_path, monkeypatch):
    text = HEAD + REPORTED.replace("evidence: reported", "evidence: named")
    assert found(tmp_path, monkeypatch, text) == [("source-invalid", 12, "sources")]
    assert messages(tmp_path, monkeypatch, text)[0].startswith("这条信息来源写了提供单位（provided_by）")


def test_a_reported_record_may_carry_facts_an_inferred_one_may_not(tmp_path, monkeypatch):
    facts = "address: 民安南路1号\nhours: Mo-Fr 09:00-17:00\nphones:\n  - 0760-88888888\n"
    assert found(tmp_path, monkeypatch, HEAD + facts + REPORTED) == []
    inferred = HEAD.replace("status: operating", "status: unknown") + facts + CITED.replace("named", "inferred")
    assert {c for c, _, _ in found(tmp_path, monkeypatch, inferred)} == {"inferred-with-facts"}


def _all(tmp_path, monkeypatch, text: str) -> list[tuple[str, int, str | None, str]]:
    return [(p.code, p.line, p.field, p.severity) for p in _problems(tmp_path, monkeypatch, text)]


@pytest.mark.parametrize(
    ("head", "tail", "expected"),
    [
        # status_date names the source the status rests on: one of the record's source dates
        (HEAD + "status_date: 2024-01-19\n", CITED, []),
        (HEAD + "status_date: 2024-02-01\n", CITED, [("status-date-unsourced", 9, "status_date", "error")]),
        # unknown status asserts nothing, so it has no date to rest on
        (
            HEAD.replace("status: operating", "status: unknown") + "status_date: 2024-01-19\n",
            CITED,
            [("status-date-unsourced", 9, "status_date", "error")],
        ),
        # an inferred record's name is always composed by the editors
        (
            HEAD.replace("status: operating", "status: unknown") + "name_basis: source\n",
            "evidence: inferred\nsources:\n  - title: 测试出处\n",
            [("inferred-with-facts", 9, "name_basis", "error")],
        ),
        # a source on a site off the allow-list: a warning, unless a note says why
        (
            HEAD,
            CITED.replace("https://example.gov.cn/a.html", "http://www.szmaolu.com/a.html"),
            [("source-domain-unlisted", 12, "sources", "warning")],
        ),
        (
            HEAD,
            CITED.replace("https://example.gov.cn/a.html", "http://www.szmaolu.com/a.html")
            + "    note: 转载页，原文网址未找到\n",
            [],
        ),
    ],
)
def test_status_dates_names_and_source_sites(tmp_path, monkeypatch, head, tail, expected):
    assert _all(tmp_path, monkeypatch, head + tail) == expected


def test_the_allow_list_matches_whole_domain_labels():
    from servicepoints.registry.provenance import on_list

    assert on_list("http://www.zs.gov.cn/x", ["gov.cn"]) and on_list("https://zsnews.cn/", ["zsnews.cn"])
    assert not on_list("http://zs.gov.cn.evil.com/", ["gov.cn"]) and not on_list("http://xzsnews.cn/", ["zsnews.cn"])


def test_the_status_basis_is_the_named_source_or_the_newest():
    from servicepoints.registry.provenance import status_basis

    sources = [
        {"title": "旧", "date": "2022-01-01"},
        {"title": "新", "date": "2024-01-01"},
        {"title": "无日期", "date": None},
    ]
    point = {"status": "operating", "sources": sources, "status_date": None}
    assert status_basis(point) == {"date": "2024-01-01", "title": "新"}
    assert status_basis(point | {"status_date": "2022-01-01"}) == {"date": "2022-01-01", "title": "旧"}
    assert status_basis(point | {"sources": sources[2:]}) == {"date": None, "title": None}
    assert status_basis(point | {"status": "unknown"}) is None
