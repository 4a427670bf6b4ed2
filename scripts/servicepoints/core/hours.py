"""The ONE opening-hours grammar: a strict subset of OpenStreetMap ``opening_hours``.

Everything that reads a point's ``hours`` goes through this module: the validator (``parse``),
the page text (``describe``), the HSDS schedules (``weekly``) and the open-now state (``status``).
``site_templates/theme/assets/servicepoints-hours.js`` is the same grammar for the browser; both are
tested against ``tests/hours_cases.json``.

Grammar: rules separated by ``;``. A rule is ``24/7``, or times alone (every day), or a day selector,
one space, then times or ``off``/``closed``. A selector is a comma list of days (``Mo`` … ``Su``), day
ranges (``Mo-Fr``; ``Fr-Mo`` wraps) and ``PH`` (a public holiday in ``data/holidays.csv``). Times are
``HH:MM-HH:MM`` spans in ascending, non-overlapping order, comma separated (a lunch break is the gap
between two spans); ``24:00`` may end a span; spans past midnight are not accepted.
A later rule replaces an earlier one for the days it selects (``Mo-Fr 09:00-17:00; We 09:00-12:00``).

China's calendar: on a date the holiday table marks ``holiday``, only rules selecting ``PH`` (or every
day) apply; with none, the state is unknown (most offices close, but the record does not say).
On a make-up workday (``workday``, 调休上班) the hours of the first of Monday–Friday that has any apply.
China time is UTC+8 all year (no daylight saving since 1992), whatever the reader's device says.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
DAY_CN = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
HSDS_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_PART = rf"(?:{_DAY}(?:-{_DAY})?|PH)"
_SELECTOR = re.compile(rf"^{_PART}(?:,{_PART})*$")
_TIME = r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)"
_SPANS = re.compile(rf"^{_TIME}-{_TIME}(?:,{_TIME}-{_TIME})*$")
LUNCH_FROM, LUNCH_TO = 11 * 60, 14 * 60  # a gap starting in this window is called 午休
LOOKAHEAD_DAYS = 14  # how far ahead "opens next" looks


@dataclass(frozen=True)
class Rule:
    """One ``;`` rule: the weekdays (0 = Monday) and whether public holidays are selected,
    then opening spans in minutes after midnight; no spans means closed (``off``)."""

    selector: str
    days: tuple[int, ...]
    holiday: bool
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Hours:
    """Parsed opening hours: the rules in the order written, and the source text."""

    text: str
    rules: tuple[Rule, ...]

    def day_spans(self, weekday: int) -> tuple[tuple[int, int], ...]:
        """Spans on an ordinary day of this weekday (the last rule selecting it wins)."""
        spans: tuple[tuple[int, int], ...] = ()
        for rule in self.rules:
            if weekday in rule.days:
                spans = rule.spans
        return spans

    def holiday_spans(self) -> tuple[tuple[int, int], ...] | None:
        """Spans on a public holiday, or None when no rule says."""
        spans = None
        for rule in self.rules:
            if rule.holiday:
                spans = rule.spans
        return spans

    def workday_spans(self, weekday: int) -> tuple[tuple[int, int], ...]:
        """Spans on a make-up workday: those of the first of Mo–Fr with any, else the day's own."""
        for day in range(5):
            if self.day_spans(day):
                return self.day_spans(day)
        return self.day_spans(weekday)


def parse(text: str | None) -> Hours | None:
    """The parsed hours, or None if ``text`` is empty or not in the grammar."""
    if not isinstance(text, str) or not text.strip():
        return None
    return _parse(text)


@functools.lru_cache(maxsize=4096)  # the same few texts on thousands of points; Hours is immutable
def _parse(text: str) -> Hours | None:
    rules = []
    for raw in text.split(";"):
        rule = _rule(raw.strip())
        if rule is None:
            return None
        rules.append(rule)
    return Hours(text=text, rules=tuple(rules))


def _rule(rule: str) -> Rule | None:
    if rule == "24/7":
        return Rule("", tuple(range(7)), True, ((0, 1440),))
    head, _, tail = rule.partition(" ")
    selector, times = (head, tail.strip()) if _SELECTOR.match(head) else ("", rule)
    if times == "closed":
        times = "off"
    if times == "off":
        return Rule(selector, *_days(selector), ()) if selector else None
    if not _SPANS.match(times):
        return None
    spans = tuple(tuple(_minutes(t) for t in span.split("-")) for span in times.split(","))
    flat = [m for span in spans for m in span]
    if any(a >= b for a, b in zip(flat, flat[1:], strict=False)):
        return None  # each span forward, spans in order and not touching
    days, holiday = _days(selector) if selector else (tuple(range(7)), True)
    return Rule(selector, days, holiday, spans)  # type: ignore[arg-type]


def _days(selector: str) -> tuple[tuple[int, ...], bool]:
    days: list[int] = []
    holiday = False
    for part in selector.split(","):
        if part == "PH":
            holiday = True
            continue
        first, _, last = part.partition("-")
        start, end = DAYS.index(first), DAYS.index(last or first)
        span = [(start + i) % 7 for i in range((end - start) % 7 + 1)]
        days += [d for d in span if d not in days]
    return tuple(sorted(days)), holiday


def _minutes(time: str) -> int:
    hours, minutes = time.split(":")
    return int(hours) * 60 + int(minutes)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- the page text ----------------------------------------------------------------------------


def describe(text: str | None) -> str | None:
    """Say opening hours in Chinese, e.g. 周一至周五 09:00–12:00、13:30–17:00；法定节假日休息.
    Text outside the grammar comes back unchanged (the validator has already reported it)."""
    hours = parse(text) if text else None
    if hours is None:
        return text
    return _describe(hours)


@functools.lru_cache(maxsize=4096)
def _describe(hours: Hours) -> str:
    return "；".join(_describe_rule(rule) for rule in hours.rules)


def _describe_rule(rule: Rule) -> str:
    if rule.spans == ((0, 1440),) and not rule.selector:
        return "全天候（每天 24 小时）"
    days = "、".join(_describe_part(part) for part in rule.selector.split(",")) if rule.selector else "每天"
    if not rule.spans:
        return f"{days}休息"
    return f"{days} " + "、".join(f"{clock(a)}–{clock(b)}" for a, b in rule.spans)


def _describe_part(part: str) -> str:
    if part == "PH":
        return "法定节假日"
    first, _, last = part.partition("-")
    return f"{DAY_CN[DAYS.index(first)]}至{DAY_CN[DAYS.index(last)]}" if last else DAY_CN[DAYS.index(first)]


# --- HSDS -------------------------------------------------------------------------------------


def weekly(text: str | None) -> list[tuple[str, str, list[str]]]:
    """The ordinary week as HSDS schedule rows: ``(opens_at, closes_at, BYDAY days)``, one per span,
    weekdays with the same span grouped, in weekday order. Public holidays and make-up workdays
    have no weekly form (HSDS cannot say them); ``[]`` for missing or invalid hours."""
    hours = parse(text)
    if hours is None:
        return []
    rows: dict[tuple[int, int], list[str]] = {}
    for day in range(7):
        for span in hours.day_spans(day):
            rows.setdefault(span, []).append(HSDS_DAYS[day])
    ordered = sorted(rows.items(), key=lambda item: (HSDS_DAYS.index(item[1][0]), item[0]))
    return [(clock(a), clock(b), days) for (a, b), days in ordered]


# --- open now ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """The holiday table: ISO date -> (``holiday``|``workday``, name), and the years it covers."""

    days: dict[str, tuple[str, str]]
    years: frozenset[int]

    @classmethod
    def from_rows(cls, rows: list[dict]) -> Calendar:
        days = {
            r["date"]: (r["kind"], r.get("name") or "")
            for r in rows
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.get("date") or "") and r.get("kind") in ("holiday", "workday")
        }  # rows the validator rejects are left out, so a half-checked table never breaks a page
        return cls(days=days, years=frozenset(int(d[:4]) for d in days))


@dataclass(frozen=True)
class Status:
    """Open-now answer: ``open``, ``closed`` or ``unknown``, and the badge text."""

    state: str
    text: str


def china_time(when: dt.datetime) -> dt.datetime:
    """Wall-clock time in China; a naive datetime is taken as China time already."""
    return when.astimezone(CHINA).replace(tzinfo=None) if when.tzinfo else when


def _spans_on(hours: Hours, day: dt.date, calendar: Calendar) -> tuple[tuple[int, int], ...] | None:
    kind = calendar.days.get(day.isoformat(), (None, ""))[0]
    if kind == "holiday":
        return hours.holiday_spans()
    if kind == "workday":
        return hours.workday_spans(day.weekday())
    return hours.day_spans(day.weekday())


# A point that is not operating is not open, whatever its hours say; one whose status is unknown may not be.
NOT_OPERATING = {
    "suspended": "暂停服务，暂不接待",
    "closed": "已撤销，不再接待",
    "pending": "尚未开始运营",
    "building": "筹建中，尚未接待",
}
HOLIDAY_UNSAID = "服务时间没有写节假日是否营业"
WEEKLY_ONLY = "（暂按每周服务时间，未计入{year}年节假日）"
STATUS_UNKNOWN = "服务状态待核实"  # no "call to check": many points have no phone; the page offers channels


def status(text: str | None, calendar: Calendar, when: dt.datetime, point_status: str | None = None) -> Status:
    """Is the point open at ``when``? The same answer, word for word, as the browser's.
    ``point_status`` is the record's ``status``; None or ``operating`` lets the hours decide."""
    if point_status in NOT_OPERATING:
        return Status("closed", NOT_OPERATING[point_status])
    if point_status == "unknown":
        return Status("unknown", STATUS_UNKNOWN)
    if not text or not text.strip():
        return Status("unknown", "服务时间待补充")
    hours = parse(text)
    if hours is None:
        return Status("unknown", "服务时间无法识别")
    now = china_time(when)
    today, minute = now.date(), now.hour * 60 + now.minute
    kind, name = calendar.days.get(today.isoformat(), (None, ""))
    prefix = f"今天是{name}假期" if kind == "holiday" else "今天调休上班" if kind == "workday" else ""
    spans = _spans_on(hours, today, calendar)
    if spans is None:
        return Status("unknown", _join(prefix, HOLIDAY_UNSAID))
    # A year without its holiday table (the State Council's notice comes late in the year before): the weekly
    # hours answer, saying that they leave that year's holidays out.
    note = "" if today.year in calendar.years else WEEKLY_ONLY.format(year=today.year)
    for a, b in spans:
        if a <= minute < b:
            return Status("open", _join(prefix, "营业中 · " + _until(spans, b)) + note)
    later = [a for a, _ in spans if a > minute]
    if later and any(b <= minute for _, b in spans):
        word = "午休中" if LUNCH_FROM <= max(b for _, b in spans if b <= minute) < LUNCH_TO else "暂停服务"
        return Status("closed", _join(prefix, f"{word} · {clock(later[0])} 开门") + note)
    if later:
        return Status("closed", _join(prefix, f"已关门 · 今天 {clock(later[0])} 开门") + note)
    return Status("closed", _join(prefix, "已关门" + _next_opening(hours, today, calendar)) + note)


def _until(spans: tuple[tuple[int, int], ...], end: int) -> str:
    if end == 1440 and spans[0][0] == 0 and len(spans) == 1:
        return "全天开放"
    if any(a > end for a, _ in spans):
        return f"{clock(end)} {'午休' if LUNCH_FROM <= end < LUNCH_TO else '暂停'}"
    return f"{clock(end)} 关门"


def _next_opening(hours: Hours, today: dt.date, calendar: Calendar) -> str:
    for ahead in range(1, LOOKAHEAD_DAYS + 1):
        day = today + dt.timedelta(days=ahead)
        if day.year not in calendar.years and today.year in calendar.years:
            return ""  # from a year with its table into one without: no guess across the new year's holidays
        spans = _spans_on(hours, day, calendar)
        if spans is None:
            return ""  # a holiday the record says nothing about
        if spans:
            when = DAY_CN[day.weekday()] if ahead < 7 else f"{day.month}月{day.day}日（{DAY_CN[day.weekday()]}）"
            return f" · {when} {clock(spans[0][0])} 开门"
    return ""


def _join(prefix: str, text: str) -> str:
    return f"{prefix} · {text}" if prefix else text
