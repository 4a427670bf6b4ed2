"""Catalogue metadata so portals and search engines can harvest the data: DCAT-AP and schema.org."""

from __future__ import annotations

import hashlib

from .geo import ZHONGSHAN

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}
# File suffix -> (format name, IANA media type), for the downloads page and the catalogue.
FORMATS = {
    "csv": ("CSV", "text/csv"),
    "json": ("JSON", "application/json"),
    "geojson": ("GeoJSON", "application/geo+json"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "zip": ("ZIP", "application/zip"),
    "jsonld": ("JSON-LD", "application/ld+json"),
}
DATA_SUFFIXES = {"csv", "json", "geojson", "xlsx", "zip"}  # the catalogue's distributions


def _distribution(name: str, body: bytes, base: str, licence: str) -> dict:
    suffix = name.rsplit(".", 1)[-1]
    return {
        "@id": f"{base}{name}",
        "@type": "dcat:Distribution",
        "dct:title": name,
        "dcat:downloadURL": {"@id": f"{base}{name}"},
        "dcat:accessURL": {"@id": base},
        "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{FORMATS[suffix][1]}"},
        "dct:format": suffix.upper(),
        "dcat:byteSize": {"@value": str(len(body)), "@type": "xsd:nonNegativeInteger"},
        "dct:license": {"@id": licence},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": hashlib.sha256(body).hexdigest(),
        },
    }


def dcat_catalog(descriptor: dict, files: dict[str, bytes], site_url: str) -> dict:
    """A DCAT-AP catalogue with one dataset and a distribution per downloadable data file."""
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
        "dcat:keyword": descriptor["keywords"],
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
        "dct:publisher": publisher,
        "dct:license": {"@id": licence},
        "dcat:landingPage": {"@id": base},
        "dct:spatial": {"@type": "dct:Location", "dcat:bbox": ZHONGSHAN.wkt()},
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": publisher["foaf:name"]},
        "dcat:distribution": [_distribution(n, files[n], base, licence) for n in sorted(names)],
    }
    return {
        "@context": CONTEXT,
        "@id": f"{base}catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": descriptor["title"],
        "dct:description": descriptor["description"],
        "dct:publisher": publisher,
        "foaf:homepage": {"@id": site_url},
        "dcat:dataset": dataset,
    }


def schema_org_dataset(descriptor: dict, files: list[dict], site_url: str) -> dict:
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
            "name": "中山市",
            "geo": {"@type": "GeoShape", "box": ZHONGSHAN.schema_org()},
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
