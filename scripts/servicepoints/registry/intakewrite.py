"""Write an import plan (``registry/intake.py``) into the data folder: changed fields patched in place,
new records created, nothing deleted, nothing written outside the data folder.

Every file's new text is made and read back first; only when all of them hold exactly the planned
values is anything written (each file replaced atomically).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..core.errors import SetupError
from .intake import Plan
from .load import Registry, display_path
from .scaffold import SCHEMA_LINE
from .yamlpatch import PatchError, append_source, patch, render
from .yamlread import ReadError, decode, parse

NUMBERS = ("lat", "lon")
SET_BY_IMPORT = ("evidence", "verified")


def _inside(root: Path, shown: str) -> Path:
    """The real path of a record file, refused (exit 2) unless it lies inside the data folder."""
    real = Path(shown).resolve()
    if not real.is_relative_to(root):
        raise SetupError(f"{shown} 指向数据目录 {display_path(root)} 之外（链接？），导入不写这个文件。")
    return real


def prepare(registry: Registry, plan: Plan) -> dict[Path, str]:
    """Each file to write and its new text; raises SetupError when a text would not read back right."""
    root = registry.root.resolve()
    order = [f["name"] for f in registry.descriptor.fields()]
    out: dict[Path, str] = {}
    for change in plan.changes:
        path = _inside(root, change.file)
        try:
            text = decode(path.read_bytes())
        except (OSError, ReadError) as exc:
            raise SetupError(f"无法读取 {change.file}：{exc}") from None
        updates = {name: change.values.get(name) for name, *_ in change.fields}
        updates |= {name: change.values[name] for name in SET_BY_IMPORT}
        try:
            new = patch(text, updates, order, NUMBERS)
            new = append_source(new, change.values["sources"][-1])
        except (PatchError, ReadError) as exc:
            raise SetupError(f"{change.file}：无法只改动这些字段（{exc}），未写入任何文件。") from None
        _check(new, change.values, change.file)
        out[path] = new
    for point in plan.new:
        path = Path(point.file).resolve()
        if not path.parent.resolve().is_relative_to(root) or path.exists():
            raise SetupError(f"{point.file} 已存在或位于数据目录之外，未写入任何文件。")
        text = new_record(point.values, order, path.relative_to(root))
        _check(text, point.values, point.file)
        out[path] = text
    return out


def new_record(values: dict, order: list[str], relative: Path) -> str:
    schema = Path("../" * len(relative.parts[:-1])) / "point.schema.json"
    source = values["sources"][-1]
    lines = [
        SCHEMA_LINE.format(schema=schema.as_posix()) + "\n",
        f"# 由{source['title']}导入：{source['provided_by']}提供，{source['date']}。\n",
    ]
    for name in order:
        if values.get(name) not in (None, []):
            lines.append(render(name, values[name], "", name in NUMBERS))
    return "".join(lines)


def _check(text: str, values: dict, shown: str) -> None:
    try:
        got = parse(text).values
    except ReadError as exc:
        raise SetupError(f"{shown}：写入后的内容读不回来（{exc.message}），未写入任何文件。") from None
    got.pop("private", None)
    if got != values:
        differ = sorted(k for k in set(got) | set(values) if got.get(k) != values.get(k))
        raise SetupError(f"{shown}：写入后读回的字段 {', '.join(differ)} 与计划不一致，未写入任何文件。")


def write(files: dict[Path, str]) -> None:
    """Replace or create each file atomically (a temporary file beside it, then a rename)."""
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
