"""Write the open data: the data package, CSV/XLSX/JSON/GeoJSON, a zip, checksums, catalogue metadata.

Everything is built in memory as bytes; the same registry and release date give the same bytes.
"""

from __future__ import annotations

import functools
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..core.parallel import collector_paused
from ..registry.descriptor import Descriptor
from ..registry.jsonschema import point_json_schema
from ..registry.model import SiteData
from ..registry.provenance import OWN_POSITION, own_position
from .catalog import dcat_catalog, temporal_coverage
from .completeness import completeness
from .csvfile import csv_bytes, records_csv_bytes
from .database import POSITION_NOTE, geopackage_bytes, position_note, sqlite_bytes
from .feed import FEED_NAME, feed_bytes
from .formats import Checked, Made, OpenDataFile
from .hsds import HSDS_ABOUT, HSDS_HOME, hsds_package, hsds_paths, hsds_tables
from .release import Previous, decide
from .tables import ALL, FORMULA_START, cell, inert, published_descriptor, table_rows
from .xlsx import Sheet, workbook_members

ZIP_NAME = "servicepoints-opendata.zip"
SQLITE_NAME = "servicepoints.sqlite"


Plan = dict[str, OpenDataFile]
TABLE_STANDARD = "CSV（RFC 4180，UTF-8，无 BOM），Frictionless 数据包的一张表"
PACKAGE_STANDARD = "Frictionless Data Package 2.0"
HSDS_STANDARD = "Open Referral HSDS 3.0"


def opendata_plan(data: SiteData, previous: Previous | None = None) -> Plan:
    """Every file under ``opendata/``, in the order it is made, with what the downloads page says of it.

    Making the plan is cheap (no file is made yet), so the build knows every name before the files exist.
    The release (version, dates, change log, feed) is decided with the first file, from the tables
    compared with the ``previous`` release (release.decide).
    """
    unreleased = published_descriptor(data)  # the package without its version and date
    coverage = temporal_coverage(data)
    published = Descriptor(unreleased)
    tables = functools.cache(lambda: table_rows(data, unreleased))
    release = functools.cache(lambda: decide(previous, unreleased, tables(), data.settings.release()))
    released = functools.cache(lambda: published_descriptor(data, release().version, release().date))
    if previous is not None:
        release()  # now, so that a release dated before the previous one stops the build before any page
    # The HSDS files, made together: as bytes their rows are a third of the memory (40 of 130 MB at 20,000 points).
    hsds = functools.cache(lambda: hsds_tables(data, records_csv_bytes))
    package = ["datapackage.json", *(f"{name}.csv" for name in published.names)]
    delimiter = published.list_delimiter

    def points_json(_) -> bytes:
        return _json({k: released()[k] for k in ("name", "version", "created")} | {"points": data.points})

    entries = [
        OpenDataFile(
            "datapackage.json",
            "meta",
            "全部表格的字段、类型、主键和外键说明，可以用 Frictionless 校验和读取。",
            PACKAGE_STANDARD,
            lambda _: _json(released()),
            rank=1,
        )
    ]
    for resource in published.resources:  # the keys of table_rows(), in order
        name = resource["name"]
        make = functools.partial(lambda name, _: csv_bytes(tables()[name]), name)
        if name == "points":
            purpose = "本站收录的网点，一行一个：导入数据库、pandas 或任何表格软件。"
            entries.append(OpenDataFile("points.csv", "main", purpose, "CSV（RFC 4180，UTF-8，无 BOM）", make, rank=2))
        else:
            purpose = f"{resource.get('title', name)}：{resource.get('description', '')}"
            entries.append(OpenDataFile(f"{name}.csv", "table", purpose, TABLE_STANDARD, make))
    entries += [
        OpenDataFile(
            "points.xlsx",
            "main",
            "用 Excel 或 WPS 查看、筛选、排序：第一张表是本站收录的网点，第二张表“字段说明”解释每一列。",
            "Office Open XML 工作簿",
            lambda _: xlsx_bytes(data, released(), release().date, tables()),
            rank=1,
        ),
        OpenDataFile(
            "points.json",
            "main",
            "写程序用：网点记录原样，列表字段是数组。",
            "JSON",
            points_json,
            rank=5,
        ),
        OpenDataFile(
            "points.geojson",
            "main",
            "做地图：QGIS、ArcGIS 或网页地图可以直接打开；只有网点自己的位置作为几何，其余网点几何为空并说明原因。",
            "GeoJSON（RFC 7946，WGS-84）",
            lambda _: geojson_bytes(data.points, tables()["points"][0], delimiter),
            rank=3,
        ),
        OpenDataFile(
            "points.gpkg",
            "main",
            "用 QGIS、ArcGIS 打开的 GeoPackage 图层（坐标系 EPSG:4326），每个网点一个要素：只有位置精度为 "
            f"{' 或 '.join(OWN_POSITION)} 的网点有几何，其余网点没有几何，在 position_note 列说明原因。",
            "OGC GeoPackage 1.3（WGS-84，EPSG:4326）",
            lambda _: geopackage_bytes(data.points, published.resource("points"), tables()["points"], release().date),
            rank=3,
        ),
        OpenDataFile(
            SQLITE_NAME,
            "main",
            f"全部表格装在一个 SQLite 数据库里，带主键、外键和代码表：datasette {SQLITE_NAME} 即可在浏览器里查询。",
            "SQLite 3 数据库",
            lambda _: sqlite_bytes(released(), tables()),
            rank=4,
        ),
        OpenDataFile(
            "point.schema.json",
            "meta",
            "编辑网点记录时的校验规则，编辑器可以据此提示。",
            "JSON Schema",
            lambda _: _json(point_json_schema(data.descriptor, data.tables)),
            rank=3,
        ),
        OpenDataFile(
            "changes.json",
            "meta",
            "本版与上一版相比的变化：每张表新增、删除的行（按主键）和逐字段的原值、新值，以及版本号怎样变化。",
            "JSON",
            lambda _: _json(release().changes),
            rank=5,
        ),
        OpenDataFile(
            FEED_NAME,
            "meta",
            "发布记录（Atom 订阅源）：每次发布一条，有版本、日期和中文摘要，可以用 RSS 阅读器订阅。",
            "Atom（RFC 4287）",
            lambda _: feed_bytes(release().entries, released(), data.site_url),
            rank=5,
        ),
    ]
    for path in hsds_paths():
        make = functools.partial(lambda path, _: hsds()[path], path)
        rank = list(HSDS_ABOUT).index(path) + 2
        entries.append(OpenDataFile(f"hsds/{path}", "hsds", HSDS_ABOUT[path], HSDS_STANDARD, make, rank=rank))
    about = (
        "本站 HSDS 数据包的描述：本站的名称、版本、发布者和数据许可；"
        "表格结构照录 HSDS 3.0 官方描述（只保留本站发布的表）。"
    )
    entries += [
        OpenDataFile(
            "hsds/datapackage.json",
            "hsds",
            about,
            HSDS_STANDARD,
            lambda _: _json(hsds_package(released())),
            rank=1,
            conforms_to=HSDS_HOME,
            distribution=True,
        ),
        OpenDataFile(
            "completeness.json",
            "meta",
            "每类网点、每个镇街的记录有多完整（数据完整度页面的数字）。",
            "JSON",
            lambda _: _json(completeness(data.points, data.tables["types"], data.tables["towns"])),
            rank=4,
        ),
        OpenDataFile(
            ZIP_NAME,
            "main",
            "整个数据包一次下载：datapackage.json 和全部表格。",
            PACKAGE_STANDARD,
            lambda files: zip_bytes({n: files[n] for n in package}, release().date),
            rank=4,
        ),
        OpenDataFile(
            "catalog.jsonld",
            "meta",
            "供数据门户（如 CKAN）采集本数据集的目录信息。",
            "DCAT-AP 3.0.1（JSON-LD）",
            lambda files: _json(
                dcat_catalog(
                    released(), _distributions(plan, files), data.site_url, data.place, coverage, release().issued
                )
            ),
            rank=2,
        ),
        OpenDataFile(
            "SHA256SUMS",
            "meta",
            "核对下载的文件是否完整：sha256sum -c SHA256SUMS。",
            "sha256sum 校验清单",
            sha256sums,
            rank=6,
        ),
    ]
    plan = {entry.name: entry for entry in entries}
    return plan


def _distributions(plan: Plan, files: Made) -> list[tuple[OpenDataFile, Checked]]:
    """The catalogue's distributions among the files made so far."""
    return [(plan[name], files.checked[name]) for name in files if plan[name].in_catalogue]


def make_files(plan: Plan, folder: Path | None = None) -> Made:
    """``name -> bytes`` for every file of the plan, SHA256SUMS last. Given a ``folder``, each file is written
    there as soon as it is made and read back when asked for (Written), so the bytes of every file are never
    all in memory at once."""
    files: Made = InMemory() if folder is None else Written(folder)
    with collector_paused():  # millions of rows and cells, no cycles
        for name, entry in plan.items():
            files[name] = entry.make(files)
    return files


class InMemory(dict, Made):
    """Made files held in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.checked = {}

    def __setitem__(self, name: str, body: bytes) -> None:
        self.checked[name] = Checked.of(body)
        super().__setitem__(name, body)


class Written(Made):
    """Files written into ``folder`` as they are set, in that order; a file's bytes are read from the folder
    each time they are asked for. Over 100 MB at 20,000 points that the open-data job need not hold."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.names: dict[str, None] = {}
        self.checked = {}

    def __setitem__(self, name: str, body: bytes) -> None:
        path = _inside(self.folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        self.names[name] = None
        self.checked[name] = Checked.of(body)

    def __getitem__(self, name: str) -> bytes:
        if name not in self.names:
            raise KeyError(name)
        return (self.folder / name).read_bytes()

    def __delitem__(self, name: str) -> None:
        raise TypeError("a written open-data file stays")

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _inside(folder: Path, name: str) -> Path:
    if name.startswith("/") or "\\" in name or ".." in name.split("/"):
        raise ValueError(f"not a file name inside opendata/: {name!r}")  # load.py refuses such table names
    return folder / name


def write_files(files: Mapping[str, bytes], folder: Path) -> None:
    """Write ``name -> bytes`` under ``folder``."""
    for name, body in files.items():
        path = _inside(folder, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def _json(value) -> bytes:
    """Indented JSON, byte for byte as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it, and a newline.

    The standard library indents with its pure-Python encoder, a generator per container yielding millions of
    pieces at 20,000 points; this writes each container as one join of its items (strings escaped by the C
    escaper json itself uses), several times faster. Our values are dicts with text keys, lists, text, numbers,
    booleans and None; anything else is json's own TypeError."""
    return (_indented(value, "\n") + "\n").encode("utf-8")


_ESCAPE = json.encoder.encode_basestring  # the C escaper, when there is one, as json.dumps(ensure_ascii=False)


def _indented(value, newline: str) -> str:
    """One value at the indentation ``newline`` (a line feed and the spaces of its level)."""
    if isinstance(value, str):
        return _ESCAPE(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + "  "
        items = [
            f"{_KEYS.get(k) or _key(k)}: "
            + (_ESCAPE(v) if type(v) is str else "null" if v is None else _indented(v, inner))  # noqa: E721
            for k, v in value.items()
        ]
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = newline + "  "
        items = [_ESCAPE(v) if type(v) is str else "null" if v is None else _indented(v, inner) for v in value]  # noqa: E721
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    return _scalar(value)


def _key(key) -> str:
    """A dict key as json writes it: text escaped; None, booleans and numbers turned into text first."""
    text = _ESCAPE(key) if isinstance(key, str) else _ESCAPE(_scalar(key))
    if type(key) is str and len(_KEYS) < 10_000:  # noqa: E721 - keys repeat: a field name in every point
        _KEYS[key] = text
    return text


_KEYS: dict[str, str] = {}


def _scalar(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    return json.JSONEncoder().default(value)  # raises json's own TypeError


GEOJSON_LEFT_OUT = ("lat", "lon", "description")  # coordinates are the geometry; long text stays in points.csv


def geojson_bytes(points: list[dict], fields: list[str], delimiter: str = ";") -> bytes:
    """RFC 7946: WGS-84 [lon, lat], at most 7 decimals, no crs.

    A feature's geometry is the office's own position only (``provenance.own_position``, as in points.gpkg,
    HSDS and schema.org): a GIS draws every geometry as a place, and a town-centre estimate or an inferred point
    is not one. Any other feature has null geometry and says why in ``position_note`` (the estimate stays in
    points.csv with its precision). Properties are flat so GDAL converts them to any format: every feature has the
    same keys (the columns of points.csv but the coordinates and the long description, then ``position_note``),
    list values joined by the list delimiter.
    """
    features = []
    keys = [k for k in fields if k not in GEOJSON_LEFT_OUT]
    for p in points:
        geometry = None
        if (own := own_position(p)) is not None:
            geometry = {"type": "Point", "coordinates": [round(own[1], 7), round(own[0], 7)]}
        props = {k: (delimiter.join(p[k]) or None) if isinstance(p.get(k), list) else p.get(k) for k in keys}
        props[POSITION_NOTE] = position_note(p)
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
    kind = float if field["type"] == "number" else int if field["type"] == "integer" else None

    def value(record: dict):
        v = record.get(name)
        if v is None or v == "" or v == []:
            return None
        if kind is not None:
            return kind(v)
        return v if type(v) is str else cell(v, delimiter)  # noqa: E721 - most values are text

    return value


def xlsx_bytes(data: SiteData, descriptor: dict, release: str, tables: dict[str, list[list[str]]]) -> bytes:
    """Points first, then the field sheet, then one sheet per code list.

    Each sheet has one header row of Chinese labels, frozen, with an autofilter and fitted column widths;
    numbers are numbers; no cell is a formula. ``tables``: table_rows, the CSV's cells, which the points' and the
    derived tables' columns of a field are read from (see _field_columns).
    """
    published = Descriptor(descriptor)
    described: list[list] = []
    sheets: list[Sheet | None] = []
    for resource in published.resources:
        columns = xlsx_columns(data, resource)
        title = resource.get("title", resource["name"])
        described += [[title, head, code, about] for head, code, about, _ in columns]
        by_column = [_inert_column(values) for values in _column_values(data, resource, columns, tables)]
        rows = list(zip(*by_column, strict=True)) if columns else [() for _ in range(len(tables[resource["name"]]) - 1)]
        sheets.append(Sheet(title, [inert(head) for head, _, _, _ in columns], rows))
        if len(sheets) == 1:
            sheets.append(None)  # the field sheet, second, once every table is described
    field_sheet = Sheet(
        FIELDS_SHEET, ["工作表", "列名", "字段代码", "说明"], [[_inert(v) for v in row] for row in described]
    )
    creator = descriptor["contributors"][0]["title"]
    members = workbook_members([field_sheet if s is None else s for s in sheets], creator, release)
    return zip_bytes(members, release)


def _column_values(data: SiteData, resource: dict, columns: list, tables: dict[str, list[list[str]]]) -> list[tuple]:
    """Each spreadsheet column's values, top to bottom (before _inert).

    A column of a field (its code given) of the points or of a derived table is that field's CSV column, as the
    column's getter would give it: text as it is ("" is an empty cell, like None), numbers read back from their
    exact text (tables.cell). Only the label columns call their getter, record by record; a code list's sheet is
    made from its rows as before, its empty key cells written as tables.ALL."""
    name = resource["name"]
    derived = data.descriptor.derived_from(name)
    if name != "points" and not derived:
        records = [
            {k: (v if v not in (None, "") or k not in _pk(resource) else ALL) for k, v in row.items()}
            for row in data.tables[name]
        ]
        return [tuple(map(get, records)) for _, _, _, get in columns]
    header, *rows = tables[name]
    cells = dict(zip(header, zip(*rows, strict=True), strict=True)) if rows else dict.fromkeys(header, ())
    kinds = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    out = []
    for _, code, _, get in columns:
        if not code:
            out.append(tuple(map(get, data.points)))  # a label: only the points have them
        elif kinds[code] in ("number", "integer"):
            kind = float if kinds[code] == "number" else int
            out.append(tuple(kind(text) if text else None for text in cells[code]))
        else:
            out.append(cells[code])
    return out


def _inert_column(values: tuple) -> tuple:
    """``_inert`` of each value, looked at once per distinct text (tuple(map(_inert, values)), faster)."""
    if not set(map(type, values)) <= _TEXT_OR_EMPTY:
        return tuple(map(_inert, values))
    distinct = set(values)
    distinct.discard(None)
    formulas = {v: inert(v) for v in distinct if v.startswith(FORMULA_START)}
    return tuple(formulas.get(v, v) for v in values) if formulas else values


_TEXT_OR_EMPTY = frozenset({str, type(None)})


def _label_getter(name: str, labels: dict) -> Callable[[dict], str | None]:
    """A record's Chinese label for its code in ``name`` (``labels``: a field's x-labels)."""
    return lambda record: labels.get(record.get(name))


def _inert(value):
    """Text as a spreadsheet must show it (never a formula, see tables.inert); numbers as they are."""
    return inert(value) if isinstance(value, str) and value.startswith(FORMULA_START) else value


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


def sha256sums(files: Made) -> bytes:
    """``sha256sum -c`` format, every file but itself, sorted by name."""
    lines = [f"{files.checked[name].sha256}  {name}" for name in sorted(files) if name != "SHA256SUMS"]
    return ("\n".join(lines) + "\n").encode("ascii")


def size_text(size: int) -> str:
    """A file size for people: 812 字节, 12.4 KB, 3.1 MB."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def describe_files(plan: Plan, files: Made) -> list[dict]:
    """Name, group, rank, purpose, standard, format, media type, catalogue membership, size and sha256 of
    each file, in the order the files were made."""
    out = []
    for name in files:
        entry, checked = plan[name], files.checked[name]
        out.append(
            {
                "name": name,
                "group": entry.group,
                "rank": entry.rank,
                "purpose": entry.purpose,
                "standard": entry.standard,
                "format": entry.format.title,
                "mediatype": entry.format.media_type,
                "in_catalogue": entry.in_catalogue,
                "bytes": checked.size,
                "size": size_text(checked.size),
                "sha256": checked.sha256,
            }
        )
    return out
