"""The software and the instance separate cleanly: no module or template names the city, and a made-up
second city (tests/fixtures/second-city: 澄湖市, three towns, four records) builds into a complete site and
open data with no trace of Zhongshan, its place read from its own data everywhere a place is said."""

from __future__ import annotations

import html
import json
import re
import shutil
import uuid
import zipfile
from pathlib import Path

import frictionless
import pytest

from conftest import DATA, ROOT, SECOND_CITY, make_registry, soup
from servicepoints.core.place import Place
from servicepoints.registry.load import read_registry
from servicepoints.registry.validate import validate

# What would show the software naming the shipped city: its name, its bounding box and map centre, its
# region code and telephone area code, a sample position in it, the repository's owner.
CITY_IN_SOFTWARE = re.compile(
    r"中山|zhongshan|zs-ip|4420[0-9]{2}|0760|\b(22\.18|22\.79|113\.15|113\.77|22\.49|113\.42|22\.6123|113\.2567)\b",
    re.IGNORECASE,
)
TRACE = re.compile(r"中山|zhongshan", re.IGNORECASE)
VENDORED = ("vendor", "workers")  # third-party code kept as released (README, "Layout")
CITY = Place.from_descriptor(json.loads((SECOND_CITY / "data" / "datapackage.json").read_text(encoding="utf-8")))


def _software_files() -> list[Path]:
    roots = [ROOT / "scripts" / "servicepoints", ROOT / "site_templates"]
    files = [p for root in roots for p in root.rglob("*") if p.is_file()]
    return [p for p in files if not set(VENDORED) & set(p.relative_to(ROOT).parts) and p.suffix != ".pyc"]


def test_no_module_or_template_names_the_city():
    files = _software_files()
    assert len(files) > 60  # every module and template, not an empty glob
    found = {}
    for path in files:
        hits = {m.group(0) for m in CITY_IN_SOFTWARE.finditer(path.read_text(encoding="utf-8", errors="replace"))}
        if hits:
            found[path.relative_to(ROOT).as_posix()] = sorted(hits)
    assert found == {}


def _texts(site: Path):
    """(name, text) for every built file, and for every member of the zip files (the spreadsheet too)."""
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(site).as_posix()
        body = path.read_bytes()
        if body[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{name}:{member}", archive.read(member).decode("utf-8", "replace")
        yield name, body.decode("utf-8", "replace")


def _unescaped(text: str) -> str:
    """Text as a reader gets it: JSON's \\uXXXX escapes and HTML's character references resolved."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return html.unescape(text)


def test_the_second_city_has_no_trace_of_zhongshan(second_city_site):
    names = []
    for name, text in _texts(second_city_site):
        names.append(name)
        hits = TRACE.findall(text) + TRACE.findall(_unescaped(text))
        assert not hits, (name, sorted(set(hits)))
    for expected in ("index.html", "map/points.json", "opendata/points.xlsx:xl/worksheets/sheet1.xml"):
        assert expected in names  # the walk reached the pages, the map data and inside the spreadsheet
    assert any(n.startswith("opendata/hsds/") for n in names)


def test_the_trace_check_finds_the_shipped_city(shipped_site):
    """The same walk over the shipped site does find Zhongshan, inside the spreadsheet and in escaped JSON too."""
    found = {name for name, text in _texts(shipped_site) if TRACE.search(_unescaped(text))}
    assert {"index.html", "opendata/points.xlsx:xl/worksheets/sheet1.xml"} <= found
    assert any(name.startswith("search/d/") for name in found)  # the search's document files


def test_the_place_comes_from_the_second_citys_data(second_city_site):
    home = soup(second_city_site / "index.html")
    assert home.h1.get_text(strip=True).rstrip("¶") == "澄湖市知识产权服务网点"
    assert "关于本名录" in home.get_text()  # mkdocs.yml's extra.servicepoints.home_about
    assert "澄湖市共有 3 个镇街" in soup(second_city_site / "towns" / "index.html").get_text()
    point = soup(second_city_site / "points" / "chenghu-protection-center" / "index.html")
    assert "澄湖市东湖街道湖滨路 1 号" in point.get_text()
    ld = json.loads(point.find("script", type="application/ld+json").string)
    assert ld["address"]["addressRegion"] == "示例省" and ld["address"]["addressLocality"] == "澄湖市东湖街道"
    studio = soup(second_city_site / "points" / "studio-lakeside" / "index.html")
    assert json.loads(studio.find("script", type="application/ld+json").string)["@type"] == "Place"
    catalog = json.loads((second_city_site / "opendata" / "catalog.jsonld").read_text(encoding="utf-8"))
    bbox = catalog["dcat:dataset"]["dct:spatial"]["dcat:bbox"]["@value"]
    assert bbox == "POLYGON((120.9 30.1,121.3 30.1,121.3 30.4,120.9 30.4,120.9 30.1))"
    package = json.loads((second_city_site / "opendata" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["keywords"] == ["知识产权", "公共服务", "澄湖", "测试"]
    assert package["sources"] == [{"title": "虚构的测试数据，没有真实出处"}]
    assert "x-place" not in package  # the place block stays in data/
    admin = soup(second_city_site / "admin" / "index.html")
    assert admin.title.string == "网页编辑 · 澄湖知识产权服务网点"


def test_the_map_takes_extent_centre_and_type_styles_from_the_data(second_city_site):
    page = (second_city_site / "map" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"center: \[30\.25, 121\.1\]", page) and '"zoom": 11,' in page  # x-place
    config = json.loads(soup(second_city_site / "map" / "index.html").find(id="sp-map-config").string)
    assert config["bounds"] == [[30.1, 120.9], [30.4, 121.3]]
    style = {k: config["types"]["protection-center"][k] for k in ("glyph", "color")}
    assert style == {"glyph": "枢", "color": "#37474f"}  # types.csv's glyph and colour columns


def test_stable_ids_live_in_the_second_citys_namespace(second_city_site):
    rows = (second_city_site / "opendata" / "hsds" / "locations.csv").read_text(encoding="utf-8-sig").splitlines()
    ids = {line.split(",", 1)[0] for line in rows[1:]}
    ns = uuid.uuid5(uuid.NAMESPACE_URL, CITY.id_namespace)
    assert str(uuid.uuid5(ns, "location/tm-xiling")) in ids


def test_the_second_citys_open_data_validates(second_city_site):
    for descriptor in ("datapackage.json", "hsds/datapackage.json"):
        report = frictionless.Package(str(second_city_site / "opendata" / descriptor)).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_type_pages_leave_out_a_standard_the_instance_does_not_have(second_city_site, shipped_site):
    city = soup(second_city_site / "types" / "trademark-station" / "index.html")
    assert city.find(id="clauses") is None and "standard/" not in str(city.find("article"))
    assert soup(shipped_site / "types" / "trademark-station" / "index.html").find(id="clauses") is not None


def test_a_point_outside_the_second_city_is_told_so_in_its_name(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SECOND_CITY / "data", data)
    record = data / "points" / "stations" / "tm-xiling.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("lat: 30.3", "lat: 22.5"), encoding="utf-8")
    problems = [p for p in validate(read_registry(data)).problems if p.code == "coords-outside"]
    assert [p.message for p in problems] == [
        "坐标（纬度 22.5，经度 120.98）不在澄湖市范围内：澄湖市的纬度在 30.1–30.4 之间，经度在 120.9–121.3 之间。"
        "请在地图上重新取点。"
    ]


def test_the_shipped_place_is_zhongshan():
    """The instance, not the software, says where the shipped registry is (x-place in data/datapackage.json)."""
    place = read_registry(DATA).place
    assert (place.name, place.province, place.region_code, place.centre, place.zoom) == (
        "中山市",
        "广东省",
        "442000",
        (22.49, 113.42),
        10,
    )
    assert (place.box.south, place.box.west, place.box.north, place.box.east) == (22.18, 113.15, 22.79, 113.77)


@pytest.mark.parametrize(
    "change, says",
    [
        (lambda d: d.pop("x-place"), ["缺少 x-place"]),
        (lambda d: d["x-place"].pop("name"), ["x-place.name 有误"]),
        (lambda d: d["x-place"].update(region_code="4420"), ["x-place", "region_code"]),
        (lambda d: d["x-place"]["bbox"].update(north=10), ["x-place.bbox 有误"]),
        (lambda d: d["x-place"]["centre"].update(lat=40), ["x-place.centre 不在 x-place.bbox 范围内"]),
        (lambda d: d["x-place"].update(zoom=True), ["x-place.zoom 有误"]),
        (
            lambda d: d["x-place"].update(zom=10),
            ["x-place 中的键 zom 不认识", "zoom"],
        ),  # a misspelt key: the profile refuses it
    ],
)
def test_a_broken_place_block_stops_with_the_key_that_is_wrong(tmp_path, monkeypatch, change, says):
    from click.testing import CliRunner

    from servicepoints.cli import main

    monkeypatch.chdir(tmp_path)
    data = make_registry(tmp_path, {})
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    change(descriptor)
    (data / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--data", str(data)])
    assert result.exit_code == 2 and all(part in result.output for part in says), result.output
    assert "Traceback" not in result.output


def _shape(descriptor: dict) -> list:
    """What the software relies on in a descriptor: tables, paths, keys, fields, types, constraints, x-* keys;
    not the words (titles, descriptions, examples) nor the telephone area code, which are each instance's own."""
    words = {"title", "description", "example", "x-area-code"}
    return [
        {k: v for k, v in r.items() if k not in words | {"schema"}}
        | {
            "schema": {k: v for k, v in r["schema"].items() if k != "fields"},
            "fields": [{k: v for k, v in f.items() if k not in words} for f in r["schema"]["fields"]],
        }
        for r in descriptor["resources"]
    ]


def test_the_second_city_keeps_the_shipped_schema():
    """A change to data/datapackage.json's tables or fields goes into the second city's copy too (keep its
    name, title, description, keywords, sources, x-place and the texts that name its city), and a change to
    a national code list (holidays, needs, channels, services) is copied over as it is."""
    shipped = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    city = json.loads((SECOND_CITY / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert _shape(city) == _shape(shipped)
    for name in ("holidays.csv", "needs.csv", "channels.csv", "services.csv"):
        assert (SECOND_CITY / "data" / name).read_bytes() == (DATA / name).read_bytes(), name
