"""Freshness: which records have not been checked for too long. The one stale rule."""

from __future__ import annotations

import datetime as dt

from ..core.dates import real_date


def too_old(verified: dt.date, days: int, today: dt.date) -> bool:
    """The stale rule: verified more than ``days`` days before ``today`` (``days=0``: before today)."""
    return (today - verified).days > days


def is_fresh(point: dict, days: int, today: dt.date | None = None) -> bool:
    """Verified, and not too long ago."""
    verified = real_date(point["verified"])
    if verified is None:
        return False
    return not too_old(verified, days, today or dt.date.today())


def stale_by_town(points: list[dict], days: int, today: dt.date | None = None) -> dict[str, list[dict]]:
    """Records never verified or verified more than ``days`` ago, grouped by town (待补充 for none)."""
    groups: dict[str, list[dict]] = {}
    for point in points:
        if not is_fresh(point, days, today):
            row = {"id": point["id"], "name": point["name"], "verified": point["verified"]}
            groups.setdefault(point["town"] or "待补充", []).append(row)
    return dict(sorted(groups.items()))
