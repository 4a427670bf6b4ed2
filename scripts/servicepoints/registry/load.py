"""Read the registry from disk: the package descriptor, code lists and point records."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import Problem, SetupError
from ..core.parallel import collector_paused
from ..core.place import Place
from .csvread import CsvError, parse_csv
from .descriptor import Descriptor
from .yamlread import MAX_BYTES, ReadError, decode, parse


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
class TableLayout:
    """Where a code list's rows came from, for messages: its file, header, row lines and cell counts;
    ``problem`` when the file is not well-formed CSV (its rows are then empty)."""

    file: str
    header: list[str]
    lines: list[int]
    widths: list[int]
    problem: Problem | None = None


@dataclass
class Registry:
    """Everything in a data folder, read but not yet validated."""

    root: Path
    descriptor: Descriptor
    tables: dict[str, list[dict]]
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Per code list, as read from its file: the header, and each row's line and number of cells.
    layout: dict[str, TableLayout] = field(default_factory=dict)

    @functools.cached_property
    def place(self) -> Place:
        """The place the registry covers (``x-place``; checked when the descriptor was read)."""
        return self.descriptor.place


def allowed_services(descriptor: Descriptor, tables: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Point type code -> the service codes that type may offer, in services.csv order."""
    allowed: dict[str, list[str]] = {t["code"]: [] for t in tables["types"]}
    for service in tables["services"]:
        for type_code in (service.get("types") or "").split(descriptor.list_delimiter):
            allowed.setdefault(type_code.strip(), []).append(service["code"])
    return allowed


RECORD_SUFFIXES = (".yaml", ".yml")  # in any letter case
WHOLE_CITY = "全市"  # area_served: anyone in the city may come (HSDS service_area)


def record_stem(name: str) -> str:
    """A record file's name without its .yaml/.yml ending (any case): what its id must be."""
    lower = name.lower()
    for suffix in RECORD_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def is_record_name(name: str) -> bool:
    return name.lower().endswith(RECORD_SUFFIXES) and not name.startswith(".")


def read_registry(data_dir: Path | str, known: dict | None = None) -> Registry:
    """Read a whole data folder. Bad records become problems; a broken folder raises.

    Every entry under ``points/`` is read as a record or reported: record files end in .yaml or
    .yml (any case); other files, folders named like records, and links that lead outside the
    data folder or nowhere are problems, never silently skipped. ``known``: what earlier reads made of each
    record file, kept here (the editor's preview reads again only the files whose size, time or inode changed).
    """
    root = Path(data_dir)
    if not root.exists():
        raise SetupError(
            f"数据目录 {display_path(root)} 不存在：--data 应指向含有 datapackage.json 和 points/ 的数据目录"
        )
    if not root.is_dir():
        raise SetupError(f"{display_path(root)} 不是文件夹：--data 应指向含有 datapackage.json 和 points/ 的数据目录")
    descriptor = _read_descriptor(root)
    tables, layout = {}, {}
    for res in descriptor.code_lists():
        path = _inside(root, res.get("path"), res.get("name"))
        tables[res["name"]], layout[res["name"]] = read_table(path, _declared(res))
    registry = Registry(root=root, descriptor=descriptor, tables=tables, layout=layout)
    points = root / "points"
    if points.is_symlink() or not points.is_dir():
        what = "不是文件夹" if points.exists() or points.is_symlink() else "不存在"
        raise SetupError(f"{display_path(points)} {what}：网点记录应放在数据目录的 points/ 文件夹中")
    shown = display_path(points)
    with collector_paused():
        for entry in _entries(points, root.resolve(), points, shown):
            if isinstance(entry, Problem):
                registry.problems.append(entry)
                continue
            path, where = entry
            record, problem = _read_known(path, where, known)
            if problem:
                registry.problems.append(problem)
            else:
                assert record is not None  # read_record returns a record or the problem that stopped it
                registry.records.append(record)
    return registry


def _text(name: str) -> str:
    """A file name as text we can print: undecodable bytes become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _where(path: Path, points: Path, shown: str) -> str:
    """An entry's name in problems: the points folder as shown, then its path inside it."""
    return f"{shown}/{_text(path.relative_to(points).as_posix())}"


def _entries(
    folder: Path, root: Path, points: Path, shown: str, seen: set | None = None
) -> Iterator[tuple[Path, str] | Problem]:
    """Each record file under ``folder`` (its path, and its name in problems: _where), sorted, and a Problem for
    anything else. Links are followed only when they stay inside the data folder; a folder reached twice through
    links is read once."""
    seen = seen if seen is not None else set()
    real = folder.resolve()
    if real in seen:
        return
    seen.add(real)
    inside = _where(folder, points, shown) + "/" if folder != points else shown + "/"

    def problem(path: Path, code: str, message: str, severity: str = "error") -> Problem:
        return Problem(_where(path, points, shown), 1, code, message, severity=severity)

    try:
        with os.scandir(folder) as listing:
            children = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        yield problem(folder, "file-unreadable", f"无法读取这个文件夹：{exc.strerror or exc}。")
        return
    for child in children:
        name, path = child.name, folder / child.name
        # What the folder's listing says of an entry that is no link (no stat of it: issue 27); for a link, what it
        # leads to, as before.
        linked = child.is_symlink()
        if linked:
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                yield problem(path, "symlink-dangling", "这是一个指向不存在位置的链接，请删除它或换成真正的记录文件。")
                continue
            if not target.is_relative_to(root):
                msg = "这个链接指向数据目录之外，不会读取；请把记录文件本身放进 points/ 文件夹。"
                yield problem(path, "symlink-outside", msg)
                continue
        if path.is_dir() if linked else child.is_dir(follow_symlinks=False):
            if is_record_name(name):
                msg = f"“{_text(name)}”是一个文件夹，不是记录文件；记录应是一个 .yaml 文件。"
                yield problem(path, "not-a-file", msg)
            else:
                yield from _entries(path, root, points, shown, seen)
        elif not (path.is_file() if linked else child.is_file(follow_symlinks=False)):
            yield problem(path, "not-a-file", "这不是普通文件（可能是管道或设备），不会读取；请删除它。")
        elif is_record_name(name):
            yield path, inside + _text(name)
        elif name.startswith("."):
            msg = "隐藏文件，不是网点记录，已忽略；如果它不该在这里，请删除。"
            yield problem(path, "not-a-record", msg, "warning")
        else:
            msg = (
                f"“{_text(name)}”不是网点记录文件（记录文件以 .yaml 结尾），没有读取；"
                "是记录就请改名为 .yaml 结尾，不是就请移出 points/ 文件夹。"
            )
            yield problem(path, "not-a-record", msg)


def display_path(path: Path) -> str:
    """A path as an editor and CI annotations want it: relative to the working directory."""
    try:
        shown = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        shown = path.as_posix()
    return _text(shown)


def _read_known(path: Path, shown: str, known: dict | None) -> tuple[Record | None, Problem | None]:
    """read_record, or what it gave for this file before if the file is as it was then (``known``)."""
    if known is None:
        return read_record(path, shown)
    try:
        stat = path.stat()
    except OSError:
        return read_record(path, shown)
    key = (shown, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino)
    if str(path) not in known or known[str(path)][0] != key:
        known[str(path)] = (key, read_record(path, shown))
    return known[str(path)][1]


def read_record(path: Path, shown: str) -> tuple[Record | None, Problem | None]:
    """Read one YAML file into a Record, or the one problem that stops it being read."""
    stem = _text(record_stem(path.name))
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        msg = f"无法读取这个文件：{exc.strerror or exc}。"
        return None, Problem(shown, 1, "file-unreadable", msg, record=stem)
    try:
        parsed = parse(decode(raw))
    except ReadError as exc:
        return None, Problem(shown, exc.line, exc.code, exc.message, record=stem)
    values = parsed.values
    private = values.pop("private", None)
    return Record(file=shown, values=values, lines=parsed.lines, private=private), None


def _inside(root: Path, relative, name) -> Path:
    """A code-list path from datapackage.json, refused unless it stays inside the data folder."""
    if not isinstance(relative, str) or not relative or Path(relative).is_absolute() or ".." in Path(relative).parts:
        raise SetupError(f"datapackage.json 中 {name} 表的 path（{relative}）应是数据目录内的相对路径")
    path = root / relative
    if not path.resolve().is_relative_to(root.resolve()):
        raise SetupError(f"datapackage.json 中 {name} 表的 path（{relative}）指向数据目录之外")
    return path


def _read_descriptor(root: Path) -> Descriptor:
    path = root / "datapackage.json"
    if not path.is_file():
        raise SetupError(f"{display_path(path)} 不存在：--data 应指向含有 datapackage.json 的数据目录")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise SetupError(f"{display_path(path)} 不是有效的 JSON：{exc}") from None
    except OSError as exc:
        raise SetupError(f"无法读取 {display_path(path)}：{exc.strerror or exc}") from None
    descriptor = Descriptor.load(raw, display_path(path))
    Place.from_descriptor(raw)  # the place block, refused here with the key that is wrong
    return descriptor


def _declared(resource: dict) -> list[str]:
    """A code list's declared columns (its fields' names); a table without fields is a SetupError."""
    schema = resource.get("schema")
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not all(isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields):
        raise SetupError(f"datapackage.json 中 {resource['name']} 表没有字段定义（schema → fields）")
    return [f["name"] for f in fields]


def read_table(path: Path, declared: list[str]) -> tuple[list[dict], TableLayout]:
    """The one reader of a code list, for the validator and the site alike: RFC 4180 (csvread), each
    cell stripped of surrounding spaces, an empty cell None; every declared column is present in
    every row (None when the file lacks it: the checker says so, nothing raises KeyError)."""
    shown = display_path(path)
    if path.is_symlink() or not path.is_file():
        raise SetupError(f"代码表 {shown} 不存在或不是普通文件")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise SetupError(f"代码表 {shown} 读不了：应是 UTF-8 编码的 CSV") from None
    except OSError as exc:
        raise SetupError(f"无法读取代码表 {shown}：{exc.strerror or exc}") from None
    try:
        parsed = parse_csv(text)
    except CsvError as exc:
        problem = Problem(shown, exc.line, "codelist-error", f"代码表第 {exc.line} 行不是规范的 CSV：{exc.message}。")
        return [], TableLayout(shown, [], [], [], problem)
    header = [cell.strip() for cell in parsed[0][1]] if parsed else []
    rows, lines, widths = [], [], []
    for line, cells in parsed[1:]:
        row = dict.fromkeys(declared)
        for name, cell in zip(header, cells, strict=False):
            if name:
                row[name] = cell.strip() or None
        rows.append(row)
        lines.append(line)
        widths.append(len(cells))
    return rows, TableLayout(shown, header, lines, widths)
