"""The need-finder (我要办…): needs in people's words (data/needs.csv) mapped to service codes,
the points that offer them, and the help channels (data/channels.csv: phone, online, counter) for each need."""

from __future__ import annotations

from ..core.errors import Problem, printable
from .codelists import sound
from .load import WHOLE_CITY, Registry

KINDS = {"phone": "phone", "online": "url", "counter": None}  # each kind of channel, and the column it needs


def check_needs(registry: Registry) -> list[Problem]:
    """What the descriptor cannot say (codelists.py checks codes, names, duplicates, kinds, addresses and
    dates): each service code a need lists exists in services.csv; each channel has the column its kind
    needs and helps with needs that exist in needs.csv."""
    out = []
    delimiter = registry.descriptor.list_delimiter
    layout = registry.layout.get("needs")
    if layout and not layout.problem and "services" in layout.header and sound(registry, "services"):
        known = {s["code"] for s in registry.tables.get("services", [])}
        for line, row in zip(layout.lines, registry.tables["needs"], strict=True):
            for service in split_list(row.get("services"), delimiter):
                if service not in known:
                    msg = f"需求表第 {line} 行的服务项目代码“{printable(service)}”不在服务项目表（services.csv）中。"
                    out.append(Problem(layout.file, line, "codelist-error", msg, row.get("code"), "services"))
    channels = registry.layout.get("channels")
    if channels is None or not sound(registry, "channels"):
        return out
    needs: set[str] | None = {n["code"] for n in registry.tables["needs"]} if sound(registry, "needs") else None
    for line, row in zip(channels.lines, registry.tables["channels"], strict=True):

        def problem(message: str, field: str, line: int = line, row: dict = row) -> None:
            out.append(Problem(channels.file, line, "codelist-error", message, row.get("name"), field))

        kind = row.get("kind") or ""
        if (column := KINDS.get(kind)) and not row.get(column):
            problem(f"求助渠道表第 {line} 行的方式是 {kind}，但没有写 {column}。", column)
        for need in split_list(row.get("needs"), delimiter):
            if needs is not None and need not in needs:
                problem(f"求助渠道表第 {line} 行的需求编号“{printable(need)}”不在办事需求表（needs.csv）中。", "needs")
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
    """Each need with its service codes, the non-closed points offering any of them (``citywide``: those anyone
    in the city may use, shown first; ``local``: the rest, by distance), how many of the local ones are inferred
    (no source names them: the page says so beside the count), and the channels (data/channels.csv) that help
    with it: the next step when a point has no phone or is unverified."""
    names = {s["code"]: s["name"] for s in services}
    out = []
    for need in needs:
        codes = split_list(need["services"], delimiter)
        offering = [p for p in points if p["status"] != "closed" and any(c in p["services"] for c in codes)]
        helping = channels_for([need["code"]], channels or [], delimiter)
        citywide: list[dict] = []
        local: list[dict] = []
        for p in offering:  # one pass: a membership test per point compared whole records, O(local x citywide)
            (citywide if WHOLE_CITY in (p.get("area_served") or []) else local).append(p)
        inferred = sum(1 for p in local if p.get("evidence") == "inferred")  # said beside the count
        named = [names.get(c, c) for c in codes]
        out.append(
            need
            | {"codes": codes, "names": named, "points": offering, "citywide": citywide, "local": local}
            | {"inferred": inferred, "channels": helping}
        )
    return out
