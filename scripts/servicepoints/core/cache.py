"""A project's cache: what a build makes the same way every time, kept between builds.

It holds what is slow to make and depends only on files that rarely change: the page templates compiled
to Python code (Jinja's bytecode), jieba's word list in a form that loads four times faster, folium's
pieces of the map page and the theme's stylesheets as cut for the site. The folder is
``.cache/servicepoints/`` beside mkdocs.yml; it carries its own ``.gitignore`` and ``CACHEDIR.TAG``, and
the ``cache`` setting turns it off.

A cache can only make a build faster, never different or broken:
- every entry carries the digest of what it was made from and of itself: an entry made from anything
  else, or changed since it was written, is not used;
- a missing, unreadable, damaged or foreign entry is a miss, and a folder that cannot be written is no
  cache at all: nothing here raises;
- it writes only inside its own folder, never through a link that leads out of the project, and each
  entry is written whole beside its place and then moved into it, so a reader sees the old entry or the
  new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

FOLDER = Path(".cache") / "servicepoints"  # beside mkdocs.yml
_MAGIC = b"servicepoints-cache 1\n"  # then the digests of the key and of the value, then the value
_DIGEST = 32
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")


class Cache:
    """Entries by name, each valid only for the key it was made with. ``Cache(None)`` keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    @classmethod
    def in_project(cls, project: Path, enabled: bool = True) -> Cache:
        """The project's cache folder, or no cache when it is turned off or would lie outside the project
        (a link on the way out)."""
        if not enabled:
            return cls(None)
        folder = project / FOLDER
        try:
            inside = Path(os.path.realpath(folder)).is_relative_to(os.path.realpath(project))
            linked = any(p.is_symlink() for p in (project / FOLDER.parent, folder))
        except OSError:
            return cls(None)
        return cls(folder if inside and not linked else None)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def get(self, name: str, key: bytes) -> bytes | None:
        """The entry ``name`` if it was made with ``key``; else None."""
        if self.folder is None:
            return None
        try:
            with open(self.folder / _checked(name), "rb") as file:
                data = file.read()
        except OSError:
            return None
        head = _MAGIC + _digest(key)
        value = data[len(head) + _DIGEST :]
        if not data.startswith(head) or data[len(head) : len(head) + _DIGEST] != _digest(value):
            return None
        return value

    def json(self, name: str, key: bytes, make: Callable[[], Any], fits: Callable[[Any], bool]) -> Any:
        """The JSON value kept as ``name`` for ``key`` if it reads back and ``fits``; else ``make()``, kept."""
        kept = self.get(name, key)
        try:
            value = json.loads(kept) if kept is not None else None
        except ValueError:
            value = None
        if value is None or not fits(value):
            value = make()
            self.put(name, key, json.dumps(value).encode())
        return value

    def put(self, name: str, key: bytes, value: bytes) -> None:
        """Keep ``value`` as ``name``, made with ``key``; a folder that cannot take it keeps nothing."""
        if self.folder is None:
            return
        path = self.folder / _checked(name)
        temporary = None
        try:
            if not (self.folder / ".gitignore").is_file():
                self._make_folder()
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".partial")
            with os.fdopen(handle, "wb") as file:
                file.write(_MAGIC + _digest(key) + _digest(value) + value)
            os.replace(temporary, path)
            temporary = None
        except OSError:
            pass
        finally:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def _make_folder(self) -> None:
        """The folder, marked as a cache: git ignores it (in any repository, with or without its own
        .gitignore, as pytest marks its cache) and backup tools may skip it (the Cache Directory Tagging
        Specification)."""
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / ".gitignore").write_text("# made by servicepoints: a build's cache, never committed\n*\n")
        (self.folder / "CACHEDIR.TAG").write_text(_TAG)


_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This folder is a cache made by servicepoints builds: see https://bford.info/cachedir/\n"
)


def is_texts(value: Any, keys) -> bool:
    """Whether a kept JSON value is a mapping of exactly ``keys``, each to a text (for Cache.json's ``fits``)."""
    return isinstance(value, dict) and sorted(value) == sorted(keys) and all(isinstance(v, str) for v in value.values())


def _digest(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()


def _checked(name: str) -> str:
    """An entry's file name (ours, not outside input): lower-case letters, digits, '.', '_' and '-', so it
    stays in the folder."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"cache entry name {name!r}")
    return name
