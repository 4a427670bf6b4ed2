"""The releases feed (opendata/releases.atom): one Atom entry per release, newest first, each with the
release's Chinese summary (新增 2 个网点，更新 5 个网点的联系电话。).

RFC 4287: the feed and every entry have an id, a title and an updated date; the feed names its author and
itself (rel=self); entries link to the change log. Ids are urn:uuid derived from the package name and the
version, so they never change. The feed is also the release history: the next build reads the previous
release's feed back (``parse_feed``) and adds its entry on top, so the first release's date is the last
entry's. Nothing in it depends on the build's time: an unchanged release gives the same bytes.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

from ..core.dates import real_date

FEED_NAME = "releases.atom"
ATOM = "http://www.w3.org/2005/Atom"
_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
TITLE = "版本 {version}"  # an entry's title; parse_feed reads the version back from it


@dataclass(frozen=True)
class Entry:
    version: str
    date: str  # YYYY-MM-DD, the release date
    summary: str


def _uuid(name: str, what: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'servicepoints:{name}:{what}')}"


def feed_bytes(entries: list[Entry], descriptor: dict, site_url: str) -> bytes:
    """The Atom document for ``entries`` (newest first). ``descriptor``: the published package."""
    base = f"{site_url.rstrip('/')}/opendata/"
    name = descriptor["name"]
    publisher = descriptor["contributors"][0]["title"]
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM}" xml:lang="zh-CN">',
        f"  <id>{_uuid(name, 'releases')}</id>",
        f"  <title>{escape(descriptor['title'])}：数据发布</title>",
        "  <subtitle>每次发布的版本、日期和变化摘要；逐字段的变化见 changes.json。</subtitle>",
        f"  <updated>{entries[0].date}T00:00:00Z</updated>",
        f"  <author><name>{escape(publisher)}</name></author>",
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(base + FEED_NAME)}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(base)}/>',
    ]
    for entry in entries:
        lines += [
            "  <entry>",
            f"    <id>{_uuid(name, entry.version)}</id>",
            f"    <title>{escape(TITLE.format(version=entry.version))}</title>",
            f"    <updated>{entry.date}T00:00:00Z</updated>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(base + "changes/")}/>',
            f"    <summary>{escape(entry.summary)}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def parse_feed(body: bytes) -> list[Entry]:
    """The entries of a feed written by feed_bytes (newest first); ValueError for anything else."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ValueError("含有 DOCTYPE 或实体声明")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ValueError(f"不是格式正确的 XML：{exc}") from None
    if root.tag != f"{{{ATOM}}}feed":
        raise ValueError("根元素不是 Atom 的 feed")
    entries = []
    for node in root.findall(f"{{{ATOM}}}entry"):
        title = node.findtext(f"{{{ATOM}}}title") or ""
        updated = node.findtext(f"{{{ATOM}}}updated") or ""
        text = node.findtext(f"{{{ATOM}}}summary")
        version = title.removeprefix(TITLE.format(version=""))
        if not _VERSION.fullmatch(version) or not real_date(updated[:10]) or updated[10:] != "T00:00:00Z" or not text:
            raise ValueError(f"条目“{title[:40]}”缺少版本、日期或摘要")
        entries.append(Entry(version, updated[:10], text))
    return entries
