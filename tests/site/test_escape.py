"""The last link guard (escape.neutralise_links) against a plain reading of the same rule, on generated pages.

The guard scans with a tuned expression (tag names by first letter, possessive quantifiers) and first
checks a page whole before cutting anything; the reading here lowercases the ASCII letters and matches
the tag names as written. They must agree on every page, and no unsafe address may stay live."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from servicepoints.site import escape
from servicepoints.site.escape import neutralise_links

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # same length: spans carry over
_NAMES = "a|img|iframe|embed|object|source|form|input|button"
_PLAIN_TAG = re.compile(r"<(" + _NAMES + r""")\b((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_PLAIN_END_A = re.compile(r"</a\s*>")


def _plain_cut(page: str) -> str:
    low = page.translate(_ASCII_LOWER)
    cuts = []
    for match in _PLAIN_TAG.finditer(low):
        if escape._unsafe(page[match.start(2) : match.end(2)]):  # the attributes as written
            cuts.append(match.span())
            end = _PLAIN_END_A.search(low, match.end()) if match.group(1) == "a" else None
            if end is not None:
                cuts.append(end.span())
    kept = [True] * len(page)
    for start, stop in cuts:  # they may overlap: an unsafe tag inside another's attributes
        kept[start:stop] = [False] * (stop - start)
    return "".join(c for c, keep in zip(page, kept, strict=True) if keep)


def plain_guard(page: str) -> str:
    while (cut := _plain_cut(page)) != page:
        page = cut
    return page


def live_unsafe(page: str) -> list[str]:
    """The guarded tags of ``page`` that still hold an unsafe address, as the plain reading finds them."""
    low = page.translate(_ASCII_LOWER)
    return [m.group(0) for m in _PLAIN_TAG.finditer(low) if escape._unsafe(page[m.start(2) : m.end(2)])]


def _any_case(word: str):
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True))
    )


ADDRESSES = [
    "javascript:alert(1)",
    "JaVaScRiPt:x",
    "&#106;avascript:x",
    "java&#x09;script:x",
    " javascript:x",
    "data:text/html,x",
    "vbscript:x",
    "https://example.org/a?b=1&amp;c=2",
    "http:x",
    "../../points/x/",
    "#top",
    "//evil.example/",
    "mailto:a@example.org",
    "mailto:a@example.org?cc=b@example.org",
    "tel:0760-1234",
    "tel:123X",
    "",
]
TAG_NAMES = [
    "a",
    "img",
    "iframe",
    "embed",
    "object",
    "source",
    "form",
    "input",
    "button",
    "abbr",
    "span",
    "a中",
    "ſource",
]
ATTR_NAMES = ["href", "src", "data", "xlink:href", "formaction", "action", "poster", "title", "class", "data-x"]
SEPARATORS = [" ", "\t", "/", "\n", ""]


@st.composite
def tags(draw) -> str:
    """An opening tag written any way HTML allows, and some ways it does not."""
    text = "<" + draw(st.sampled_from(TAG_NAMES).flatmap(_any_case))
    for _ in range(draw(st.integers(0, 3))):
        value = draw(st.sampled_from(ADDRESSES) | st.text(alphabet="<>\"'= :/&#ajvx", max_size=5))
        quote = draw(st.sampled_from(['"', "'", ""]))
        around = draw(st.sampled_from(["=", " = ", "="]))
        name = draw(st.sampled_from(ATTR_NAMES).flatmap(_any_case))
        text += draw(st.sampled_from(SEPARATORS)) + name + around + quote + value + quote
    return text + draw(st.sampled_from([">", ">", " >", ""]))


FILLER = ["</a>", "</A >", "文字", "<p>", "</p>", "<", ">", '"', "'", "&amp;", " href=javascript:x "]
PAGES = st.lists(tags() | st.sampled_from(FILLER) | st.text(alphabet="<>\"'= /aAhrefsc:", max_size=6), max_size=30)


@settings(max_examples=1500, deadline=None)
@given(PAGES)
@example(['<<a href="javascript:1">', 'a href="javascript:2">', "x</a>"])
@example(['<a title="x>" href="javascript:alert(1)">x</a>'])
def test_the_guard_agrees_with_a_plain_reading_and_leaves_nothing_live(pieces):
    page = "".join(pieces)
    out = neutralise_links(page)
    assert out == plain_guard(page)
    assert live_unsafe(out) == []
    if live_unsafe(page) == []:
        assert out is page  # a safe page is checked, not rebuilt


def test_a_cut_that_joins_a_new_tag_is_guarded_again():
    page = '<p><<a href="javascript:1">a href="javascript:2">x</a></p>'
    assert neutralise_links(page) == "<p>x</p>"


@pytest.mark.parametrize(
    "page",
    [
        '<A HREF="javascript:x">t</A>',
        '<iFrAmE src="data:text/html,x"></iframe>',
        "<button formaction=javascript:x>b</button>",
        '<object data="javascript:x"></object>',
        '<source src="&#106;avascript:x">',
        "<input type=image src=javascript:x>",
        '<form action="//evil.example/"></form>',
        '<embed src="java\tscript:x">',
    ],
)
def test_every_guarded_tag_in_any_case_is_caught(page):
    assert live_unsafe(page) != []
    assert live_unsafe(neutralise_links(page)) == []


@pytest.mark.parametrize("page", ["<abbr href=javascript:x>", "<a中 href=javascript:x>", "<ſource src=javascript:x>"])
def test_what_is_not_a_guarded_tag_is_left(page):
    assert neutralise_links(page) is page
