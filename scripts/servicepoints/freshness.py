"""Freshness: which records have not been checked for too long."""

from __future__ import annotations

import datetime as dt


def is_fresh(point: dict, days: int, today: dt.date | None = None) -> bool:
    today = today or dt.date.today()
    return bool(point["verified"]) and (today - dt.date.fromisoformat(point["verified"])).days <= days


def stale_by_town(points: list[dict], days: int, today: dt.date | None = None) -> dict[str, list[dict]]:
    """Records never verified or verified more than ``days`` ago, grouped by town (待补充 for none)."""
    groups: dict[str, list[dict]] = {}
    for point in points:
        if not is_fresh(point, days, today):
            row = {"id": point["id"], "name": point["name"], "verified": point["verified"]}
            groups.setdefault(point["town"] or "待补充", []).append(row)
    return dict(sorted(groups.items()))
