"""The holiday table (data/holidays.csv): check it, say which years it covers, hand it to the browser.

China's State Council publishes each year's public holidays and make-up workdays (调休上班) in a notice,
usually in November or December. The table holds the years published so far; a year it does not hold
is one whose opening state nobody can compute, so the open-now badge says "unknown" there.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from ..core.errors import Problem
from ..core.hours import Calendar
from .load import Registry, display_path

KINDS = {"holiday": "放假", "workday": "调休上班"}
REQUIRED = ("date", "kind", "name", "source")
WARN_FROM = (12, 1)  # from 1 December, next year's rows are due


def resource_path(registry: Registry, name: str) -> Path | None:
    path = registry.descriptor.path(name)
    return registry.root / path if path else None


def missing_columns(path: Path, wanted: tuple[str, ...]) -> list[str]:
    """The wanted columns the file's header lacks."""
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")), [])
    return [c for c in wanted if c not in [h.strip() for h in header]]


def numbered_rows(path: Path) -> list[tuple[int, dict]]:
    """(line, row) for each data row of a CSV file; lines count from 1 with the header."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows, line = [], 2
    for row in reader:
        rows.append((line, {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}))
        line = reader.line_num + 1
    return rows


def check_holidays(registry: Registry) -> list[Problem]:
    """Real dates, no date twice, known kinds, every cell filled; a make-up workday on a weekday
    (it should be a weekend day) is a warning."""
    path = resource_path(registry, "holidays")
    if path is None or not path.is_file():
        return []
    shown = display_path(path)
    lacking = missing_columns(path, REQUIRED)
    if lacking:
        msg = f"节假日表第 1 行（表头）缺少列：{'、'.join(lacking)}。表头应为 date,kind,name,source。"
        return [Problem(shown, 1, "codelist-error", msg, None, lacking[0])]
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for line, row in numbered_rows(path):

        def problem(message: str, field: str | None = None, severity: str = "error", line: int = line, row=row) -> None:
            out.append(Problem(shown, line, "codelist-error", message, row.get("date") or None, field, severity))

        for name in REQUIRED:
            if not row.get(name):
                problem(f"节假日表第 {line} 行缺少 {name}。每行都要写日期、类别、节日和来源。", name)
        text = row.get("date") or ""
        day = parse_date(text)
        if text and day is None:
            problem(f"节假日表第 {line} 行的日期“{text}”不是真实的日期，应写成 YYYY-MM-DD，例如 2026-10-01。", "date")
        if day is not None:
            if text in seen:
                problem(f"日期 {text} 写了两次（第 {seen[text]} 行和第 {line} 行），请删去一行。", "date")
            seen.setdefault(text, line)
        kind = row.get("kind") or ""
        if kind and kind not in KINDS:
            problem(f"节假日表第 {line} 行的类别“{kind}”不对，只能写 holiday（放假）或 workday（调休上班）。", "kind")
        if kind == "workday" and day is not None and day.weekday() < 5:
            msg = f"{text} 是工作日，本来就上班；调休上班日（workday）通常是周六或周日，请对照通知核实。"
            problem(msg, "kind", "warning")
    return out


def parse_date(text: str) -> dt.date | None:
    if len(text) != 10:
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


def calendar(rows: list[dict]) -> Calendar:
    return Calendar.from_rows(rows)


def years(rows: list[dict]) -> list[int]:
    return sorted(calendar(rows).years)


def missing_next_year(rows: list[dict], today: dt.date) -> str | None:
    """From 1 December, a warning when next year is not in the table yet; else None."""
    if (today.month, today.day) < WARN_FROM:
        return None
    covered = calendar(rows).years
    nxt = today.year + 1
    if nxt in covered:
        return None
    held = f"目前收录 {min(covered)}–{max(covered)} 年" if covered else "目前是空的"
    return (
        f"节假日表（data/holidays.csv）还没有 {nxt} 年的放假和调休安排（{held}）。"
        f"国务院办公厅公布《关于{nxt}年部分节假日安排的通知》后，请按编辑指南补上；"
        f"在此之前，网站对 {nxt} 年的日子显示“无法判断是否营业”。"
    )


def browser_json(rows: list[dict]) -> bytes:
    """The table for servicepoints-hours.js: covered years and ``date -> [kind, name]``."""
    cal = calendar(rows)
    body = {"years": sorted(cal.years), "days": {d: list(v) for d, v in sorted(cal.days.items())}}
    return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
