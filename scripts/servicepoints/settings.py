"""Settings: servicepoints.yml beside mkdocs.yml, then the environment. No secret lives in the repo."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .load import SetupError


@dataclass
class Settings:
    publisher: str = "中山市知识产权公共服务网点名录编辑组"
    licence: str = "CC-BY-4.0"
    licence_title: str = "知识共享署名 4.0 国际许可协议"
    licence_url: str = "https://creativecommons.org/licenses/by/4.0/"
    version: str = "0.1.0"
    release_date: str | None = None
    previous_release: str | None = None
    stale_days: int = 365
    tiles: str = "gaode"
    tiles_review_number: str | None = None
    tianditu_key: str | None = None
    # The git repository editors propose changes to (browser editor /admin/, correction links).
    repo_url: str | None = "https://github.com/zs-ip-servicepoints/servicepoints"
    repo_branch: str = "main"
    repo_host: str | None = None  # github | gitlab; else guessed from repo_url
    cms_auth_url: str | None = None  # GitHub: base URL of the OAuth helper that Decap CMS logs in through
    cms_app_id: str | None = None  # GitLab: the OAuth application's id (public, not a secret)

    def release(self) -> str:
        """The release date: the setting, else SOURCE_DATE_EPOCH, else today (UTC)."""
        if self.release_date:
            return str(self.release_date)
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
        return dt.datetime.now(dt.UTC).date().isoformat()


ENV = {
    "SERVICEPOINTS_TILES": "tiles",
    "SERVICEPOINTS_TILES_REVIEW_NUMBER": "tiles_review_number",
    "SERVICEPOINTS_TIANDITU_KEY": "tianditu_key",
    "SERVICEPOINTS_PREVIOUS_RELEASE": "previous_release",
    "SERVICEPOINTS_RELEASE_DATE": "release_date",
    "SERVICEPOINTS_REPO_URL": "repo_url",
}


def load_settings(path: Path | str | None = "servicepoints.yml") -> Settings:
    """Read settings from a YAML file (if present) and the environment."""
    values: dict = {}
    if path and Path(path).is_file():
        try:
            values = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise SetupError(f"设置文件 {path} 不是有效的 YAML：{exc}") from None
    known = set(Settings.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise SetupError(f"设置文件 {path} 有未知设置：{', '.join(unknown)}")
    for env, key in ENV.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
    if "stale_days" in values:
        values["stale_days"] = int(values["stale_days"])
    return Settings(**values)
