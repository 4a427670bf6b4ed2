"""Build the site into a fresh folder, then swap it in: a failed build leaves the old site as it was."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, MkDocsException

from .load import Registry, SetupError
from .plugin import Preset
from .settings import Settings
from .validate import Report


def build_site(
    config_file: Path, data_dir: Path, out_dir: Path, settings: Settings, checked: tuple[Registry, Report] | None = None
) -> None:
    """Run mkdocs (strict) with the servicepoints plugin reading ``data_dir``; write ``out_dir`` atomically.

    ``checked``: the registry and its validation report when the caller has them already,
    so the plugin does not read and validate everything a second time.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    _show_mkdocs_warnings()
    try:
        config = load_config(str(config_file), site_dir=str(staging), strict=True)
        config.plugins["servicepoints"].preset = Preset(Path(data_dir), settings, checked)
        mkdocs_build(config)
    except (Abort, MkDocsException) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SetupError(f"mkdocs 构建失败：{exc}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(staging, out_dir)


def _swap(staging: Path, out_dir: Path) -> None:
    old = out_dir.with_name(f".{out_dir.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


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
