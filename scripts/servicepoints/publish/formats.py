"""What each open-data file is: its format (one record per file type) and its entry in the plan.

The plan (export.opendata_plan), the downloads page (export.describe_files, render.opendata_view)
and the data catalogue (catalog.dcat_catalog, catalog.schema_org_dataset) all read these records,
so a file type is described once. A file whose name has an ending no record declares cannot be
planned (``format_of`` refuses it) instead of being labelled plain text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA_MEDIA_TYPE = "http://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Format:
    """One file type as the downloads page and the DCAT catalogue name it."""

    suffix: str  # the file name's ending without the dot ("" for a name without one, SHA256SUMS)
    title: str  # shown on the downloads page
    media_type: str  # IANA media type
    eu_file_type: str  # code in the EU file-type authority list (dct:format)
    in_catalogue: bool  # a file of this type is a dcat:Distribution (at the top of opendata/)


FORMATS: dict[str, Format] = {
    f.suffix: f
    for f in (
        Format("csv", "CSV", "text/csv", "CSV", True),
        Format("json", "JSON", "application/json", "JSON", True),
        Format("geojson", "GeoJSON", "application/geo+json", "GEOJSON", True),
        Format("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", True),
        Format("zip", "ZIP", "application/zip", "ZIP", True),
        Format("gpkg", "GeoPackage", "application/geopackage+sqlite3", "GPKG", True),
        # The EU file-type list has no SQLite entry: its generic binary one; the media type names SQLite.
        Format("sqlite", "SQLite", "application/vnd.sqlite3", "BIN", True),
        Format("jsonld", "JSON-LD", "application/ld+json", "JSON_LD", False),
        Format("atom", "Atom", "application/atom+xml", "ATOM", False),
        Format("", "文本", "text/plain", "TXT", False),
    )
}


def format_of(name: str) -> Format:
    """The format of a file by its name's ending; a name ending in an undeclared type is refused."""
    base = name.rsplit("/", 1)[-1]
    suffix = base.rsplit(".", 1)[-1] if "." in base else ""
    if suffix not in FORMATS:
        raise ValueError(f"no Format declared for {name!r} (publish/formats.py)")
    return FORMATS[suffix]


# The downloads page's groups, in page order.
GROUPS = {"main": "主要文件", "table": "各张表格（CSV）", "meta": "说明和元数据", "hsds": "Open Referral HSDS 3.0 格式"}


class Made(MutableMapping[str, bytes]):
    """The files made so far, in the order they were made, each checked (size, SHA-256) as it is set: the
    catalogue, SHA256SUMS and the downloads page read ``checked`` instead of reading and hashing the files again."""

    checked: dict[str, Checked]


Make = Callable[[Made], bytes]


@dataclass(frozen=True)
class Checked:
    """What the catalogue, SHA256SUMS and the downloads page say of a made file: its size and SHA-256, found once
    when the file is made (export.make_files) instead of by each of them reading it back."""

    size: int
    sha256: str

    @classmethod
    def of(cls, body: bytes) -> Checked:
        return cls(len(body), hashlib.sha256(body).hexdigest())


@dataclass(frozen=True)
class OpenDataFile:
    """One file under opendata/: how it is made and what the downloads page says of it."""

    name: str  # path under opendata/
    group: str  # a key of GROUPS
    purpose: str  # the downloads page's sentence
    standard: str  # the standard it follows
    make: Make  # bytes from the files made before it
    rank: int = 0  # its place within its group on the downloads page (ties keep the plan's order)
    conforms_to: str = ""  # the address of the standard a harvester should know it by (dct:conformsTo)
    distribution: bool | None = None  # None: the rule in in_catalogue; True/False: this file says

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"unknown download group {self.group!r} for {self.name}")
        format_of(self.name)  # refuses a file type without a Format record

    @property
    def format(self) -> Format:
        return format_of(self.name)

    @property
    def in_catalogue(self) -> bool:
        """A dcat:Distribution: a data file at the top of opendata/ (the HSDS tables in hsds/ are reached through
        their package, which says so itself)."""
        if self.distribution is not None:
            return self.distribution
        return self.format.in_catalogue and "/" not in self.name
