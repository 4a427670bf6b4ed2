"""Web addresses people will click: what the validator accepts for every URL field (records' website
and sources, the channels table), so a page never shows an address that reads as one host and goes to
another. http(s) only; no user info (``https://www.zs.gov.cn@evil.example/`` goes to evil.example);
the host in ASCII: an internationalised name is written, and shown, as punycode (``xn--``), and a
punycode label hiding Latin look-alike letters (Cyrillic or Greek) is refused.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")


def url_problem(text: str) -> str | None:
    """What is wrong with a web address, in Chinese (to follow “网址”), or None when it is fine."""
    parts = _split(text)
    if parts is None:
        return "应以 http:// 或 https:// 开头，且不含空格"
    scheme, netloc, host = parts
    if "@" in netloc:
        return "的主机名前含有“@”（用户信息）：浏览器会打开“@”后面的网站，请只写网站本身的地址"
    if not host.isascii():
        try:
            puny = host.encode("idna").decode("ascii")
        except UnicodeError:
            puny = None
        hint = f"请写成 {puny}" if puny else "请改用 ASCII 字母写的域名"
        return f"的域名含有非 ASCII 字符，可能与别的网站形似：{hint}"
    labels = host.rstrip(".").split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "的域名写法不对（只能用字母、数字、连字符和点）"
    for label in labels:
        if label.lower().startswith("xn--") and _lookalike(label):
            return f"的域名 {host} 解码后含有与拉丁字母形似的西里尔、希腊等字母，可能是仿冒网站"
    return None


def _split(text: str) -> tuple[str, str, str] | None:
    """(scheme, netloc, host) of an http(s) address with no space or control character anywhere (the
    pages escape what the path holds); None for anything else."""
    if not isinstance(text, str) or not text or _spaced(text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or not text.lower().startswith(parts.scheme + "://"):
        return None
    return parts.scheme, parts.netloc, host


def _spaced(text: str) -> bool:
    """A space, or a control, format or separator character (Unicode categories C and Z), anywhere in the text."""
    if text.isprintable() and " " not in text:
        return False  # isprintable() refuses every such character but the ASCII space: most addresses end here
    return _spaced_slowly(text)


def _spaced_slowly(text: str) -> bool:
    """_spaced, one character at a time."""
    return any(c.isspace() or unicodedata.category(c)[0] in "CZ" for c in text)


def _lookalike(label: str) -> bool:
    try:
        decoded = label.encode("ascii").decode("idna")
    except UnicodeError:
        return True  # not valid punycode at all
    return any(unicodedata.name(c, "").startswith(_LOOKALIKE_SCRIPTS) for c in decoded)
