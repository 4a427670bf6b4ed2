"""Read the registry from disk: the package descriptor, code lists and point records."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem
from .yamlread import ReadError, decode, parse


class SetupError(Exception):
    """The registry folder itself is broken (not a record): the command exits 2."""


@dataclass
class Record:
    """One point record as the editor wrote it."""

    file: str
    values: dict
    lines: dict[str, int]
    private: dict | None = None

    @property
    def id(self) -> str | None:
        """The record's id as written, or None when it is missing, blank or not a single text value."""
        value = self.values.get("id")
        return value if isinstance(value, str) and value.strip() else None

    def line(self, key: str | None) -> int:
        """The line of a key (or list item ``key.N``), else of its parent, else 1."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rpartition(".")[0]
        return 1


@dataclass
class Registry:
    """Everything in a data folder, read but not yet validated."""

    root: Path
    descriptor: dict
    tables: dict[str, list[dict]]
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def schema(self, resource: str) -> dict:
        for res in self.descriptor["resources"]:
            if res["name"] == resource:
                return res["schema"]
        raise SetupError(f"datapackage.json 中没有 {resource} 表")


def list_delimiter(descriptor: dict) -> str:
    """The one delimiter of list values in published tables (declared in datapackage.json)."""
    return descriptor.get("x-list-delimiter", ";")


def allowed_services(descriptor: dict, tables: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Point type code -> the service codes that type may offer, in services.csv order."""
    allowed: dict[str, list[str]] = {t["code"]: [] for t in tables["types"]}
    for service in tables["services"]:
        for type_code in (service.get("types") or "").split(list_delimiter(descriptor)):
            allowed.setdefault(type_code.strip(), []).append(service["code"])
    return allowed


def read_registry(data_dir: Path | str) -> Registry:
    """Read a whole data folder. Bad records become problems; a broken folder raises."""
    root = Path(data_dir)
    descriptor = _read_descriptor(root)
    tables = {
        res["name"]: _read_csv(root / res["path"])
        for res in descriptor["resources"]
        if "x-source" not in res and "x-derived-from" not in res
    }
    registry = Registry(root=root, descriptor=descriptor, tables=tables)
    points = root / "points"
    shown = display_path(points)
    for path in sorted(points.rglob("*.yaml")):
        record, problem = read_record(path, f"{shown}/{path.relative_to(points).as_posix()}")
        if problem:
            registry.problems.append(problem)
        else:
            registry.records.append(record)
    return registry


def display_path(path: Path) -> str:
    """A path as an editor and CI annotations want it: relative to the working directory."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_record(path: Path, shown: str) -> tuple[Record | None, Problem | None]:
    """Read one YAML file into a Record, or the one problem that stops it being read."""
    try:
        parsed = parse(decode(path.read_bytes()))
    except ReadError as exc:
        return None, Problem(shown, exc.line, exc.code, exc.message, record=path.stem)
    values = parsed.values
    private = values.pop("private", None)
    return Record(file=shown, values=values, lines=parsed.lines, private=private), None


def _read_descriptor(root: Path) -> dict:
    path = root / "datapackage.json"
    if not path.is_file():
        raise SetupError(f"{path} 不存在：--data 应指向含有 datapackage.json 的数据目录")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SetupError(f"{path} 不是有效的 JSON：{exc}") from None


def _read_csv(path: Path) -> list[dict]:
    if not path.is_file():
        raise SetupError(f"代码表 {path} 不存在")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]
