"""Build the site into a fresh folder, then swap it in: a failed build leaves the old site as it was.

The output folder is the only place a build writes, and a build deletes only what an earlier build
wrote: a folder that is, holds or lies in the project's own files is refused, and so is a folder of
someone else's files (one without our marker). Staging and old folders are siblings of the output
named ``.NAME.servicepoints-staging-*`` / ``.NAME.servicepoints-old-*``, each carrying our marker;
a killed build's leftovers are cleared (or the old site put back) on the next run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, MkDocsException

from .core.errors import SetupError
from .core.settings import Settings, check_site_url
from .registry.load import Registry, display_path
from .registry.validate import Report
from .site.plugin import Preset, ServicepointsPlugin

MARKER = ".servicepoints-build"
_BUILT = "servicepoints build output: this folder is replaced by the next `servicepoints build`.\n"
_STAGING = "servicepoints staging, pid "


def build_site(
    config_file: Path,
    data_dir: Path,
    out_dir: Path,
    settings: Settings,
    checked: tuple[Registry, Report] | None = None,
    attach: Callable[..., None] | None = None,
    config: MkDocsConfig | None = None,
) -> None:
    """Run mkdocs (strict) with the servicepoints plugin reading ``data_dir``; write ``out_dir`` atomically.

    ``checked``: the registry and its validation report when the caller has them already,
    so the plugin does not read and validate everything a second time. ``attach``: the editor's preview
    (site/preview.py), which learns from this build what its partial rebuilds may keep. ``config``:
    ``config_file`` as check_output loaded it, used by this one build (a build changes it).
    Raises SetupError (nothing written, nothing removed) for an output folder we may not replace.
    """
    config = config if config is not None else _config(config_file)
    settings.check()
    out_dir = check_out_dir(out_dir, protected_paths(config, data_dir, settings), _package_name(data_dir))
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    staging = _new_sibling(out_dir, "staging")
    _show_mkdocs_warnings()
    try:
        config["site_dir"] = str(staging)
        plugin = config.plugins.get("servicepoints")
        if not isinstance(plugin, ServicepointsPlugin):
            raise SetupError(f"mkdocs 配置 {config_file} 的 plugins 中没有 servicepoints，无法生成网点页面")
        plugin.preset = Preset(Path(data_dir), settings, checked, attach)
        mkdocs_build(config)
        (staging / MARKER).write_text(_BUILT, encoding="utf-8")
    except (Abort, MkDocsException) as exc:
        _remove_ours(staging)
        raise SetupError(f"mkdocs 构建失败：{_one_line(exc)}") from None
    except BaseException:
        _remove_ours(staging)
        raise
    _swap(staging, out_dir)


def check_output(config_file: Path, data_dir: Path, out_dir: Path, settings: Settings) -> MkDocsConfig:
    """Refuse (SetupError) an output folder a build may not replace, before any work is done; return the
    loaded config, for the build that follows (build_site's ``config``)."""
    config = _config(config_file)
    check_out_dir(out_dir, protected_paths(config, data_dir, settings), _package_name(data_dir))
    return config


def _config(config_file: Path) -> MkDocsConfig:
    try:
        config = load_config(str(config_file), strict=True)
    except (Abort, MkDocsException) as exc:
        raise SetupError(f"mkdocs 配置 {config_file} 有误：{_one_line(exc)}") from None
    check_site_url(config.site_url)
    return config


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def protected_paths(config: MkDocsConfig, data_dir: Path, settings: Settings) -> dict[str, tuple[Path, bool]]:
    """What a build must never delete: label -> (path, whether the output may not lie inside it either).

    The project folder may hold the output (``site/``), but nothing of the project's own
    (data, docs, templates, git history) may hold it or be held by it.
    """
    project = Path(config.config_file_path).resolve().parent
    paths: dict[str, tuple[Path, bool]] = {
        "项目文件夹": (project, False),
        "当前工作目录": (Path.cwd().resolve(), False),
        "数据文件夹": (Path(data_dir).resolve(), True),
        "文档文件夹": (Path(config.docs_dir).resolve(), True),
        "git 仓库": (project / ".git", True),
    }
    if config.theme.custom_dir:
        paths["主题模板文件夹"] = (Path(config.theme.custom_dir).resolve(), True)
    ours = config.plugins.get("servicepoints")
    if ours is not None:
        paths["页面模板文件夹"] = ((project / ours.config.templates_dir).resolve(), True)
    previous = settings.previous_release
    if previous and not previous.startswith(("http://", "https://")):
        paths["上一版开放数据"] = (Path(previous).resolve().parent, False)
    return paths


def _package_name(data_dir: Path) -> str | None:
    try:
        return json.loads((Path(data_dir) / "datapackage.json").read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        return None


def check_out_dir(out_dir: Path, protected: dict[str, tuple[Path, bool]], package: str | None = None) -> Path:
    """The resolved output folder, or SetupError (one line) when a build may not replace it."""
    out = Path(out_dir).resolve()
    shown = display_path(Path(out_dir))
    for label, (path, no_inside) in protected.items():
        if out == path or path.is_relative_to(out):
            which = "就是" if out == path else "包含"
            raise SetupError(
                f"拒绝生成到 {shown}：它{which}{label} {display_path(path)}，"
                "生成网站会删掉其中的文件；请换一个新的输出文件夹。"
            )
        if no_inside and out.is_relative_to(path):
            raise SetupError(
                f"拒绝生成到 {shown}：它位于{label} {display_path(path)} 之中；请换一个项目源文件之外的输出文件夹。"
            )
    if out.exists() and not out.is_dir():
        raise SetupError(f"拒绝生成到 {shown}：这是一个文件，不是文件夹。")
    if out.is_dir() and any(out.iterdir()) and not is_our_build(out, package):
        raise SetupError(
            f"拒绝生成到 {shown}：这个文件夹已有文件，但不是 servicepoints 生成的网站（没有 {MARKER} 标记），"
            "生成网站会替换整个文件夹；请换一个新的或空的输出文件夹。"
        )
    return out


def is_our_build(folder: Path, package: str | None = None) -> bool:
    """The folder holds our marker; or, given our package name, it is a site built before markers
    existed (its search index, and its published data package of that name)."""
    marker = folder / MARKER
    if marker.is_file() and not marker.is_symlink():
        return _read(marker) == _BUILT
    return package is not None and package != "" and _legacy_build(folder, package)


def _legacy_build(folder: Path, name: str) -> bool:
    package, index = folder / "opendata" / "datapackage.json", folder / "search" / "search_index.json"
    if not (package.is_file() and index.is_file()) or package.is_symlink():
        return False
    try:
        return json.loads(package.read_text(encoding="utf-8")).get("name") == name
    except (OSError, ValueError, AttributeError):
        return False


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")[:200]
    except (OSError, UnicodeDecodeError):
        return ""


def _prefix(out_dir: Path, kind: str) -> str:
    return f".{out_dir.name}.servicepoints-{kind}-"


def _new_sibling(out_dir: Path, kind: str) -> Path:
    """A fresh, marked folder beside the output (same file system, so renames are atomic)."""
    path = Path(tempfile.mkdtemp(prefix=_prefix(out_dir, kind), dir=out_dir.parent))
    (path / MARKER).write_text(f"{_STAGING}{os.getpid()}\n", encoding="utf-8")
    return path


def recover(out_dir: Path) -> None:
    """Clear what a killed build left beside ``out_dir``; put the old site back if the swap was cut short.

    Only folders with our names that hold our marker (or nothing) are touched; a staging folder
    of a build still running (its process alive) is left alone.
    """
    if not out_dir.parent.is_dir():
        return
    for kind in ("old", "staging"):
        prefix = _prefix(out_dir, kind)
        for path in sorted(p for p in out_dir.parent.iterdir() if p.name.startswith(prefix)):
            if path.is_symlink() or not path.is_dir() or not _left_by_us(path):
                continue
            if kind == "old" and not out_dir.exists() and is_our_build(path):
                path.rename(out_dir)
            else:
                _remove_ours(path)


def _left_by_us(path: Path) -> bool:
    marker = path / MARKER
    if not marker.exists():
        return not any(path.iterdir())
    text = _read(marker)
    if text == _BUILT:
        return True
    if _STAGING.startswith(text) and [p.name for p in path.iterdir()] == [MARKER]:
        return True  # killed between making the folder and finishing its marker: nothing else in it yet
    if not text.startswith(_STAGING):
        return False
    try:
        pid = int(text[len(_STAGING) :].strip())
    except ValueError:
        return False
    return pid == os.getpid() or not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove_ours(path: Path) -> None:
    """Remove a folder we made, its marker last, so a half-removed folder is still known as ours."""
    if not path.is_dir():
        return
    for child in path.iterdir():
        if child.name == MARKER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    (path / MARKER).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.rmdir()


def _swap(staging: Path, out_dir: Path) -> None:
    """The old site stays in place until the new one is complete, then the two change places."""
    if out_dir.exists():
        (out_dir / MARKER).write_text(_BUILT, encoding="utf-8")  # an empty or pre-marker folder: ours from now on
        old = Path(tempfile.mkdtemp(prefix=_prefix(out_dir, "old"), dir=out_dir.parent))
        old.rmdir()  # only the unique name is wanted: a rename needs its target gone
        out_dir.rename(old)
        staging.rename(out_dir)
        _remove_ours(old)
    else:
        staging.rename(out_dir)


def _show_mkdocs_warnings() -> None:
    try:  # jieba sets its own level on import, so import it first; its loading chatter is not news
        import jieba

        jieba.setLogLevel(logging.WARNING)
    except ImportError:
        pass
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "_servicepoints", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("mkdocs %(levelname)s: %(message)s"))
        handler._servicepoints = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
