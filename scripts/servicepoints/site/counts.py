"""The one tally every page counts from.

Home, stats, type and town pages ask ``Counts.value`` for each number they state, and print it
with its query in a ``data-count`` attribute (see ``_counts.j2``), so a test can recompute every
number from the published data. Points with unknown status or no town are counted like any other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from ..publish.completeness import CHECKS

MEASURES = ("named", "provided", "inferred", "total", "reported", "alt", "missing", "have")
# The measure of each evidence level. ``reported`` as a measure is the officially reported count, so the
# points whose facts the regulator or the point itself provided (evidence ``reported``) count as ``provided``.
EVIDENCE_MEASURE = {"named": "named", "reported": "provided", "inferred": "inferred"}
HAVE = {key: test for key, _, test in CHECKS}  # measure "have": points with this field filled (completeness.py)


@dataclass
class Counts:
    """Counts of the registry's points against the reported totals."""

    points: list[dict]
    reported_rows: list[dict]

    def __post_init__(self) -> None:
        self._cache: dict[tuple, int | None] = {}
        self._tally: Counter[tuple[str, str, str, str]] = Counter()
        for p in self.points:
            evidence = EVIDENCE_MEASURE.get(str(p.get("evidence")), "named")
            for t in (p["type"], ""):
                for town in (p.get("town") or "-", ""):
                    for status in (p["status"], ""):
                        self._tally[(evidence, t, town, status)] += 1

    def value(self, measure: str, type: str = "", town: str = "", status: str = "", field: str = "") -> int | None:
        """One number. ``town="-"`` means points without a town; "" means any.

        - named / provided / inferred / total: points in the registry with evidence named, reported
          (主管部门或网点提供) or inferred (total: all three);
        - have: points with ``field`` filled, by the completeness checks (address, phones, located …);
        - reported: the reported count (None when nothing was reported for the query,
          or when it asks for a town: reports give no town breakdown);
        - alt: the other figure the same report gives for a type (reported.csv ``alt_count``), None if none;
        - missing (尚未收录): reported minus total, never below 0; None when reported is None.
          Over all types it is the sum of each reported type's shortfall.
        """
        key = (measure, type, town, status, field)
        if key not in self._cache:
            self._cache[key] = self._compute(measure, type, town, status, field)
        return self._cache[key]

    def _compute(self, measure: str, type: str, town: str, status: str, field: str) -> int | None:
        if measure == "have":
            test = HAVE[field]
            return sum(1 for p in self.points if self._in(p, type, town, status) and test(p))
        if measure == "alt":
            alts = [int(r["alt_count"]) for r in self.reported_rows if r["type"] == type and r.get("alt_count")]
            return sum(alts) if alts and not town and not status else None
        if measure in EVIDENCE_MEASURE.values():
            return self._tally[(measure, type, town, status)]
        if measure == "total":
            return self._total(type, town, status)
        if measure == "reported":
            if town:
                return None
            rows = [r for r in self.reported_rows if (not type or r["type"] == type)]
            if status:
                rows = [r for r in rows if r.get("status") == status]
            return sum(int(r["count"]) for r in rows) if rows else None
        if measure == "missing" and not type and not status:
            kinds = sorted({r["type"] for r in self.reported_rows})
            return sum(self.value("missing", t, town) or 0 for t in kinds) if not town else None
        if measure == "missing":
            reported = self.value("reported", type, town, status)
            return None if reported is None else max(reported - self._total(type, town, status), 0)
        raise ValueError(f"unknown measure {measure}")

    def _total(self, type: str, town: str, status: str) -> int:
        return sum(self._tally[(m, type, town, status)] for m in EVIDENCE_MEASURE.values())

    @staticmethod
    def _in(point: dict, type: str, town: str, status: str) -> bool:
        return (
            (not type or point["type"] == type)
            and (not town or (point.get("town") or "-") == town)
            and (not status or point["status"] == status)
        )

    def by_status(self, type: str) -> bool:
        """Whether the report splits this type by status."""
        return any(r["type"] == type and r.get("status") for r in self.reported_rows)

    def statuses(self, type: str = "") -> list[str]:
        """Statuses to show for a type: the reported ones first, then any others the registry has."""
        reported = [r["status"] for r in self.reported_rows if r["type"] == type and r.get("status")]
        present = sorted({p["status"] for p in self.points if not type or p["type"] == type} - set(reported))
        return reported + present


def query(measure: str, type: str = "", town: str = "", status: str = "", field: str = "") -> str:
    """The ``data-count`` text of one number, e.g. ``measure=inferred&type=assistance-station``."""
    parts = {"measure": measure, "type": type, "town": town, "status": status, "field": field}
    return urlencode({k: v for k, v in parts.items() if v})


def need_query(need: str, area: str = "", evidence: str = "") -> str:
    """The ``data-count`` text of a need page's number: the points that are not closed and offer any of the
    need's services (needs.csv), all of them or those anyone in the city may use (``area=citywide``) or the
    rest (``area=local``), optionally only those of one evidence level."""
    parts = {"measure": "offering", "need": need, "area": area, "evidence": evidence}
    return urlencode({k: v for k, v in parts.items() if v})


def inferred_reason(point: dict, counts: Counts, type_name: str) -> str:
    """Why an inferred point is in the registry, in one plain sentence from the data."""
    reported = counts.value("reported", point["type"])
    where = point.get("town") or "这个镇街"
    if reported:
        return (
            f"标准编制说明报告全市共有 {reported} 个{type_name}，但没有公布名单；"
            f"本站按“每个镇街一个”推定{where}也有一个。"
        )
    return f"本站按“每个镇街一个”的规则推定{where}有一个{type_name}。"
