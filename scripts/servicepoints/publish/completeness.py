"""What is missing where: for each field editors should fill, how many records have it, by type and town.

A pure function of the validated public records. The completeness page and ``opendata/completeness.json``
are both made from its result, so the page and the file cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable

NO_TOWN = "（镇街待补充）"


def _has(name: str) -> Callable[[dict], bool]:
    return lambda point: bool(point.get(name))


def _located(point: dict) -> bool:
    """A coordinate better than a town centre: exact or street precision, with lat/lon."""
    return (
        point.get("lat") is not None and point.get("lon") is not None and point.get("precision") in ("exact", "street")
    )


def _sourced(point: dict) -> bool:
    """At least one public source (``sources``; the older free-text ``source`` also counts)."""
    return bool(point.get("sources") or point.get("source"))


CHECKS: list[tuple[str, str, Callable[[dict], bool]]] = [
    ("address", "地址", _has("address")),
    ("phones", "联系电话", _has("phones")),
    ("hours", "服务时间", _has("hours")),
    ("website", "网址", _has("website")),
    ("verified", "核实日期", _has("verified")),
    ("located", "坐标精确到街道或门牌", _located),
    ("sources", "信息来源", _sourced),
]


def completeness(points: list[dict], types: list[dict], towns: list[dict]) -> dict:
    """Per field: records that have it and the ids of those that do not; the same counts per type and town.

    Types and towns come in code-list order; a town appears only when it has records, and records
    without a town are counted under ``NO_TOWN``. Each check is made once per record; the groups add up the
    records' answers.
    """
    answers = [[bool(test(p)) for _, _, test in CHECKS] for p in points]
    fields = []
    for n, (key, label, _) in enumerate(CHECKS):
        missing = sorted(p["id"] for p, has in zip(points, answers, strict=True) if not has[n])
        fields.append({"key": key, "label": label, "have": len(points) - len(missing), "missing": missing})
    of_type: dict = {}
    of_town: dict = {}
    for p, has in zip(points, answers, strict=True):
        of_type.setdefault(p["type"], []).append(has)
        of_town.setdefault(p.get("town") or None, []).append(has)
    by_type = [
        {"type": kind["code"], "name": kind["name"]} | _counts(of_type[kind["code"]])
        for kind in sorted(types, key=lambda t: int(t["sort"]))
        if kind["code"] in of_type
    ]
    by_town = [
        {"town": t["name"], "slug": t["slug"]} | _counts(of_town[t["name"]]) for t in towns if t["name"] in of_town
    ]
    if None in of_town:
        by_town.append({"town": NO_TOWN, "slug": None} | _counts(of_town[None]))
    return {"records": len(points), "fields": fields, "by_type": by_type, "by_town": by_town}


def _counts(answers: list[list[bool]]) -> dict:
    """A group's records and, per check, how many of them pass it."""
    return {
        "records": len(answers),
        "have": {key: sum(column) for (key, _, _), column in zip(CHECKS, zip(*answers, strict=True), strict=True)},
    }
