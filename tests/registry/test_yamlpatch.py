"""Patching a record in place: only the named fields change; comments, order and quoting stay."""

from __future__ import annotations

import pytest

from servicepoints.registry.yamlpatch import PatchError, append_source, patch

ORDER = ["id", "name", "type", "town", "status", "lat", "lon", "address", "phones", "hours", "verified", "evidence"]
TEXT = """# yaml-language-server: $schema=../../point.schema.json
# 编辑组备注：地址待核实
id: x
name: '测试站'   # 挂牌名称
type: trademark-station
status: unknown
lat: 22.61
lon: 113.19
phones:
  - "0760-88888888"   # 总机
  - 0760-88886666

# 以下为出处
evidence: named
sources:
  - title: 出处一
    url: "https://example.gov.cn/a.html"
    date: 2024-01-19
"""


def test_a_changed_scalar_keeps_its_comment_and_every_other_byte():
    out = patch(TEXT, {"name": "测试商标站", "lat": "22.6123"}, ORDER, ("lat",))
    assert out == TEXT.replace("name: '测试站'   # 挂牌名称", "name: 测试商标站   # 挂牌名称").replace(
        "lat: 22.61\n", "lat: 22.6123\n"
    )


def test_a_new_field_goes_after_the_field_before_it_in_dictionary_order():
    out = patch(TEXT, {"address": "民安南路1号", "hours": "Mo-Fr 09:00-17:00"}, ORDER)
    assert "lon: 113.19\naddress: 民安南路1号\nphones:" in out
    assert '  - 0760-88886666\nhours: "Mo-Fr 09:00-17:00"\n\n# 以下为出处' in out


def test_a_list_is_rewritten_whole_and_a_removed_field_loses_only_its_lines():
    out = patch(TEXT, {"phones": ["0760-22223333"], "status": None}, ORDER)
    assert "status" not in out
    assert "phones:\n  - 0760-22223333\n\n# 以下为出处\nevidence: named" in out
    assert out.startswith("# yaml-language-server: $schema=../../point.schema.json\n# 编辑组备注：地址待核实\nid: x\n")


def test_text_a_yaml_editor_would_read_as_a_number_is_quoted():
    out = patch(TEXT, {"phones": ["07608888888"], "name": "2021"}, ORDER)
    assert '  - "07608888888"' in out and 'name: "2021"   # 挂牌名称' in out


def test_a_source_is_appended_like_the_others_and_replaced_by_title():
    item = {"title": "填报表（a.xlsx）", "provided_by": "小榄镇市场监督管理分局", "date": "2026-12-01"}
    once = append_source(TEXT, item)
    assert once == TEXT + "  - title: 填报表（a.xlsx）\n    provided_by: 小榄镇市场监督管理分局\n    date: 2026-12-01\n"
    twice = append_source(once, item | {"date": "2026-12-02"})
    assert twice == once.replace("date: 2026-12-01", "date: 2026-12-02")


def test_a_file_that_is_not_a_record_is_refused():
    with pytest.raises(PatchError):
        patch("- a\n- b\n", {"name": "x"}, ORDER)
