"""The Descriptor: tables, fields and extension keys asked of one object; the x-* keys checked on load."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from conftest import DATA, ROOT
from servicepoints.cli import main
from servicepoints.core.errors import SetupError
from servicepoints.registry.descriptor import Descriptor, extension_keys, profile, profile_mistake
from servicepoints.registry.load import read_registry

SHIPPED = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
PACKAGE = ROOT / "scripts" / "servicepoints"


def _x_keys(value, found: set | None = None) -> set[str]:
    found = set() if found is None else found
    if isinstance(value, dict):
        found |= {k for k in value if k.startswith("x-")}
        for item in value.values():
            _x_keys(item, found)
    elif isinstance(value, list):
        for item in value:
            _x_keys(item, found)
    return found


def test_it_answers_tables_fields_and_extension_keys():
    d = Descriptor.load(copy.deepcopy(SHIPPED))
    assert d.names[0] == "points" and d.resource("towns")["path"] == "towns.csv"
    assert d.field("phones")["x-item-pattern"] and d.field("code", "types")["name"] == "code"
    assert [f["name"] for f in d.fields("point_services")] == ["point_id", "service"]
    assert d.list_delimiter == ";"
    assert d.source("points") == "points/**/*.yaml" and d.derived_from("point_sources") == "points.sources"
    assert d.checked_by("holidays") == "servicepoints.registry.holidays" and d.checked_by("towns") is None
    assert d.labels("status")["operating"] == "运营中"
    assert d.list_fields() == {"phones", "services", "area_served"}
    assert "crs" not in {f["name"] for f in d.visible_fields()}
    assert d.related("sources")["name"] == "point_sources"
    made = ("points", "point_services", "point_sources")
    assert [r["name"] for r in d.code_lists()] == [n for n in d.names if n not in made]


def test_a_missing_table_or_field_is_a_setup_error():
    d = Descriptor.load(copy.deepcopy(SHIPPED))
    with pytest.raises(SetupError, match="没有 nowhere 表"):
        d.resource("nowhere")
    with pytest.raises(SetupError, match="points 表没有 fax 字段"):
        d.field("fax")
    assert Descriptor({}).resources == [] and Descriptor({"resources": "x"}).names == []


def test_every_extension_key_in_the_data_and_the_code_is_declared_in_the_profile():
    declared = set(extension_keys())
    assert _x_keys(SHIPPED) <= declared
    used = set()
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "site_templates" / "pages").glob("*.j2")]:
        used |= set(re.findall(r"""["'](x-[a-z][a-z-]*)["']""", path.read_text(encoding="utf-8")))
    assert used <= declared, used - declared
    assert declared <= used | _x_keys(SHIPPED), "a declared key nothing uses"
    assert len(declared) >= 11


def test_the_shipped_descriptor_fits_the_profile_by_our_checker_and_by_jsonschema():
    assert profile_mistake(SHIPPED) is None
    Draft202012Validator.check_schema(profile())
    assert not list(Draft202012Validator(profile()).iter_errors(SHIPPED))


def _points_field(raw: dict, name: str) -> dict:
    return next(f for f in raw["resources"][0]["schema"]["fields"] if f["name"] == name)


MISTAKES = [
    (lambda d: d.update({"x-list-delimitor": ";"}), "最外层 中的键 x-list-delimitor 不认识"),
    (lambda d: d.update({"x-list-delimiter": 1}), "x-list-delimiter 应是文字"),
    (lambda d: d.update({"x-list-delimiter": ""}), "x-list-delimiter 不能是空的"),
    (lambda d: d["resources"][1].update({"x-derived": "points.services"}), "point_services 中的键 x-derived"),
    (lambda d: d["resources"][1].update({"x-derived-from": "points"}), "x-derived-from 写法不对"),
    (lambda d: _points_field(d, "phones").update({"x-lists": True}), "fields → phones 中的键 x-lists 不认识"),
    (lambda d: _points_field(d, "phones").update({"x-list": "yes"}), "phones → x-list 应是true 或 false"),
    (lambda d: _points_field(d, "hours").update({"x-format": "hours"}), "只能是 opening_hours、partial-date"),
    (lambda d: _points_field(d, "status")["x-labels"].update({"open": 1}), "x-labels → open 应是文字"),
    (lambda d: _points_field(d, "crs").update({"x-visibility": "private"}), "只能是 public、input、related"),
    (lambda d: _points_field(d, "phones").update({"x-item-pattern": "(["}), "x-item-pattern 不是正则表达式"),
    # Table Schema keys our own checks read: a wrong type there was a crash (a TypeError, or frictionless' FieldError)
    (lambda d: _points_field(d, "name")["constraints"].update({"maxLength": "120"}), "maxLength 应是整数"),
    (lambda d: _points_field(d, "name")["constraints"].update({"required": "yes"}), "required 应是true 或 false"),
    (lambda d: _points_field(d, "name").update({"type": "text"}), "name → type 只能是 any、array"),
    (lambda d: _points_field(d, "name").update({"constraints": []}), "name → constraints 应是对象"),
]


@pytest.mark.parametrize(("spoil", "said"), MISTAKES)
def test_a_misspelt_or_mistyped_extension_key_stops_the_load_with_one_chinese_line(spoil, said):
    raw = copy.deepcopy(SHIPPED)
    spoil(raw)
    with pytest.raises(SetupError) as caught:
        Descriptor.load(raw, "data/datapackage.json")
    message = str(caught.value)
    assert message.startswith("data/datapackage.json：") and said in message and "\n" not in message


def _copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    return data


def test_validate_and_build_exit_two_on_an_unknown_key_before_any_work(tmp_path, monkeypatch):
    data = _copy_data(tmp_path)
    raw = copy.deepcopy(SHIPPED)
    _points_field(raw, "description").update({"x-multline": True})
    (data / "datapackage.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(ROOT)  # build reads mkdocs.yml here
    for args in (["validate", "--data", str(data)], ["build", "--data", str(data), "--out", str(tmp_path / "out")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "x-multline 不认识" in result.output and "x-multiline" in result.output
        assert "Traceback" not in result.output and not (tmp_path / "out").exists()
    with pytest.raises(SetupError, match="x-multline"):
        read_registry(data)


def test_the_registry_and_site_data_hold_the_descriptor():
    registry = read_registry(DATA)
    assert isinstance(registry.descriptor, Descriptor) and registry.descriptor.raw == SHIPPED


_KEYS = st.sampled_from(sorted(extension_keys()) + ["x-other", "x-list-delimitor", "name", "type", "constraints"])
_VALUES = st.one_of(
    st.booleans(),
    st.text(max_size=8),
    st.sampled_from(["opening_hours", "partial-date", "public", "input", "points.services", "servicepoints.x"]),
    st.dictionaries(st.text(max_size=3), st.one_of(st.text(max_size=3), st.integers()), max_size=2),
    st.integers(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.integers(0, 2), index=st.integers(0, 30), key=_KEYS, value=_VALUES)
def test_our_checker_agrees_with_jsonschema_on_any_extension_key_anywhere(where, index, key, value):
    raw = copy.deepcopy(SHIPPED)
    resources = raw["resources"]
    if where == 0:
        target = raw
    elif where == 1:
        target = resources[index % len(resources)]
    else:
        fields = resources[index % len(resources)]["schema"]["fields"]
        target = fields[index % len(fields)]
    target[key] = value
    expected = not list(Draft202012Validator(profile()).iter_errors(raw))
    assert (profile_mistake(raw) is None) == expected


def _contributing_rows() -> dict[str, tuple[str, str, str]]:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("### Extension keys in `data/datapackage.json`", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`x-"):
            rows[cells[0].strip("`")] = (cells[1], cells[2], cells[3])
    return rows


def _value_text(schema: dict) -> str:
    if "enum" in schema:
        return " or ".join(f"`{v}`" for v in schema["enum"])
    if "properties" in schema:  # a block of named keys (x-place)
        return "object: " + ", ".join(f"`{k}`" for k in schema["properties"])
    return {"string": "text", "boolean": "`true` or `false`", "object": "value → text"}[schema["type"]]


def test_contributing_lists_every_extension_key_as_the_profile_declares_it():
    expected = {key: (level, _value_text(s), s["description"]) for key, (level, s) in extension_keys().items()}
    assert _contributing_rows() == expected


def test_only_the_descriptor_module_walks_the_list_of_tables():
    walkers = sorted(
        str(path.relative_to(ROOT))
        for path in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2")]
        if '"resources"' in path.read_text(encoding="utf-8") or "'resources'" in path.read_text(encoding="utf-8")
    )
    assert walkers == ["scripts/servicepoints/registry/descriptor.py"]
