"""The version rule (publish/changes.py): each kind of change moves the version by the documented level."""

from __future__ import annotations

import copy

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from servicepoints.publish.changes import LEVEL_TEXT, LEVELS, RULES, bump, compare, summary


def _descriptor() -> dict:
    return {
        "name": "demo",
        "description": "演示",
        "resources": [
            {
                "name": "points",
                "title": "网点",
                "schema": {
                    "fields": [{"name": "id", "type": "string"}, {"name": "phones", "type": "string", "title": "电话"}],
                    "primaryKey": ["id"],
                    "foreignKeys": [{"fields": ["town"], "reference": {"resource": "towns", "fields": ["name"]}}],
                },
            },
            {
                "name": "towns",
                "title": "镇街",
                "schema": {"fields": [{"name": "name", "type": "string"}], "primaryKey": ["name"]},
            },
            {
                "name": "holidays",
                "title": "节假日",
                "schema": {"fields": [{"name": "date", "type": "date"}], "primaryKey": ["date"]},
            },
        ],
    }


TABLES = {
    "points": [["id", "phones"], ["a", "1"], ["b", "2"]],
    "towns": [["name"], ["甲镇"], ["乙镇"]],
    "holidays": [["date"], ["2026-01-01"]],
}


def _change(edit) -> str | None:
    descriptor, tables = copy.deepcopy(_descriptor()), copy.deepcopy(TABLES)
    edit(descriptor, tables)
    return compare(_descriptor(), TABLES, descriptor, tables)[1]


def _field(d, t):
    d["resources"][0]["schema"]["fields"].append({"name": "email", "type": "string"})
    t["points"] = [row + [""] for row in t["points"]]
    t["points"][0][-1] = "email"


CASES = {
    "nothing": (lambda d, t: None, None),
    "a value": (lambda d, t: t["points"][1].__setitem__(1, "9"), "patch"),
    "a description": (lambda d, t: d.__setitem__("description", "新的说明"), "patch"),
    "a field's title": (
        lambda d, t: d["resources"][0]["schema"]["fields"][1].__setitem__("title", "联系电话"),
        "patch",
    ),
    "a row added": (lambda d, t: t["points"].append(["c", "3"]), "minor"),
    "an unreferenced row removed": (lambda d, t: t["holidays"].pop(), "minor"),
    "a table added": (
        lambda d, t: (
            d["resources"].append({"name": "extra", "schema": {"fields": [{"name": "x"}]}}),
            t.__setitem__("extra", [["x"]]),
        ),
        "minor",
    ),
    "a referenced row removed": (lambda d, t: t["towns"].pop(), "major"),
    "a field added": (_field, "major"),
    "a field's type": (lambda d, t: d["resources"][2]["schema"]["fields"][0].__setitem__("type", "string"), "major"),
    "a primary key": (lambda d, t: d["resources"][0]["schema"].__setitem__("primaryKey", ["phones"]), "major"),
    "a table removed": (lambda d, t: (d["resources"].pop(), t.pop("holidays")), "major"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_kind_of_change_moves_the_version_by_its_level(case):
    edit, level = CASES[case]
    assert _change(edit) == level


def test_the_biggest_change_decides():
    def both(d, t):
        t["points"][1][1] = "9"  # patch
        t["points"].append(["c", "3"])  # minor

    assert _change(both) == "minor"


def test_bump_resets_the_lower_parts():
    assert [bump("1.4.2", level) for level in LEVELS] == ["1.4.3", "1.5.0", "2.0.0"]


def test_every_level_has_its_rule_and_its_words():
    assert set(RULES) == set(LEVEL_TEXT) == set(LEVELS)


def test_changes_are_keyed_by_the_primary_key_field_by_field_and_summarised_in_chinese():
    tables = copy.deepcopy(TABLES)
    tables["points"][1][1] = "9"
    tables["points"][2][1] = "8"
    tables["points"].append(["c", "3"])
    tables["towns"][1][0] = "丙镇"  # a key changed: one row removed, one added
    changes, level = compare(_descriptor(), TABLES, _descriptor(), tables)
    assert changes["points"]["changed"] == [
        {"key": {"id": "a"}, "fields": {"phones": {"old": "1", "new": "9"}}},
        {"key": {"id": "b"}, "fields": {"phones": {"old": "2", "new": "8"}}},
    ]
    assert changes["towns"]["added"] == [{"name": "丙镇"}] and changes["towns"]["removed"] == [{"name": "甲镇"}]
    assert level == "major"  # towns are referenced by points
    assert summary(changes, _descriptor(), _descriptor()) == (
        "新增 1 个网点，更新 2 个网点的电话，镇街表新增 1 行，镇街表删除 1 行。"
    )


def _plain_table_changes(old, new, old_rows, new_rows) -> dict:
    """The rows' part of table_changes by the plain rule: every row a record, every field of every common row
    compared."""

    def keyed(rows, key):
        header, *body = rows
        records = [dict(zip(header, row, strict=False)) for row in body]
        return {tuple(r.get(k, "") for k in key): r for r in records}

    resource = new or old
    key = resource["schema"].get("primaryKey") or [resource["schema"]["fields"][0]["name"]]
    old_fields = [f["name"] for f in old["schema"]["fields"]] if old else []
    new_fields = [f["name"] for f in new["schema"]["fields"]] if new else []
    before = keyed(old_rows, key) if old else {}
    after = keyed(new_rows, key) if new else {}
    changed = []
    for k in sorted(before.keys() & after.keys()):
        fields = {
            name: {"old": before[k][name], "new": after[k][name]}
            for name in new_fields
            if name in old_fields and before[k].get(name, "") != after[k].get(name, "")
        }
        if fields:
            changed.append({"key": dict(zip(key, k, strict=True)), "fields": fields})
    keys = {"added": after.keys() - before.keys(), "removed": before.keys() - after.keys()}
    return {what: [dict(zip(key, k, strict=True)) for k in sorted(found)] for what, found in keys.items()} | {
        "changed": changed
    }


_NAMES = st.sampled_from(["id", "a", "b"])
_CELL = st.sampled_from(["", "1", "2", "x"])


@st.composite
def _table(draw):
    header = draw(st.lists(_NAMES, min_size=1, max_size=3))  # a name may repeat, as in a hand-made file
    short = draw(st.booleans())  # a previous release's file may have short rows
    size = st.integers(0 if short else len(header), len(header) + 1)
    body = draw(
        st.lists(
            st.lists(_CELL, min_size=1, max_size=4).flatmap(lambda r: size.map(lambda n: r[:n] + [""] * (n - len(r)))),
            max_size=6,
        )
    )
    return [header, *body]


@settings(max_examples=400)
@given(_table(), _table(), st.lists(_NAMES, max_size=2, unique=True), st.sampled_from(["both", "old", "new"]))
@example([["id", "a", "b"], ["1", "x", "y"]], [["id", "b", "a"], ["1", "x", "y"]], ["id"], "both")  # columns moved
@example([["id", "a", "a"], ["1", "x", "y"]], [["id", "a"], ["1", "y"]], ["id"], "both")  # a repeated name
def test_a_tables_changes_are_what_the_plain_rule_finds(old_rows, new_rows, key, present):
    """table_changes keys the rows column by column and skips rows whose cells are all the same: the same
    changes as comparing every field of every row as records, on any rows (a previous release is read from
    files)."""
    from servicepoints.publish.changes import table_changes

    def resource(rows):
        return {"name": "t", "schema": {"fields": [{"name": n} for n in dict.fromkeys(rows[0])], "primaryKey": key}}

    old = resource(old_rows) if present in ("both", "old") else None
    new = resource(new_rows) if present in ("both", "new") else None
    made = _outcome(table_changes, old, new, old_rows, new_rows)
    if isinstance(made, dict):  # the rows' part of the changes: the rest does not read them
        made = {what: made[what] for what in ("added", "removed", "changed")}
    assert made == _outcome(_plain_table_changes, old, new, old_rows, new_rows)


def _outcome(function, *args):
    try:
        return function(*args)
    except KeyError as exc:  # a short row whose field changed: both rules fail alike
        return KeyError, exc.args
