"""Writing into the data folder without ever leaving it: the one way every writer (``new``,
``schema --write``, ``import --write``) puts a file under ``data/``.

A target is a path relative to the data folder. Each of its parts must be a plain name (no ``..``,
no separators, no control characters); no folder on the way and not the file itself may be a link;
folders that already exist must be real folders inside the data folder. Anything else is a
SetupError (exit 2, one line) and nothing is written. The file is written beside its target and
moved into place, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import os
import unicodedata
from pathlib import Path, PurePosixPath

from ..core.errors import SetupError, printable
from .load import display_path


def safe_target(root: Path, relative: str | PurePosixPath) -> Path:
    """``root/relative`` once it is sure to lie inside ``root`` through no link; else SetupError."""
    text = str(relative)
    parts = PurePosixPath(text).parts
    if not parts or PurePosixPath(text).is_absolute() or "\\" in text:
        raise SetupError(f"要写入的文件名“{printable(text)}”不是数据目录内的相对路径，未写入")
    for part in parts:
        if part in (".", "..") or any(unicodedata.category(c)[0] in "CZ" and c != " " for c in part):
            raise SetupError(f"要写入的文件名“{printable(text)}”含有 .. 或控制字符，会离开数据目录，未写入")
    if root.is_symlink():
        raise SetupError(f"数据目录 {display_path(root)} 是一个链接，不会往里写入；请用真正的文件夹")
    real_root = root.resolve()
    here = root
    for index, part in enumerate(parts):
        here = here / part
        last = index == len(parts) - 1
        if here.is_symlink():
            raise SetupError(f"{display_path(here)} 是一个链接，写入会离开数据目录或覆盖别处的文件，未写入")
        if not here.exists():
            continue
        if not here.resolve().is_relative_to(real_root):
            raise SetupError(f"{display_path(here)} 在数据目录之外，未写入")
        if not last and not here.is_dir():
            raise SetupError(f"{display_path(here)} 不是文件夹，无法在其中写入")
        if last and not here.is_file():
            raise SetupError(f"{display_path(here)} 不是普通文件，未写入")
    return here


def write_inside(root: Path, relative: str | PurePosixPath, text: str, *, new: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``root/relative`` through ``safe_target``; ``new``: refuse an existing file.
    Missing folders are made one by one, each checked again after it is made."""
    target = safe_target(root, relative)
    if new and target.exists():
        raise SetupError(f"{display_path(target)} 已经存在，未覆盖")
    folder = root
    for part in PurePosixPath(str(relative)).parts[:-1]:
        folder = folder / part
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise SetupError(f"无法新建文件夹 {display_path(folder)}：{exc.strerror or exc}") from None
        if folder.is_symlink() or not folder.is_dir():
            raise SetupError(f"{display_path(folder)} 不是真正的文件夹，未写入")
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(scratch, flags, 0o644)
        try:
            os.write(handle, text.encode("utf-8"))
        finally:
            os.close(handle)
        if new:
            os.link(scratch, target)  # fails if the name appeared meanwhile; never replaces a file
            os.unlink(scratch)
        else:
            os.replace(scratch, target)  # replaces a link itself, never what it points to
    except FileExistsError:
        _remove(scratch)
        raise SetupError(f"{display_path(target)} 已经存在，未覆盖") from None
    except OSError as exc:
        _remove(scratch)
        raise SetupError(f"无法写入 {display_path(target)}：{exc.strerror or exc}") from None
    return target


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
