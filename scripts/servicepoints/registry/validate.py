"""Validate a registry: the whole package through frictionless, then the checks
Table Schema cannot express. Returns every problem at once and the typed public records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from ..core import geo, hours
from ..core.dates import real_date
from ..core.errors import Problem, errors
from ..core.parallel import Background, default_workers
from ..core.place import Place
from .codelists import check_code_lists
from .freshness import too_old
from .holidays import check_holidays
from .load import WHOLE_CITY, Record, Registry, allowed_services, collector_paused, display_path, record_stem
from .needs import check_needs
from .provenance import check_provenance, public_sources, source_domains, source_fields
from .suggest import did_you_mean
from .tablecheck import check_package
from .textcheck import TextScreen, finite_number, text_problems

HOURS_EXAMPLE = "Mo-Fr 09:00-12:00,13:30-17:00; PH off"
SHAPE_NAMES = {"list": "列表", "dict": "一组字段"}


@dataclass
class Report:
    """What validation found: problems, and the public records when there is no error."""

    problems: list[Problem]
    points: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not errors(self.problems)


@dataclass
class Memo:
    """What earlier validations found, for the editor's preview, which validates after every save: a record read
    again only when its file changed (read_registry's ``known``) is the same object, so it is checked again only
    then. Holds while the descriptor, code lists, ``today`` and ``stale_days`` stay the same (``key``)."""

    key: str = ""
    checked: dict[int, tuple[Record, list[Problem]]] = field(default_factory=dict)  # id(record) -> its problems
    clean: dict[int, Record] = field(default_factory=dict)  # records of the last registry without errors

    def start(self, registry: Registry, today: dt.date, stale_days: int) -> None:
        text = json.dumps([registry.descriptor.raw, registry.tables, str(today), stale_days], default=repr)
        if text != self.key:
            self.key, self.checked, self.clean = text, {}, {}

    def fresh(self, registry: Registry) -> list[Record] | None:
        """The records the package check must see: those not in a registry that passed, unless an id is now taken
        twice (a duplicate is found by the check of the whole package). None: every record."""
        ids = Counter(r.id for r in registry.records if r.id is not None)
        if not self.clean or any(n > 1 for n in ids.values()):
            return None
        return [r for r in registry.records if self.clean.get(id(r)) is not r]


def validate(
    registry: Registry,
    today: dt.date | None = None,
    stale_days: int = 365,
    workers: int | None = None,
    memo: Memo | None = None,
) -> Report:
    """Check everything; typed WGS-84 public records come back only if nothing is wrong.
    ``workers``: the setting (None: by size, or SERVICEPOINTS_WORKERS). ``memo``: see Memo; the same report."""
    today = today or dt.date.today()
    if memo is not None:
        memo.start(registry, today, stale_days)
    # The code lists first: records are checked against them, so a broken code list is reported alone.
    listed = check_code_lists(registry) + check_holidays(registry) + check_needs(registry)
    if errors(listed):
        return Report(problems=_unique(list(registry.problems) + listed))
    # The package check (frictionless: every table, keys, foreign keys) is the slowest part; at scale it
    # runs in a forked process while the record checks run here. Problems are sorted at the end.
    fresh = memo.fresh(registry) if memo is not None else None
    checked = registry if fresh is None else dataclasses.replace(registry, records=fresh)
    forked = default_workers(len(checked.records), chosen=workers) > 0
    package = Background(functools.partial(check_package, checked), forked=forked)
    descriptor = registry.descriptor
    problems = list(registry.problems)
    if not registry.records and not registry.problems:
        shown = display_path(registry.root / "points")
        msg = "points/ 文件夹中没有任何网点记录（.yaml 文件）：空名录不能发布。请先用 servicepoints new 新建记录。"
        problems.append(Problem(shown, 1, "registry-empty", msg))
    fields = {f["name"]: f for f in descriptor.fields("points")}
    lists = descriptor.list_fields("points")
    allowed = allowed_services(registry.descriptor, registry.tables)
    towns = {t["name"] for t in registry.tables["towns"]}
    domains = source_domains(registry.tables)
    # Made once here, not for each record (issue 27).
    screen, sources = TextScreen(fields), source_fields(descriptor)
    offered = set().union(*allowed.values())

    def each(record: Record) -> list[Problem]:
        found = _shape_problems(record, fields, lists) + text_problems(record, fields, screen)
        found += _record_problems(record, allowed, offered, today, stale_days, registry.place)
        found += _area_problems(record, towns)
        return found + check_provenance(record, descriptor, today, domains, sources)

    checked_before = memo.checked if memo is not None else {}
    now: dict[int, tuple[Record, list[Problem]]] = {}
    with collector_paused():  # after the package check has forked
        for record in registry.records:
            seen = checked_before.get(id(record))
            now[id(record)] = (record, seen[1] if seen is not None and seen[0] is record else each(record))
            problems += now[id(record)][1]
    problems = _unique(problems + listed + package.result())
    report = Report(problems=problems)
    if memo is not None:
        memo.checked = now
    if report.ok:
        with collector_paused():
            report.points = public_points(registry)
        if memo is not None:
            memo.clean = {id(r): r for r in registry.records}
    return report


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for problem in sorted(problems):
        key = (problem.file, problem.line, problem.code, problem.field)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


def _shape_problems(record: Record, fields: dict[str, dict], lists: set[str]) -> list[Problem]:
    """Unknown keys, and a list where one value belongs (or the reverse)."""
    out, rid = [], record.id
    for key, value in record.values.items():
        line = record.line(key)
        if fields.get(key, {}).get("type") == "array":
            continue  # nested values (sources) are checked item by item in provenance.py
        if key not in fields:
            hint = did_you_mean(key, {name: name for name in fields})
            out.append(Problem(record.file, line, "unknown-field", f"没有名为 {key} 的字段。{hint}", rid, key))
        elif isinstance(value, dict) or (isinstance(value, list) and key not in lists):
            shape = SHAPE_NAMES["dict" if isinstance(value, dict) else "list"]
            msg = f"{fields[key].get('title', key)}（{key}）应为一个值，不能写成{shape}。"
            out.append(Problem(record.file, line, "type-error", msg, rid, key))
        elif isinstance(value, list) and any(not isinstance(v, str) for v in value):
            msg = f"{fields[key].get('title', key)}（{key}）的每一项都应是一段文字。"
            out.append(Problem(record.file, line, "type-error", msg, rid, key))
        elif key in lists and "x-item-pattern" in fields[key]:
            out += _item_problems(record, key, fields[key])
    return out


def _item_problems(record: Record, key: str, spec: dict) -> list[Problem]:
    value = record.values[key]
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        if item is not None and not re.fullmatch(spec["x-item-pattern"], item):
            where = record.line(f"{key}.{i}") if isinstance(value, list) else record.line(key)
            msg = f"{spec.get('title', key)}（{key}）中的“{item}”格式不对，应类似 {spec.get('example', '')}。"
            out.append(Problem(record.file, where, "constraint-error", msg, record.id, key))
    return out


def _area_problems(record: Record, towns: set[str]) -> list[Problem]:
    """``area_served`` (HSDS service_area): 全市 alone, or town names from towns.csv."""
    value = record.values.get("area_served")
    items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
    out = []
    for i, item in enumerate(items):
        where = record.line(f"area_served.{i}") if isinstance(value, list) else record.line("area_served")
        if item != WHOLE_CITY and item not in towns:
            hint = did_you_mean(item, {t: t for t in towns})
            msg = f"服务范围（area_served）中的“{item}”不是镇街全称，也不是“{WHOLE_CITY}”。{hint}"
            out.append(Problem(record.file, where, "unknown-town", msg, record.id, "area_served"))
    if WHOLE_CITY in items and len(items) > 1:
        msg = f"服务范围（area_served）写了“{WHOLE_CITY}”，就不要再列镇街。"
        out.append(Problem(record.file, record.line("area_served"), "constraint-error", msg, record.id, "area_served"))
    return out


def _record_problems(
    record: Record, allowed: dict[str, list[str]], offered: set[str], today: dt.date, stale_days: int, place: Place
) -> list[Problem]:
    out = []
    rid, values = record.id, record.values
    filename = record.file.rsplit("/", 1)[-1]
    stem = record_stem(filename)
    if rid is not None and rid != stem:
        msg = f"编号“{rid}”与文件名“{filename}”不一致：请把文件改名为 {rid}.yaml，或把编号改为 {stem}。"
        out.append(Problem(record.file, record.line("id"), "id-filename-mismatch", msg, rid, "id"))
    out += _location_problems(record, place)
    out += _service_problems(record, allowed, offered)
    out += _date_problems(record, today, stale_days)
    text = values.get("hours")
    if isinstance(text, str) and hours.parse(text) is None:
        msg = f"服务时间“{text}”写法不对，应类似 {HOURS_EXAMPLE}（分号分隔各条规则，时间用 24 小时制）。"
        out.append(Problem(record.file, record.line("hours"), "bad-hours", msg, rid, "hours"))
    return out


def _number(value) -> float | None:
    return finite_number(value)  # anything else is a type error, reported by the text check


def _location_problems(record: Record, place: Place) -> list[Problem]:
    values, rid = record.values, record.id
    if values.get("precision") == "unknown":
        return []
    missing = [k for k in ("town", "lat", "lon") if values.get(k) is None]
    if missing:
        msg = f"缺少 {'、'.join(missing)}。位置确实不知道时，写 precision: unknown，网站会显示“待补充”。"
        return [Problem(record.file, record.line(None), "missing-field", msg, rid, missing[0])]
    lat, lon = _number(values["lat"]), _number(values["lon"])
    if lat is None or lon is None:
        return []  # a type error, reported by the table check
    crs = values.get("crs") if values.get("crs") in ("gcj02", "bd09") else None
    wlat, wlon = geo.to_wgs84(lat, lon, crs)
    box = place.box
    if box.contains(wlon, wlat) and not box.contains(wlat, wlon):
        msg = f"纬度 {lat} 和经度 {lon} 写反了：{place.bounds_text()}。请交换 lat 和 lon 的值。"
        return [Problem(record.file, record.line("lat"), "coords-swapped", msg, rid, "lat")]
    if not box.contains(wlat, wlon):
        msg = f"坐标（纬度 {lat}，经度 {lon}）不在{place.name}范围内：{place.bounds_text()}。请在地图上重新取点。"
        return [Problem(record.file, record.line("lat"), "coords-outside", msg, rid, "lat")]
    return []


def _service_problems(record: Record, allowed: dict[str, list[str]], offered: set[str]) -> list[Problem]:
    """A service some type offers, on a point of a type that does not (``offered``: every type's services)."""
    services, type_code = record.values.get("services"), record.values.get("type")
    if not isinstance(services, list) or not isinstance(type_code, str) or type_code not in allowed:
        return []
    out = []
    for i, code in enumerate(services):
        if isinstance(code, str) and code in offered and code not in allowed[type_code]:
            ok = "、".join(sorted(allowed[type_code]))
            msg = f"服务项目“{code}”不是 {type_code} 类型网点提供的服务。该类型可提供：{ok}。"
            out.append(
                Problem(record.file, record.line(f"services.{i}"), "service-not-allowed", msg, record.id, "services")
            )
    return out


def _date_problems(record: Record, today: dt.date, stale_days: int) -> list[Problem]:
    text = record.values.get("verified")
    verified = real_date(text)
    if verified is None:
        return []  # missing, or a type error reported by the text and table checks
    line, rid = record.line("verified"), record.id
    if verified > today:
        msg = f"核实日期 {text} 晚于今天（{today.isoformat()}），请写实际核实的日期。"
        return [Problem(record.file, line, "verified-future", msg, rid, "verified")]
    if too_old(verified, stale_days, today):
        msg = f"本记录最近一次核实是 {text}，已超过 {stale_days} 天，请向网点核实后更新 verified。"
        return [Problem(record.file, line, "stale", msg, rid, "verified", severity="warning")]
    return []


def public_points(registry: Registry) -> list[dict]:
    """Typed public records, WGS-84, sorted by id; input-only fields and private blocks dropped."""
    lists = registry.descriptor.list_fields("points")
    fields = registry.descriptor.visible_fields("points", "public", "related")
    names = [f["name"] for f in fields]
    # _typed returns any other field's value as it is: each record's values are taken whole, then these changed.
    typed = [(f["name"], f, f["name"] in lists) for f in fields if _changes(f, f["name"] in lists)]
    points = []
    for record in registry.records:
        get = record.values.get
        point = {name: get(name) for name in names}
        for name, spec, is_list in typed:
            point[name] = _typed(point[name], spec, is_list)
        if point["lat"] is not None and point["lon"] is not None:
            lat, lon = geo.to_wgs84(point["lat"], point["lon"], record.values.get("crs"))
            point["lat"], point["lon"] = round(lat, 7), round(lon, 7)
        points.append(point)
    return sorted(points, key=lambda p: p["id"])


def _changes(spec: dict, is_list: bool) -> bool:
    """Whether _typed can return anything but the value it is given, for this field."""
    return is_list or spec["type"] in ("array", "number", "integer")


def _typed(value, spec: dict, is_list: bool):
    if spec["type"] == "array":
        return public_sources(value)
    if value is None:
        return [] if is_list else None
    if is_list:
        return value if isinstance(value, list) else [value]
    if spec["type"] == "number":
        return float(value)
    if spec["type"] == "integer":
        return int(value)
    return value
