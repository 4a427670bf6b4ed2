"""What changed since the previous release: points added, removed, and changed field by field."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from pathlib import Path

from ..core.errors import SetupError
from ..registry.descriptor import Descriptor


def read_previous(ref: str | None) -> dict | None:
    """The previous release's descriptor and points rows, from a path or URL; None for a first release."""
    if not ref:
        return None
    try:
        descriptor = json.loads(_fetch(ref))
        if not isinstance(descriptor, dict):
            raise ValueError("datapackage.json 应是一个 JSON 对象")
        resource = Descriptor(descriptor).resource("points")
        if not isinstance(resource.get("path"), str) or not re.fullmatch(
            r"[A-Za-z0-9][A-Za-z0-9._-]*", resource["path"]
        ):
            raise ValueError(f"points 表的 path 应是同一文件夹中的文件名，不能是 {resource.get('path')!r}")
        base = ref.rsplit("/", 1)[0] if "/" in ref else "."
        text = _fetch(f"{base}/{resource['path']}").decode("utf-8-sig")
    except (OSError, ValueError, KeyError, SetupError) as exc:
        raise SetupError(f"读不到上一版开放数据 {ref}：{exc}") from None
    return {
        "version": descriptor.get("version"),
        "created": descriptor.get("created"),
        "points": list(csv.reader(io.StringIO(text))),
    }


def _fetch(ref: str) -> bytes:
    if ref.startswith(("http://", "https://")):
        with urllib.request.urlopen(ref, timeout=30) as response:  # noqa: S310 - a configured URL
            return response.read()
    return Path(ref).read_bytes()


def changes_since(previous: dict | None, current: list[list[str]], descriptor: dict) -> dict:
    """Compare points tables as published text, so any change a reader would see is listed."""
    body = {"version": descriptor["version"], "created": descriptor["created"]}
    if previous is None:
        ids = sorted(row[0] for row in current[1:])
        return body | {"previous": None, "first_release": True, "added": ids, "removed": [], "changed": []}
    old, new = _by_id(previous["points"]), _by_id(current)
    changed = []
    for point_id in sorted(old.keys() & new.keys()):
        fields = {
            name: {"old": old[point_id].get(name, ""), "new": value}
            for name, value in new[point_id].items()
            if old[point_id].get(name, "") != value
        }
        fields.update(
            {
                name: {"old": value, "new": ""}
                for name, value in old[point_id].items()
                if name not in new[point_id] and value != ""
            }
        )
        if fields:
            changed.append({"id": point_id, "fields": dict(sorted(fields.items()))})
    return body | {
        "previous": {"version": previous.get("version"), "created": previous.get("created")},
        "first_release": False,
        "added": sorted(new.keys() - old.keys()),
        "removed": sorted(old.keys() - new.keys()),
        "changed": changed,
    }


def _by_id(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=False)) for row in body if row}
