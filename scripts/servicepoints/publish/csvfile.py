"""CSV files as the csv module writes them (RFC 4180, CRLF, UTF-8, no byte-order mark), with no live formula,
the common case made in C: most published cells need no quoting.
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
from collections.abc import Iterable, Iterator, Sequence

from .tables import FORMULA_START, inert


def csv_bytes(rows: Sequence[Sequence[str]]) -> bytes:
    """Plain UTF-8, exactly as datapackage.json declares it (no byte-order mark: npm datapackage, Python's csv
    and Node's csv-parse would read it into the first column's name); CRLF as RFC 4180; no live formula.
    Excel users have points.xlsx; the downloads page says how to open the CSV as UTF-8."""
    body = _csv_body(rows)
    if _may_start_formula(body):  # a cell may start like a formula: written again, every cell through inert()
        body = _csv_body([[inert(v) for v in row] for row in rows])
    return body


def _csv_body(rows: Sequence[Sequence[str]]) -> bytes:
    """The UTF-8 of what ``csv.writer(lineterminator="\r\n")`` writes of ``rows``.

    Rows of text in which no cell needs quoting (none holds a comma, a quote, a CR or a LF, and no row is one
    cell: the writer quotes a lone empty cell) are each one join, which is what the writer writes of them and
    several times faster. Anything else goes through the csv module."""
    if rows and min(map(len, rows)) > 1:
        try:
            lines = list(map(",".join, rows))
        except TypeError:  # a cell that is not text: the csv module writes it as it does
            pass
        else:
            body = _unquoted(lines, sum(map(len, rows)))
            if body is not None:
                return body
    return _written(rows)


def _written(rows: Iterable[Sequence[str]]) -> bytes:
    """What the csv module writes of ``rows``, as UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _unquoted(lines: list[str], cells: int) -> bytes | None:
    """The UTF-8 of ``lines`` (each the comma-joined text of its row, ``cells`` cells in all), each ended by CRLF;
    None if a cell holds a comma, a quote, a CR or a LF, which the csv module quotes. A cell's comma or line end is
    counted on the joined text: those characters stand there only as separators exactly when the counts match."""
    body = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    rows = len(lines)
    if b'"' in body or body.count(b"\n") != rows or body.count(b"\r") != rows or body.count(b",") != cells - rows:
        return None
    return body


# How a cell starting with one of tables.FORMULA_START begins in the written text: with that character, or quoted
# (a carriage return always is; a quoted cell's first character follows its quote). Cells begin the text or follow
# a comma or a line feed. In the bytes (the characters are ASCII, which UTF-8 never uses inside another character)
# every unquoted start is turned into "=" and a line feed into ",", so one search finds them all. Finding none
# means inert() would change no cell, so the text written without it is the text; a match (also one inside a quoted
# cell, or a negative number, which inert() keeps) only costs writing the table again.
_UNQUOTED = "".join(c for c in FORMULA_START if c != "\r").encode("ascii")
_STARTS = bytes.maketrans(b"\n" + _UNQUOTED, b"," + b"=" * len(_UNQUOTED))


def _may_start_formula(body: bytes) -> bool:
    """Whether some cell of CSV ``body`` starts with a character of FORMULA_START."""
    marked = body.translate(_STARTS)
    if marked.startswith(b"=") or b",=" in marked:
        return True
    if b'"' not in body:
        return False
    return marked.startswith((b'"=', b'"\r')) or b',"=' in marked or b',"\r' in marked


def records_csv_bytes(columns: list[str], records: Sequence[dict[str, str]]) -> bytes:
    """csv_bytes of ``columns`` as the header and, under it, each record's value in each column ("" where it has
    none), for records of text (HSDS's tables: hsds.hsds_tables).

    When every record fills the same columns (a key outside ``columns`` makes no cell) with text, each line is one
    ``str.format_map`` of a template holding those columns, in C, so no row is made unless a cell needs quoting;
    anything else goes the plain way."""
    first = records[0] if records else {}
    named = len(columns) > 1 and all(c.isidentifier() for c in columns) and first.keys() <= set(columns)
    if not named or set(map(len, records)) != {len(first)}:
        return csv_bytes(list(_rows(columns, records)))
    if not set(map(type, itertools.chain.from_iterable(r.values() for r in records))) <= {str}:
        return csv_bytes(list(_rows(columns, records)))
    template = ",".join("{" + c + "}" if c in first else "" for c in columns)
    try:
        lines = [",".join(columns), *map(template.format_map, records)]
    except KeyError:  # a record lacks a column the first fills
        return csv_bytes(list(_rows(columns, records)))
    body = _unquoted(lines, len(columns) * len(lines))
    if body is None:  # a cell to quote: the csv module writes the rows
        body = _written(_rows(columns, records))
    return csv_bytes(list(_rows(columns, records))) if _may_start_formula(body) else body


def _rows(columns: list[str], records: Sequence[dict[str, str]]) -> Iterator[Sequence[str]]:
    """The header, then each record's cells in the columns' order ("" where it has none): made as they are read,
    each record merged onto the blank row and its cells picked, in C."""
    yield columns
    if len(columns) == 1:  # itemgetter of one column gives the cell, not a row
        yield from ([r.get(columns[0], "")] for r in records)
        return
    blank, pick = dict.fromkeys(columns, ""), operator.itemgetter(*columns)
    yield from map(pick, map(blank.__or__, records))
