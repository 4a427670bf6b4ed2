"""The glossary (docs/glossary.md) is the one list of terms: read its headings and 别称 lines, and
link the first time each term appears on a page to its entry."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

_HEADING = re.compile(r"^##\s+(?P<name>.+?)\s*\{#(?P<anchor>[\w-]+)\}\s*$")
_ALIASES = re.compile(r"^别称[:：]\s*(?P<names>.+?)\s*$")
# Text inside these is never linked: links, headings, code, controls, and the theme's furniture.
_SKIP = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "code", "pre", "script", "style", "button", "label", "select",
         "option", "textarea", "nav", "title", "summary", "svg", "abbr", "dt"}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*)>")
GLOSSARY_PAGE = "glossary.md"


def read_terms(path: Path) -> dict[str, str]:
    """``{term: anchor}`` from the glossary page: each ``## 名称 {#anchor}`` heading (quotes dropped)
    and the names on the ``别称：`` line below it."""
    terms: dict[str, str] = {}
    anchor = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if found := _HEADING.match(line):
            anchor = found["anchor"]
            for name in re.split(r"[、，,]", found["name"]):
                terms[name.strip().strip('“”"')] = anchor
        elif anchor and (found := _ALIASES.match(line)):
            for name in re.split(r"[、，,]", found["names"]):
                if name.strip():
                    terms[name.strip()] = anchor
    return {t: a for t, a in terms.items() if t}


def link_terms(html: str, glossary_url: str, terms: dict[str, str]) -> str:
    """Link the first occurrence of each glossary entry in running text (not in links, headings,
    code or controls). ``glossary_url`` is the glossary page relative to the page."""
    if not terms:
        return html
    pattern = re.compile(
        "|".join(re.escape(htmllib.escape(t, quote=False)) for t in sorted(terms, key=len, reverse=True))
    )
    by_text = {htmllib.escape(t, quote=False): a for t, a in terms.items()}
    done: set[str] = set()
    out: list[str] = []
    depth = 0  # how many skipped elements we are inside
    pos = 0
    for tag in _TAG.finditer(html):
        out.append(
            _link_text(html[pos : tag.start()], pattern, by_text, done, glossary_url)
            if depth == 0
            else html[pos : tag.start()]
        )
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _SKIP and not tag.group(3).rstrip().endswith("/"):
            depth = max(0, depth - 1) if closing else depth + 1
        out.append(tag.group(0))
        pos = tag.end()
        if len(done) == len(set(terms.values())):
            break
    out.append(html[pos:])
    return "".join(out)


_TITLE_MARKS = re.compile(r"《[^》]*》")  # a document's title is quoted whole, never linked into


def _link_text(text: str, pattern: re.Pattern, by_text: dict[str, str], done: set[str], url: str) -> str:
    if not text.strip():
        return text
    titles = [m.span() for m in _TITLE_MARKS.finditer(text)]

    def swap(match: re.Match) -> str:
        anchor = by_text[match.group(0)]
        if anchor in done or any(a <= match.start() < b for a, b in titles):
            return match.group(0)
        done.add(anchor)
        return f'<a class="sp-term" href="{url}#{anchor}" title="名词解释">{match.group(0)}</a>'

    return pattern.sub(swap, text)


def search_words(tables: dict[str, list[dict]]) -> list[str]:
    """Names the search must keep whole (``material.keep_whole``): the towns. Not the long type names:
    kept whole, 援助 would no longer find 知识产权维权援助服务站."""
    return sorted({t["name"] for t in tables.get("towns", []) if t.get("name")})
