"""Write the open data: the data package, CSV/XLSX/JSON/GeoJSON, a zip, checksums, catalogue metadata.

Everything is built in memory as bytes; the same registry and release date give the same bytes.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..registry.descriptor import Descriptor
from ..registry.jsonschema import point_json_schema
from ..registry.model import SiteData
from .catalog import FORMATS, dcat_catalog
from .changes import changes_since
from .completeness import completeness
from .hsds import hsds_descriptor, hsds_paths, hsds_tables
from .tables import ALL, cell, derived_records, inert, published_descriptor, table_rows
from .xlsx import Sheet, workbook_members

ZIP_NAME = "servicepoints-opendata.zip"


Plan = dict[str, Callable[[dict[str, bytes]], bytes]]


def opendata_plan(data: SiteData, previous: dict | None = None) -> Plan:
    """Every file under ``opendata/``, in the order it is made: ``name -> make(files made so far)``.

    Making the plan is cheap (no file is made yet), so the build knows every name before the files exist.
    """
    descriptor = published_descriptor(data)
    release = data.settings.release()
    tables = functools.cache(lambda: table_rows(data, descriptor))
    hsds = functools.cache(lambda: hsds_tables(data))
    names = Descriptor(descriptor).names  # the keys of table_rows(), in order
    package = ["datapackage.json", *(f"{name}.csv" for name in names)]
    points_json = {k: descriptor[k] for k in ("name", "version", "created")}
    plan: Plan = {"datapackage.json": lambda _: _json(descriptor)}
    plan.update({f"{name}.csv": functools.partial(lambda name, _: csv_bytes(tables()[name]), name) for name in names})
    plan["points.xlsx"] = lambda _: xlsx_bytes(data, descriptor, release)
    plan["points.json"] = lambda _: _json(points_json | {"points": data.points})
    delimiter = Descriptor(descriptor).list_delimiter
    plan["points.geojson"] = lambda _: geojson_bytes(data.points, tables()["points"][0], delimiter)
    plan["point.schema.json"] = lambda _: _json(point_json_schema(data.descriptor, data.tables))
    plan["changes.json"] = lambda _: _json(changes_since(previous, tables()["points"], descriptor))
    for path in hsds_paths():
        plan[f"hsds/{path}"] = functools.partial(lambda path, _: csv_bytes(hsds()[path]), path)
    plan["hsds/datapackage.json"] = lambda _: _json(hsds_descriptor())
    plan["completeness.json"] = lambda _: _json(completeness(data.points, data.tables["types"], data.tables["towns"]))
    plan[ZIP_NAME] = lambda files: zip_bytes({n: files[n] for n in package}, release)
    plan["catalog.jsonld"] = lambda files: _json(dcat_catalog(descriptor, files, data.site_url, data.place))
    plan["SHA256SUMS"] = sha256sums
    return plan


def make_files(plan: Plan) -> dict[str, bytes]:
    """``name -> bytes`` for every file of the plan, SHA256SUMS last."""
    files: dict[str, bytes] = {}
    for name, make in plan.items():
        files[name] = make(files)
    return files


def write_files(files: dict[str, bytes], folder: Path) -> None:
    """Write ``name -> bytes`` under ``folder`` (the open-data files straight into the site being built)."""
    for name, body in files.items():
        if name.startswith("/") or "\\" in name or ".." in name.split("/"):
            raise ValueError(f"not a file name inside opendata/: {name!r}")  # load.py refuses such table names
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def csv_bytes(rows: list[list[str]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel and LibreOffice read it right; CRLF as RFC 4180; no live formula."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([[inert(v) for v in row] for row in rows])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


GEOJSON_LEFT_OUT = ("lat", "lon", "description")  # coordinates are the geometry; long text stays in points.csv


def geojson_bytes(points: list[dict], fields: list[str], delimiter: str = ";") -> bytes:
    """RFC 7946: WGS-84 [lon, lat], at most 7 decimals, no crs; points without a location get null geometry.

    Properties are flat so GDAL converts them to any format: every feature has the same keys (the columns of
    points.csv but the coordinates and the long description), list values joined by the list delimiter.
    """
    features = []
    keys = [k for k in fields if k not in GEOJSON_LEFT_OUT]
    for p in points:
        geometry = None
        if p["lat"] is not None:
            geometry = {"type": "Point", "coordinates": [round(p["lon"], 7), round(p["lat"], 7)]}
        props = {k: (delimiter.join(p[k]) or None) if isinstance(p.get(k), list) else p.get(k) for k in keys}
        features.append({"type": "Feature", "id": p["id"], "geometry": geometry, "properties": props})
    body = {"type": "FeatureCollection", "features": features}
    return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


FIELDS_SHEET = "字段说明"


def xlsx_columns(data: SiteData, resource: dict) -> list[tuple[str, str, str, Callable[[dict], Any]]]:
    """(header, field code, explanation, value function) per spreadsheet column of one table.

    Coded fields of the points get a Chinese-label column followed by the code in its own column.
    """
    delimiter = data.descriptor.list_delimiter
    types = {t["code"]: t["name"] for t in data.tables["types"]}
    towns = {t["name"]: t["code"] for t in data.tables["towns"]}
    services = {s["code"]: s["name"] for s in data.tables["services"]}
    columns: list[tuple[str, str, str, Callable[[dict], Any]]] = []
    for f in resource["schema"]["fields"]:
        name, title = f["name"], f.get("title", f["name"])
        about = f.get("description", "")
        labels = f.get("x-labels")
        if resource["name"] != "points":
            columns.append((title, name, about, _getter(name, f, delimiter)))
        elif name == "type":
            columns.append((title, "", "网点类型的中文名称。", lambda r: types.get(r["type"])))
            columns.append((f"{title}代码", name, about, _getter(name, f, delimiter)))
        elif name == "town":
            columns.append((title, name, about, _getter(name, f, delimiter)))
            columns.append(("镇街区划代码", "", "所在镇街的统计用区划代码。", lambda r: towns.get(r["town"])))
        elif name == "services":
            names = lambda r: delimiter.join(services.get(c, c) for c in r["services"]) or None  # noqa: E731
            columns.append((title, "", f"服务项目的中文名称，以 {delimiter} 分隔。", names))
            columns.append((f"{title}代码", name, about, _getter(name, f, delimiter)))
        elif labels:
            columns.append((title, "", f"{title}的中文说明。", _label_getter(name, labels)))
            columns.append((f"{title}代码", name, about, _getter(name, f, delimiter)))
        else:
            columns.append((title, name, about, _getter(name, f, delimiter)))
    return columns


def _getter(name: str, field: dict, delimiter: str):
    def value(record: dict):
        v = record.get(name)
        if v in (None, "", []):
            return None
        if field["type"] == "number":
            return float(v)
        if field["type"] == "integer":
            return int(v)
        return cell(v, delimiter)

    return value


def xlsx_bytes(data: SiteData, descriptor: dict, release: str) -> bytes:
    """Points first, then the field sheet, then one sheet per code list.

    Each sheet has one header row of Chinese labels, frozen, with an autofilter and fitted column widths;
    numbers are numbers; no cell is a formula.
    """
    records = {"points": data.points}
    published = Descriptor(descriptor)
    for r in published.resources:
        fields = [f["name"] for f in r["schema"]["fields"]]
        derived = data.descriptor.derived_from(r["name"])
        if derived:
            records[r["name"]] = derived_records(data, derived, fields)
        elif r["name"] != "points":
            records[r["name"]] = [
                {k: (v if v not in (None, "") or k not in _pk(r) else ALL) for k, v in row.items()}
                for row in data.tables[r["name"]]
            ]
    described: list[list] = []
    sheets: list[Sheet | None] = []
    for resource in published.resources:
        columns = xlsx_columns(data, resource)
        title = resource.get("title", resource["name"])
        described += [[title, head, code, about] for head, code, about, _ in columns]
        rows = [[_inert(get(r)) for _, _, _, get in columns] for r in records[resource["name"]]]
        sheets.append(Sheet(title, [inert(head) for head, _, _, _ in columns], rows))
        if len(sheets) == 1:
            sheets.append(None)  # the field sheet, second, once every table is described
    field_sheet = Sheet(
        FIELDS_SHEET, ["工作表", "列名", "字段代码", "说明"], [[_inert(v) for v in row] for row in described]
    )
    creator = descriptor["contributors"][0]["title"]
    members = workbook_members([field_sheet if s is None else s for s in sheets], creator, release)
    return zip_bytes(members, release)


def _label_getter(name: str, labels: dict) -> Callable[[dict], str | None]:
    """A record's Chinese label for its code in ``name`` (``labels``: a field's x-labels)."""
    return lambda record: labels.get(record.get(name))


def _inert(value):
    """Text as a spreadsheet must show it (never a formula, see tables.inert); numbers as they are."""
    return inert(value) if isinstance(value, str) else value


def _pk(resource: dict) -> list[str]:
    return resource["schema"].get("primaryKey", [])


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


# What each file is for and which standard it follows, for the downloads page: (group, purpose, standard).
FILE_INFO = {
    "points.xlsx": (
        "main",
        "用 Excel 或 WPS 查看、筛选、排序：第一张表是本站收录的网点，第二张表“字段说明”解释每一列。",
        "Office Open XML 工作簿",
    ),
    "points.csv": (
        "main",
        "本站收录的网点，一行一个：导入数据库、pandas 或任何表格软件。",
        "CSV（RFC 4180，UTF-8 带 BOM）",
    ),
    "points.geojson": ("main", "做地图：QGIS、ArcGIS 或网页地图可以直接打开。", "GeoJSON（RFC 7946，WGS-84）"),
    "servicepoints-opendata.zip": (
        "main",
        "整个数据包一次下载：datapackage.json 和全部表格。",
        "Frictionless Data Package 2.0",
    ),
    "points.json": ("main", "写程序用：网点记录原样，列表字段是数组。", "JSON"),
    "datapackage.json": (
        "meta",
        "全部表格的字段、类型、主键和外键说明，可以用 Frictionless 校验和读取。",
        "Frictionless Data Package 2.0",
    ),
    "catalog.jsonld": ("meta", "供数据门户（如 CKAN）采集本数据集的目录信息。", "DCAT-AP 3.0.1（JSON-LD）"),
    "point.schema.json": ("meta", "编辑网点记录时的校验规则，编辑器可以据此提示。", "JSON Schema"),
    "completeness.json": ("meta", "每类网点、每个镇街的记录有多完整（数据完整度页面的数字）。", "JSON"),
    "changes.json": ("meta", "与上一版相比新增、删除和修改的网点。", "JSON"),
    "SHA256SUMS": ("meta", "核对下载的文件是否完整：sha256sum -c SHA256SUMS。", "sha256sum 校验清单"),
    "hsds/datapackage.json": ("hsds", "HSDS 3.0 官方表格描述，只保留本站发布的表。", "Open Referral HSDS 3.0"),
    "hsds/organizations.csv": ("hsds", "每个网点作为一个机构，一行一个。", "Open Referral HSDS 3.0"),
    "hsds/programs.csv": ("hsds", "空表：HSDS 的外键指向它。", "Open Referral HSDS 3.0"),
    "hsds/services.csv": ("hsds", "每个网点的每项服务一行。", "Open Referral HSDS 3.0"),
    "hsds/locations.csv": (
        "hsds",
        "每个网点的位置（坐标未知时留空），地址写在 description 中。",
        "Open Referral HSDS 3.0",
    ),
    "hsds/service_at_location.csv": ("hsds", "服务与位置的对应。", "Open Referral HSDS 3.0"),
    "hsds/phones.csv": ("hsds", "电话，每个号码一行。", "Open Referral HSDS 3.0"),
    "hsds/contacts.csv": ("hsds", "空表：HSDS 的外键指向它。", "Open Referral HSDS 3.0"),
    "hsds/schedules.csv": ("hsds", "每周服务时间，每个时段一行。", "Open Referral HSDS 3.0"),
}
GROUPS = {"main": "主要文件", "table": "各张表格（CSV）", "meta": "说明和元数据", "hsds": "Open Referral HSDS 3.0 格式"}


def size_text(size: int) -> str:
    """A file size for people: 812 字节, 12.4 KB, 3.1 MB."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def describe_files(files: dict[str, bytes]) -> list[dict]:
    """Name, group, purpose, standard, format, media type, size and sha256 of each file.

    Tables other than the points are described by their own description in datapackage.json.
    """
    tables = Descriptor(json.loads(files["datapackage.json"]) if "datapackage.json" in files else {}).by_path()
    out = []
    for name, body in files.items():
        fmt, media, _ = FORMATS.get(name.rsplit(".", 1)[-1], ("文本", "text/plain", "TXT"))
        group, purpose, standard = FILE_INFO.get(name, ("meta", "", fmt))
        if name in tables and name not in FILE_INFO:
            resource = tables[name]
            group, purpose = "table", f"{resource.get('title', resource['name'])}：{resource.get('description', '')}"
            standard = "CSV（UTF-8 带 BOM），Frictionless 数据包的一张表"
        out.append(
            {
                "name": name,
                "group": group,
                "purpose": purpose,
                "standard": standard,
                "format": fmt,
                "mediatype": media,
                "bytes": len(body),
                "size": size_text(len(body)),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        )
    return out
