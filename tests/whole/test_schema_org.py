"""Every schema.org node the site writes (point pages, the open-data page's Dataset) uses only properties that
schema.org lets its type have: the domains of schema.org 30.0's properties and its class tree, vendored unchanged
in tests/specs/schema-org/ (no network). A Place has no parentOrganization and no email; a GovernmentOffice, being
a LocalBusiness, is both an Organization and a Place. The JSON-LD is parsed, not grepped."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDFS

from conftest import DATA, TESTS, soup
from servicepoints.site.render import SCHEMA_TYPES

SPEC = TESTS / "specs" / "schema-org"


def _name(iri) -> str:
    return str(iri).rsplit("/", 1)[-1]


@functools.cache
def domains() -> dict[str, set[str]]:
    """property -> the types schema.org names as its domain (domainIncludes)."""
    with (SPEC / "schemaorg-current-https-properties.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["label"]: {_name(d) for d in row["domainIncludes"].split(", ") if d} for row in csv.DictReader(handle)
        }


@functools.cache
def parents() -> dict[str, set[str]]:
    graph = rdflib.Graph().parse(SPEC / "schemaorg-subclasses.shacl", format="turtle")
    out: dict[str, set[str]] = {}
    for child, _, parent in graph.triples((None, RDFS.subClassOf, None)):
        out.setdefault(_name(child), set()).add(_name(parent))
    return out


def lineage(kind: str) -> set[str]:
    """The type and every type above it (a type with no parent sits right under Thing)."""
    seen, todo = {kind, "Thing"}, [kind]
    while todo:
        for parent in parents().get(todo.pop(), set()) - seen:
            seen.add(parent)
            todo.append(parent)
    return seen


def is_type(kind: str) -> bool:
    return kind in parents() or kind == "Thing"


def problems(node, where: str = "") -> list[str]:
    """Every property of a typed node (and of the nodes inside it) that its type cannot have."""
    if isinstance(node, list):
        return [p for item in node for p in problems(item, where)]
    if not isinstance(node, dict):
        return []
    out = []
    kind = node.get("@type")
    if kind is not None and not is_type(kind):
        out.append(f"{where}{kind}: not a schema.org type")
    for key, value in node.items():
        if key.startswith("@"):
            continue
        if key not in domains():
            out.append(f"{where}{key}: not a schema.org property")
        elif kind is not None and not domains()[key] & lineage(kind):
            out.append(f"{where}{kind}.{key}: schema.org gives {key} to {sorted(domains()[key])} only")
        out += problems(value, f"{where}{key} → ")
    return out


def json_ld(site: Path) -> dict[str, list[dict]]:
    """Page path -> the JSON-LD documents on it, for every page of a built site."""
    out = {}
    for page in sorted(site.rglob("*.html")):
        if b"application/ld+json" not in page.read_bytes():
            continue
        docs = [json.loads(tag.string) for tag in soup(page).find_all("script", type="application/ld+json")]
        if docs:
            out[page.relative_to(site).as_posix()] = docs
    return out


@pytest.mark.parametrize("built", ["shipped_site", "second_city_site"])
def test_every_json_ld_property_fits_its_type(request, built):
    pages = json_ld(request.getfixturevalue(built))
    kinds = {doc["@type"] for docs in pages.values() for doc in docs}
    assert {"Dataset", "GovernmentOffice", "Place"} <= kinds  # every kind of node is judged
    assert {page: problems(docs) for page, docs in pages.items() if problems(docs)} == {}


def test_the_judge_catches_a_place_with_a_parent_organization():
    place = {"@type": "Place", "name": "x", "parentOrganization": {"@type": "Organization", "name": "y"}}
    assert problems(place) == ["Place.parentOrganization: schema.org gives parentOrganization to ['Organization'] only"]
    assert problems(place | {"@type": "GovernmentOffice"}) == []
    assert problems({"@type": "Place", "email": "a@b.cn"}) != []
    assert problems({"@type": "Placee"}) == ["Placee: not a schema.org type"]
    assert problems({"@type": "Place", "geo": {"@type": "GeoCoordinates", "lat": 1}}) == [
        "geo → lat: not a schema.org property"
    ]


def test_every_type_types_csv_may_name_is_a_schema_org_type_the_writer_knows():
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    types = next(r for r in package["resources"] if r["name"] == "types")
    allowed = next(f for f in types["schema"]["fields"] if f["name"] == "schema_type")["constraints"]["enum"]
    assert set(allowed) == set(SCHEMA_TYPES)
    for kind, organization in SCHEMA_TYPES.items():
        assert is_type(kind) and ("Organization" in lineage(kind)) == organization, kind
    with (DATA / "types.csv").open(encoding="utf-8", newline="") as handle:
        assert {row["schema_type"] for row in csv.DictReader(handle)} <= set(allowed)


def test_a_studio_is_a_place_without_organisation_properties_and_its_page_still_names_the_firm(
    shipped_site, points_by_id
):
    studio = points_by_id["studio-shiyu"]
    assert studio["organization"]
    page = shipped_site / "points" / "studio-shiyu" / "index.html"
    (doc,) = json_ld(shipped_site)["points/studio-shiyu/index.html"]
    assert doc["@type"] == "Place" and not {"parentOrganization", "email"} & doc.keys()
    assert studio["organization"] in soup(page).get_text()
