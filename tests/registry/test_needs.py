"""The need-finder's tables: data/needs.csv and data/channels.csv (kind, needs, source), and which channels
each need and each point is offered."""

from __future__ import annotations

import csv

import pytest

from conftest import DATA, make_registry
from servicepoints.registry.load import read_registry
from servicepoints.registry.needs import channels_for, needs_for_services, needs_view
from servicepoints.registry.validate import validate

HEADER = "name,kind,needs,phone,url,description,source_title,source_url,source_date,source_note\n"
SOURCE = "某来源,https://example.gov.cn/a,2024-01-02,"


def _channel_problems(tmp_path, rows: str) -> list[tuple]:
    data = make_registry(tmp_path, {})
    (data / "channels.csv").write_text(HEADER + rows, encoding="utf-8")
    found = [p for p in validate(read_registry(data)).problems if p.file.endswith("channels.csv")]
    return sorted((p.line, p.code, p.field, p.message) for p in found)


def test_shipped_channels_are_valid_and_each_names_its_kind_needs_and_source():
    registry = read_registry(DATA)
    assert [p for p in validate(registry).problems if p.file.endswith("channels.csv")] == []
    needs = {n["code"] for n in registry.tables["needs"]}
    for row in csv.DictReader((DATA / "channels.csv").open(encoding="utf-8")):
        assert row["kind"] in ("phone", "online", "counter")
        assert set(row["needs"].split(";")) <= needs
        assert row["source_title"] and row["source_url"].startswith("http") and row["source_date"]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            f"热线,,policy-question,12345,,说明,{SOURCE}",
            "kind",
            "代码表 channels 第 2 行的 kind是空的：这一列每行都要填写。",
        ),
        (
            f"热线,fax,policy-question,12345,,说明,{SOURCE}",
            "kind",
            "代码表 channels 第 2 行的 kind“fax”不在允许范围内，只能写：phone、online、counter。",
        ),
        (f"热线,phone,policy-question,,,说明,{SOURCE}", "phone", "求助渠道表第 2 行的方式是 phone，但没有写 phone。"),
        (f"网站,online,policy-question,,,说明,{SOURCE}", "url", "求助渠道表第 2 行的方式是 online，但没有写 url。"),
        (f"热线,phone,,12345,,说明,{SOURCE}", "needs", "代码表 channels 第 2 行的 needs是空的：这一列每行都要填写。"),
        (
            f"热线,phone,policy-question;buy-a-car,12345,,说明,{SOURCE}",
            "needs",
            "求助渠道表第 2 行的需求编号“buy-a-car”不在办事需求表（needs.csv）中。",
        ),
    ],
)
def test_a_bad_channel_gives_its_problem_on_its_line(tmp_path, row, field, message):
    assert _channel_problems(tmp_path, row + "\n") == [(2, "codelist-error", field, message)]


def test_a_counter_needs_neither_phone_nor_url(tmp_path):
    assert _channel_problems(tmp_path, f"某镇政务服务中心,counter,renew-trademark,,,说明,{SOURCE}\n") == []


NEEDS = [
    {"code": "renew", "name": "续展", "services": "trademark-filing"},
    {"code": "sued", "name": "被侵权", "services": "rapid-enforcement;rights-assistance"},
]
CHANNELS = [
    {"name": "A", "kind": "phone", "needs": "sued", "phone": "1"},
    {"name": "B", "kind": "online", "needs": "renew;sued", "url": "https://b"},
]


def test_channels_follow_the_needs_column_in_table_order():
    assert [c["name"] for c in channels_for(["sued"], CHANNELS)] == ["A", "B"]
    assert [c["name"] for c in channels_for(["renew"], CHANNELS)] == ["B"]
    assert channels_for(["other"], CHANNELS) == []
    assert needs_for_services(["rights-assistance"], NEEDS) == ["sued"]
    assert needs_for_services([], NEEDS) == []


def test_every_need_carries_its_channels_even_when_points_offer_it():
    point = {"id": "p", "status": "operating", "services": ["trademark-filing"], "phones": ["1"], "lat": 22.5}
    view = needs_view([point], NEEDS, [], ";", CHANNELS)
    assert [(n["code"], [p["id"] for p in n["points"]], [c["name"] for c in n["channels"]]) for n in view] == [
        ("renew", ["p"], ["B"]),
        ("sued", [], ["A", "B"]),
    ]


def test_needs_put_whole_city_points_first_and_the_rest_by_distance():
    city = {"id": "c", "status": "operating", "services": ["trademark-filing"], "area_served": ["全市"]}
    town = {"id": "t", "status": "operating", "services": ["trademark-filing"], "area_served": ["民众街道"]}
    open_ = {"id": "o", "status": "operating", "services": ["trademark-filing"], "area_served": []}
    (renew, _) = needs_view([city, town, open_], NEEDS, [], ";", CHANNELS)
    assert [p["id"] for p in renew["citywide"]] == ["c"] and [p["id"] for p in renew["local"]] == ["t", "o"]
