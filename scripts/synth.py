"""Synthetic registries for benchmarks: N valid points spread over the 23 towns and every type,
optionally with planted problems whose exact (file, code) the validator must report."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
TYPE_WEIGHTS = {
    "protection-center": 1,
    "national-rapid-center": 1,
    "rapid-center": 7,
    "trademark-station": 23,
    "assistance-station": 23,
    "enterprise-studio": 127,
    "other": 3,
}
STATUS_WEIGHTS = {"operating": 90, "pending": 3, "building": 2, "suspended": 2, "closed": 1, "unknown": 2}


def _code_lists() -> tuple[list[dict], dict[str, list[str]]]:
    with (DATA / "towns.csv").open(encoding="utf-8") as handle:
        towns = list(csv.DictReader(handle))
    allowed: dict[str, list[str]] = {}
    with (DATA / "services.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for code in row["types"].split(";"):
                allowed.setdefault(code, []).append(row["code"])
    return towns, allowed


def record(n: int, rng: random.Random, towns: list[dict], allowed: dict[str, list[str]]) -> tuple[str, str]:
    """(id, YAML text) of the n-th synthetic point."""
    kind = (
        list(TYPE_WEIGHTS)[n % len(TYPE_WEIGHTS)]
        if n < 2 * len(TYPE_WEIGHTS)
        else rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
    )
    town = towns[n % len(towns)]
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    point_id = f"{kind}-{town['pinyin'].lower()}-{n}"
    lat = float(town["approx_lat"]) + rng.uniform(-0.02, 0.02)
    lon = float(town["approx_lon"]) + rng.uniform(-0.02, 0.02)
    services = "".join(f"\n  - {s}" for s in rng.sample(allowed[kind], k=min(3, len(allowed[kind]))))
    text = (
        f"# yaml-language-server: $schema=../point.schema.json\nid: {point_id}\nname: {town['name']}第{n}号测试网点\n"
        f"type: {kind}\ntown: {town['name']}\nstatus: {status}\nlat: {lat:.6f}\nlon: {lon:.6f}\nprecision: exact\n"
        f"address: 测试路{n}号\nphones:\n  - 0760-8{n:07d}\nhours: Mo-Fr 09:00-12:00,13:30-17:00; PH off\n"
        f"services:{services}\nverified: 2026-01-15\nevidence: named\n"
        f"sources:\n  - title: 合成测试数据\n    url: https://example.org/{point_id}\n    date: 2026-01-01\n"
    )
    return point_id, text


# (code, how to break a valid record's text)
PLANTS = [
    ("type-error", lambda t: t.replace("\nlat: ", "\nlat: 北纬", 1)),
    ("unknown-town", lambda t: t.replace("\ntown: ", "\ntown: 新", 1)),
    ("unknown-type", lambda t: t.replace("\ntype: ", "\ntype: x-", 1)),
    ("coords-outside", lambda t: t.replace("\nlat: 22.", "\nlat: 23.", 1)),
    ("unknown-service", lambda t: t.replace("services:\n  - ", "services:\n  - no-such-", 1)),
    ("verified-future", lambda t: t.replace("verified: 2026-01-15", "verified: 2999-01-01")),
    ("bad-hours", lambda t: t.replace("hours: Mo-Fr", "hours: 周一")),
    ("yaml-syntax", lambda t: t.replace("\nname: ", "\n  name: ", 1)),
    ("yaml-duplicate-key", lambda t: t + "town: 古镇镇\n"),
    ("missing-field", lambda t: "\n".join(line for line in t.splitlines() if not line.startswith("name:")) + "\n"),
]


def make(root: Path, count: int, plant_every: int = 0, seed: int = 1) -> tuple[Path, list[tuple[str, str]]]:
    """A data folder with ``count`` points; every ``plant_every``-th record broken. Returns planted (file, code)."""
    data = root / "data"
    shutil.rmtree(data, ignore_errors=True)
    (data / "points").mkdir(parents=True)
    for path in DATA.iterdir():
        if path.is_file():
            shutil.copy(path, data / path.name)
    rng = random.Random(seed)
    towns, allowed = _code_lists()
    planted = []
    for n in range(count):
        point_id, text = record(n, rng, towns, allowed)
        path = data / "points" / f"{point_id}.yaml"
        if plant_every and n % plant_every == plant_every - 1:
            code, breaker = PLANTS[(n // plant_every) % len(PLANTS)]
            text = breaker(text)
            planted.append((path, code))
        path.write_text(text, encoding="utf-8")
    return data, planted
