"""The need-finder (我要办…): needs in people's words (data/needs.csv) mapped to service codes,
the points that offer them, and the national channels (data/channels.csv) when none does."""

from __future__ import annotations

from ..core.errors import Problem, printable
from .codelists import sound
from .load import Registry

HELP_SERVICES = {"rapid-enforcement", "rights-assistance", "enforcement-advice"}  # the national channels help here too


def check_needs(registry: Registry) -> list[Problem]:
    """What the descriptor cannot say (codelists.py checks codes, names, duplicates and the channels):
    each service code a need lists exists in services.csv."""
    layout = registry.layout.get("needs")
    if layout is None or layout.problem or "services" not in layout.header or not sound(registry, "services"):
        return []
    known = {s["code"] for s in registry.tables.get("services", [])}
    delimiter = registry.descriptor.list_delimiter
    out = []
    for line, row in zip(layout.lines, registry.tables["needs"], strict=True):
        for service in need_services(row, delimiter):
            if service not in known:
                msg = f"需求表第 {line} 行的服务项目代码“{printable(service)}”不在服务项目表（services.csv）中。"
                out.append(Problem(layout.file, line, "codelist-error", msg, row.get("code"), "services"))
    return out


def need_services(row: dict, delimiter: str = ";") -> list[str]:
    """A need's service codes, as the validator and the pages read them."""
    return [s.strip() for s in (row.get("services") or "").split(delimiter) if s.strip()]


def needs_view(points: list[dict], needs: list[dict], services: list[dict], delimiter: str = ";") -> list[dict]:
    """Each need with its service codes and the non-closed points offering any of them (by id)."""
    names = {s["code"]: s["name"] for s in services}
    out = []
    for need in needs:
        codes = need_services(need, delimiter)
        offering = [p for p in points if p["status"] != "closed" and any(c in p["services"] for c in codes)]
        reachable = any(p["phones"] or p["lat"] is not None for p in offering)
        show = not reachable or any(c in HELP_SERVICES for c in codes)
        out.append(
            need
            | {"codes": codes, "names": [names.get(c, c) for c in codes], "points": offering, "show_channels": show}
        )
    return out
