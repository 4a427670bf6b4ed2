"""One Format record per file type, one plan entry per open-data file: the plan, the downloads page and
the catalogue all say the same of each file, and no file is called plain text unless it is."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from xml.etree import ElementTree

import pytest

from conftest import DATA, soup
from servicepoints.core.settings import Settings
from servicepoints.publish.export import opendata_plan
from servicepoints.publish.formats import FORMATS, GROUPS, OpenDataFile, format_of
from servicepoints.registry.load import read_registry
from servicepoints.registry.model import SiteData
from servicepoints.registry.validate import validate


@pytest.fixture(scope="module")
def plan():
    registry = read_registry(DATA)
    data = SiteData(registry.descriptor, registry.tables, validate(registry).points, Settings(), "https://x.test/")
    return opendata_plan(data)


def test_every_file_in_the_plan_has_a_declared_format_and_group(plan):
    for name, entry in plan.items():
        assert entry.name == name and entry.format is FORMATS[entry.format.suffix]
        assert entry.group in GROUPS and entry.purpose and entry.standard, name
    assert {entry.format for entry in plan.values()} == set(FORMATS.values()), "a Format no file uses"


def test_a_file_type_without_a_format_cannot_be_planned():
    with pytest.raises(ValueError, match="points.parquet"):
        format_of("points.parquet")
    with pytest.raises(ValueError, match="no Format"):
        OpenDataFile("points.parquet", "main", "列存储格式。", "Apache Parquet", lambda _: b"")
    with pytest.raises(ValueError, match="download group"):
        OpenDataFile("points.csv", "extra", "x", "y", lambda _: b"")
    assert format_of("hsds/phones.csv").title == "CSV" and format_of("SHA256SUMS").media_type == "text/plain"


def _is_what_it_says(body: bytes, title: str) -> bool:
    """Whether the bytes are a file of the named format (read by a reader of that format)."""
    if title in ("XLSX", "ZIP"):
        names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        return ("[Content_Types].xml" in names) == (title == "XLSX")
    if title in ("SQLite", "GeoPackage"):  # a GeoPackage is a SQLite file whose application id says "GPKG"
        return body.startswith(b"SQLite format 3\x00") and (body[68:72] == b"GPKG") == (title == "GeoPackage")
    text = body.decode("utf-8")
    if title == "CSV":
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        return len(rows) >= 1 and len({len(r) for r in rows}) == 1
    if title in ("JSON", "GeoJSON", "JSON-LD"):
        value = json.loads(text)
        return {"GeoJSON": value.get("type") == "FeatureCollection", "JSON-LD": "@context" in value}.get(title, True)
    if title == "Atom":
        return ElementTree.fromstring(body).tag == "{http://www.w3.org/2005/Atom}feed"
    if title == "文本":
        try:
            json.loads(text)
        except ValueError:
            return text.isascii() and "," not in text and "\x00" not in text
        return False
    return False


def test_the_downloads_page_labels_every_file_by_what_it_is(shipped_site):
    page = soup(shipped_site / "opendata" / "index.html")
    items = page.select(".sp-downloads li")
    assert items
    listed = []
    for item in items:
        name = item.select_one("a.sp-download").get_text()
        title = item.select_one(".sp-download-meta").get_text().split(" · ")[0]
        body = (shipped_site / "opendata" / name).read_bytes()
        assert title == format_of(name).title and _is_what_it_says(body, title), (name, title)
        listed.append(name)
    texts = [n for n in listed if format_of(n).title == "文本"]
    assert texts == ["SHA256SUMS"]
    assert listed[0] == "points.xlsx", "the spreadsheet first: most readers want one"


def test_the_catalogue_lists_the_top_level_data_files_with_their_format(shipped_site, plan):
    catalogue = json.loads((shipped_site / "opendata" / "catalog.jsonld").read_text(encoding="utf-8"))
    distributions = catalogue["dcat:dataset"]["dcat:distribution"]
    expected = sorted(n for n, entry in plan.items() if entry.in_catalogue)
    assert [d["dct:title"] for d in distributions] == expected
    assert not any(n.endswith((".jsonld", "SHA256SUMS")) for n in expected)
    # of the HSDS files only their package: the tables are its resources, the standard is named on it
    assert [n for n in expected if n.startswith("hsds/")] == ["hsds/datapackage.json"]
    hsds = next(d for d in distributions if d["dct:title"] == "hsds/datapackage.json")
    assert hsds["dct:conformsTo"]["@id"] == "https://docs.openreferral.org/en/v3.0/"
    for d in distributions:
        fmt = format_of(d["dct:title"])
        assert d["dcat:mediaType"]["@id"].endswith("/" + fmt.media_type)
        assert d["dct:format"]["@id"].endswith("/" + fmt.eu_file_type)
