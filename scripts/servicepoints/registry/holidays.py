"""The holiday table (data/holidays.csv): check it, say which years it covers, hand it to the browser.

China's State Council publishes each year's public holidays and make-up workdays (调休上班) in a notice,
usually in November or December. The table holds the years published so far; a year it does not hold
is one whose opening state nobody can compute, so the open-now badge says "unknown" there.
"""

from __future__ import annotations

import datetime as dt
import json

from ..core.dates import real_date
from ..core.errors import Problem
from ..core.hours import Calendar
from .load import Registry

KINDS = {"holiday": "放假", "workday": "调休上班"}
WARN_FROM = (12, 1)  # from 1 December, next year's rows are due


def check_holidays(registry: Registry) -> list[Problem]:
    """What the descriptor cannot say (codelists.py checks dates, kinds, duplicates and empty cells):
    a make-up workday on a weekday (it should be a weekend day) is a warning."""
    layout = registry.layout.get("holidays")
    if layout is None or layout.problem or "kind" not in layout.header or "date" not in layout.header:
        return []
    out = []
    for line, row in zip(layout.lines, registry.tables["holidays"], strict=True):
        day = real_date(row.get("date"))
        if row.get("kind") == "workday" and day is not None and day.weekday() < 5:
            msg = f"{row['date']} 是工作日，本来就上班；调休上班日（workday）通常是周六或周日，请对照通知核实。"
            out.append(Problem(layout.file, line, "codelist-error", msg, row["date"], "kind", "warning"))
    return out


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


def browser_json(rows: list[dict], since: int = 0) -> bytes:
    """The table for servicepoints-hours.js: covered years and ``date -> [kind, name]``, from the year ``since``
    on. The badge answers for today in China and a site is read after its release, so the build passes the
    release's year: the years before it never matter to a reader (a clock set before it gets the weekly hours,
    marked as leaving that year's holidays out)."""
    cal = calendar([r for r in rows if (real_date(r.get("date")) or dt.date.min).year >= since])
    body = {"years": sorted(cal.years), "days": {d: list(v) for d, v in sorted(cal.days.items())}}
    return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
