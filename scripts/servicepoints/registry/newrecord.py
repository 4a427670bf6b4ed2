"""Write a new record file for ``servicepoints new``."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from ..core.errors import SetupError, printable
from .load import Registry, allowed_services, display_path, read_registry, record_stem
from .safewrite import write_inside
from .scaffold import fresh_id, scaffold
from .suggest import did_you_mean


def write_new_record(
    data_dir: Path, type_code: str, town: str, name: str, status: str, registry: Registry | None = None
) -> Path:
    """Create ``points/<type>/<id>.yaml`` inside the data folder; refuses an unknown type or town with a
    hint, an id the schema would refuse, and any path that would leave the data folder (SetupError).
    The caller checks the code lists first (``registry``: the folder it read and checked)."""
    registry = registry or read_registry(data_dir)
    towns = {t["name"]: t for t in registry.tables["towns"]}
    types = {t["code"] for t in registry.tables["types"]}
    if type_code not in types:
        raise SetupError(f"未知网点类型 {printable(type_code)}。{did_you_mean(type_code, {c: c for c in types})}")
    if town not in towns:
        raise SetupError(f"未知镇街 {printable(town)}。{did_you_mean(town, {t: t for t in towns})}")
    taken = {r.id for r in registry.records if r.id} | {
        record_stem(p.file.rsplit("/", 1)[-1]) for p in registry.problems
    }
    point_id = fresh_id(type_code, towns[town]["slug"], taken)
    id_field = registry.descriptor.field("id")
    pattern = id_field.get("constraints", {}).get("pattern", r"[a-z0-9]+(-[a-z0-9]+)*")
    if not re.fullmatch(pattern, point_id):
        raise SetupError(f"由类型代码和镇街拼音生成的编号“{printable(point_id)}”不符合编号规则，未写入；请先修正代码表")
    relative = _folder_for(registry, type_code) / f"{point_id}.yaml"
    schema_ref = PurePosixPath(*[".."] * (len(relative.parts) - 1), "point.schema.json")
    values = {"id": point_id, "name": name, "type": type_code, "town": town, "status": status}
    names = {s["code"]: s["name"] for s in registry.tables["services"]}
    services = {code: names[code] for code in allowed_services(registry.descriptor, registry.tables)[type_code]}
    text = scaffold(registry.descriptor.fields("points"), values, schema_ref.as_posix(), {"services": services})
    return write_inside(registry.root, relative, text, new=True)


def _folder_for(registry: Registry, type_code: str) -> PurePosixPath:
    """The folder (relative to the data folder) where records of this type already live, else
    ``points/<type>/``."""
    shown = display_path(registry.root / "points") + "/"
    for record in registry.records:
        if record.values.get("type") == type_code and record.file.startswith(shown):
            return PurePosixPath("points", record.file[len(shown) :]).parent
    return PurePosixPath("points", type_code)
