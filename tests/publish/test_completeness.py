"""completeness (publish/completeness.py): each check made once per record gives the counts of the plain rule."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from servicepoints.publish.completeness import CHECKS, NO_TOWN, completeness

TYPES = [
    {"code": "b", "name": "乙", "sort": "2"},
    {"code": "a", "name": "甲", "sort": "10"},
    {"code": "c", "name": "丙", "sort": "3"},
]
TOWNS = [{"name": "小榄镇", "slug": "xiaolan"}, {"name": "古镇镇", "slug": "guzhen"}]


def plain(points: list[dict], types: list[dict], towns: list[dict]) -> dict:
    """The plain rule: every check of every record, again for each type and town it belongs to."""

    def counts(rows):
        return {"records": len(rows), "have": {key: sum(1 for p in rows if test(p)) for key, _, test in CHECKS}}

    fields = []
    for key, label, test in CHECKS:
        missing = sorted(p["id"] for p in points if not test(p))
        fields.append({"key": key, "label": label, "have": len(points) - len(missing), "missing": missing})
    by_type = []
    for kind in sorted(types, key=lambda t: int(t["sort"])):
        rows = [p for p in points if p["type"] == kind["code"]]
        if rows:
            by_type.append({"type": kind["code"], "name": kind["name"]} | counts(rows))
    by_town = []
    for town in towns:
        rows = [p for p in points if p.get("town") == town["name"]]
        if rows:
            by_town.append({"town": town["name"], "slug": town["slug"]} | counts(rows))
    unplaced = [p for p in points if not p.get("town")]
    if unplaced:
        by_town.append({"town": NO_TOWN, "slug": None} | counts(unplaced))
    return {"records": len(points), "fields": fields, "by_type": by_type, "by_town": by_town}


FILLED = st.sampled_from([None, "", "x", ["1"], []])
POINT = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["a", "b", "c"]),
        "town": st.sampled_from(["小榄镇", "古镇镇", "", None]),
        "address": FILLED,
        "phones": FILLED,
        "hours": FILLED,
        "website": FILLED,
        "verified": FILLED,
        "lat": st.sampled_from([None, 22.5]),
        "lon": st.sampled_from([None, 113.4]),
        "precision": st.sampled_from(["exact", "street", "town", None]),
        "sources": FILLED,
    },
    optional={"source": FILLED},
)


@given(st.lists(POINT, max_size=8).map(lambda ps: [p | {"id": f"p{n:02}"} for n, p in enumerate(ps)]))
@example([])
@example([{"id": "p1", "type": "a", "town": "小榄镇"}, {"id": "p2", "type": "a"}])  # fields missing altogether
def test_counts_are_those_of_the_plain_rule(points):
    assert completeness(points, TYPES, TOWNS) == plain(points, TYPES, TOWNS)
