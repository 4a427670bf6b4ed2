"""The network as Open Referral HSDS 3.0 tables, for existing service-directory tools.

Mapping: each point is an organization with one physical location; each service it offers is a
service at that location; its phones and weekly opening hours hang off the location. Ids are UUIDs
derived (uuid5) from our ids in the place's namespace (``x-place.id_namespace``), so a rebuild gives
the same ids and the same bytes. The tables, their file names and their columns are those of HSDS
3.0's own tabular descriptor (vendored in specs/), which is also shipped, cut down to the tables we
publish, as hsds/datapackage.json.

What HSDS cannot say (point type, town code, location precision, public holidays) is documented on the
downloads page, rendered from ``caveats()`` below. Three of those gaps decide what is left out, since a
directory that imports HSDS reads every row as a fact:
- an inferred point (no source names it) is not an organization at all: HSDS has no field saying that an
  organization is only assumed to exist, so such points are not published here (they stay in points.csv,
  marked ``evidence=inferred``);
- a coordinate that is only a town-centre estimate is not a location's latitude/longitude: HSDS has no
  precision field, so only exact or street-level coordinates are given (``provenance.own_position``);
- ``unknown`` status has no HSDS value: service.status is required and each of its four values asserts
  something, so the services of a point whose status is unknown are not published (its organization and
  location are).

programs.csv and contacts.csv are published empty, because HSDS's foreign keys
refer to them. addresses.csv is not published: HSDS requires a postal code in every address and the
registry has none that was checked, so the street address is given in the location's description.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import operator
import uuid
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from ..core import hours
from ..core.place import Place
from ..registry.descriptor import Descriptor
from ..registry.load import WHOLE_CITY
from ..registry.model import SiteData
from ..registry.provenance import OWN_POSITION, is_inferred, own_position
from .tables import cell

SPEC = Path(__file__).parent / "specs" / "hsds-3.0" / "datapackage.json"
# The tables we fill, plus programs and contacts, published empty because foreign keys in HSDS point at them.
PUBLISHED = [
    "organization",
    "program",
    "service",
    "location",
    "service_at_location",
    "phone",
    "contact",
    "schedule",
    "service_area",
]
# What each published HSDS file holds, in the downloads page's order.
HSDS_ABOUT = {
    "organizations.csv": "每个网点作为一个机构，一行一个。",
    "programs.csv": "空表：HSDS 的外键指向它。",
    "services.csv": "每个网点的每项服务一行。",
    "locations.csv": "每个网点的位置（坐标未知时留空），地址写在 description 中。",
    "service_at_location.csv": "服务与位置的对应。",
    "phones.csv": "电话，每个号码一行。",
    "contacts.csv": "空表：HSDS 的外键指向它。",
    "schedules.csv": "每周服务时间，每个时段一行。",
    "service_areas.csv": "服务范围：全市或所列镇街，每项服务每个范围一行。",
}
STATUS = {
    "operating": "active",
    "pending": "inactive",
    "building": "inactive",
    "suspended": "temporarily closed",
    "closed": "defunct",
    "unknown": None,  # no HSDS status says "not known": the point's services are left out
}


@cache
def hsds_spec() -> dict:
    """HSDS 3.0's own tabular Data Package descriptor."""
    return json.loads(SPEC.read_text(encoding="utf-8"))


def id_namespace(place: Place) -> uuid.UUID:
    """The UUID namespace of one registry's HSDS ids: the same place, the same ids, release after release."""
    return uuid.uuid5(uuid.NAMESPACE_URL, place.id_namespace)


def hsds_id(namespace: uuid.UUID, *parts: str) -> str:
    """A stable UUID for one HSDS row, from the table name and our own ids."""
    return _uuid5(namespace.bytes, "/".join(parts))


def _uuid5(namespace: bytes, name: str) -> str:
    """``str(uuid.uuid5(UUID(bytes=namespace), name))``, made straight from the SHA-1 digest's hex (RFC 4122 §4.3:
    its first 16 bytes, with the version set to 5 and the variant to RFC 4122's) instead of through a UUID object:
    a fifth of the cost, for the 200,000 ids of 20,000 points."""
    text = hashlib.sha1(namespace + name.encode("utf-8")).hexdigest()
    return f"{text[:8]}-{text[8:12]}-5{text[13:16]}-{_VARIANT[text[16]]}{text[17:20]}-{text[20:32]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 0b11] for digit in "0123456789abcdef"}  # the top two bits set to 10


def hsds_descriptor() -> dict:
    """HSDS 3.0's descriptor limited to the tables we publish, otherwise unchanged."""
    return copy.deepcopy(Descriptor(hsds_spec()).only(lambda r: r["name"] in PUBLISHED))


HSDS_HOME = "https://docs.openreferral.org/en/v3.0/"  # the specification this version names (dct:conformsTo)
TIMEZONE = 8  # China Standard Time, UTC+8 all year: the hours grammar reads every time as China time


def hsds_package(ours: dict) -> dict:
    """hsds/datapackage.json: our data, so our metadata (name, title, version, dates, publisher, data licence)
    on top; the resources (table schemas) verbatim from HSDS, whose own licence covers those schemas and is
    cited under conformsTo, the profile we follow (its version read from the vendored descriptor)."""
    tables = hsds_descriptor()  # the schemas, verbatim; its top-level keys are the specification's
    spec = {k: tables.pop(k) for k in ("name", "title", "description", "version", "homepage", "license")}
    body: dict = {
        "name": f"{ours['name']}-hsds",
        "title": f"{ours['title']}（HSDS {spec['version']} 格式）",
        "description": (
            f"{ours['description']} 本数据包按 Open Referral 人类服务数据规范（HSDS）{spec['version']} 的表格格式"
            "发布同一份数据；HSDS 不能表达的内容（网点类型、镇街代码、位置精度、节假日）见 datapackage.json 的表。"
        ),
    }
    body |= {k: ours[k] for k in ("version", "created", "homepage") if k in ours}
    body["licenses"] = ours["licenses"]
    body["contributors"] = ours["contributors"]
    body["conformsTo"] = {
        "title": spec["title"],
        "version": spec["version"],
        "path": spec["homepage"],
        "schemas-license": spec["license"],
    }
    return body | tables


def hsds_paths() -> list[str]:
    """The published HSDS files (``organizations.csv`` …), in the order hsds_tables() gives them."""
    return list(Descriptor(hsds_descriptor()).by_path())


def hsds_rows(data: SiteData) -> dict[str, list[dict[str, str]]]:
    """HSDS table name (``organization`` …) -> its rows, each a dict of the columns we fill, every value text as the
    CSV holds it (tables.cell)."""
    services = {s["code"]: s for s in data.tables["services"]}
    types = {t["code"]: t for t in data.tables["types"]}
    rows: dict[str, list[dict[str, str]]] = {name: [] for name in PUBLISHED}
    base = data.site_url.rstrip("/")
    ids = functools.partial(_uuid5, id_namespace(data.place).bytes)
    for p in data.points:
        if not is_inferred(p):
            _point_rows(p, services, types, base, rows, ids, data.place.name)
    return rows


def hsds_tables(
    data: SiteData, convert: Callable[[list[str], list[dict[str, str]]], Any] | None = None
) -> dict[str, Any]:
    """File name (``organizations.csv`` …) -> header plus rows, columns exactly as HSDS 3.0 lists them; or what
    ``convert`` makes of the columns and the table's rows (csvfile.records_csv_bytes: the file's bytes), each
    table's rows let go once converted."""
    rows = hsds_rows(data)
    out = {}
    for resource in Descriptor(hsds_descriptor()).resources:
        cols = [f["name"] for f in resource["schema"]["fields"]]
        out[resource["path"]] = (convert or _cells)(cols, rows.pop(resource["name"]))
    return out


def _cells(columns: list[str], records: list[dict[str, str]]) -> list[list[str]]:
    """The header, then each record's cells in the columns' order, "" where we fill nothing (most of HSDS's
    columns): each record merged onto the blank row and its cells picked in order, both in C."""
    blank, pick = dict.fromkeys(columns, ""), operator.itemgetter(*columns)
    return [columns, *map(list, map(pick, map(blank.__or__, records)))]


def _point_rows(
    p: dict,
    services: dict,
    types: dict,
    base: str,
    rows: dict[str, list[dict]],
    ids: Callable[..., str],
    place_name: str,
) -> None:
    """Every HSDS row one point gives: itself as an organization, its location, phones, hours and services."""
    pid = p["id"]
    org, loc = ids(f"organization/{pid}"), ids(f"location/{pid}")
    kind = types[p["type"]]["name"]
    rows["organization"].append(
        {
            "id": org,
            "name": cell(p["name"]),
            "alternate_name": cell(p["alternate_name"]),
            "description": cell(p["description"]) or f"{p['town'] or place_name}的{kind}。",
            "email": cell(p["email"]),
            "website": cell(p["website"]),
            "uri": f"{base}/points/{pid}/",
        }
    )
    place = [x for x in (p["town"], p["address"]) if x]
    position = own_position(p)
    where = "地址：" + " ".join(place) if place else "地址待补充"
    if position is None and p["lat"] is not None:
        where += "（本站只有镇街中心的估计坐标，不作为位置发布）"
    rows["location"].append(
        {
            "id": loc,
            "location_type": "physical",
            "url": f"{base}/points/{pid}/",
            "organization_id": org,
            "name": cell(p["name"]),
            "description": where,
            "latitude": cell(position[0]) if position else "",
            "longitude": cell(position[1]) if position else "",
            "external_identifier": pid,
            "external_identifier_type": "servicepoints point id",
        }
    )
    for n, number in enumerate(p["phones"], 1):
        rows["phone"].append(
            {
                "id": ids(f"phone/{pid}/{n}"),
                "location_id": loc,
                "organization_id": org,
                "number": cell(number),
                "type": "voice",
            }
        )
    text = cell(hours.describe(p["hours"])) if p["hours"] else ""
    for n, (start, end, days) in enumerate(schedule_spans(p["hours"]), 1):
        rows["schedule"].append(
            {
                "id": ids(f"schedule/{pid}/{n}"),
                "location_id": loc,
                "timezone": cell(TIMEZONE),
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": days,
                "opens_at": start,
                "closes_at": end,
                "description": text,
                "notes": cell(p["hours"]),
            }
        )
    status = STATUS[p["status"]]
    for code in p["services"] if status else []:
        sid = ids(f"service/{pid}/{code}")
        rows["service"].append(
            {
                "id": sid,
                "organization_id": org,
                "name": cell(services[code]["name"]),
                "description": cell(services[code]["description"]),
                "status": status,
                "email": cell(p["email"]),
                "url": cell(p["website"]),
            }
        )
        rows["service_at_location"].append(
            {"id": ids(f"service_at_location/{pid}/{code}"), "service_id": sid, "location_id": loc}
        )
        for area in p.get("area_served") or []:  # who may come: the whole city, or the towns named
            rows["service_area"].append(
                {
                    "id": ids(f"service_area/{pid}/{code}/{area}"),
                    "service_id": sid,
                    "name": cell(area),
                    "description": "全市都可以来办" if area == WHOLE_CITY else f"服务{area}",
                }
            )


def caveats(status_labels: dict[str, str], precision_labels: dict[str, str]) -> dict:
    """What the downloads page says about the HSDS files, from the rules above (never hand-written):
    our status -> service.status (None: services not published), and the precisions whose coordinates
    are published as a location's position."""
    return {
        "statuses": [{"code": c, "label": status_labels.get(c, c), "hsds": STATUS[c]} for c in status_labels],
        "positions": [precision_labels.get(c, c) for c in OWN_POSITION],
        "estimates": [precision_labels[c] for c in precision_labels if c not in OWN_POSITION],
    }


def schedule_spans(text: str | None) -> list[tuple[str, str, str]]:
    """(opens_at, closes_at, BYDAY) per span of the ordinary week, read by the one grammar (hours.weekly).

    Times as HH:MM:SS; 24:00 is written 23:59:59, the last time an HSDS time can hold. Public holidays
    and make-up workdays have no HSDS form (they stay in the schedule's description and notes).
    """
    return list(_schedule_spans(text))


@lru_cache(maxsize=4096)  # the same few texts on thousands of points
def _schedule_spans(text: str | None) -> tuple[tuple[str, str, str], ...]:
    return tuple((_time(a), _time(b), ",".join(days)) for a, b, days in hours.weekly(text))


def _time(hhmm: str) -> str:
    return "23:59:59" if hhmm == "24:00" else f"{hhmm}:00"
