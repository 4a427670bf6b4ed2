"""Catalogue metadata so portals and search engines can harvest the data: DCAT-AP and schema.org."""

from __future__ import annotations

import hashlib
import re

from ..core.place import Place

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
}
# File suffix -> (format name, IANA media type, EU file-type authority code), for the downloads page and catalogue.
FORMATS = {
    "csv": ("CSV", "text/csv", "CSV"),
    "json": ("JSON", "application/json", "JSON"),
    "geojson": ("GeoJSON", "application/geo+json", "GEOJSON"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "zip": ("ZIP", "application/zip", "ZIP"),
    "jsonld": ("JSON-LD", "application/ld+json", "JSON_LD"),
}
DATA_SUFFIXES = {"csv", "json", "geojson", "xlsx", "zip"}  # the catalogue's distributions
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPE = "http://www.iana.org/assignments/media-types/"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/ZHO"
# CKAN's tag rule (ckan.logic.validators.tag_name_validator): word characters, space, - _ . ; 2 to 100 long.
CKAN_TAG = re.compile(r"[\w \-.]{2,100}")


def ckan_tag_ok(keyword: str) -> bool:
    """Whether CKAN (and so ckanext-dcat) accepts a keyword as a tag."""
    return bool(CKAN_TAG.fullmatch(keyword))


def _iri(iri: str, kind: str) -> dict:
    """An IRI typed with its DCAT-AP range class, so SHACL range checks hold without inference."""
    return {"@id": iri, "@type": kind}


def _distribution(name: str, body: bytes, base: str, licence: str) -> dict:
    suffix = name.rsplit(".", 1)[-1]
    _, media, file_type = FORMATS[suffix]
    return {
        "@id": f"{base}{name}",
        "@type": "dcat:Distribution",
        "dct:title": name,
        "dcat:downloadURL": {"@id": f"{base}{name}"},
        "dcat:accessURL": {"@id": base},
        "dcat:mediaType": _iri(f"{MEDIA_TYPE}{media}", "dct:MediaType"),
        "dct:format": _iri(f"{FILE_TYPE}{file_type}", "dct:MediaTypeOrExtent"),
        "dcat:byteSize": {"@value": str(len(body)), "@type": "xsd:nonNegativeInteger"},
        "dct:license": _iri(licence, "dct:LicenseDocument"),
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": {"@value": hashlib.sha256(body).hexdigest(), "@type": "xsd:hexBinary"},
        },
    }


def dcat_catalog(descriptor: dict, files: dict[str, bytes], site_url: str, place: Place) -> dict:
    """A DCAT-AP 3.0.1 catalogue with one dataset and a distribution per downloadable data file."""
    base = f"{site_url.rstrip('/')}/opendata/"
    licence = descriptor["licenses"][0]["path"]
    publisher = {"@type": "foaf:Agent", "foaf:name": descriptor["contributors"][0]["title"]}
    names = [n for n in files if n.rsplit(".", 1)[-1] in DATA_SUFFIXES and "/" not in n]
    dataset = {
        "@id": f"{base}#dataset",
        "@type": "dcat:Dataset",
        "dct:identifier": descriptor["name"],
        "dct:title": descriptor["title"],
        "dct:description": descriptor["description"],
        "dct:issued": {"@value": descriptor["created"][:10], "@type": "xsd:date"},
        "dct:modified": {"@value": descriptor["created"][:10], "@type": "xsd:date"},
        "dcat:version": descriptor["version"],
        "dcat:keyword": [k for k in descriptor["keywords"] if ckan_tag_ok(k)],
        "dct:language": _iri(LANGUAGE, "dct:LinguisticSystem"),
        "dct:publisher": publisher,
        "dct:license": _iri(licence, "dct:LicenseDocument"),
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
        "dcat:distribution": [_distribution(n, files[n], base, licence) for n in sorted(names)],
    }
    return {
        "@context": CONTEXT,
        "@id": f"{base}catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": descriptor["title"],
        "dct:description": descriptor["description"],
        "dct:publisher": publisher,
        "dct:language": _iri(LANGUAGE, "dct:LinguisticSystem"),
        "dct:license": _iri(licence, "dct:LicenseDocument"),
        "foaf:homepage": _iri(site_url, "foaf:Document"),
        "dcat:dataset": dataset,
    }


def schema_org_dataset(descriptor: dict, files: list[dict], site_url: str, place: Place) -> dict:
    """schema.org Dataset for the downloads page."""
    base = f"{site_url.rstrip('/')}/opendata/"
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": f"{base}#dataset",
        "name": descriptor["title"],
        "description": descriptor["description"],
        "url": base,
        "license": descriptor["licenses"][0]["path"],
        "version": descriptor["version"],
        "datePublished": descriptor["created"][:10],
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
            if f["name"].rsplit(".", 1)[-1] in DATA_SUFFIXES and "/" not in f["name"]
        ],
    }
