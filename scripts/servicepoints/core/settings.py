"""Settings: servicepoints.yml beside mkdocs.yml, then the environment. No secret lives in the repo.

Each setting is declared once, as a field of ``Settings`` with its check and its one-line meaning:
the environment names (``SERVICEPOINTS_<FIELD>``), the README's table and ``check()`` all come
from the declaration, and every command checks all of them before doing any work.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from .dates import real_date
from .errors import SetupError, printable

TILES = ("gaode", "tianditu", "osm")
REPO_HOSTS = ("github", "gitlab")
CACHE = ("on", "off")
MAX_WORKERS = 64  # forked build workers; more is a typo, not a machine
MAX_LISTED = 200  # more cards than this would put a listing page over 200 KB again
# 审图号 as printed on Chinese maps: GS(2024)1234号, GS京(2022)1061号, 粤S(2023)045号.
REVIEW_NUMBER = r"[A-Z]{0,3}[\u4e00-\u9fff]{0,2}[A-Z]{0,2} ?[(（][0-9]{4}[)）] ?[0-9]{1,6} ?号?"
# An http(s) address whose every character is safe in an HTML attribute, a URL and YAML: an ASCII host
# (IDN as punycode), no user info, no quotes, spaces or angle brackets.
HOST = (
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*(?::[0-9]{1,5})?"
)
WEB_URL = rf"https?://{HOST}(?:/[A-Za-z0-9._~!$&()*+,;=:%@/-]*)?(?:\?[A-Za-z0-9._~!$&()*+,;=:%@/?-]*)?"
REPO_URL = rf"https://{HOST}(?:/[A-Za-z0-9_.-]+){{2,5}}/?"


def _text(value: str, name: str) -> None:
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs") for c in value):
        raise SetupError(f"设置 {name} 含有控制字符或看不见的字符，请重新输入")
    if not value.strip():
        raise SetupError(f"设置 {name} 是空的")
    if len(value) > 500:
        raise SetupError(f"设置 {name} 太长（{len(value)} 个字符，最多 500）")


def _pattern(pattern: str, hint: str) -> Callable[[str, str], None]:
    def check(value: str, name: str) -> None:
        if not re.fullmatch(pattern, value):
            raise SetupError(f"设置 {name}{hint}，收到“{printable(value)}”")

    return check


def _one_of(choices: tuple[str, ...]) -> Callable[[str, str], None]:
    def check(value: str, name: str) -> None:
        if value not in choices:
            raise SetupError(f"设置 {name} 只能是 {'、'.join(choices)}，收到“{printable(value)}”")

    return check


def _date(value: str, name: str) -> None:
    date_setting(value, f"设置 {name} ")


def _previous(value: str, name: str) -> None:
    check_previous_release(value)


def _repo_url(value: str, name: str) -> None:
    if not re.fullmatch(REPO_URL, value) or "/../" in value + "/" or "/./" in value + "/":
        raise SetupError(
            f"设置 {name}（仓库地址）应形如 https://github.com/所有者/仓库名（只用 ASCII 字母、数字和 ._-），"
            f"收到“{printable(value)}”"
        )


def _branch(value: str, name: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._/-]{0,99}", value) or ".." in value or value.endswith((".", "/")):
        raise SetupError(f"设置 {name}（分支名）只能用字母、数字和 ._/-，收到“{printable(value)}”")


# The corrections address and phone go into pages and mailto:/tel: links as they are: only plain ASCII
# addresses (no quotes, %, spaces or comments) and the phone forms people dial in China.
EMAIL = r"[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
PHONE = r"0[1-9][0-9]{1,2}-[2-9][0-9]{6,7}|1[3-9][0-9]{9}|1[0-9]{4}|[48]00-?[0-9]{3}-?[0-9]{4}"


def _email(value: str, name: str) -> None:
    if len(value) > 254 or not re.fullmatch(EMAIL, value):
        raise SetupError(
            f"设置 {name}（接收更正的邮箱）应是一个邮箱地址，例如 bianji@example.cn，收到“{printable(value)}”"
        )


def _phone(value: str, name: str) -> None:
    if not re.fullmatch(PHONE, value):
        forms = "区号-号码（如 020-83888888）、13912345678、12345 或 400-123-4567"
        raise SetupError(f"设置 {name}（接收更正的电话）应写成 {forms}，收到“{printable(value)}”")


def setting(default, what: str, check: Callable[[str, str], None] | None = None, secret: bool = False):
    """A declared setting: its default, its meaning (the README's table says the same, a test checks)
    and its check of a text value; integers are checked against LIMITS."""
    return dataclasses.field(default=default, metadata={"what": what, "check": check, "secret": secret})


@dataclass
class Settings:
    publisher: str = setting(
        "名录编辑组", "who publishes the open data (the instance names its own in servicepoints.yml)"
    )
    licence: str = setting(
        "CC-BY-4.0", "the open data's licence (SPDX-like code)", _pattern(r"[A-Za-z0-9.+-]{1,50}", " 应是许可协议代码")
    )
    licence_title: str = setting("知识共享署名 4.0 国际许可协议", "the licence's title")
    licence_url: str = setting(
        "https://creativecommons.org/licenses/by/4.0/",
        "the licence's http(s) address",
        _pattern(WEB_URL, " 应是 http(s) 网址"),
    )
    release_date: str | None = setting(
        None, "a new release's date YYYY-MM-DD; else SOURCE_DATE_EPOCH, else today (UTC)", _date
    )
    previous_release: str | None = setting(
        None,
        "the previous release's datapackage.json (path or URL): version, dates and changes follow from it",
        _previous,
    )
    stale_days: int = setting(365, "days after which a record not verified is a warning (0–36500)")
    tiles: str = setting("gaode", "the map's base layer: gaode, tianditu or osm", _one_of(TILES))
    tiles_review_number: str | None = setting(
        None,
        "the tile provider's 审图号, shown in the attribution",
        _pattern(REVIEW_NUMBER, "（审图号）应类似 GS(2024)1234号"),
    )
    tianditu_key: str | None = setting(
        None,
        "the Tianditu key: a secret, in the environment only",
        _pattern(r"[A-Za-z0-9]{8,64}", " 应是天地图控制台给出的一串字母和数字"),
        secret=True,
    )
    # The git repository editors propose changes to: the header link, every page's edit link, the
    # correction links and the browser editor (/admin/) all come from this one setting.
    repo_url: str | None = setting(
        None,
        "the repository: header link, edit and correction links, the browser editor",
        _repo_url,
    )
    repo_branch: str = setting("main", "the branch editors propose changes to", _branch)
    repo_host: str | None = setting(None, "github or gitlab; else guessed from repo_url", _one_of(REPO_HOSTS))
    cms_auth_url: str | None = setting(
        None,
        "GitHub: the OAuth helper the browser editor logs in through",
        _pattern(rf"https://{HOST}(/[A-Za-z0-9._~/-]*)?", " 应是 https 网址"),
    )
    cms_app_id: str | None = setting(
        None, "GitLab: the OAuth application id (public)", _pattern(r"[A-Za-z0-9_-]{1,128}", " 应是字母、数字、_ 和 -")
    )
    workers: int | None = setting(None, f"forked build workers (0–{MAX_WORKERS}; 0: none; unset: by size)")
    # Compiled templates and the search's word list, kept between builds beside mkdocs.yml (core/cache.py).
    cache: str = setting(
        "on", "keep what every build makes the same in .cache/servicepoints/: on or off", _one_of(CACHE)
    )
    # How many points a need, town or type page lists in its HTML (the rest: the map, the open data and,
    # on need pages, the finder's nearest-first list); every total on those pages is still stated whole.
    listed: int = setting(60, f"points a need, town or type page lists; totals stay whole (0–{MAX_LISTED})")
    # A way to correct a record without any account: shown beside every correction link, on /admin/
    # and in the editor's guide (site/corrections.py).
    corrections_email: str | None = setting(None, "an address that takes corrections (no account needed)", _email)
    corrections_phone: str | None = setting(None, "a number that takes corrections, as dialled in China", _phone)

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
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            if value is None and _optional(spec):
                continue
            if _kind(spec) is int:
                _integer(value, spec.name)
                continue
            if not isinstance(value, str):
                raise SetupError(f"设置 {spec.name} 应是一段文字，收到“{printable(value)}”")
            try:
                _text(value, spec.name)
                if spec.metadata["check"]:
                    spec.metadata["check"](value, spec.name)
            except SetupError:
                if spec.metadata["secret"]:  # never print a secret, even a wrong one
                    raise SetupError(f"设置 {spec.name} 的格式不对（密钥不显示）") from None
                raise


LIMITS = {"stale_days": 36500, "workers": MAX_WORKERS, "listed": MAX_LISTED}


def _kind(spec: dataclasses.Field) -> type:
    return int if str(spec.type).startswith("int") else str


def _optional(spec: dataclasses.Field) -> bool:
    return "None" in str(spec.type)


def _integer(value, name: str) -> None:
    limit = LIMITS[name]
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
        raise SetupError(f"设置 {name} 应是 0 到 {limit} 之间的整数，收到“{printable(value)}”")


def integer_text(text: str, name: str) -> int:
    """An integer setting written as text (the environment): ASCII digits only, within its limit."""
    if not re.fullmatch(r"[0-9]{1,6}", text.strip()):
        raise SetupError(f"设置 {name} 应是 0 到 {LIMITS[name]} 之间的整数（只用 0–9），收到“{printable(text)}”")
    value = int(text.strip())
    _integer(value, name)
    return value


# SERVICEPOINTS_<FIELD> for every declared setting, and nothing else.
ENV = {f"SERVICEPOINTS_{f.name.upper()}": f.name for f in dataclasses.fields(Settings)}
# Environment names that used to set something here and would now be silently ignored.
RETIRED_ENV = {"REPO_URL": "SERVICEPOINTS_REPO_URL"}
# Settings that no longer exist, and why (servicepoints.yml or SERVICEPOINTS_<NAME>).
RETIRED = {"version": "版本号由数据与上一版的比较决定（见 README 的“发布与版本”），不再设置"}


def _epoch(text: str) -> int:
    if not re.fullmatch(r"-?[0-9]{1,15}", text):
        raise SetupError(f"环境变量 SOURCE_DATE_EPOCH 应是整数秒数，收到“{printable(text)}”")
    value = int(text)
    if not 0 <= value < 253402300800:
        raise SetupError(f"环境变量 SOURCE_DATE_EPOCH 超出范围：{text}")
    return value


def date_setting(text, what: str) -> dt.date:
    """A setting that must be a real date (dates.real_date), or SetupError."""
    day = real_date(str(text))
    if day is None:
        raise SetupError(f"{what}应是真实存在的日期，写成 YYYY-MM-DD，收到“{printable(text)}”")
    return day


def check_previous_release(ref: str) -> None:
    """The previous release's datapackage.json: an http(s) URL, or a file path with no way out of
    its folder tricks (no '..'), naming an existing datapackage.json."""
    if ref.startswith(("http://", "https://")):
        if not re.fullmatch(WEB_URL, ref) or not ref.endswith("/datapackage.json"):
            raise SetupError(f"previous_release 应是上一版 datapackage.json 的 http(s) 网址，收到“{printable(ref)}”")
        return
    path = Path(ref)
    if ".." in path.parts or path.name != "datapackage.json":
        raise SetupError(f"previous_release 应直接指向上一版的 datapackage.json（不能含 ..），收到“{printable(ref)}”")
    if not path.is_file():
        raise SetupError(f"previous_release 指向的 {printable(ref)} 不存在")


def check_site_url(url: str | None) -> None:
    """The site's address (mkdocs site_url / SITE_URL) lands in every page's head: http(s), nothing else."""
    if url and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/%+-]*)?", url):
        raise SetupError(
            f"网站地址 site_url（环境变量 SITE_URL）应是 http(s) 网址，例如 https://example.org/servicepoints/，"
            f"收到“{printable(url)}”"
        )


def load_settings(path: Path | str | None = "servicepoints.yml") -> Settings:
    """Read settings from a YAML file (if present) and the environment, and check every one."""
    values: dict = {}
    if path and Path(path).is_file():
        try:
            values = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: 2026-02-30, bad UTF-8
            raise SetupError(f"设置文件 {path} 不是有效的 YAML：{' '.join(str(exc).split())}") from None
        except OSError as exc:
            raise SetupError(f"无法读取设置文件 {path}：{exc.strerror or exc}") from None
        if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
            raise SetupError(f"设置文件 {path} 应由“设置名: 值”组成")
    for key, why in RETIRED.items():
        if key in values or os.environ.get(f"SERVICEPOINTS_{key.upper()}"):
            raise SetupError(f"设置 {key} 已取消：{why}；请从 servicepoints.yml 或环境中删去它")
    unknown = sorted(set(values) - set(ENV.values()))
    if unknown:
        raise SetupError(f"设置文件 {path} 有未知设置：{', '.join(printable(k) for k in unknown)}")
    kinds = {f.name: _kind(f) for f in dataclasses.fields(Settings)}
    for key, value in list(values.items()):
        if isinstance(value, dt.date):
            values[key] = value.isoformat()
        elif kinds[key] is str and isinstance(value, int | float) and not isinstance(value, bool):
            values[key] = str(value)  # version: 1.2
        elif kinds[key] is int and isinstance(value, str):
            values[key] = integer_text(value, key)
    for old, new in RETIRED_ENV.items():
        if os.environ.get(old):
            raise SetupError(f"环境变量 {old} 已不再使用，请改用 {new}")
    for env, key in ENV.items():
        text = os.environ.get(env)
        if text is None or text == "":
            continue
        values[key] = integer_text(text, key) if kinds[key] is int else text
    settings = Settings(**values)
    settings.check()
    return settings
