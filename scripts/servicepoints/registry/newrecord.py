"""Write a new record file for ``servicepoints new``."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import SetupError
from .load import allowed_services, read_registry, record_stem
from .scaffold import fresh_id, scaffold
from .suggest import did_you_mean


def write_new_record(data_dir: Path, type_code: str, town: str, name: str, status: str) -> Path:
    """Create ``points/<type>/<id>.yaml``; refuses an unknown type or town with a hint."""
    registry = read_registry(data_dir)
    towns = {t["name"]: t for t in registry.tables["towns"]}
    types = {t["code"] for t in registry.tables["types"]}
    if type_code not in types:
        raise SetupError(f"未知网点类型 {type_code}。{did_you_mean(type_code, {c: c for c in types})}")
    if town not in towns:
        raise SetupError(f"未知镇街 {town}。{did_you_mean(town, {t: t for t in towns})}")
    taken = {r.id for r in registry.records if r.id} | {
        record_stem(p.file.rsplit("/", 1)[-1]) for p in registry.problems
    }
    point_id = fresh_id(type_code, towns[town]["slug"], taken)
    folder = _folder_for(registry.root / "points", registry.records, type_code)
    path = folder / f"{point_id}.yaml"
    relative = Path("../" * len(path.relative_to(registry.root).parts[:-1])) / "point.schema.json"
    values = {"id": point_id, "name": name, "type": type_code, "town": town, "status": status}
    names = {s["code"]: s["name"] for s in registry.tables["services"]}
    services = {code: names[code] for code in allowed_services(registry.descriptor, registry.tables)[type_code]}
    folder.mkdir(parents=True, exist_ok=True)
    text = scaffold(registry.descriptor.fields("points"), values, relative.as_posix(), {"services": services})
    path.write_text(text, encoding="utf-8")
    return path


def _folder_for(points_root: Path, records: list, type_code: str) -> Path:
    """The folder where records of this type already live, else ``points/<type>/``."""
    for record in records:
        if record.values.get("type") == type_code:
            return Path(record.file).parent
    return points_root / type_code
