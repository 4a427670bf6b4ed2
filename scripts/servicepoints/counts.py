"""The one tally every page counts from: points by type, town, status and evidence, beside the
reported totals. Home, stats, type and town pages all read these numbers, so they cannot disagree."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

EVIDENCE = ("named", "inferred")


@dataclass
class Tally:
    """How many points are named by a source and how many are inferred, against a reported total."""

    named: int = 0
    inferred: int = 0
    reported: int | None = None

    @property
    def total(self) -> int:
        return self.named + self.inferred

    @property
    def missing(self) -> int | None:
        """Reported but not in the registry (尚未收录); None when nothing was reported."""
        return None if self.reported is None else max(self.reported - self.total, 0)

    def add(self, point: dict) -> None:
        if point.get("evidence") == "inferred":
            self.inferred += 1
        else:
            self.named += 1


@dataclass
class Counts:
    """All the counts the site states."""

    overall: Tally
    types: dict[str, Tally]
    towns: dict[str, Tally]
    town_types: dict[tuple[str, str], Tally]
    statuses: Counter = field(default_factory=Counter)
    type_statuses: Counter = field(default_factory=Counter)
    nowhere: Tally = field(default_factory=Tally)

    def reported_total(self) -> int:
        return sum(t.reported or 0 for t in self.types.values())


def count_points(points: list[dict], types: list[dict], towns: list[dict], reported: list[dict]) -> Counts:
    """Count every point exactly once in each breakdown (unknown status and no town included)."""
    by_type = {t["code"]: Tally() for t in types}
    for row in reported:
        tally = by_type.setdefault(row["type"], Tally())
        tally.reported = (tally.reported or 0) + int(row["count"])
    by_town = {t["name"]: Tally() for t in towns}
    town_types: dict[tuple[str, str], Tally] = {}
    counts = Counts(overall=Tally(), types=by_type, towns=by_town, town_types=town_types)
    for p in points:
        counts.overall.add(p)
        by_type.setdefault(p["type"], Tally()).add(p)
        counts.statuses[p["status"]] += 1
        counts.type_statuses[(p["type"], p["status"])] += 1
        if p.get("town"):
            by_town.setdefault(p["town"], Tally()).add(p)
            town_types.setdefault((p["town"], p["type"]), Tally()).add(p)
        else:
            counts.nowhere.add(p)
    counts.overall.reported = counts.reported_total()
    return counts


def inferred_reason(point: dict, counts: Counts, type_name: str) -> str:
    """Why an inferred point is in the registry, in one plain sentence from the data."""
    reported = counts.types.get(point["type"], Tally()).reported
    where = point.get("town") or "这个镇街"
    if reported:
        return (
            f"标准编制说明报告全市共有 {reported} 个{type_name}，但没有公布名单；"
            f"本站按“每个镇街一个”推定{where}也有一个。"
        )
    return f"本站按“每个镇街一个”的规则推定{where}有一个{type_name}。"
