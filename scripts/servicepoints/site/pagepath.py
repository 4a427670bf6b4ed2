"""The page path for thousands of generated pages: our code renders the body, the theme the frame.

Generated pages outside the nav (points, towns) are mkdocs pages whose Markdown step is skipped:
their body (HTML and table of contents) comes from our templates. The theme's page frame (head,
header, nav, tabs, sidebars, footer) is the same for every such page at the same depth with the
same table of contents, except for the title, the page's slug in its URLs and the body. So the
theme renders it once with placeholders, and each page is the frame with its own values filled in.

The frame is checked, not trusted: for the first two pages of each kind of frame the theme renders
the whole page too, and if either differs from the filled frame, every page of that kind gets the
theme's full rendering (slower, same bytes). Pages whose title or slug need escaping always do.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import jinja2
from markupsafe import Markup, escape
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

log = logging.getLogger("mkdocs.plugins.servicepoints")

FRAME_TEMPLATE = "servicepoints-frame.html"  # the one-line template our pages name in their meta
FRAME_GLOBAL = "servicepoints_frame"
_TITLE, _SLUG, _CONTENT, _H1 = "sp0title0mark", "sp0slug0mark", "sp0content0mark", "sp0hone0mark"
_SPLIT = re.compile(f"({_TITLE}|{_SLUG}|{_CONTENT}|{_H1})")
_SAFE_TITLE = re.compile(r"[^<>&\"'\s]+(?: [^<>&\"'\s]+)*\Z")  # escaping and striptags leave it as it is
_SAFE_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
CHECKED_PAGES = 2  # full renderings compared with the filled frame, per kind of frame


class TocToken(TypedDict):
    """A heading as mkdocs' ``get_toc`` takes it."""

    level: int
    id: str
    name: str
    children: list[TocToken]


@dataclass
class Body:
    """A generated page's body: HTML and its headings as mkdocs TOC tokens."""

    html: str
    toc: list[TocToken] = field(default_factory=list)


class Toc:
    """Collects headings while a template renders, and gives the heading HTML the toc extension would."""

    def __init__(self, permalink: str = "¶") -> None:
        self.tokens: list[TocToken] = []
        self.permalink = permalink

    def heading(self, level: int, anchor: str, text: str) -> Markup:
        """``<hN id>`` with its permalink, as the toc extension writes it; ``text`` is escaped here."""
        text = escape(text)
        token: TocToken = {"level": level, "id": anchor, "name": str(text), "children": []}
        parent = self.tokens
        while parent and parent[-1]["level"] < level:
            parent = parent[-1]["children"]
        parent.append(token)
        return Markup(
            f'<h{level} id="{escape(anchor)}">{text}<a class="headerlink" href="#{escape(anchor)}" '
            f'title="Permanent link">{self.permalink}</a></h{level}>'
        )


class GeneratedPage(Page):
    """A page outside the nav whose body our code renders (``body()``, called once, just before writing)."""

    def __init__(self, file, config, *, title: str, slug: str, body: Callable[[], Body], meta: dict) -> None:
        super().__init__(title, file, config)
        self.slug = slug
        self._body = body
        self._meta = meta

    def read_source(self, config) -> None:
        self.markdown = ""
        self.meta = {"template": FRAME_TEMPLATE, **self._meta}

    def render(self, config, files) -> None:
        self.content = ""  # the body is rendered when the page is written, so bodies are never all in memory
        self.toc = get_toc([])
        self.present_anchor_ids = None  # nothing links to an anchor of these pages from Markdown

    def load_body(self) -> None:
        body = self._body()
        self.content = body.html
        self.toc = get_toc(body.toc)
        self.present_anchor_ids = set(_ids(body.toc))


def _ids(tokens: list[TocToken]) -> Iterator[str]:
    for t in tokens:
        yield t["id"]
        yield from _ids(t["children"])


class _MarkedContent(str):
    """The body's mark, which answers ``"<h1" in page.content`` (the theme asks) as the real body would."""

    real: str

    def __new__(cls, real: str):
        self = super().__new__(cls, _CONTENT)
        self.real = real
        return self

    def __contains__(self, part) -> bool:
        return part in self.real


class _MarkedLink:
    """A TOC entry whose text is the page title's mark when it is the page title (the h1)."""

    def __init__(self, link, title: str) -> None:
        self._link = link
        self.title: str = _TITLE if link.title == title else link.title
        self.id: str = _H1 if link.title == title else link.id
        self.url = "#" + self.id
        self.children = [_MarkedLink(c, title) for c in link.children]

    def __getattr__(self, name):
        return getattr(self._link, name)


class _Marked:
    """The page as the theme sees it while it renders the frame: title, slug and body are marks."""

    def __init__(self, page: GeneratedPage) -> None:
        self._page = page
        self.title = _TITLE
        self.content = _MarkedContent(page.content or "")
        self.toc = [_MarkedLink(link, page.title) for link in page.toc]
        self.url = page.url.replace(page.slug, _SLUG)
        for name in ("canonical_url", "abs_url", "edit_url"):
            value = getattr(page, name)
            setattr(self, name, value.replace(page.slug, _SLUG) if value else value)

    def __getattr__(self, name):
        return getattr(self._page, name)


class Frames:
    """The theme's frame, rendered once per kind of page and filled for each page."""

    def __init__(self) -> None:
        self.frames: dict[tuple, list[str] | None] = {}
        self.checked: dict[tuple, int] = {}
        self.stats = {"filled": 0, "full": 0, "rejected": 0}

    @staticmethod
    def key(page: GeneratedPage) -> tuple:
        return (
            page.url.count("/"),
            _toc_key(page.toc, page.title),
            bool(page.edit_url),
            "<h1" in (page.content or ""),
            repr(sorted(page.meta.items())),
        )

    def render(self, context: jinja2.runtime.Context) -> str:
        page = context["page"]
        page.load_body()
        full = context.environment.get_template("main.html")
        values = context.get_all()
        if not (_SAFE_TITLE.match(page.title or "") and _SAFE_SLUG.match(page.slug) and page.slug in page.url):
            self.stats["full"] += 1
            return full.render(values)
        key = self.key(page)
        if key not in self.frames:
            marked = _Marked(page)
            text = full.render(values | {"page": marked})
            parts = _SPLIT.split(text)
            self.frames[key] = parts if page.slug not in text else None
            self.checked[key] = 0
        frame = self.frames[key]
        if frame is None:
            self.stats["full"] += 1
            return full.render(values)
        filled = _fill(frame, page)
        if self.checked[key] < CHECKED_PAGES:
            self.checked[key] += 1
            expected = full.render(values)
            if filled != expected:
                if os.environ.get("SERVICEPOINTS_FRAME_DEBUG"):  # where to leave the two versions
                    folder = Path(os.environ["SERVICEPOINTS_FRAME_DEBUG"])
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / "filled.html").write_text(filled, encoding="utf-8")
                    (folder / "expected.html").write_text(expected, encoding="utf-8")
                log.info(
                    "servicepoints: the theme frame differs for %s; its kind of page is rendered in full", page.url
                )
                self.frames[key] = None
                self.stats["rejected"] += 1
                self.stats["full"] += 1
                return expected
        self.stats["filled"] += 1
        return filled


def _fill(frame: list[str], page: GeneratedPage) -> str:
    h1 = next((link.id for link in page.toc if link.title == page.title), "")
    values = {_TITLE: page.title, _SLUG: page.slug, _CONTENT: page.content, _H1: h1}
    return "".join(values.get(part, part) if n % 2 else part for n, part in enumerate(frame))


def _toc_key(toc, title: str) -> tuple:
    return tuple(
        (
            (None, None) if item.title == title else (item.title, item.id),
            item.level,
            _toc_key(item.children, title),
        )
        for item in toc
    )


def install(env: jinja2.Environment, frames: Frames) -> None:
    """Let our pages' one-line template call the frame renderer."""
    loader = jinja2.DictLoader({FRAME_TEMPLATE: "{{ " + FRAME_GLOBAL + "() }}"})
    env.loader = jinja2.ChoiceLoader([loader, *([env.loader] if env.loader else [])])
    env.globals[FRAME_GLOBAL] = jinja2.pass_context(lambda context: frames.render(context))


def page_title(text: str) -> str:
    """A record's name as mkdocs keeps a page title: HTML-escaped text."""
    return html.escape(text, quote=False)
