"""Escaping record text for every place it lands: Markdown, HTML, and JSON inside <script>."""

from __future__ import annotations

import functools
import html
import json
import re

from markupsafe import Markup

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>&])")


def md(text) -> Markup:
    """Record text for a Markdown context (headings): no Markdown, no HTML, entities for < > &."""
    escaped = _MD_SPECIAL.sub(lambda m: m.group(1) if m.group(1) in "<>&" else "\\" + m.group(1), str(text))
    return Markup(html.escape(escaped, quote=False))


def script_json(data) -> Markup:
    """JSON safe inside <script>: no '</script>', no '<!--', no stray '&'."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# Links we write: web pages, and mailto/tel that we build from checked addresses and numbers.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_TEL = re.compile(r"\+?[0-9][0-9()\-]{2,30}((转|ext\.?|x|,|;)[0-9]{1,6})?")
# The pre-filled fields a mail link may carry (corrections.mailto): percent-encoded, nothing else.
_MAIL_QUERY = re.compile(r"(\?(subject|body)=[A-Za-z0-9%._~-]*(&(subject|body)=[A-Za-z0-9%._~-]*)*)?")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_NOT_IN_URL = re.compile(r"[\x00-\x20\\\x7f]")  # controls, space, backslash, DEL


def safe_url(url: str) -> bool:
    """http(s) with a host, a plain mailto address, a tel number, or a relative link within the site.

    Browsers drop tabs, line breaks and leading control characters before reading a scheme
    (``java\\tscript:``), so those never pass either.
    """
    if not isinstance(url, str) or _NOT_IN_URL.search(url):
        return False
    scheme = _SCHEME.match(url)
    if scheme is None:
        return not url.startswith("//")  # relative: same site; //host is another host
    name, rest = scheme.group(1).lower(), url[scheme.end() :]
    if name in ("http", "https"):
        return rest.startswith("//") and len(rest) > 2
    if name == "mailto":
        address, query = rest.partition("?")[::2]
        return bool(_EMAIL.fullmatch(address)) and bool(_MAIL_QUERY.fullmatch("?" + query if query else ""))
    if name == "tel":
        return bool(_TEL.fullmatch(rest))
    return False


def link(url, text) -> Markup:
    """For Markdown context: an <a> to ``url`` when it is a safe link, else just the text;
    the text escaped for Markdown and HTML both."""
    label = md(text)
    if url and safe_url(str(url)):
        return Markup(f'<a href="{html.escape(str(url), quote=True)}" rel="nofollow noopener">{label}</a>')
    return Markup(label)


def _any_case(name: str) -> str:
    """A tag name matched in any case; an explicit class keeps the scan fast (re.I makes it ten times slower)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in name)


def _by_first_letter(names: tuple[str, ...]) -> str:
    """The names as one alternation in any case, branching on their first letter (``[iI](?:[mM][gG]|…)``), behind
    a look at that letter: most of a page's "<" are turned away by one character class."""
    rests: dict[str, list[str]] = {}
    for name in names:
        rests.setdefault(name[0], []).append(_any_case(name[1:]))
    branches = [_any_case(first) + (f"(?:{'|'.join(tails)})" if any(tails) else "") for first, tails in rests.items()]
    return f"(?=[{''.join(first.lower() + first.upper() for first in rests)}])(?:{'|'.join(branches)})"


_GUARDED = ("a", "img", "iframe", "embed", "object", "source", "form", "input", "button")
# An opening tag the guard looks at. Its attributes run to the first ">" outside quotes, as browsers read
# them: <a title="x>" href="javascript:..."> is one tag with a live href. The quantifiers are possessive:
# there is only one way to read a tag, so the scan keeps no way back.
_ATTRIBUTES = r"""\b((?:[^>"']++|"[^"]*+"|'[^']*+')*+)>"""
_TAG = re.compile(r"<(" + _by_first_letter(_GUARDED) + ")" + _ATTRIBUTES)
_TAG_ATTRIBUTES = re.compile(r"<" + _by_first_letter(_GUARDED) + _ATTRIBUTES)  # the same tags, attributes only
_END_A = re.compile(r"</" + _any_case("a") + r"\s*>")
# A URL attribute: after whitespace, "/" or the quote that closed the attribute before it (browsers
# start a new attribute there too), its value quoted or not.
_URL_NAMES = ("href", "src", "action", "formaction", "xlink:href", "poster", "data")
_URL_ATTR = re.compile(
    r"""(?<=[\s/"'])(""" + "|".join(map(_any_case, _URL_NAMES)) + r""")\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"""
)


def neutralise_links(page: str) -> str:
    """The last guard on every page: a link whose address is not safe becomes its text (the <a> tag and
    the next </a> go), and an image, frame or form pointing at one is dropped. Whatever a template forgot,
    no ``javascript:`` or ``data:`` address is ever live: the page is guarded again after each cut, as a
    cut can join the text around it into a new tag (``<<a href=…>a href=…>``)."""
    if not any(map(_unsafe, _TAG_ATTRIBUTES.findall(page))):
        return page  # the usual case: checked, not rebuilt
    while True:
        cut = _cut(page)
        if cut == page:
            return page
        page = cut


def _cut(page: str) -> str:
    """``page`` without its unsafe tags (and the </a> after each unsafe <a>)."""
    cuts = []
    for match in _TAG.finditer(page):
        if _unsafe(match.group(2)):
            cuts.append(match.span())
            end = _END_A.search(page, match.end()) if match.group(1).lower() == "a" else None
            if end is not None:
                cuts.append(end.span())
    out, at = [], 0
    for start, stop in sorted(cuts):
        out.append(page[at : max(at, start)])
        at = max(at, stop)
    return "".join(out) + page[at:]


@functools.lru_cache(maxsize=65536)  # every page repeats the nav's and the frame's links
def _unsafe(attrs: str) -> bool:
    """Whether a tag's attributes hold an address that is not a safe link."""
    for match in _URL_ATTR.finditer(attrs):
        value = next(v for v in match.groups()[2:] if v is not None)
        if not safe_url(html.unescape(value)):
            return True
    return False
