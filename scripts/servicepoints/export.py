"""Write the open data: the data package, CSV/XLSX/JSON/GeoJSON, a zip, checksums, catalogue metadata.

Everything is built in memory as bytes; the same registry and release date give the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile

import openpyxl

from .catalog import FORMATS, dcat_catalog
from .changes import changes_since
from .completeness import completeness
from .hsds import hsds_tables
from .jsonschema import point_json_schema
from .model import SiteData
from .tables import published_descriptor, table_rows

ZIP_NAME = "servicepoints-opendata.zip"


def build_opendata(data: SiteData, previous: dict | None = None) -> dict[str, bytes]:
    """``name -> bytes`` for every file under ``opendata/``, SHA256SUMS last."""
    descriptor = published_descriptor(data)
    tables = table_rows(data, descriptor)
    files: dict[str, bytes] = {"datapackage.json": _json(descriptor)}
    files.update({f"{name}.csv": csv_bytes(rows) for name, rows in tables.items()})
    files["points.xlsx"] = xlsx_bytes(descriptor, tables, data.settings.release())
    files["points.json"] = _json(
        {
            "name": descriptor["name"],
            "version": descriptor["version"],
            "created": descriptor["created"],
            "points": data.points,
        }
    )
    files["points.geojson"] = geojson_bytes(data.points)
    files["point.schema.json"] = _json(point_json_schema(data.descriptor, data.tables))
    files["changes.json"] = _json(changes_since(previous, tables["points"], descriptor))
    files.update({f"hsds/{name}.csv": csv_bytes(rows) for name, rows in hsds_tables(data).items()})
    files["completeness.json"] = _json(completeness(data.points, data.tables["types"], data.tables["towns"]))
    package = {n: files[n] for n in ["datapackage.json", *(f"{name}.csv" for name in tables)]}
    files[ZIP_NAME] = zip_bytes(package, data.settings.release())
    files["catalog.jsonld"] = _json(dcat_catalog(descriptor, files, data.site_url))
    files["SHA256SUMS"] = sha256sums(files)
    return files


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def csv_bytes(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel in a Chinese locale reads it right; CRLF as RFC 4180."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def geojson_bytes(points: list[dict]) -> bytes:
    """RFC 7946: WGS-84 [lon, lat], at most 7 decimals, no crs; points without a location get null geometry."""
    features = []
    for p in points:
        geometry = None
        if p["lat"] is not None:
            geometry = {"type": "Point", "coordinates": [round(p["lon"], 7), round(p["lat"], 7)]}
        props = {k: v for k, v in p.items() if k not in ("lat", "lon") and v not in (None, [])}
        features.append({"type": "Feature", "id": p["id"], "geometry": geometry, "properties": props})
    body = {"type": "FeatureCollection", "features": features}
    return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def xlsx_bytes(descriptor: dict, tables: dict[str, list[list[str]]], release: str) -> bytes:
    """One sheet per table: Chinese titles in row 1, field names in row 2, typed values below."""
    book = openpyxl.Workbook(write_only=True)  # streams rows: a full workbook keeps every cell as an object
    for resource in descriptor["resources"]:
        sheet = book.create_sheet(resource["name"])
        sheet.freeze_panes = "A3"
        fields = resource["schema"]["fields"]
        header, *rows = tables[resource["name"]]
        sheet.append([f.get("title", f["name"]) for f in fields])
        sheet.append(header)
        for row in rows:
            sheet.append([_xlsx_value(v, f) for v, f in zip(row, fields, strict=True)])
    book.properties.creator = descriptor["contributors"][0]["title"]
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = f"{release}T00:00:00Z"
    return _normalise_zip(buffer.getvalue(), release, lambda name, body: _fix_core(name, body, stamp))


def _xlsx_value(text: str, field: dict):
    if text == "":
        return None
    if field["type"] == "number":
        return float(text)
    if field["type"] == "integer":
        return int(text)
    return text


def _fix_core(name: str, body: bytes, stamp: str) -> bytes:
    if name != "docProps/core.xml":
        return body
    return re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", lambda m: m.group(1) + stamp.encode(), body)


def _normalise_zip(raw: bytes, release: str, rewrite) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(raw))
    return zip_bytes({i.filename: rewrite(i.filename, source.read(i)) for i in source.infolist()}, release)


def zip_bytes(members: dict[str, bytes], release: str) -> bytes:
    """A zip whose bytes depend only on the members and the release date."""
    year, month, day = (int(x) for x in release.split("-"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            info = zipfile.ZipInfo(name, date_time=(max(year, 1980), month, day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, body)
    return buffer.getvalue()


def sha256sums(files: dict[str, bytes]) -> bytes:
    """``sha256sum -c`` format, every file but itself, sorted by name."""
    lines = [
        f"{hashlib.sha256(body).hexdigest()}  {name}" for name, body in sorted(files.items()) if name != "SHA256SUMS"
    ]
    return ("\n".join(lines) + "\n").encode("ascii")


def describe_files(files: dict[str, bytes]) -> list[dict]:
    """Name, format, media type, size and sha256 of each file, for the downloads page and the catalogue."""
    out = []
    for name, body in files.items():
        fmt, media = FORMATS.get(name.rsplit(".", 1)[-1], ("文本", "text/plain"))
        out.append(
            {
                "name": name,
                "format": fmt,
                "mediatype": media,
                "bytes": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        )
    return out
