"""Open data: every published file reads back as the registry's public records, nothing private, reproducible."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import zipfile

import frictionless
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from conftest import DATA, PLANTED_PRIVATE_PHONE, SECOND_CITY, TESTS, build, fixture, make_registry, soup
from servicepoints.cli import main
from servicepoints.publish import export
from servicepoints.publish.tables import FORMULA_START, inert
from servicepoints.registry.load import read_registry
from servicepoints.registry.provenance import OWN_POSITION
from servicepoints.registry.validate import validate

PUBLIC = [
    "id",
    "name",
    "name_basis",
    "alternate_name",
    "type",
    "town",
    "status",
    "status_date",
    "lat",
    "lon",
    "precision",
    "address",
    "phones",
    "email",
    "website",
    "hours",
    "services",
    "area_served",
    "organization",
    "industry",
    "established",
    "description",
    "verified",
    "evidence",
]
LISTS = tuple(sorted(read_registry(DATA).descriptor.list_fields("points")))  # phones, services, area_served …
NESTED = "sources"  # published as the point_sources table (a related table for GIS too), nested in JSON


def _flat(points: list[dict]) -> list[dict]:
    return [{k: v for k, v in p.items() if k != NESTED} for p in points]


# Every test of the published files runs on the shipped city and on the made-up second city (conftest).
INSTANCES = {"shipped": (DATA, "shipped_site"), "second-city": (SECOND_CITY / "data", "second_city_site")}


@pytest.fixture(scope="module", params=list(INSTANCES))
def instance(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def points(instance):
    return validate(read_registry(INSTANCES[instance][0])).points


@pytest.fixture(scope="module")
def opendata(request, instance):
    return request.getfixturevalue(INSTANCES[instance][1]) / "opendata"


def _from_text(row: dict) -> dict:
    out = {k: (v if v != "" else None) for k, v in row.items()}
    for key in ("lat", "lon"):
        out[key] = float(out[key]) if out[key] is not None else None
    for key in LISTS:
        out[key] = out[key].split(";") if out[key] else []
    return out


def test_frictionless_validates_the_published_package(opendata):
    report = frictionless.Package(str(opendata / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_descriptor_has_catalogue_metadata(opendata):
    descriptor = json.loads((opendata / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["created"] == "2026-01-01T00:00:00Z"
    assert {"title", "description", "version", "contributors", "sources"} <= descriptor.keys()
    assert {r["name"] for r in descriptor["resources"]} == {
        "points",
        "point_services",
        "point_sources",
        "towns",
        "types",
        "services",
        "reported",
        "source_domains",
        "holidays",
        "needs",
        "channels",
    }
    points = next(r for r in descriptor["resources"] if r["name"] == "points")
    assert [f["name"] for f in points["schema"]["fields"]] == PUBLIC  # crs is input-only


def test_csv_round_trip(opendata, points):
    raw = (opendata / "points.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert [_from_text(r) for r in rows] == _flat(points)


def test_point_services_link_table_matches(opendata, points):
    rows = list(csv.DictReader(io.StringIO((opendata / "point_services.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["point_id"], r["service"]) for r in rows] == [(p["id"], s) for p in points for s in p["services"]]


def test_point_sources_table_matches(opendata, points):
    rows = list(csv.DictReader(io.StringIO((opendata / "point_sources.csv").read_text(encoding="utf-8-sig"))))
    expected = [
        {"point_id": p["id"], **{k: s.get(k) or "" for k in ("title", "url", "date", "provided_by", "note")}}
        for p in points
        for s in p["sources"]
    ]
    assert rows == expected
    assert {r["point_id"] for r in rows} == {p["id"] for p in points}  # every point cites a source


def _sheet(book, title):
    rows = list(book[title].iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_xlsx_has_one_header_row_numbers_a_filter_and_a_frozen_header(opendata, points):
    book = openpyxl.load_workbook(opendata / "points.xlsx")
    assert book.sheetnames[:2] == ["网点", "字段说明"]
    descriptor = json.loads((opendata / "datapackage.json").read_text(encoding="utf-8"))
    assert book.sheetnames[2:] == [r["title"] for r in descriptor["resources"][1:]]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])
    header, rows = _sheet(book, "网点")
    assert header[:3] == ("编号", "名称", "名称依据") and len(set(header)) == len(header)
    assert "id" not in header  # field codes live in the second sheet, not in a second header row
    lat, lon = header.index("纬度"), header.index("经度")
    located = [r for r in rows if r[lat] is not None]
    assert located and all(isinstance(r[lat], float) and isinstance(r[lon], float) for r in located)
    _, counts = _sheet(book, "公开报告数量")
    assert all(isinstance(r[2], int) for r in counts)


def test_xlsx_round_trip_through_the_field_sheet(opendata, points, instance):
    book = openpyxl.load_workbook(opendata / "points.xlsx")
    header, rows = _sheet(book, "网点")
    _, fields = _sheet(book, "字段说明")
    codes = {head: code for sheet, head, code, _ in fields if sheet == "网点" and code}
    assert set(codes.values()) == set(PUBLIC)
    back = [
        _from_text(
            {
                codes[h]: ("" if v is None else repr(v) if isinstance(v, float) else str(v))
                for h, v in zip(header, row, strict=True)
                if h in codes
            }
        )
        for row in rows
    ]
    assert back == [{k: p[k] for k in PUBLIC} for p in points]
    if instance != "shipped":
        return
    by_id = dict(zip([r[0] for r in rows], rows, strict=True))
    guzhen = by_id["tm-guzhen"]
    assert guzhen[header.index("网点类型")] == "商标品牌培育指导站"
    assert guzhen[header.index("网点类型代码")] == "trademark-station"
    labels = {"unknown": "待核实", "operating": "运营中", "suspended": "暂停服务"}
    status = next(p["status"] for p in points if p["id"] == "tm-guzhen")
    assert guzhen[header.index("服务状态")] == labels[status] and guzhen[header.index("服务状态代码")] == status
    assert guzhen[header.index("镇街区划代码")] == "442000105"


def test_json_round_trip(opendata, points):
    assert json.loads((opendata / "points.json").read_text(encoding="utf-8"))["points"] == points


def test_geojson_is_rfc7946_flat_and_round_trips(opendata, points, instance):
    place = read_registry(INSTANCES[instance][0]).place
    doc = json.loads((opendata / "points.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    by_id = {p["id"]: p for p in points}
    assert [f["id"] for f in doc["features"]] == [p["id"] for p in points]
    keys = [k for k in PUBLIC if k not in ("lat", "lon", "description")]
    for feature in doc["features"]:
        point = by_id[feature["id"]]
        props = feature["properties"]
        assert list(props) == [*keys, "position_note"]  # the same keys on every feature: one layer schema
        assert all(not isinstance(v, list | dict) for v in props.values())  # lists as delimited strings
        back = {k: (v.split(";") if v else []) if k in LISTS else v for k, v in props.items() if k in keys}
        assert back == {k: point[k] for k in keys}
        own = point["precision"] in OWN_POSITION and point["lat"] is not None
        if not own:  # an estimate or an inferred point is no place on a GIS map: no geometry, and why
            assert feature["geometry"] is None and props["position_note"], feature["id"]
            continue
        assert props["position_note"] is None
        lon, lat = feature["geometry"]["coordinates"]
        assert place.box.contains(lat, lon)  # [lon, lat], inside the place's extent
        assert (lat, lon) == (point["lat"], point["lon"])
        assert all(len(repr(c).split(".")[-1]) <= 7 for c in (lat, lon))


def test_zip_holds_the_package(opendata):
    with zipfile.ZipFile(opendata / "servicepoints-opendata.zip") as archive:
        assert set(archive.namelist()) == {
            "datapackage.json",
            "points.csv",
            "point_services.csv",
            "point_sources.csv",
            "towns.csv",
            "types.csv",
            "services.csv",
            "reported.csv",
            "source_domains.csv",
            "holidays.csv",
            "needs.csv",
            "channels.csv",
        }
        assert archive.read("points.csv") == (opendata / "points.csv").read_bytes()


def test_sha256sums_check_with_sha256sum(opendata):
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=opendata, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hsds/schedules.csv: OK" in result.stdout and "points.xlsx: OK" in result.stdout


def test_catalogue_metadata(opendata):
    catalog = json.loads((opendata / "catalog.jsonld").read_text(encoding="utf-8"))
    assert catalog["@type"] == "dcat:Catalog"
    names = {d["dct:title"] for d in catalog["dcat:dataset"]["dcat:distribution"]}
    assert {"points.csv", "points.xlsx", "points.geojson", "servicepoints-opendata.zip"} <= names
    page = (opendata / "index.html").read_text(encoding="utf-8")
    assert '"@type": "Dataset"' in page


def test_private_data_appears_in_no_file(hostile_site):
    record = fixture("good.yaml").decode()
    assert PLANTED_PRIVATE_PHONE not in record  # planted only in the private block
    for path in hostile_site.rglob("*"):
        if path.is_file():
            body = path.read_bytes()
            assert PLANTED_PRIVATE_PHONE.encode() not in body, path
            assert "王科长".encode() not in body, path
    with zipfile.ZipFile(hostile_site / "opendata" / "points.xlsx") as book:
        assert not any(PLANTED_PRIVATE_PHONE.encode() in book.read(n) for n in book.namelist())


def test_two_builds_give_identical_open_data(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    first = build(DATA, tmp_path / "a", release_date=None)
    second = build(DATA, tmp_path / "b", release_date=None)
    names = sorted(p.relative_to(first).as_posix() for p in (first / "opendata").rglob("*") if p.is_file())
    assert "opendata/points.xlsx" in names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert json.loads((first / "opendata" / "datapackage.json").read_text())["created"].startswith("2026-01-01")


def test_failed_build_leaves_the_previous_site_untouched(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    site = build(data, tmp_path / "site")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    (data / "points" / "bad.yaml").write_bytes(fixture("outside.yaml").replace(b"id: outside", b"id: bad"))
    config = str(DATA.parent / "mkdocs.yml")
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(site), "--config", config])
    assert result.exit_code == 1 and "coords-outside" in result.output
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_change_log_against_the_previous_release(tmp_path, shipped_site):
    data = make_registry(tmp_path, {})
    for path in (DATA / "points").rglob("*.yaml"):
        if path.stem != "aid-banfu":
            target = data / "points" / path.relative_to(DATA / "points")
            target.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text(encoding="utf-8")
            if path.stem == "nantou-appliance-center":
                text = text.replace("status: operating", "status: suspended")
            target.write_text(text, encoding="utf-8")
    (data / "points" / "good.yaml").write_bytes(fixture("good.yaml"))
    previous = str(shipped_site / "opendata" / "datapackage.json")
    site = build(data, tmp_path / "site", previous_release=previous)
    changes = json.loads((site / "opendata" / "changes.json").read_text(encoding="utf-8"))
    assert changes["first_release"] is False
    points = changes["tables"]["points"]
    assert points["added"] == [{"id": "good"}] and points["removed"] == [{"id": "aid-banfu"}]
    assert points["changed"] == [
        {"key": {"id": "nantou-appliance-center"}, "fields": {"status": {"old": "operating", "new": "suspended"}}}
    ]
    # a point removed: point_sources and point_services refer to points, so the version's first number moves
    assert (changes["level"], changes["version"]) == ("major", "2.0.0")
    page = (site / "opendata" / "changes" / "index.html").read_text(encoding="utf-8")
    assert "nantou-appliance-center" in page and "suspended" in page


SPECS = TESTS / "specs"


def test_descriptor_is_valid_against_the_data_package_2_profile(opendata):
    profile = json.loads((SPECS / "datapackage-2.0" / "datapackage.json").read_text(encoding="utf-8"))
    descriptor = json.loads((opendata / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    errors = [f"{list(e.absolute_path)}: {e.message[:120]}" for e in Draft7Validator(profile).iter_errors(descriptor)]
    assert errors == []


def test_every_primary_key_cell_is_filled(opendata, instance):
    descriptor = json.loads((opendata / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        rows = list(csv.DictReader(io.StringIO((opendata / resource["path"]).read_text(encoding="utf-8-sig"))))
        for key in resource["schema"].get("primaryKey", []):
            assert all(r[key] for r in rows), (resource["name"], key)
    reported = list(csv.DictReader(io.StringIO((opendata / "reported.csv").read_text(encoding="utf-8-sig"))))
    assert {r["status"] for r in reported if r["type"] == "trademark-station"} == {"all"}
    if instance == "shipped":
        assert {r["status"] for r in reported if r["type"] == "rapid-center"} == {"operating", "pending", "building"}


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("=1+1", "'=1+1"),
        ("+86 760 8888", "'+86 760 8888"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("-1.5", "-1.5"),
        ("-2e-3", "-2e-3"),
        ("113.25", "113.25"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_inert_neutralises_formula_starts_but_not_numbers(text, published):
    assert inert(text) == published


FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/","点我")',
    "address": "+cmd|' /C calc'!A0",
    "description": "@SUM(1+1)*cmd",
    "alternate_name": "-2+3",
}
CODE_LIST_FORMULA = "=1+2"
SOURCE_FORMULA = "@cmd 出处"  # a nested value: published in the point_sources table


@pytest.fixture(scope="module")
def formula_site(tmp_path_factory):
    """A registry with formulas planted in a record and in two code lists."""
    root = tmp_path_factory.mktemp("formula")
    record = fixture("good.yaml").decode().replace("id: good", "id: formula").replace("name: 测试商标站\n", "")
    record += "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in FORMULAS.items())
    record = record.replace("  - title: 测试出处", f"  - title: {json.dumps(SOURCE_FORMULA)}")
    data = make_registry(root, {"formula.yaml": record})
    for name, column in (("services.csv", "description"), ("types.csv", "description")):
        with (data / name).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        rows[0][column] = CODE_LIST_FORMULA
        with (data / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return build(data, root / "site") / "opendata"


def _cells(path):
    text = path.read_bytes().decode("utf-8-sig")
    return [v for row in csv.reader(io.StringIO(text, newline="")) for v in row]


def test_planted_formulas_are_inert_in_every_csv(formula_site):
    csvs = sorted(formula_site.rglob("*.csv"))
    assert {p.name for p in csvs} >= {
        "points.csv",
        "point_sources.csv",
        "services.csv",
        "types.csv",
        "organizations.csv",
    }
    cells = [v for p in csvs for v in _cells(p)]
    assert all(not v.startswith(FORMULA_START) or re.fullmatch(r"-?[0-9.eE+-]+", v) for v in cells)
    for planted in [*FORMULAS.values(), CODE_LIST_FORMULA, SOURCE_FORMULA]:
        assert "'" + planted in cells, planted  # kept, neutralised
    with zipfile.ZipFile(formula_site / "servicepoints-opendata.zip") as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                assert archive.read(name) == (formula_site / name).read_bytes()


def test_no_xlsx_cell_is_a_formula(formula_site):
    book = openpyxl.load_workbook(formula_site / "points.xlsx")  # formulas would load as data_type "f"
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(FORMULA_START), (sheet.title, c.coordinate, c.value)
                    seen.append(c.value)
    for planted in [*FORMULAS.values(), CODE_LIST_FORMULA, SOURCE_FORMULA]:
        assert "'" + planted in seen, planted
    header, rows = _sheet(book, "网点")
    assert isinstance(rows[0][header.index("纬度")], float)  # numbers stay numbers
    with zipfile.ZipFile(formula_site / "points.xlsx") as archive:
        sheets = b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in sheets and b"<f " not in sheets


def test_json_keeps_the_raw_values(formula_site):
    (point,) = json.loads((formula_site / "points.json").read_text(encoding="utf-8"))["points"]
    assert {k: point[k] for k in FORMULAS} == FORMULAS


def test_opendata_page_links_every_file_with_format_size_and_purpose(opendata):
    page = soup(opendata / "index.html")
    files = sorted(p.relative_to(opendata).as_posix() for p in opendata.rglob("*") if p.is_file())
    files = [f for f in files if not f.endswith(".html")]
    items = {li.find("a", class_="sp-download")["href"]: li for li in page.select("ul.sp-downloads li")}
    assert sorted(items) == files  # points.xlsx included
    for name, li in items.items():
        assert li.a.has_attr("download")
        meta = li.find(class_="sp-download-meta").get_text()
        assert re.fullmatch(r"\S+ · [0-9.]+ (字节|KB|MB)", meta), (name, meta)
        purpose = li.get_text(" ", strip=True).split(meta, 1)[1]
        assert len(purpose) > 6, name
    xlsx = items["points.xlsx"].get_text()
    assert "XLSX" in xlsx and "标准：" in xlsx


def test_opendata_page_folds_hashes_and_previews_short_rows(opendata):
    page = soup(opendata / "index.html")
    (details,) = page.select("details.sp-hashes")
    hashes = {c.get_text() for c in page.select("code.sp-hash")}
    assert hashes and all(c.find_parent("details") is details for c in page.select("code.sp-hash"))
    assert hashlib.sha256((opendata / "points.xlsx").read_bytes()).hexdigest() in hashes
    previews = page.select(".sp-preview table")
    assert len(previews) == len(json.loads((opendata / "datapackage.json").read_text())["resources"])
    for table in previews:
        assert 1 <= len(table.select("tbody tr")) <= 5
        assert all(len(td.get_text()) <= 24 for td in table.select("td"))


def test_opendata_page_says_how_to_load_each_standard(opendata):
    text = soup(opendata / "index.html").get_text(" ")
    for needle in ("pandas", "Excel", "QGIS", "CKAN", "Frictionless", "HSDS 3.0", "DCAT-AP 3.0.1", "GeoJSON"):
        assert needle in text, needle


@pytest.mark.parametrize("name", ["../x.csv", "a/../../x.csv", "/tmp/x.csv", "a\\..\\x.csv"])
def test_open_data_files_are_written_only_inside_their_folder(tmp_path, name):
    from servicepoints.publish.export import write_files

    folder = tmp_path / "site" / "opendata"
    with pytest.raises(ValueError, match="not a file name inside opendata"):
        write_files({"ok.csv": b"x", name: b"y"}, folder)
    assert sorted(p.name for p in tmp_path.rglob("*.csv")) == ["ok.csv"]


@pytest.mark.parametrize("name", ["../x.csv", "/tmp/x.csv"])
def test_files_written_as_they_are_made_stay_inside_their_folder(tmp_path, name):
    from servicepoints.publish.export import Written

    files = Written(tmp_path / "opendata")
    files["ok.csv"] = b"x"
    with pytest.raises(ValueError, match="not a file name inside opendata"):
        files[name] = b"y"
    assert sorted(p.name for p in tmp_path.rglob("*.csv")) == ["ok.csv"] and list(files) == ["ok.csv"]


def test_files_written_as_they_are_made_are_the_files_made_in_memory(tmp_path):
    """The build's open-data job writes each file as soon as it is made and reads it back when a later one
    (the zip, the catalogue, SHA256SUMS) or the downloads page asks: the same files, in the same order."""
    from servicepoints.core.settings import load_settings
    from servicepoints.publish.export import describe_files, make_files, opendata_plan
    from servicepoints.registry.model import SiteData

    registry = read_registry(DATA)
    report = validate(registry)
    settings = load_settings(DATA.parent / "servicepoints.yml")
    site = SiteData(registry.descriptor, registry.tables, report.points, settings, "https://example.org/")
    in_memory = make_files(opendata_plan(site))
    written = make_files(opendata_plan(site), tmp_path / "opendata")
    assert list(written) == list(in_memory)
    assert {name: written[name] for name in written} == dict(in_memory)
    on_disk = {p.relative_to(tmp_path / "opendata").as_posix() for p in (tmp_path / "opendata").rglob("*")}
    assert set(written) == {p for p in on_disk if not (tmp_path / "opendata" / p).is_dir()}
    plan = opendata_plan(site)
    assert describe_files(plan, written) == describe_files(plan, in_memory)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_paused_while_the_files_are_made_then_as_it_was(enabled):
    """make_files pauses the cyclic collector (its rows hold no cycles; walking them was a tenth of the job at
    20,000 points) and gives it back as it found it, also when a file cannot be made."""
    import gc

    from servicepoints.publish.export import make_files
    from servicepoints.publish.formats import OpenDataFile

    seen = []

    def make(_):
        seen.append(gc.isenabled())
        return b"x"

    def broken(_):
        raise RuntimeError("broken")

    plan = {n: OpenDataFile(n, "table", "", "", make) for n in ("a.csv", "b.csv")}
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert dict(make_files(plan)) == {"a.csv": b"x", "b.csv": b"x"} and seen == [False, False]
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError, match="broken"):
            make_files(plan | {"c.csv": OpenDataFile("c.csv", "table", "", "", broken)})
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()


@given(st.recursive(SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20))
def test_json_files_are_what_json_dumps_writes(value):
    from servicepoints.publish.export import _json

    assert _json(value) == (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# The writers answer as the standard library does, only faster (issue 27): each is checked against the slow,
# obvious way on generated values.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6) | st.integers() | st.booleans() | st.none(), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_indented_json_is_what_json_dumps_writes(value):
    assert export._json(value) == (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def test_indented_json_says_what_json_says_of_a_value_it_cannot_write():
    with pytest.raises(TypeError, match="not JSON serializable"):
        export._json({"when": {1, 2}})


CSV_TEXT = st.text(
    alphabet=st.sampled_from(['"', ",", "\r", "\n", "a", "中", " ", "1", ".", *FORMULA_START]), max_size=6
)


# Cells mostly without a character the writer quotes, so that tables written by the plain join (export._csv_body)
# are as common as those the csv module writes.
PLAIN_CSV_TEXT = st.text(alphabet=st.sampled_from(["a", "中", " ", "1", ".", *FORMULA_START[:-1]]), max_size=6)
CSV_CELL = st.one_of(PLAIN_CSV_TEXT, PLAIN_CSV_TEXT, CSV_TEXT)


@given(st.lists(st.lists(CSV_CELL, min_size=1, max_size=4), min_size=0, max_size=5))
@example([["", "-1"], ["a", ""]])
@example([["x", '"=1']])
@example([["\r=cmd"]])
@example([["a", "b"], [""]])  # a lone empty cell is written quoted
@example([["a", "b"], ["c"]])
@example([["a", "b,c"]])  # a comma, a line end or a quote inside a cell: quoted
@example([["a", "b\nc"]])
@example([["a", "b\rc"]])
@example([["a", 'b"c']])
@example([["a", "b\n=c"]])  # a formula after a line feed inside a quoted cell
@example([["a", "b"], ["=c", "d"]])
@example([["a", "b"], ["c", "\td"]])
def test_csv_bytes_is_every_cell_made_inert_then_written(rows):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([[inert(v) for v in row] for row in rows])
    assert export.csv_bytes(rows) == buffer.getvalue().encode("utf-8")


def _plain_xlsx(data, descriptor: dict, release: str) -> bytes:
    """points.xlsx by the plain rule: every cell is its column's getter applied to its record, then _inert."""
    from servicepoints.publish.tables import ALL, derived_records
    from servicepoints.publish.xlsx import Sheet, workbook_members
    from servicepoints.registry.descriptor import Descriptor

    described, sheets = [], []
    for resource in Descriptor(descriptor).resources:
        name, key = resource["name"], resource["schema"].get("primaryKey", [])
        derived = data.descriptor.derived_from(name)
        if name == "points":
            records = data.points
        elif derived:
            records = derived_records(data, derived, [f["name"] for f in resource["schema"]["fields"]])
        else:
            records = [
                {k: v if v not in (None, "") or k not in key else ALL for k, v in r.items()} for r in data.tables[name]
            ]
        columns = export.xlsx_columns(data, resource)
        title = resource.get("title", name)
        described += [[title, head, code, about] for head, code, about, _ in columns]
        rows = [[export._inert(get(r)) for _, _, _, get in columns] for r in records]
        sheets.append(Sheet(title, [inert(head) for head, _, _, _ in columns], rows))
    field_sheet = Sheet(
        export.FIELDS_SHEET,
        ["工作表", "列名", "字段代码", "说明"],
        [[export._inert(v) for v in row] for row in described],
    )
    members = workbook_members([sheets[0], field_sheet, *sheets[1:]], descriptor["contributors"][0]["title"], release)
    return export.zip_bytes(members, release)


def test_the_workbook_is_what_the_plain_rule_writes_cell_by_cell():
    """xlsx_bytes reads the points' and derived tables' field columns from the CSV cells (table_rows) and looks at
    each distinct text once: the same workbook as applying every column's getter to every record."""
    from servicepoints.core.settings import Settings
    from servicepoints.publish.tables import published_descriptor, table_rows
    from servicepoints.registry.model import SiteData

    registry = read_registry(DATA)
    points = validate(registry).points
    first = points[0]
    odd = [  # values the CSV writes as text that the spreadsheet reads back: numbers, lists, formulas, blanks
        dict(first, id="odd-1", lat=22, lon=113.5, precision="exact", phones=[], alternate_name="=1+1", address=" x "),
        dict(first, id="odd-2", lat="22.50", lon=None, phones=["=cmd", "-1"], description="-1.5", email=""),
        dict(first, id="odd-3", name="@名称 & <b>", services=[], sources=[], hours=None, verified=None),
    ]
    site = SiteData(registry.descriptor, registry.tables, [*points, *odd], Settings(), "https://x.test/")
    descriptor = published_descriptor(site, "1.0.0", "2026-12-01")
    made = export.xlsx_bytes(site, descriptor, "2026-12-01", table_rows(site, descriptor))
    assert made == _plain_xlsx(site, descriptor, "2026-12-01")
