"""Catalogue metadata so portals and search engines can harvest the data: DCAT-AP and schema.org."""

from __future__ import annotations

import re

from ..core.dates import real_date
from ..core.place import Place
from .formats import EU_FILE_TYPE, IANA_MEDIA_TYPE, Checked, OpenDataFile

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
LANGUAGE = "http://publications.europa.eu/resource/authority/language/ZHO"
# The directory changes whenever a town or a station reports: no fixed schedule (EU frequency authority list).
FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/IRREG"
THEME = "http://publications.europa.eu/resource/authority/data-theme/GOVE"
THEME_LABEL = "Government and public sector"  # the authority list's English label
# CKAN's licence register knows CC BY by this title (its id cc-by); ckanext-dcat maps a dct:license by its
# address, then by its dct:title, so the title is what lets a CKAN harvester fill the dataset's licence.
CKAN_LICENCE_TITLES = {"CC-BY-4.0": "Creative Commons Attribution"}
# CKAN's tag rule (ckan.logic.validators.tag_name_validator): word characters, space, - _ . ; 2 to 100 long.
CKAN_TAG = re.compile(r"[\w \-.]{2,100}")


def ckan_tag_ok(keyword: str) -> bool:
    """Whether CKAN (and so ckanext-dcat) accepts a keyword as a tag."""
    return bool(CKAN_TAG.fullmatch(keyword))


def _iri(iri: str, kind: str) -> dict:
    """An IRI typed with its DCAT-AP range class, so SHACL range checks hold without inference."""
    return {"@id": iri, "@type": kind}


def temporal_coverage(data) -> tuple[str, str] | None:
    """(first, last) date of the sources the records rest on: the period the directory's facts describe."""
    days = sorted(d for p in data.points for s in p["sources"] if (d := s.get("date")) and real_date(d))
    return (days[0], days[-1]) if days else None


def _licence(descriptor: dict) -> dict:
    """The licence document, titled as CKAN's licence register titles it where it has the licence."""
    licence = descriptor["licenses"][0]
    node = _iri(licence["path"], "dct:LicenseDocument")
    title = CKAN_LICENCE_TITLES.get(licence.get("name", ""))
    return node | {"dct:title": title} if title else node


def _distribution(entry: OpenDataFile, checked: Checked, base: str, licence: dict) -> dict:
    name, fmt = entry.name, entry.format
    conforms = {"dct:conformsTo": _iri(entry.conforms_to, "dct:Standard")} if entry.conforms_to else {}
    return conforms | {
        "@id": f"{base}{name}",
        "@type": "dcat:Distribution",
        "dct:title": name,
        "dcat:downloadURL": {"@id": f"{base}{name}"},
        "dcat:accessURL": {"@id": base},
        "dcat:mediaType": _iri(f"{IANA_MEDIA_TYPE}{fmt.media_type}", "dct:MediaType"),
        "dct:format": _iri(f"{EU_FILE_TYPE}{fmt.eu_file_type}", "dct:MediaTypeOrExtent"),
        "dcat:byteSize": {"@value": str(checked.size), "@type": "xsd:nonNegativeInteger"},
        "dct:license": licence,
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": {"@value": checked.sha256, "@type": "xsd:hexBinary"},
        },
    }


def dcat_catalog(
    descriptor: dict,
    distributions: list[tuple[OpenDataFile, Checked]],
    site_url: str,
    place: Place,
    coverage: tuple[str, str] | None = None,
    issued: str | None = None,
) -> dict:
    """A DCAT-AP 3.0.1 catalogue with one dataset and a distribution per downloadable data file
    (``(entry, bytes)`` of each file whose format is in the catalogue, see formats.py). ``issued``: the first
    release's date (dct:issued); the release's own date is dct:modified."""
    base = f"{site_url.rstrip('/')}/opendata/"
    licence = _licence(descriptor)
    publisher = {"@type": "foaf:Agent", "foaf:name": descriptor["contributors"][0]["title"]}
    dataset = {
        "@id": f"{base}#dataset",
        "@type": "dcat:Dataset",
        "dct:identifier": descriptor["name"],
        "dct:title": descriptor["title"],
        "dct:description": descriptor["description"],
        "dct:issued": {"@value": issued or descriptor["created"][:10], "@type": "xsd:date"},
        "dct:modified": {"@value": descriptor["created"][:10], "@type": "xsd:date"},
        "dcat:version": descriptor["version"],
        "owl:versionInfo": descriptor["version"],  # what DCAT-AP 2 harvesters read
        "dct:accrualPeriodicity": _iri(FREQUENCY, "dct:Frequency"),
        "dcat:theme": _iri(THEME, "skos:Concept") | {"skos:prefLabel": {"@value": THEME_LABEL, "@language": "en"}},
        "dcat:keyword": [k for k in descriptor["keywords"] if ckan_tag_ok(k)],
        "dct:language": _iri(LANGUAGE, "dct:LinguisticSystem"),
        "dct:publisher": publisher,
        "dct:license": licence,
        "dcat:landingPage": _iri(base, "foaf:Document"),
        "dct:spatial": {
            "@type": "dct:Location",
            "dcat:bbox": {"@value": place.box.wkt(), "@type": "gsp:wktLiteral"},
        },
        "dcat:contactPoint": {
            "@type": ["vcard:Organization", "vcard:Kind"],
            "vcard:fn": publisher["foaf:name"],
            "vcard:hasURL": {"@id": site_url},
        },
        "dcat:distribution": [
            _distribution(entry, checked, base, licence)
            for entry, checked in sorted(distributions, key=lambda d: d[0].name)
        ],
    }
    if coverage:
        dataset["dct:temporal"] = {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": {"@value": coverage[0], "@type": "xsd:date"},
            "dcat:endDate": {"@value": coverage[1], "@type": "xsd:date"},
        }
    return {
        "@context": CONTEXT,
        "@id": f"{base}catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": descriptor["title"],
        "dct:description": descriptor["description"],
        "dct:publisher": publisher,
        "dct:language": _iri(LANGUAGE, "dct:LinguisticSystem"),
        "dct:license": licence,
        "foaf:homepage": _iri(site_url, "foaf:Document"),
        "dcat:dataset": dataset,
    }


def schema_org_dataset(
    descriptor: dict,
    files: list[dict],
    site_url: str,
    place: Place,
    coverage: tuple[str, str] | None = None,
    issued: str | None = None,
) -> dict:
    """schema.org Dataset for the downloads page: datePublished is the first release's date (``issued``),
    dateModified this release's."""
    base = f"{site_url.rstrip('/')}/opendata/"
    period = {"temporalCoverage": f"{coverage[0]}/{coverage[1]}"} if coverage else {}
    return period | {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": f"{base}#dataset",
        "name": descriptor["title"],
        "description": descriptor["description"],
        "url": base,
        "license": descriptor["licenses"][0]["path"],
        "identifier": descriptor["name"],
        "version": descriptor["version"],
        "datePublished": issued or descriptor["created"][:10],
        "dateModified": descriptor["created"][:10],
        "creator": {"@type": "Organization", "name": descriptor["contributors"][0]["title"]},
        "keywords": descriptor["keywords"],
        "inLanguage": "zh-CN",
        "isAccessibleForFree": True,
        "publisher": {"@type": "Organization", "name": descriptor["contributors"][0]["title"]},
        "spatialCoverage": {
            "@type": "Place",
            "name": place.name,
            "geo": {"@type": "GeoShape", "box": place.box.schema_org()},
        },
        "distribution": [
            {
                "@type": "DataDownload",
                "name": f["name"],
                "encodingFormat": f["mediatype"],
                "contentUrl": f"{base}{f['name']}",
                "contentSize": f"{f['bytes']} B",
            }
            for f in files
            if f["in_catalogue"]
        ],
    }
