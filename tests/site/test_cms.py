"""The browser editor's generated configuration, the correction link and the completeness figures."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import DATA, PLANTED_PRIVATE_PHONE, soup
from servicepoints.site import cms
from servicepoints.publish.completeness import completeness
from servicepoints.registry.load import allowed_services, read_registry


@pytest.fixture(scope="module")
def registry():
    return read_registry(DATA)


def _config(registry, descriptor=None, repo=None):
    paths, orders = cms.record_layout(registry)
    types = {r.values["id"]: r.values["type"] for r in registry.records}
    folders = cms.type_folders(paths, registry.tables["types"], types)
    return cms.cms_config(descriptor or registry.descriptor, registry.tables, folders, orders, repo, "https://x.test/")


def _points_collections(config):
    return [c for c in config["collections"] if c["name"].startswith("points-")]


def test_every_property_of_the_record_schema_is_in_every_point_form(registry):
    properties = set(json.loads((DATA / "point.schema.json").read_text(encoding="utf-8"))["properties"])
    config = _config(registry)
    collections = _points_collections(config)
    assert {c["filter"]["value"] for c in collections} == {t["code"] for t in registry.tables["types"]}
    for name, fields in cms.covered_fields(config).items():
        if name.startswith("points-"):
            assert fields == properties, name
    for collection in collections:
        for field in collection["fields"]:
            assert field["label"] and field["label"] != field["name"], field["name"]
            assert field["hint"], field["name"]


def test_a_new_schema_field_appears_in_the_form_and_an_unmappable_one_is_an_error(registry):
    descriptor = copy.deepcopy(registry.descriptor)
    fields = descriptor.fields("points")
    fields.append({"name": "fax", "title": "传真", "description": "传真号码。", "type": "string"})
    assert all("fax" in f for f in cms.covered_fields(_config(registry, descriptor)).values() if f and "id" in f)
    fields.append({"name": "shape", "title": "形状", "type": "geojson"})
    with pytest.raises(cms.CmsConfigError, match="shape"):
        _config(registry, descriptor)


def test_enumerations_and_code_lists_are_selects(registry):
    config = _config(registry)
    schema = registry.descriptor.fields("points")
    enums = {f["name"]: f["constraints"]["enum"] for f in schema if "enum" in f.get("constraints", {})}
    assert {"status", "precision", "crs"} <= set(enums)
    towns = [t["name"] for t in registry.tables["towns"]]
    for collection in _points_collections(config):
        fields = {f["name"]: f for f in collection["fields"]}
        for name, values in enums.items():
            assert fields[name]["widget"] == "select", name
            assert [o["value"] for o in fields[name]["options"]] == values
        assert fields["town"]["widget"] == "select" and fields["town"]["options"] == towns
        kind = collection["filter"]["value"]
        assert [o["value"] for o in fields["type"]["options"]] == [kind]
        assert fields["type"]["default"] == kind


def test_services_are_limited_to_what_the_type_may_offer(registry):
    allowed = allowed_services(registry.descriptor, registry.tables)
    for collection in _points_collections(_config(registry)):
        services = next(f for f in collection["fields"] if f["name"] == "services")
        assert services["widget"] == "select" and services["multiple"] is True
        assert [o["value"] for o in services["options"]] == allowed[collection["filter"]["value"]]


def test_coordinates_say_which_crs_and_stay_in_zhongshan(registry):
    collection = _points_collections(_config(registry))[0]
    fields = {f["name"]: f for f in collection["fields"]}
    for name in ("lat", "lon"):
        assert fields[name]["widget"] == "number" and fields[name]["value_type"] == "float"
        assert "GCJ-02" in fields[name]["hint"] and "WGS-84" in fields[name]["hint"]
    assert fields["lat"]["min"] < 22.5 < fields["lat"]["max"]


def test_sources_if_declared_are_a_list_of_title_url_date(registry):
    schema = {f["name"]: f for f in registry.descriptor.fields("points")}
    if "sources" not in schema:
        pytest.skip("sources not in the schema yet")
    collection = _points_collections(_config(registry))[0]
    sources = next(f for f in collection["fields"] if f["name"] == "sources")
    assert sources["widget"] == "list"
    assert [f["name"] for f in sources["fields"]] == ["title", "url", "date", "provided_by", "note"]


def test_the_form_offers_every_evidence_level_with_its_label(registry):
    for collection in _points_collections(_config(registry)):
        evidence = next(f for f in collection["fields"] if f["name"] == "evidence")
        assert [o["value"] for o in evidence["options"]] == ["named", "reported", "inferred"]
        assert "主管部门或网点提供" in [o["label"] for o in evidence["options"]][1]


def test_private_block_is_editable(registry):
    collection = _points_collections(_config(registry))[0]
    private = next(f for f in collection["fields"] if f["name"] == "private")
    assert private["widget"] == "object" and not private["required"]


def test_records_keep_their_place_in_the_folder_for_their_type_and_their_key_order(registry):
    config = _config(registry)
    folders = {c["filter"]["value"]: c["folder"] for c in _points_collections(config)}
    for record in registry.records:
        assert Path(record.file).parent.as_posix().endswith(folders[record.values["type"]].removeprefix("data/"))
    orders = {c["filter"]["value"]: [f["name"] for f in c["fields"]] for c in _points_collections(config)}
    for record in registry.records:
        keys, order = list(record.values), orders[record.values["type"]]
        assert keys == sorted(keys, key=order.index), record.file


def test_field_order_follows_the_records_and_falls_back_to_the_schema():
    fields = [{"name": n} for n in ("id", "name", "town", "status", "extra")]
    assert cms.field_order(fields, [["id", "status", "town"], ["id", "name", "status", "town"]]) == [
        "id",
        "name",
        "status",
        "town",
        "extra",
    ]
    assert cms.field_order(fields, []) == ["id", "name", "town", "status", "extra"]


def test_field_order_goes_with_the_most_records():
    fields = [{"name": n} for n in ("id", "town", "status")]
    orders = [["id", "status", "town"]] * 3 + [["id", "town", "status"]] * 2
    assert cms.field_order(fields, orders) == ["id", "status", "town"]
    assert cms.field_order(fields, orders[1:]) == ["id", "town", "status"]  # a tie: the schema's order


def test_code_lists_are_editable_with_every_column(registry):
    files = next(c for c in _config(registry)["collections"] if c["name"] == "code-lists")["files"]
    assert {f["name"] for f in files} == {"towns", "types", "services"}
    for entry in files:
        resource = registry.descriptor.resource(entry["name"])
        columns = [f["name"] for f in entry["fields"][0]["fields"]]
        assert columns == [f["name"] for f in resource["schema"]["fields"]]
        assert entry["file"] == f"data/{resource['path']}" and (DATA / resource["path"]).is_file()


def test_repo_settings_choose_the_backend():
    github = cms.parse_repo("https://github.com/a/b")
    assert (github.host, github.path) == ("github", "a/b")
    gitlab = cms.parse_repo("https://gitlab.example.cn/group/sub/repo.git")
    assert (gitlab.host, gitlab.path, gitlab.url) == (
        "gitlab",
        "group/sub/repo",
        "https://gitlab.example.cn/group/sub/repo",
    )
    assert cms.parse_repo(None) is None
    with pytest.raises(cms.CmsConfigError):
        cms.parse_repo("ftp://x/y")


def test_built_admin_page_loads_only_local_files(shipped_site):
    page = soup(shipped_site / "admin" / "index.html")
    scripts = [s.get("src") for s in page.find_all("script") if s.get("src")]
    assert scripts == ["../assets/servicepoints-cms.js"]  # it loads Decap, Leaflet and the geo script on start
    assert page.find("script", src="../assets/servicepoints-cms.js")["type"] == "module"
    assert not page.find_all("link", href=lambda h: h and "//" in h)
    script = (shipped_site / "assets" / "servicepoints-cms.js").read_text(encoding="utf-8")
    loaded = re.findall(r'assets \+ "([^"]+)"', script)
    assert sorted(loaded) == sorted(
        ["vendor/leaflet/leaflet.css", "vendor/leaflet/leaflet.js", "servicepoints-geo.js", "vendor/decap-cms/decap-cms.js"]
    )
    for name in loaded:
        assert (shipped_site / "assets" / name).is_file(), name
    config = yaml.safe_load((shipped_site / "admin" / "config.yml").read_text(encoding="utf-8"))
    assert config["backend"]["name"] == "github" and "local_backend" not in config
    assert config["publish_mode"] == "editorial_workflow"
    assert config["locale"] == "zh_Hans"


def test_the_picker_follows_the_position_fields_and_its_tiles_are_the_sites(shipped_site, registry):
    for collection in _points_collections(_config(registry)):
        names = [f["name"] for f in collection["fields"]]
        picker = names.index(cms.PICKER_FIELD)
        assert names[picker - 1] in cms.POSITION_FIELDS and not set(names[picker + 1 :]) & set(cms.POSITION_FIELDS)
        assert collection["fields"][picker]["widget"] == "sp-location"
    text = soup(shipped_site / "admin" / "index.html").select_one("#sp-cms-data").get_text()
    picker = json.loads(text)["picker"]
    assert picker["field"] == cms.PICKER_FIELD
    assert picker["tiles"]["datum"] == "gcj02" and "autonavi.com" in picker["tiles"]["url"]  # tiles: gaode


def test_private_blocks_stay_out_of_everything_published(hostile_site):
    for path in hostile_site.rglob("*"):
        if path.is_file() and "vendor" not in path.parts:
            assert PLANTED_PRIVATE_PHONE.encode() not in path.read_bytes(), path


def _report_link(site: Path, point_id: str) -> str:
    links = soup(site / "points" / point_id / "index.html").find_all("a", string="报告错误或补充信息")
    assert len(links) == 1
    return links[0]["href"]


def test_every_point_page_has_a_prefilled_correction_link(shipped_site, registry):
    paths, _ = cms.record_layout(registry)
    for record in registry.records:
        point_id, name = record.values["id"], record.values["name"]
        url = urlparse(_report_link(shipped_site, point_id))
        assert (url.scheme, url.netloc, url.path) == (
            "https",
            "github.com",
            "/zs-ip-servicepoints/servicepoints/issues/new",
        )
        query = parse_qs(url.query)
        assert query["title"] == [f"更正网点信息：{name}（{point_id}）"]
        body = query["body"][0]
        assert f"编号：{point_id}\n" in body and f"网点：{name}\n" in body
        assert f"记录文件：data/points/{paths[point_id]}\n" in body
        assert (DATA / "points" / paths[point_id]).is_file()
        for ask in ("哪一项有误或缺失", "正确的内容是", "依据或出处"):
            assert ask in body


def test_gitlab_correction_link():
    repo = cms.parse_repo("https://gitlab.com/zs/servicepoints")
    url = urlparse(cms.correction_url(repo, {"id": "a-b", "name": "某站"}, "data/points/x/a-b.yaml", "https://s/"))
    assert url.path == "/zs/servicepoints/-/issues/new"
    query = parse_qs(url.query)
    assert query["issue[title]"] == ["更正网点信息：某站（a-b）"]
    assert "记录文件：data/points/x/a-b.yaml" in query["issue[description]"][0]


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # any text UTF-8 can hold


@settings(max_examples=300, deadline=None)
@given(name=TEXT, point_id=TEXT, path=TEXT, page_url=TEXT, host=st.sampled_from(["github", "gitlab"]))
@example(name="A+B 站 {id}", point_id="a b&c=d%", path="data/x y.yaml", page_url="https://s/?q=1#x", host="github")
def test_correction_link_is_the_whole_text_encoded(name, point_id, path, page_url, host):
    """Its fixed text is encoded once per build (cms._query_value): the link is the one urlencode gives."""
    repo = cms.parse_repo("https://github.com/zs/sp" if host == "github" else "https://gitlab.com/zs/sp")
    values = {"name": name, "id": point_id, "path": path, "url": page_url}
    title, body = cms.CORRECTION_TITLE.format(**values), cms.CORRECTION_BODY.format(**values)
    query = {"title": title, "body": body} if host == "github" else {"issue[title]": title, "issue[description]": body}
    new = "https://github.com/zs/sp/issues/new?" if host == "github" else "https://gitlab.com/zs/sp/-/issues/new?"
    assert cms.correction_url(repo, {"name": name, "id": point_id}, path, page_url) == new + urlencode(query)


def _recount(records: list[dict]) -> dict[str, set[str]]:
    """Straight from the YAML files: which ids lack each field."""

    def lacks(r, key):
        if key == "located":
            return not (r.get("lat") is not None and r.get("precision") in ("exact", "street"))
        if key == "sources":
            return not (r.get("sources") or r.get("source"))
        return not r.get(key)

    keys = ("address", "phones", "hours", "website", "verified", "located", "sources")
    return {k: {r["id"] for r in records if lacks(r, k)} for k in keys}


def test_completeness_figures_agree_with_the_records(shipped_site):
    records = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((DATA / "points").rglob("*.yaml"))]
    expected = _recount(records)
    figures = json.loads((shipped_site / "opendata" / "completeness.json").read_text(encoding="utf-8"))
    assert figures["records"] == len(records)
    assert {f["key"]: set(f["missing"]) for f in figures["fields"]} == expected
    page = soup(shipped_site / "data" / "completeness" / "index.html")
    for row in page.select("#completeness-fields tbody tr"):
        cells = [td.get_text() for td in row.find_all("td")]
        assert int(cells[2]) == len(expected[row["data-field"]])
        assert int(cells[1]) == len(records) - len(expected[row["data-field"]])
    for details in page.select("details.sp-missing"):
        listed = {li["data-point-id"] for li in details.find_all("li")}
        assert listed == expected[details["data-field"]]
        for li in details.find_all("li"):
            assert li.find("a", class_="sp-edit")["href"].startswith("../../admin/#/collections/points-")
            assert li.find("a", class_="sp-report")["href"] == f"../../points/{li['data-point-id']}/#correction"
    by_town = {}
    for r in records:
        by_town.setdefault(r.get("town") or "（镇街待补充）", []).append(r)
    for row in page.select("#completeness-by-town tbody tr"):
        mine = _recount(by_town[row["data-town"]])
        cells = row.find_all("td")[2:]
        for cell, key in zip(cells, mine, strict=True):
            assert int(cell["data-have"]) == len(by_town[row["data-town"]]) - len(mine[key])
    by_type = {}
    for r in records:
        by_type.setdefault(r["type"], []).append(r)
    for row in page.select("#completeness-by-type tbody tr"):
        mine = _recount(by_type[row["data-type"]])
        for cell, key in zip(row.find_all("td")[2:], mine, strict=True):
            assert int(cell["data-have"]) == len(by_type[row["data-type"]]) - len(mine[key])


def test_completeness_counts_a_tiny_registry():
    types = [{"code": "a", "name": "A", "sort": "1"}]
    towns = [{"name": "甲镇", "slug": "jia"}]
    points = [
        {"id": "p1", "type": "a", "town": "甲镇", "address": "x", "lat": 22.5, "lon": 113.3, "precision": "exact"},
        {"id": "p2", "type": "a", "town": None, "phones": ["1"], "lat": 22.5, "lon": 113.3, "precision": "town"},
    ]
    result = completeness(points, types, towns)
    fields = {f["key"]: f for f in result["fields"]}
    assert fields["address"]["missing"] == ["p2"] and fields["phones"]["missing"] == ["p1"]
    assert fields["located"]["missing"] == ["p2"]
    assert [row["town"] for row in result["by_town"]] == ["甲镇", "（镇街待补充）"]
    assert result["by_type"][0]["have"]["address"] == 1


def test_area_served_is_a_list_in_the_editor_form(shipped_site):
    """area_served (issue 23) reaches the browser editor's form as a list of town names or 全市."""
    import yaml

    def fields(node):
        if isinstance(node, dict):
            if node.get("name") == "area_served" and "widget" in node:
                yield node
            for value in node.values():
                yield from fields(value)
        elif isinstance(node, list):
            for item in node:
                yield from fields(item)

    config = yaml.safe_load((shipped_site / "admin" / "config.yml").read_text(encoding="utf-8"))
    found = list(fields(config))
    assert found and found[0]["widget"] == "list" and found[0]["label"] == "服务范围"
