"""The need-finder (我要办…): needs in people's words (data/needs.csv) mapped to service codes,
the points that offer them, and the national channels (data/channels.csv) when none does."""

from __future__ import annotations

import re

from ..core.errors import Problem
from .holidays import missing_columns, numbered_rows, parse_date, resource_path
from .load import Registry, display_path

CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
URL = re.compile(r"https?://\S+")
HELP_SERVICES = {"rapid-enforcement", "rights-assistance", "enforcement-advice"}  # the national channels help here too


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
        services = [s.strip() for s in (row.get("services") or "").split(delimiter) if s.strip()]
        if not services:
            problem(f"需求表第 {line} 行没有写服务项目代码（services）。", "services")
        for service in services:
            if service not in known:
                msg = f"需求表第 {line} 行的服务项目代码“{service}”不在服务项目表（services.csv）中。"
                problem(msg, "services")
    return out + _check_channels(registry)


def _check_channels(registry: Registry) -> list[Problem]:
    path = resource_path(registry, "channels")
    if path is None or not path.is_file():
        return []
    shown, out = display_path(path), []
    for line, row in numbered_rows(path):
        for name in ("name", "source_title", "source_url", "source_date"):
            if not row.get(name):
                out.append(Problem(shown, line, "codelist-error", f"求助渠道表第 {line} 行缺少 {name}。", None, name))
        for name in ("url", "source_url"):
            if row.get(name) and not URL.fullmatch(row[name]):
                msg = f"求助渠道表第 {line} 行的 {name}“{row[name]}”不是 http(s) 网址。"
                out.append(Problem(shown, line, "codelist-error", msg, None, name))
        if row.get("source_date") and parse_date(row["source_date"]) is None:
            msg = f"求助渠道表第 {line} 行的来源日期“{row['source_date']}”应写成 YYYY-MM-DD。"
            out.append(Problem(shown, line, "codelist-error", msg, None, "source_date"))
    return out


def needs_view(points: list[dict], needs: list[dict], services: list[dict], delimiter: str = ";") -> list[dict]:
    """Each need with its service codes and the non-closed points offering any of them (by id)."""
    names = {s["code"]: s["name"] for s in services}
    out = []
    for need in needs:
        codes = [s.strip() for s in (need["services"] or "").split(delimiter) if s.strip()]
        offering = [p for p in points if p["status"] != "closed" and any(c in p["services"] for c in codes)]
        reachable = any(p["phones"] or p["lat"] is not None for p in offering)
        show = not reachable or any(c in HELP_SERVICES for c in codes)
        out.append(
            need
            | {"codes": codes, "names": [names.get(c, c) for c in codes], "points": offering, "show_channels": show}
        )
    return out
