"""Escaping record text for every place it lands: Markdown, HTML, and JSON inside <script>."""

from __future__ import annotations

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
