"""Settings: servicepoints.yml beside mkdocs.yml, then the environment. No secret lives in the repo."""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import SetupError


@dataclass
class Settings:
    publisher: str = "名录编辑组"  # the instance names its own in servicepoints.yml
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
    repo_url: str | None = None
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
            return dt.datetime.fromtimestamp(_epoch(epoch), dt.UTC).date().isoformat()
        return dt.datetime.now(dt.UTC).date().isoformat()

    def check(self) -> None:
        """Refuse (SetupError, one line) settings a build cannot trust; called before any work."""
        for name in ("publisher", "licence", "licence_title", "licence_url", "version", "tiles"):
            _plain(name, getattr(self, name), required=True)
        for name in ("release_date", "previous_release", "tiles_review_number", "tianditu_key"):
            _plain(name, getattr(self, name), required=False)
        if self.release_date is not None:
            real_date(self.release_date, "release_date（发布日期）")
        if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,4}){1,3}", self.version):
            raise SetupError(f"设置 version（版本号）应类似 1.2.0，收到“{self.version}”")
        if not re.fullmatch(r"https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+", self.licence_url):
            raise SetupError(f"设置 licence_url 应是 http(s) 网址，收到“{self.licence_url}”")
        if (
            not isinstance(self.stale_days, int)
            or isinstance(self.stale_days, bool)
            or not 0 <= self.stale_days <= 36500
        ):
            raise SetupError(f"设置 stale_days 应是 0 到 36500 之间的整数（天数），收到“{self.stale_days}”")
        if self.tiles not in TILES:
            raise SetupError(f"未知的底图 tiles: {self.tiles}（可选 {'、'.join(TILES)}）")
        if self.tiles_review_number is not None and not re.fullmatch(REVIEW_NUMBER, self.tiles_review_number):
            raise SetupError(
                f"设置 tiles_review_number（审图号）应类似 GS(2024)1234号，收到“{self.tiles_review_number}”"
            )
        if self.tianditu_key is not None and not re.fullmatch(r"[A-Za-z0-9]{8,64}", self.tianditu_key):
            raise SetupError("设置 tianditu_key 应是天地图控制台给出的一串字母和数字")
        if self.previous_release:
            check_previous_release(self.previous_release)


TILES = ("gaode", "tianditu", "osm")
# 审图号 as printed on Chinese maps: GS(2024)1234号, GS京(2022)1061号, 粤S(2023)045号.
REVIEW_NUMBER = r"[A-Z]{0,3}[\u4e00-\u9fff]{0,2}[A-Z]{0,2} ?[(（][0-9]{4}[)）] ?[0-9]{1,6} ?号?"


def _epoch(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise SetupError(f"环境变量 SOURCE_DATE_EPOCH 应是整数秒数，收到“{text}”") from None
    if not 0 <= value < 253402300800:
        raise SetupError(f"环境变量 SOURCE_DATE_EPOCH 超出范围：{text}")
    return value


def _plain(name: str, value, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        raise SetupError(f"设置 {name} 应是一段文字，收到“{value}”")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        raise SetupError(f"设置 {name} 含有控制字符或看不见的字符，请重新输入")
    if len(value) > 500:
        raise SetupError(f"设置 {name} 太长（{len(value)} 个字符，最多 500）")


def real_date(text, what: str) -> dt.date:
    """A real calendar date written YYYY-MM-DD, or SetupError."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(text)):
            raise ValueError
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise SetupError(f"{what}应是真实存在的日期，写成 YYYY-MM-DD，收到“{text}”") from None


def check_previous_release(ref: str) -> None:
    """The previous release's datapackage.json: an http(s) URL, or a file path with no way out of
    its folder tricks (no '..'), naming an existing datapackage.json."""
    if ref.startswith(("http://", "https://")):
        if not re.fullmatch(r"https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+/datapackage\.json", ref):
            raise SetupError(f"previous_release 应是上一版 datapackage.json 的 http(s) 网址，收到“{ref}”")
        return
    path = Path(ref)
    if ".." in path.parts or path.name != "datapackage.json":
        raise SetupError(f"previous_release 应直接指向上一版的 datapackage.json（不能含 ..），收到“{ref}”")
    if not path.is_file():
        raise SetupError(f"previous_release 指向的 {ref} 不存在")


def check_site_url(url: str | None) -> None:
    """The site's address (mkdocs site_url / SITE_URL) lands in every page's head: http(s), nothing else."""
    if url and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/%+-]*)?", url):
        raise SetupError(
            f"网站地址 site_url（环境变量 SITE_URL）应是 http(s) 网址，例如 https://example.org/servicepoints/，收到“{url}”"
        )


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
        except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: 2026-02-30, bad UTF-8
            raise SetupError(f"设置文件 {path} 不是有效的 YAML：{' '.join(str(exc).split())}") from None
        if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
            raise SetupError(f"设置文件 {path} 应由“设置名: 值”组成")
        values = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}
        values = {
            k: str(v) if isinstance(v, int | float) and not isinstance(v, bool) and k != "stale_days" else v
            for k, v in values.items()
        }
    known = set(Settings.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise SetupError(f"设置文件 {path} 有未知设置：{', '.join(unknown)}")
    for env, key in ENV.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
    if isinstance(values.get("stale_days"), str):
        try:
            values["stale_days"] = int(values["stale_days"])
        except ValueError:
            raise SetupError(f"设置 stale_days 应是整数（天数），收到“{values['stale_days']}”") from None
    settings = Settings(**values)
    settings.check()
    return settings
