"""CSV text as RFC 4180 says, read the same way by the validator and the browser editor.

``site_templates/theme/assets/servicepoints-csv.js`` is the same reader in JavaScript; both are tested
against ``tests/csv_cases.json``. Where RFC 4180 leaves a choice this reader is strict, so the two can
never disagree: a ``"`` inside an unquoted cell, anything but a comma or a line end after a closing
quote, and a quote never closed are errors, never guessed at. Lines end in CRLF, LF or CR; a line with
nothing on it is skipped; a leading byte-order mark is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CsvError(Exception):
    line: int
    message: str


def parse_csv(text: str) -> list[tuple[int, list[str]]]:
    """(line where the row starts, cells) for every row; CsvError at the first malformed place."""
    if text.startswith("\ufeff"):
        text = text[1:]
    rows: list[tuple[int, list[str]]] = []
    row: list[str] = []
    line, start, i, size = 1, 1, 0, len(text)
    while i < size:
        if text[i] == '"':
            i += 1
            cell = []
            while True:
                if i >= size:
                    raise CsvError(start, "引号没有闭合（从这一行开始的带引号的格子一直没有结束引号）")
                c = text[i]
                if c == '"':
                    if i + 1 < size and text[i + 1] == '"':
                        cell.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                if c == "\n" or (c == "\r" and text[i + 1 : i + 2] != "\n"):
                    line += 1
                cell.append(c)
                i += 1
            row.append("".join(cell))
            if i < size and text[i] not in ",\r\n":
                raise CsvError(line, '结束引号后面应是逗号或换行；格子里的引号要写成两个（""）')
        else:
            end = i
            while end < size and text[end] not in ',\r\n"':
                end += 1
            if end < size and text[end] == '"':
                raise CsvError(
                    line, '没有用引号括起的格子里有引号；含引号的格子应整个用引号括起，里面的引号写成两个（""）'
                )
            row.append(text[i:end])
            i = end
        if i < size and text[i] == ",":
            i += 1
            if i < size and text[i] not in "\r\n":
                continue
            row.append("")  # a comma just before the line end: one more empty cell
        # a line end, or the end of the text
        if row != [""]:
            rows.append((start, row))
        row = []
        if i < size:
            i += 2 if text[i] == "\r" and text[i + 1 : i + 2] == "\n" else 1
            line += 1
        start = line
    return rows
