"""The network as Open Referral HSDS 3.0 tables, for existing service-directory tools.

Mapping: each point is an organization with one physical location; each service it offers is a
service at that location. What HSDS cannot say (point type, town code, location precision,
public holidays) is documented on the downloads page.
"""

from __future__ import annotations

from . import hours
from .model import SiteData
from .tables import cell

STATUS = {
    "operating": "active",
    "pending": "inactive",
    "building": "inactive",
    "suspended": "temporarily closed",
    "closed": "defunct",
    "unknown": "inactive",
}

COLUMNS = {
    "organization": ["id", "name", "alternate_name", "description", "email", "website", "parent_organization_id"],
    "service": ["id", "organization_id", "name", "description", "status", "email", "url"],
    "location": ["id", "location_type", "organization_id", "name", "description", "latitude", "longitude"],
    "service_at_location": ["id", "service_id", "location_id", "description"],
    "address": [
        "id",
        "location_id",
        "attention",
        "address_1",
        "city",
        "region",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ],
    "phone": ["id", "location_id", "organization_id", "number", "type", "description"],
    "schedule": ["id", "service_id", "location_id", "freq", "byday", "opens_at", "closes_at", "description"],
}


def hsds_tables(data: SiteData) -> dict[str, list[list[str]]]:
    services = {s["code"]: s for s in data.tables["services"]}
    rows: dict[str, list[dict]] = {name: [] for name in COLUMNS}
    for p in data.points:
        _point_rows(p, services, rows)
    return {name: [cols] + [[cell(r.get(c)) for c in cols] for r in rows[name]] for name, cols in COLUMNS.items()}


def _point_rows(p: dict, services: dict, rows: dict[str, list[dict]]) -> None:
    """Every HSDS row one point gives: itself as an organization, its location, phones and services."""
    pid = p["id"]
    rows["organization"].append(
        {
            "id": pid,
            "name": p["name"],
            "alternate_name": p["alternate_name"],
            "description": p["description"],
            "email": p["email"],
            "website": p["website"],
        }
    )
    location = _location_rows(p, rows) if p["lat"] is not None else None
    for n, number in enumerate(p["phones"], 1):
        rows["phone"].append({"id": f"{pid}-phone-{n}", "organization_id": pid, "number": number, "type": "voice"})
    for code in p["services"]:
        sid = f"{pid}--{code}"
        rows["service"].append(
            {
                "id": sid,
                "organization_id": pid,
                "name": services[code]["name"],
                "description": services[code]["description"],
                "status": STATUS[p["status"]],
                "email": p["email"],
                "url": p["website"],
            }
        )
        if location:
            rows["service_at_location"].append({"id": f"{sid}--at", "service_id": sid, "location_id": location})


def _location_rows(p: dict, rows: dict[str, list[dict]]) -> str:
    """The point's location, address and weekly schedule; returns the location id."""
    pid, loc = p["id"], f"{p['id']}-location"
    rows["location"].append(
        {
            "id": loc,
            "location_type": "physical",
            "organization_id": pid,
            "name": p["name"],
            "latitude": p["lat"],
            "longitude": p["lon"],
        }
    )
    rows["address"].append(
        {
            "id": f"{pid}-address",
            "location_id": loc,
            "address_1": p["address"] or p["town"],
            "city": "中山市",
            "region": p["town"],
            "state_province": "广东省",
            "country": "CN",
            "address_type": "physical",
        }
    )
    for n, (start, end, days) in enumerate(_schedule(p["hours"]), 1):
        rows["schedule"].append(
            {
                "id": f"{pid}-schedule-{n}",
                "location_id": loc,
                "freq": "WEEKLY",
                "byday": days,
                "opens_at": start,
                "closes_at": end,
                "description": hours.describe(p["hours"]),
            }
        )
    return loc


def _schedule(text: str | None) -> list[tuple[str, str, str]]:
    """(opens, closes, BYDAY) per time span of the ordinary week, read by the one grammar in hours.py;
    public holidays and make-up workdays have no HSDS form."""
    return [(opens, closes, ",".join(days)) for opens, closes, days in hours.weekly(text)]
