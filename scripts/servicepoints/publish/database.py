"""Binary open-data files made with the standard library's sqlite3: a SQLite database of every published table
(``datasette servicepoints.sqlite`` serves it as it is) and a GeoPackage of the points (QGIS, ArcGIS, GDAL).

Both are built in memory and serialised, so the bytes depend only on the data, the release date and the SQLite
library: no file name, no build time, no random page order. No GDAL, no SpatiaLite: a GeoPackage is a SQLite
file with three metadata tables and a small binary header on each geometry (OGC 12-128r19).
"""

from __future__ import annotations

import sqlite3
import struct

from ..registry.descriptor import Descriptor
from ..registry.provenance import is_inferred, own_position

# Table Schema types -> SQLite column types (declared, so datasette and sqlite-utils show them).
SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "year": "INTEGER"}


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _typed(text: str, kind: str) -> str | int | float | None:
    """One published CSV cell as the value its field's type says; an empty cell is NULL."""
    if text == "":
        return None
    if kind in ("integer", "year"):
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "boolean":
        return int(text == "true")
    return text


_EMPTY_NULL = {"": None}


def _typed_columns(rows: list[list[str]], kinds: list[str]) -> list[list]:
    """Each column of ``rows`` (CSV cells, all of ``kinds``' length) as its values: ``_typed`` of every cell,
    column by column; a text column (most) in C."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in kinds]
    out: list[list] = []
    for cells, kind in zip(columns, kinds, strict=True):
        if kind in ("integer", "year", "number", "boolean"):
            out.append([_typed(text, kind) for text in cells])
        else:
            out.append(list(map(_EMPTY_NULL.get, cells, cells)))
    return out


def _serialised(connection: sqlite3.Connection) -> bytes:
    connection.commit()
    connection.execute("VACUUM")
    body = connection.serialize()
    connection.close()
    return body


def _column(field: dict, key: list[str]) -> str:
    limits = field.get("constraints", {})
    parts = [quote(field["name"]), SQL_TYPES.get(field["type"], "TEXT")]
    if limits.get("required") or field["name"] in key:
        parts.append("NOT NULL")
    if limits.get("unique") and key != [field["name"]]:
        parts.append("UNIQUE")
    if "enum" in limits and field["type"] == "string":  # a code list's allowed values, checked by SQLite itself
        parts.append(f"CHECK ({quote(field['name'])} IN ({', '.join(_literal(str(v)) for v in limits['enum'])}))")
    return " ".join(parts)


def table_sql(resource: dict) -> str:
    """CREATE TABLE for one published table: typed columns, NOT NULL, the primary key and the foreign keys."""
    schema = resource["schema"]
    key = schema.get("primaryKey", [])
    lines = [_column(f, key) for f in schema["fields"]]
    if key:
        lines.append(f"PRIMARY KEY ({', '.join(quote(k) for k in key)})")
    for fk in schema.get("foreignKeys", []):
        ref = fk["reference"]
        own, theirs = ", ".join(quote(k) for k in fk["fields"]), ", ".join(quote(k) for k in ref["fields"])
        lines.append(f"FOREIGN KEY ({own}) REFERENCES {quote(ref['resource'] or resource['name'])} ({theirs})")
    return f"CREATE TABLE {quote(resource['name'])} (\n  " + ",\n  ".join(lines) + "\n)"


def sqlite_bytes(descriptor: dict, tables: dict[str, list[list[str]]]) -> bytes:
    """servicepoints.sqlite: every table of the published package, rows in the CSVs' order, values typed.

    ``tables``: export's table_rows (header plus text rows, before spreadsheet neutralising). A row that breaks a
    key cannot be published: the data was validated, so a broken key here is a bug and stops the build.
    """
    connection = sqlite3.connect(":memory:")
    for resource in Descriptor(descriptor).resources:
        name, fields = resource["name"], resource["schema"]["fields"]
        header, *rows = tables[name]
        if header != [f["name"] for f in fields]:
            raise ValueError(f"{name}: the rows' header is not the schema's fields")
        connection.execute(table_sql(resource))
        marks = ", ".join("?" for _ in fields)
        columns = _typed_columns(rows, [f["type"] for f in fields])
        connection.executemany(f"INSERT INTO {quote(name)} VALUES ({marks})", zip(*columns, strict=True))
    broken = connection.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise ValueError(f"foreign keys broken in the published tables: {broken[:5]}")
    return _serialised(connection)


# --- GeoPackage --------------------------------------------------------------------------------------------

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_VERSION = 10300  # GeoPackage 1.3.0 (GDAL before 3.8 warns on 1.4)
LAYER = "points"
SRS_ID = 4326
WGS84 = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]'
)
# What the position_note column says of a feature without geometry, by the reason it has none.
NO_POSITION = {
    "inferred": "推定的网点：没有出处点名，不发布位置",
    "estimate": "只有镇街中心的估计坐标（见 points.csv），不作为位置发布",
    "unknown": "位置未知",
}
POSITION_NOTE = "position_note"
LEFT_OUT = ("lat", "lon", "description")  # the position is the geometry; long text stays in points.csv
GPKG_TYPES = {"integer": "INTEGER", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE", "year": "INTEGER"}

_CORE_TABLES = (
    """CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL,
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
)
_SPATIAL_REF_SYS = (
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
    ("WGS 84 geodetic", SRS_ID, "EPSG", 4326, WGS84, "longitude/latitude coordinates in decimal degrees on WGS 84"),
)


def gpkg_point(lon: float, lat: float) -> bytes:
    """A GeoPackage geometry blob: the 'GP' header (version 0, little-endian, no envelope, SRS 4326), then WKB."""
    header = b"GP" + bytes([0, 0b0000_0001]) + struct.pack("<i", SRS_ID)
    return header + struct.pack("<BIdd", 1, 1, lon, lat)


def position_note(point: dict) -> str | None:
    """Why a point has no geometry (None when it has one): the rule of schema.org ``geo`` and HSDS locations."""
    if own_position(point):
        return None
    if is_inferred(point):
        return NO_POSITION["inferred"]
    return NO_POSITION["estimate"] if point.get("lat") is not None else NO_POSITION["unknown"]


def geopackage_bytes(points: list[dict], resource: dict, table: list[list[str]], release: str) -> bytes:
    """points.gpkg: one layer ``points`` in EPSG:4326, one feature per record, in the records' order.

    The geometry is the office's own position only (exact or street precision, ``provenance.own_position``); any
    other record has no geometry and says why in ``position_note``, beside its ``precision`` and ``evidence``.
    Attributes are points.csv's cells (``table``: its header and rows, the records' order), typed, but for the
    coordinates and the long description. ``last_change`` is the release date: two builds of the same data are
    identical.
    """
    header, *cells = table
    fields = resource["schema"]["fields"]
    if header != [f["name"] for f in fields] or len(cells) != len(points):
        raise ValueError("points: the rows are not the schema's fields or not one per record")
    keep = [n for n, f in enumerate(fields) if f["name"] not in LEFT_OUT]
    columns = [fields[n] for n in keep]
    connection = sqlite3.connect(":memory:")
    connection.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
    connection.execute(f"PRAGMA user_version = {GPKG_VERSION}")
    for statement in _CORE_TABLES:
        connection.execute(statement)
    connection.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", _SPATIAL_REF_SYS)
    declared = [f"{quote(f['name'])} {GPKG_TYPES.get(f['type'], 'TEXT')}" for f in columns]
    connection.execute(
        f"CREATE TABLE {quote(LAYER)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, "
        + ", ".join([*declared, f"{quote(POSITION_NOTE)} TEXT"])
        + ")"
    )
    placed = [_rounded(own_position(p)) for p in points]
    lats, lons = [pos[0] for pos in placed if pos], [pos[1] for pos in placed if pos]
    box = (min(lons), min(lats), max(lons), max(lats)) if lats else (None, None, None, None)
    connection.execute(
        "INSERT INTO gpkg_contents VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, ?)",
        (LAYER, LAYER, resource.get("title", LAYER), f"{release}T00:00:00.000Z", *box, SRS_ID),
    )
    connection.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', ?, 0, 0)", (LAYER, SRS_ID))
    names = ", ".join(["geom", *(quote(f["name"]) for f in columns), quote(POSITION_NOTE)])
    marks = ", ".join("?" for _ in range(len(columns) + 2))
    ident = header.index("id")
    for point, row in zip(points, cells, strict=True):
        if row[ident] != point["id"]:
            raise ValueError(f"points: the row of {point['id']} is out of order")
    geometries = [gpkg_point(position[1], position[0]) if position else None for position in placed]
    typed = _typed_columns([[row[n] for n in keep] for row in cells], [f["type"] for f in columns])
    notes = list(map(position_note, points))
    connection.executemany(
        f"INSERT INTO {quote(LAYER)} ({names}) VALUES ({marks})", zip(geometries, *typed, notes, strict=True)
    )
    return _serialised(connection)


def _rounded(position: tuple[float, float] | None) -> tuple[float, float] | None:
    """At most 7 decimals (about 1 cm), as points.geojson."""
    return (round(position[0], 7), round(position[1], 7)) if position else None
