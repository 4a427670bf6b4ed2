"""A strict subset of OpenStreetMap ``opening_hours``: parse it and say it in Chinese.

Accepted: rules separated by ``;``; each rule is ``24/7``, or optional day selectors
(``Mo-Fr``, ``Sa,Su``, ``PH``) followed by time spans (``09:00-12:00,13:30-17:00``)
or by ``off``/``closed``.
"""

from __future__ import annotations

import re

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
_DAY_CN = dict(zip(DAYS, ["周一", "周二", "周三", "周四", "周五", "周六", "周日"], strict=True))
_SPECIAL_CN = {"PH": "法定节假日", "SH": "学校假期"}
_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_SELECTOR = re.compile(rf"^(?:{_DAY}(?:-{_DAY})?|PH|SH)(?:,(?:{_DAY}(?:-{_DAY})?|PH|SH))*$")
_TIME = r"(?:[01][0-9]|2[0-4]):[0-5][0-9]"
_SPANS = re.compile(rf"^{_TIME}-{_TIME}(?:,{_TIME}-{_TIME})*$")


def parse(text: str) -> list[tuple[str, str]] | None:
    """(selector, times) pairs, times being spans, ``off`` or ``24/7``; None if invalid."""
    rules = []
    for raw in text.split(";"):
        rule = raw.strip()
        if not rule:
            return None
        if rule == "24/7":
            rules.append(("", "24/7"))
            continue
        head, _, tail = rule.partition(" ")
        selector, times = (head, tail.strip()) if _SELECTOR.match(head) else ("", rule)
        if times == "closed":
            times = "off"
        if times != "off" and not (_SPANS.match(times) and _ordered(times)):
            return None
        if times == "off" and not selector:
            return None
        rules.append((selector, times))
    return rules


def _ordered(spans: str) -> bool:
    return all(a < b for a, b in (span.split("-") for span in spans.split(",")))


def describe(text: str | None) -> str | None:
    """Say opening hours in Chinese, e.g. 周一至周五 09:00–12:00、13:30–17:00；法定节假日休息."""
    rules = parse(text) if text else None
    if not rules:
        return text
    return "；".join(_describe_rule(selector, times) for selector, times in rules)


def _describe_rule(selector: str, times: str) -> str:
    if times == "24/7":
        return "全天候（每天 24 小时）"
    days = "、".join(_describe_days(part) for part in selector.split(",")) if selector else "每天"
    if times == "off":
        return f"{days}休息"
    return f"{days} " + "、".join(span.replace("-", "–") for span in times.split(","))


def _describe_days(part: str) -> str:
    if part in _SPECIAL_CN:
        return _SPECIAL_CN[part]
    first, _, last = part.partition("-")
    return f"{_DAY_CN[first]}至{_DAY_CN[last]}" if last else _DAY_CN[first]
