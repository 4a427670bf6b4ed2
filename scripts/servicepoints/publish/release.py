"""Which release a build makes: its version and dates follow from the data, compared with the previous release.

The previous release is read where the publish workflow finds it: the live site's own
``opendata/datapackage.json`` (or a copy on disk), with the tables, ``changes.json`` and ``releases.atom``
beside it. Then:

- nothing published changed: this is the previous release again, with its version, date, change log and
  feed, so a rebuild gives the same bytes whatever the day;
- something changed: the version moves by the rule in ``changes.py``, the release date is the build's
  (``release_date``, else SOURCE_DATE_EPOCH, else today), the first release's date stays, and the feed gains
  an entry;
- no previous release: the first release, 1.0.0.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ..core.dates import real_date
from ..core.errors import SetupError, printable
from ..registry.descriptor import TABLE_NAME, Descriptor
from .changes import bump, compare, summary
from .feed import FEED_NAME, Entry, parse_feed

FIRST_VERSION = "1.0.0"
VERSION = re.compile(r"(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})")
MAX_BYTES = 64 * 1024 * 1024  # a previous release's file larger than this is not ours


@dataclass(frozen=True)
class Previous:
    """The previous release as published: its descriptor, tables (header and rows as text), change log and
    feed entries (newest first)."""

    descriptor: dict
    tables: dict[str, list[list[str]]]
    changes: dict
    entries: list[Entry]

    @property
    def version(self) -> str:
        return self.descriptor["version"]

    @property
    def date(self) -> str:
        return self.descriptor["created"][:10]


@dataclass(frozen=True)
class Release:
    """What this build publishes as: version, release date, first release date, change log and feed."""

    version: str
    date: str
    issued: str
    changes: dict = field(compare=False)
    entries: list[Entry] = field(compare=False)


def read_previous(ref: str | None) -> Previous | None:
    """The previous release from the path or URL of its datapackage.json; None for a first release.
    Anything missing or malformed is a SetupError naming the file (exit 2)."""
    if not ref:
        return None
    base = ref.rsplit("/", 1)[0] if "/" in ref else "."
    descriptor = _json(ref, "datapackage.json")
    _check_descriptor(descriptor, ref)
    tables = {r["name"]: _table(f"{base}/{r['path']}") for r in Descriptor(descriptor).resources}
    changes = _json(f"{base}/changes.json", "changes.json")
    if changes.get("version") != descriptor["version"] or not isinstance(changes.get("tables"), dict):
        raise SetupError(f"上一版开放数据的 changes.json 与 datapackage.json 的版本不符或格式不对：{printable(ref)}")
    try:
        entries = parse_feed(_fetch(f"{base}/{FEED_NAME}"))
    except ValueError as exc:
        raise SetupError(f"上一版开放数据的 {FEED_NAME} 读不懂（{exc}）：{printable(base)}/{FEED_NAME}") from None
    if not entries or entries[0].version != descriptor["version"]:
        raise SetupError(f"上一版开放数据的 {FEED_NAME} 最新一条不是 {descriptor['version']} 版：{printable(base)}")
    return Previous(descriptor, tables, changes, entries)


def _fetch(ref: str) -> bytes:
    try:
        if ref.startswith(("http://", "https://")):
            with urllib.request.urlopen(ref, timeout=30) as response:  # noqa: S310 - a configured http(s) URL
                body = response.read(MAX_BYTES + 1)
        else:
            with Path(ref).open("rb") as handle:
                body = handle.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise SetupError(f"读不到上一版开放数据 {printable(ref)}：服务器回答 HTTP {exc.code}") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        raise SetupError(f"读不到上一版开放数据 {printable(ref)}：{printable(reason)}") from None
    if len(body) > MAX_BYTES:
        raise SetupError(
            f"上一版开放数据的文件 {printable(ref)} 超过 {MAX_BYTES // 1024 // 1024} MB，不像本站发布的文件"
        )
    return body


def _json(ref: str, what: str) -> dict:
    try:
        value = json.loads(_fetch(ref).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SetupError(f"上一版开放数据的 {what} 不是有效的 JSON：{printable(ref)}") from None
    if not isinstance(value, dict):
        raise SetupError(f"上一版开放数据的 {what} 应是一个 JSON 对象：{printable(ref)}")
    return value


def _table(ref: str) -> list[list[str]]:
    try:
        rows = list(csv.reader(io.StringIO(_fetch(ref).decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        raise SetupError(f"上一版开放数据的表格不是 UTF-8 编码的 CSV：{printable(ref)}") from None
    if not rows:
        raise SetupError(f"上一版开放数据的表格是空的（没有表头）：{printable(ref)}")
    return rows


def _check_descriptor(descriptor: dict, ref: str) -> None:
    """The previous datapackage.json has what a comparison reads: version, created, tables with safe paths."""
    where = f"上一版开放数据 {printable(ref)}"
    version, created = descriptor.get("version"), descriptor.get("created")
    if not isinstance(version, str) or not VERSION.fullmatch(version):
        raise SetupError(f"{where} 的 version 应形如 1.2.3，收到“{printable(version)}”")
    if not isinstance(created, str) or not real_date(created[:10]):
        raise SetupError(f"{where} 的 created 应是发布日期时间，收到“{printable(created)}”")
    resources = Descriptor(descriptor).resources
    if not resources:
        raise SetupError(f"{where} 没有表格列表（resources）")
    for r in resources:
        name = r.get("name") if isinstance(r, dict) else None
        if not isinstance(name, str) or not TABLE_NAME.fullmatch(name) or r.get("path") != f"{name}.csv":
            raise SetupError(f"{where} 的表应有 name，path 为 name.csv，收到“{printable(r)}”")
        fields = r.get("schema", {}).get("fields") if isinstance(r.get("schema"), dict) else None
        if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields
        ):
            raise SetupError(f"{where} 的 {name} 表没有字段定义")
        keys = r["schema"].get("primaryKey", [])
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise SetupError(f"{where} 的 {name} 表的 primaryKey 应是字段名的列表")
        foreign = r["schema"].get("foreignKeys", [])
        if not isinstance(foreign, list) or not all(
            isinstance(fk, dict) and isinstance(fk.get("reference"), dict) for fk in foreign
        ):
            raise SetupError(f"{where} 的 {name} 表的 foreignKeys 格式不对")


def decide(previous: Previous | None, descriptor: dict, tables: dict[str, list], day: str) -> Release:
    """This build's release. ``descriptor``: the published descriptor without release keys; ``tables``: every
    published table as text; ``day``: the date a new release gets (Settings.release())."""
    changes, level = compare(
        previous.descriptor if previous else None, previous.tables if previous else {}, descriptor, tables
    )
    if previous is not None and level is None:
        issued = previous.entries[-1].date
        return Release(previous.version, previous.date, issued, previous.changes, previous.entries)
    if previous is not None and day < previous.date:
        raise SetupError(
            f"发布日期 {day} 早于上一版（{previous.version}）的发布日期 {previous.date}，"
            "请检查 release_date 或 SOURCE_DATE_EPOCH"
        )
    version = bump(previous.version, level) if previous and level else FIRST_VERSION
    issued = previous.entries[-1].date if previous else day
    text = summary(changes, descriptor, previous.descriptor if previous else None) if previous else _first(tables)
    log = {
        "version": version,
        "created": f"{day}T00:00:00Z",
        "issued": issued,
        "previous": {"version": previous.version, "created": previous.descriptor["created"]} if previous else None,
        "first_release": previous is None,
        "level": level if previous else None,
        "summary": text,
        "tables": changes,
    }
    entries = [Entry(version, day, text), *(previous.entries if previous else [])]
    return Release(version, day, issued, log, entries)


def _first(tables: dict[str, list]) -> str:
    return f"首次发布，共 {max(len(tables.get('points', [])) - 1, 0)} 个网点。"
