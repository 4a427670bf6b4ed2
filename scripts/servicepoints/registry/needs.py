"""The need-finder (我要办…): needs in people's words (data/needs.csv) mapped to service codes,
the points that offer them, and the help channels (data/channels.csv: phone, online, counter) for each need."""

from __future__ import annotations

import re

from ..core.errors import Problem
from .holidays import missing_columns, numbered_rows, parse_date, resource_path
from .load import Registry, display_path

CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
URL = re.compile(r"https?://\S+")


def check_needs(registry: Registry) -> list[Problem]:
    """Each need has a unique code, a name and service codes that exist in services.csv."""
    path = resource_path(registry, "needs")
    if path is None or not path.is_file():
        return []
    shown, out = display_path(path), []
    lacking = missing_columns(path, ("code", "name", "services"))
    if lacking:
        msg = f"需求表第 1 行（表头）缺少列：{'、'.join(lacking)}。表头应为 code,name,description,services。"
        return [Problem(shown, 1, "codelist-error", msg, None, lacking[0])] + _check_channels(registry)
    known = {s["code"] for s in registry.tables.get("services", [])}
    delimiter = registry.descriptor.list_delimiter
    seen: dict[str, int] = {}
    for line, row in numbered_rows(path):
        code = row.get("code") or ""

        def problem(message: str, field: str, line: int = line, code: str = code) -> None:
            out.append(Problem(shown, line, "codelist-error", message, code or None, field))

        if not CODE.fullmatch(code):
            problem(
                f"需求表第 {line} 行的编号“{code}”不对：只用小写字母、数字和连字符，例如 register-trademark。", "code"
            )
        elif code in seen:
            problem(f"需求编号“{code}”写了两次（第 {seen[code]} 行和第 {line} 行）。", "code")
        seen.setdefault(code, line)
        if not row.get("name"):
            problem(f"需求表第 {line} 行缺少 name（大家平常的说法，例如 注册商标）。", "name")
        services = split_list(row.get("services"), delimiter)
        if not services:
            problem(f"需求表第 {line} 行没有写服务项目代码（services）。", "services")
        for service in services:
            if service not in known:
                msg = f"需求表第 {line} 行的服务项目代码“{service}”不在服务项目表（services.csv）中。"
                problem(msg, "services")
    return out + _check_channels(registry)


KINDS = {"phone": "phone", "online": "url", "counter": None}  # each kind of channel, and the column it needs


def _check_channels(registry: Registry) -> list[Problem]:
    """Each channel names its kind, the needs it helps with (codes in needs.csv) and its source."""
    path = resource_path(registry, "channels")
    if path is None or not path.is_file():
        return []
    shown, out = display_path(path), []
    known = {n["code"] for n in registry.tables.get("needs", [])}
    delimiter = registry.descriptor.list_delimiter
    for line, row in numbered_rows(path):

        def problem(message: str, field: str, line: int = line, row: dict = row) -> None:
            out.append(Problem(shown, line, "codelist-error", message, row.get("name") or None, field))

        for name in ("name", "kind", "needs", "source_title", "source_url", "source_date"):
            if not row.get(name):
                problem(f"求助渠道表第 {line} 行缺少 {name}。", name)
        kind = row.get("kind") or ""
        if kind and kind not in KINDS:
            problem(f"求助渠道表第 {line} 行的方式“{kind}”不对：只能写 phone、online 或 counter。", "kind")
        elif (column := KINDS.get(kind)) and not row.get(column):
            problem(f"求助渠道表第 {line} 行的方式是 {kind}，但没有写 {column}。", column)
        for need in split_list(row.get("needs"), delimiter):
            if need not in known:
                problem(f"求助渠道表第 {line} 行的需求编号“{need}”不在办事需求表（needs.csv）中。", "needs")
        for name in ("url", "source_url"):
            if row.get(name) and not URL.fullmatch(row[name]):
                problem(f"求助渠道表第 {line} 行的 {name}“{row[name]}”不是 http(s) 网址。", name)
        if row.get("source_date") and parse_date(row["source_date"]) is None:
            problem(f"求助渠道表第 {line} 行的来源日期“{row['source_date']}”应写成 YYYY-MM-DD。", "source_date")
    return out


def split_list(text: str | None, delimiter: str = ";") -> list[str]:
    return [item.strip() for item in (text or "").split(delimiter) if item.strip()]


def channels_for(need_codes: list[str], channels: list[dict], delimiter: str = ";") -> list[dict]:
    """The channels helping with any of these needs, in the table's order."""
    wanted = set(need_codes)
    return [c for c in channels if wanted & set(split_list(c.get("needs"), delimiter))]


def needs_for_services(services: list[str], needs: list[dict], delimiter: str = ";") -> list[str]:
    """The codes of the needs that any of these services meets."""
    offered = set(services)
    return [n["code"] for n in needs if offered & set(split_list(n.get("services"), delimiter))]


def needs_view(
    points: list[dict],
    needs: list[dict],
    services: list[dict],
    delimiter: str = ";",
    channels: list[dict] | None = None,
) -> list[dict]:
    """Each need with its service codes, the non-closed points offering any of them, and the channels
    (data/channels.csv) that help with it: the next step when a point has no phone or is unverified; and how many
    of those points are inferred (no source names them: the page says so beside the count)."""
    names = {s["code"]: s["name"] for s in services}
    out = []
    for need in needs:
        codes = split_list(need["services"], delimiter)
        offering = [p for p in points if p["status"] != "closed" and any(c in p["services"] for c in codes)]
        helping = channels_for([need["code"]], channels or [], delimiter)
        inferred = sum(1 for p in offering if p.get("evidence") == "inferred")  # said beside the count
        view = {"codes": codes, "names": [names.get(c, c) for c in codes], "points": offering, "inferred": inferred}
        out.append(need | view | {"channels": helping})
    return out
