"""Everything we rely on that mkdocs-material does not promise: kept here, and nowhere else.

Material's maintenance ends in 2027; its successor cannot run our plugin yet. So the generation
code does not import Material. What it needs from it is in this module, and
tests/test_material.py fails when an upgrade changes any of it:

- the version series these assumptions were checked against (``TESTED_SERIES``);
- how its search plugin is told to skip a page (page meta ``search: {exclude: true}``);
- how it segments Chinese for its search index (jieba words separated by U+200B);
- the layout of ``search/search_index.json`` (``{"config": ..., "docs": [{location, title, text}]}``),
  to which we add our own entries after Material has written it.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import metadata
from pathlib import Path

TESTED_SERIES = "9.8"  # major.minor of mkdocs-material that tests/test_material.py was last run against
SEARCH_INDEX = "search/search_index.json"
SKIP_SEARCH = {"search": {"exclude": True}}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")


def version() -> str:
    return metadata.version("mkdocs-material")


@functools.lru_cache(maxsize=1 << 16)
def segment(text: str) -> str:
    """``text`` with each run of Chinese split into jieba's words by U+200B, as Material's index has it.

    Cached: town, type and service names repeat on thousands of pages, and jieba runs once per string."""
    import jieba

    def words(match: re.Match) -> str:
        return "\u200b" + "\u200b".join(jieba.cut(match.group(0))) + "\u200b"

    return _HAN.sub(words, text).strip("\u200b")


def add_search_entries(site_dir: Path, entries: list[dict]) -> int:
    """Append ``entries`` to the search index Material wrote; written as UTF-8, not \\u escapes.

    Returns the index's size in bytes."""
    path = Path(site_dir) / SEARCH_INDEX
    index = json.loads(path.read_text(encoding="utf-8"))
    index["docs"].extend(entries)
    data = json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path.write_bytes(data)
    return len(data)
