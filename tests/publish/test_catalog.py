"""Catalogue metadata judged by outside rules: DCAT-AP 3.0.1 SHACL, CKAN's tag rule, schema.org on point pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate as shacl_validate

from conftest import DATA, TESTS, soup
from servicepoints.core.settings import Settings
from servicepoints.publish.catalog import ckan_tag_ok
from servicepoints.registry.load import read_registry
from servicepoints.registry.model import SiteData
from servicepoints.site.render import _jsonld as _point_jsonld

SHAPES = TESTS / "specs" / "dcat-ap-3.0.1"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@pytest.fixture(scope="module")
def catalog(shipped_site):
    return shipped_site / "opendata" / "catalog.jsonld"


@pytest.fixture(scope="module")
def shapes():
    graph = rdflib.Graph()
    for name in ("shapes.ttl", "range.ttl"):  # range.ttl: class and datatype of every property's value
        graph.parse(SHAPES / name, format="turtle")
    return graph


def results(data: rdflib.Graph, shapes: rdflib.Graph) -> list[tuple[str, str, str]]:
    _, report, _ = shacl_validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False)
    return sorted(
        (
            str(report.value(r, SH.resultSeverity)),
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
    )


def test_catalogue_has_no_dcat_ap_violation(catalog, shapes):
    data = rdflib.Graph().parse(catalog, format="json-ld")
    assert len(data) > 100
    assert results(data, shapes) == []


def test_the_shapes_do_catch_an_untyped_catalogue(catalog, shapes):
    """The judge is awake: the same catalogue with formats as plain literals fails."""
    doc = json.loads(catalog.read_text(encoding="utf-8"))
    for d in doc["dcat:dataset"]["dcat:distribution"]:
        d["dct:format"] = "CSV"
    data = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    assert any("format" in path for _, path, _ in results(data, shapes))


def test_distributions_use_vocabulary_iris_and_typed_checksums(catalog):
    doc = json.loads(catalog.read_text(encoding="utf-8"))
    dataset = doc["dcat:dataset"]
    by_title = {d["dct:title"]: d for d in dataset["dcat:distribution"]}
    csv = by_title["points.csv"]
    assert csv["dct:format"]["@id"] == "http://publications.europa.eu/resource/authority/file-type/CSV"
    assert csv["dcat:mediaType"]["@id"] == "http://www.iana.org/assignments/media-types/text/csv"
    assert csv["spdx:checksum"]["spdx:checksumValue"]["@type"] == "xsd:hexBinary"
    assert dataset["dct:spatial"]["dcat:bbox"]["@type"] == "gsp:wktLiteral"
    assert dataset["dct:language"]["@id"].endswith("/language/ZHO")


@pytest.mark.parametrize(
    ("keyword", "ok"),
    [
        ("知识产权", True),
        ("open-data_v1.0", True),
        ("1+1+N", False),
        ("a", False),
        ("x" * 101, False),
        ("商标/专利", False),
    ],
)
def test_ckan_tag_rule(keyword, ok):
    assert ckan_tag_ok(keyword) is ok


def test_every_keyword_passes_ckan_tag_rule(catalog, shipped_site):
    keywords = json.loads(catalog.read_text(encoding="utf-8"))["dcat:dataset"]["dcat:keyword"]
    package = json.loads((shipped_site / "opendata" / "datapackage.json").read_text(encoding="utf-8"))
    assert keywords == package["keywords"] and len(keywords) >= 3
    assert all(ckan_tag_ok(k) for k in keywords), keywords
    assert "1+1+N" in package["title"]  # the name of the network stays in the title, not in a tag


def _jsonld(page: Path) -> dict:
    for tag in soup(page).find_all("script", type="application/ld+json"):
        doc = json.loads(tag.string)
        if doc.get("@type") in ("GovernmentOffice", "Place"):
            return doc
    raise AssertionError(f"no Place in {page}")


def test_point_pages_describe_a_government_office(shipped_site, points_by_id):
    doc = _jsonld(shipped_site / "points" / "aid-minzhong" / "index.html")
    point = points_by_id["aid-minzhong"]
    assert doc["@type"] == "GovernmentOffice"
    address = doc["address"]
    assert address["addressLocality"] == "中山市民众街道" and address["addressRegion"] == "广东省"
    assert address["streetAddress"] == point["address"]  # the town is not repeated in the street
    days = [f"https://schema.org/{d}" for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]
    assert doc["openingHoursSpecification"] == [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": days, "opens": "09:00", "closes": "12:00"},
        {"@type": "OpeningHoursSpecification", "dayOfWeek": days, "opens": "13:30", "closes": "17:00"},
    ]
    assert "openingHours" not in doc  # OSM syntax (PH off) is not schema.org's


def test_schema_org_type_comes_from_the_types_code_list(shipped_site, points_by_id):
    """types.csv's schema_type column: a studio in a firm is a Place, not a government office."""
    kinds = {"studio-shiyu": "Place", "protection-center": "GovernmentOffice", "tm-guzhen": "GovernmentOffice"}
    for ident, kind in kinds.items():
        assert _jsonld(shipped_site / "points" / ident / "index.html")["@type"] == kind


def test_point_without_address_or_hours_says_only_what_is_known(shipped_site, points_by_id):
    bare = [
        p
        for p in points_by_id.values()
        if not p["address"] and not p["hours"] and not p["phones"] and p["evidence"] == "named"
    ]
    assert bare
    doc = _jsonld(shipped_site / "points" / bare[0]["id"] / "index.html")
    assert "streetAddress" not in doc["address"]
    assert not {"telephone", "openingHoursSpecification"} & doc.keys()
    if bare[0]["town"]:
        assert doc["address"]["addressLocality"] == f"中山市{bare[0]['town']}"  # x-place.name, then the town


def test_telephones_in_schema_org(points_by_id):
    point = points_by_id["aid-minzhong"] | {"phones": ["0760-23456789"]}
    assert _point_jsonld(point, "https://x/", _site_data())["telephone"] == "0760-23456789"
    two = _point_jsonld(point | {"phones": ["0760-23456789", "0760-87654321"]}, "https://x/", _site_data())
    assert two["telephone"] == ["0760-23456789", "0760-87654321"]


def _site_data() -> SiteData:
    registry = read_registry(DATA)
    return SiteData(registry.descriptor, registry.tables, [], Settings(), "https://x/")
