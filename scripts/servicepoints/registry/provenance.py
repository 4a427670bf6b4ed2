"""Provenance: where each record comes from, and what an inferred record may say.

Every record carries ``evidence`` (named: a public source names this very point; reported: the
market regulator or the point itself gave the facts, e.g. in a returned fill-in sheet; inferred: the
point is assumed from a reported count or a rule such as "one station in every town") and
``sources``, a list of ``{title, url, date}`` (a reported fact's source also says ``provided_by``,
the organisation that gave it, and its date is the day it was given). The shape of one source comes from the
``point_sources`` table in datapackage.json; the checks here turn each mistake into a Problem at
the right line. The enum and the requirement of ``evidence`` are checked with the other cells.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from ..core.dates import real_date
from ..core.errors import Problem, printable
from ..core.weburl import url_problem
from .descriptor import Descriptor
from .load import Record

SOURCES_RESOURCE = "point_sources"
SOURCE_EXAMPLE = "sources:\n  - title: 出处标题\n    url: https://…\n    date: 2024-01-19"

# Facts an inferred record may not carry: no source names the point, so none can give them.
# Services may stay when a source says every point of the type offers them (and is cited).
INFERRED_FORBIDDEN = (
    "alternate_name",
    "address",
    "phones",
    "email",
    "website",
    "hours",
    "organization",
    "established",
)
INFERRED_STATUS = "unknown"
INFERRED_PRECISIONS = ("town", "unknown")
# Precisions at which a coordinate is the office's own position; a town-centre estimate is not.
OWN_POSITION = ("exact", "street")


def own_position(point: dict) -> tuple[float, float] | None:
    """(lat, lon) when the record's coordinate is the office's own position, else None.

    Formats that cannot say "this is only an estimate" (schema.org geo, HSDS locations) publish this,
    never the town-centre estimate the site shows on its map with a warning.
    """
    if point.get("precision") in OWN_POSITION and point.get("lat") is not None and point.get("lon") is not None:
        return point["lat"], point["lon"]
    return None


def is_inferred(point: dict) -> bool:
    """No source names this point: it is assumed from a reported count or a rule (evidence: inferred)."""
    return point.get("evidence") == "inferred"


def source_fields(descriptor: Descriptor) -> dict[str, dict]:
    """The fields of one source (title, url, date) as the descriptor declares them."""
    return {f["name"]: f for f in descriptor.fields(SOURCES_RESOURCE) if f["name"] != "point_id"}


def check_provenance(
    record: Record,
    descriptor: Descriptor,
    today: dt.date,
    domains: list[str] | None = None,
    spec: dict[str, dict] | None = None,
) -> list[Problem]:
    """Every provenance problem of one record. ``domains``: the allow-list of source sites (source_domains.csv);
    None when the registry has no such table (then nothing is checked against it). ``spec``: source_fields of the
    descriptor, when the caller made it once for every record."""
    spec = spec if spec is not None else source_fields(descriptor)
    out = _sources_problems(record, spec, today) + _reported_problems(record)
    out += _inferred_problems(record, descriptor) + _status_date_problems(record)
    if domains is not None:
        out += _domain_problems(record, domains)
    return out


REPORTED = "reported"
PROVIDER = "provided_by"


def providers(value) -> list[dict]:
    """The sources that say who provided the facts (``provided_by``), in the record's order."""
    if not isinstance(value, list):
        return []
    return [s for s in value if isinstance(s, dict) and isinstance(s.get(PROVIDER), str) and s[PROVIDER].strip()]


def _reported_problems(record: Record) -> list[Problem]:
    """A reported record names who provided its facts and when; a provider is named only on one."""
    rid, values = record.id, record.values
    given = providers(values.get("sources"))
    if values.get("evidence") == REPORTED:
        if not given:
            msg = (
                "主管部门或网点提供的记录（evidence: reported）要在 sources 中写明谁提供、何时提供，例如：\n"
                "sources:\n  - title: 填报表（xiaolan.xlsx）\n"
                "    provided_by: 小榄镇市场监督管理分局\n    date: 2026-12-01\n"
                "provided_by 写单位名称，不写个人姓名。"
            )
            return [Problem(record.file, record.line("sources"), "source-invalid", msg, rid, "sources")]
        undated = [i for i, s in enumerate(values["sources"]) if s in given and not s.get("date")]
        return [
            Problem(
                record.file,
                record.line(f"sources.{i}"),
                "source-invalid",
                f"第 {i + 1} 条信息来源写了提供单位（provided_by），还要写提供的日期（date，YYYY-MM-DD）。",
                rid,
                "sources",
            )
            for i in undated
        ]
    if given and values.get("evidence") in ("named", "inferred"):
        i = values["sources"].index(given[0])
        msg = (
            "这条信息来源写了提供单位（provided_by），即信息由主管部门或网点提供："
            "请把 evidence 改为 reported；公开出处不写 provided_by。"
        )
        return [Problem(record.file, record.line(f"sources.{i}.{PROVIDER}"), "source-invalid", msg, rid, "sources")]
    return []


def source_domains(tables: dict[str, list[dict]]) -> list[str] | None:
    """The allow-listed domains (government, news, publisher sites), or None without the table."""
    if "source_domains" not in tables:
        return None
    return [row["domain"].strip().lower() for row in tables["source_domains"] if row.get("domain")]


def on_list(url: str, domains: list[str]) -> bool:
    """Whether the URL's host is one of the domains or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def _domain_problems(record: Record, domains: list[str]) -> list[Problem]:
    value = record.values.get("sources")
    out = []
    for i, item in enumerate(value if isinstance(value, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str) or item.get("note"):
            continue
        if not on_list(item["url"], domains):
            host = urlsplit(item["url"]).hostname or item["url"]
            msg = (
                f"第 {i + 1} 条信息来源的网站 {host} 不在出处网站名单（source_domains.csv）上。"
                "请改引政府、新闻媒体或出版单位网站上的原文；找不到原文时，在这条出处下写 note 说明"
                "（例如“转载页，原文网址未找到”）。确属政府、媒体或出版单位的网站，可把域名加进名单。"
            )
            out.append(
                Problem(
                    record.file,
                    record.line(f"sources.{i}.url"),
                    "source-domain-unlisted",
                    msg,
                    record.id,
                    "sources",
                    severity="warning",
                )
            )
    return out


def _status_date_problems(record: Record) -> list[Problem]:
    date = record.values.get("status_date")
    if not isinstance(date, str):
        return []
    status, line = record.values.get("status"), record.line("status_date")
    if status == INFERRED_STATUS:
        msg = "状态是 unknown（待核实）时不写状态依据日期（status_date）：没有出处说明现状，就没有依据的日期。"
        return [Problem(record.file, line, "status-date-unsourced", msg, record.id, "status_date")]
    sources = record.values.get("sources")
    dates = {s.get("date") for s in sources if isinstance(s, dict)} if isinstance(sources, list) else set()
    if date not in dates:
        msg = (
            f"状态依据日期 {date} 不是本记录任何一条出处的发布日期：status_date 要写说明网点现状的那条出处的 date，"
            "请先把那条出处加进 sources。"
        )
        return [Problem(record.file, line, "status-date-unsourced", msg, record.id, "status_date")]
    return []


def status_basis(point: dict) -> dict | None:
    """What a shown status rests on: ``{"date", "title"}`` of its source, for the badge (运营中 · 据 DATE 出处).

    The record's ``status_date`` names the source (validated to be one of its sources' dates); without it, the
    newest dated source is used. ``date`` is None when no source is dated. None for ``unknown``: it asserts nothing.
    """
    if point.get("status") == INFERRED_STATUS:
        return None
    dated = [s for s in point.get("sources") or [] if s.get("date")]
    chosen = point.get("status_date")
    match = next((s for s in dated if s["date"] == chosen), None) if chosen else None
    if match is None and dated:
        match = max(dated, key=lambda s: s["date"])
    return {"date": match["date"], "title": match["title"]} if match else {"date": None, "title": None}


def _sources_problems(record: Record, spec: dict[str, dict], today: dt.date) -> list[Problem]:
    rid, value = record.id, record.values.get("sources")

    def problem(key: str, code: str, message: str) -> Problem:
        return Problem(record.file, record.line(key), code, message, rid, "sources")

    if "sources" not in record.values or value is None or value == []:
        where = "sources" if "sources" in record.values else None
        msg = (
            "缺少信息来源（sources）：每条记录至少写一条公开出处，写法：\n"
            f"{SOURCE_EXAMPLE}\n纸质文件可不写 url；不知道发布日期可不写 date。"
        )
        return [Problem(record.file, record.line(where), "sources-missing", msg, rid, "sources")]
    if not isinstance(value, list):
        msg = f"信息来源（sources）应写成列表，每条一项，例如：\n{SOURCE_EXAMPLE}"
        return [problem("sources", "source-invalid", msg)]
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        key = f"sources.{i}"
        title = item.get("title") if isinstance(item, dict) else None
        if isinstance(title, str) and title in seen:
            msg = f"第 {i + 1} 条信息来源与第 {seen[title] + 1} 条标题相同：同一出处只写一次。"
            out.append(problem(f"{key}.title", "source-invalid", msg))
        elif isinstance(title, str):
            seen[title] = i
        if not isinstance(item, dict):
            msg = f"第 {i + 1} 条信息来源应写成 title、url、date 几项，不能只写一段文字。例如：\n{SOURCE_EXAMPLE}"
            out.append(problem(key, "source-invalid", msg))
            continue
        for name in item:
            if name not in spec:
                allowed = "、".join(spec)
                msg = f"第 {i + 1} 条信息来源中没有名为 {name} 的项，只能写：{allowed}。"
                out.append(problem(f"{key}.{name}", "source-invalid", msg))
        out += _item_problems(item, i, key, spec, today, problem)
    return out


def _item_problems(item: dict, i: int, key: str, spec: dict, today: dt.date, problem) -> list[Problem]:
    out = []
    for name, value in item.items():
        if name in spec and value is not None and not isinstance(value, str):
            label = spec[name].get("title", name)
            out.append(problem(f"{key}.{name}", "source-invalid", f"第 {i + 1} 条信息来源的{label}应是一段文字。"))
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        msg = f"第 {i + 1} 条信息来源缺少标题（title）：写公告、新闻或文件的标题。"
        out.append(problem(key if "title" not in item else f"{key}.title", "source-invalid", msg))
    elif len(title) > spec["title"].get("constraints", {}).get("maxLength", 10**6):
        out.append(problem(f"{key}.title", "source-invalid", f"第 {i + 1} 条信息来源的标题太长。"))
    url = item.get("url")
    if isinstance(url, str):
        pattern = spec["url"].get("constraints", {}).get("pattern", r"https?://\S+")
        limit = spec["url"].get("constraints", {}).get("maxLength", 10**6)
        if not re.fullmatch(pattern, url):
            msg = f"第 {i + 1} 条信息来源的网址“{printable(url)}”应以 http:// 或 https:// 开头，且不含空格。"
            out.append(problem(f"{key}.url", "source-bad-url", msg))
        elif len(url) > limit:
            msg = f"第 {i + 1} 条信息来源的网址太长（{len(url)} 个字符，最多 {limit} 个）。"
            out.append(problem(f"{key}.url", "source-bad-url", msg))
        elif url_problem(url):
            msg = f"第 {i + 1} 条信息来源的网址“{printable(url)}”{url_problem(url)}。"
            out.append(problem(f"{key}.url", "source-bad-url", msg))
    date = item.get("date")
    if isinstance(date, str):
        day = real_date(date)
        if day is None:
            msg = f"第 {i + 1} 条信息来源的发布日期“{date}”应写成 YYYY-MM-DD，例如 2024-01-19；不知道日期可不写。"
            out.append(problem(f"{key}.date", "source-bad-date", msg))
        elif day > today:
            msg = f"第 {i + 1} 条信息来源的发布日期 {date} 晚于今天（{today.isoformat()}），请写出处实际发布的日期。"
            out.append(problem(f"{key}.date", "source-bad-date", msg))
    return out


def _inferred_problems(record: Record, descriptor: Descriptor) -> list[Problem]:
    values = record.values
    if values.get("evidence") != "inferred":
        return []
    rid = record.id
    titles = {f["name"]: f.get("title", f["name"]) for f in descriptor.fields("points")}
    out = []
    for name in INFERRED_FORBIDDEN:
        if values.get(name) not in (None, [], ""):
            msg = (
                f"这是推定的网点（evidence: inferred），没有出处点名它，因此不能写{titles.get(name, name)}（{name}）。"
                "如果有出处给出了这项信息，请把它加进 sources，并把 evidence 改为 named。"
            )
            out.append(Problem(record.file, record.line(name), "inferred-with-facts", msg, rid, name))
    status = values.get("status")
    if isinstance(status, str) and status != INFERRED_STATUS:
        msg = (
            f"推定的网点（evidence: inferred）状态只能写 {INFERRED_STATUS}（待核实）：没有出处说明它是否在服务。"
            "有出处时请把它加进 sources，并把 evidence 改为 named。"
        )
        out.append(Problem(record.file, record.line("status"), "inferred-with-facts", msg, rid, "status"))
    if values.get("name_basis") not in (None, "composed"):
        msg = (
            "推定的网点（evidence: inferred）没有出处点名，名称只能是本站拟定的：name_basis 写 composed。"
            "有出处写明了名称时，请把它加进 sources，并把 evidence 改为 named。"
        )
        out.append(Problem(record.file, record.line("name_basis"), "inferred-with-facts", msg, rid, "name_basis"))
    precision = values.get("precision")
    if precision not in INFERRED_PRECISIONS:
        msg = "推定的网点（evidence: inferred）没有出处给出具体位置，位置精度（precision）须写 town 或 unknown。"
        out.append(Problem(record.file, record.line("precision"), "inferred-with-facts", msg, rid, "precision"))
    return out


def public_sources(value) -> list[dict]:
    """A record's sources as published: every item with title, url, date, provided_by and note (None when not
    given)."""
    if not isinstance(value, list):
        return []
    return [
        {
            "title": item.get("title"),
            "url": item.get("url"),
            "date": item.get("date"),
            PROVIDER: item.get(PROVIDER),
            "note": item.get("note"),
        }
        for item in value
        if isinstance(item, dict)
    ]
