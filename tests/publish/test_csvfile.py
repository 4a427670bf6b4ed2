"""CSV files (publish/csvfile.py): the fast ways write what the plain rule writes, on any text."""

from __future__ import annotations

import csv
import io

from hypothesis import example, given
from hypothesis import strategies as st

from servicepoints.publish.csvfile import records_csv_bytes
from servicepoints.publish.tables import FORMULA_START, inert

COLUMNS = ["id", "name", "note", "empty"]
TEXT = st.text(
    alphabet=st.sampled_from(['"', ",", "\r", "\n", "a", "中", " ", "1", "{", "}", *FORMULA_START]), max_size=5
)
PLAIN = st.text(alphabet=st.sampled_from(["a", "中", " ", "1", "{", "}", "-"]), max_size=5)
RECORD = st.dictionaries(st.sampled_from(["id", "name", "note", "extra"]), st.one_of(PLAIN, PLAIN, TEXT))


def plain(columns: list[str], records: list[dict]) -> bytes:
    """The plain rule: each record's value in each column ("" where it has none), every cell through inert(),
    written by the csv module. (Records of text: HSDS's rows are, tested in test_hsds.py.)"""
    rows = [columns, *([r.get(c, "") for c in columns] for r in records)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([[inert(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


@given(st.lists(RECORD, max_size=6), st.sampled_from([COLUMNS, ["id", "name"], ["id"], ["a-b", "id"], ["id", "id"]]))
@example([{"id": "a", "name": "b"}, {"id": "c", "name": "d"}], COLUMNS)  # every record fills the same columns
@example([{"id": "a", "name": "b"}, {"id": "c", "note": "d"}], COLUMNS)  # not the same ones
@example([{"id": "a", "name": "b"}, {"id": "c"}], COLUMNS)
@example([{"id": "a", "extra": "b"}, {"id": "c", "extra": "d"}], COLUMNS)  # a key that is no column
@example([{"id": "a", "name": "MO,TU"}], COLUMNS)  # a cell to quote
@example([{"id": "a", "name": "=1"}], COLUMNS)  # a formula
@example([{"id": "{name}", "name": "}"}], COLUMNS)  # braces are text, not a template
@example([{"id": ""}], ["id"])  # a lone empty cell
def test_records_are_written_as_the_plain_rule_writes_them(records, columns):
    assert records_csv_bytes(columns, records) == plain(columns, records)
