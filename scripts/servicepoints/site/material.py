"""Everything we rely on that mkdocs-material does not promise: kept here, and nowhere else.

Material's maintenance ends in 2027; its successor cannot run our plugin yet. So the generation
code does not import Material. What it needs from it is in this module, and
tests/test_material.py fails when an upgrade changes any of it:

- the version series these assumptions were checked against (``TESTED_SERIES``);
- how its search plugin is told to skip a page (page meta ``search: {exclude: true}``);
- how it segments Chinese for its search index (runs of the Han script, found with ``backrefs`` as Material
  does, cut into jieba's words separated by U+200B), and that it uses jieba's one global dictionary, to which
  ``keep_whole`` adds the names the search must not cut; that dictionary is jieba's word table (``FREQ``:
  each word and each prefix of one, with its count) and the counts' sum (``total``), which
  ``load_dictionary`` fills from the project's cache (jieba's own cache format takes four times as long);
- the layout of ``search/search_index.json`` (``{"config": ..., "docs": [{location, title, text}]}``), which we
  read after Material has written it and replace with our split index (site/search.py);
- the name its base.html gives the search worker (``SEARCH_WORKER``) and the messages its bundle exchanges with
  it: the theme directory holds our own worker under that name, so the theme loads it in place of Material's
  lunr worker (tests/site/test_material.py checks both against the installed theme), and the theme's copy of
  lunr's language files (``LUNR``), which only its own worker loads, is left out of the site;
- its stylesheets are ``assets/stylesheets/main.<hash>.min.css`` and ``palette.<hash>.min.css``, each linked
  once from base.html's ``styles`` block and read by nothing else; the body's ``data-md-color-*`` values are
  the palette setting's (``palette_attributes``); the classes its script adds while a page runs, for the
  features we use, are ``RUNTIME_CLASSES`` (site/styles.py keeps their rules; tests/site/test_styles_browser.py
  looks for others);
- its bundle fetches ``sitemap.xml`` beside every ``link[rel=alternate]`` (meant for language alternates), so
  the releases feed's head link says ``rel="alternate feed"`` (theme/main.html): the feed's folder has no
  sitemap, and a 404 would show on every page (tests/site/test_mapview.py checks the console).
"""

from __future__ import annotations

import array
import functools
import hashlib
import struct
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from ..core.cache import Cache

TESTED_SERIES = "9.8"  # major.minor of mkdocs-material that tests/test_material.py was last run against
SEARCH_INDEX = "search/search_index.json"
SKIP_SEARCH = {"search": {"exclude": True}}
SEARCH_WORKER = "assets/javascripts/workers/search.a7633da7.min.js"  # the name base.html gives the worker
LUNR = "assets/javascripts/lunr"  # lunr's language files, which only Material's own worker loads (956 KB)
STYLESHEETS = "assets/stylesheets"
STYLESHEET_STEMS = ("main", "palette")  # base.html's styles block links both, each once
# Classes the theme's script adds to our pages while they run (search results, the header title on scroll,
# toc.follow, the repository's facts, its dialog), which no template writes.
RUNTIME_CLASSES = (
    "md-dialog--active",
    "md-header__title--active",
    "md-nav__link--passed",
    "md-search-result__icon",
    "md-search-result__item",
    "md-search-result__more",
    "md-search-result__terms",
    "md-source__fact",
    "md-source__facts",
    "md-source__repository--active",
)
WORD_FREQ = 100_000  # jieba frequency of each word we add: far above 小榄 + 镇, so the name stays one word
_learned: tuple[str, ...] = ()  # the words jieba's dictionary holds beyond its own, sorted
_undo: list[tuple[str, int | None]] = []  # (key, its value before we touched it) in the order changed
_total_before = 0


def version() -> str:
    return metadata.version("mkdocs-material")


@functools.cache
def _han():
    """Material's own expression for a run of Chinese (the Han script, via backrefs, a dependency of
    Material's): a hand-written range list missed thousands of characters it counts (〡, radicals, ext. G)."""
    from backrefs import bre

    return bre.compile(r"(\p{script: Han}+)", bre.UNICODE)


@functools.lru_cache(maxsize=1 << 16)
def segment(text: str) -> str:
    """``text`` with each run of Chinese split into jieba's words by U+200B, as Material's index has it.

    Cached: town, type and service names repeat on thousands of pages, and jieba runs once per string.
    ``keep_whole`` empties the cache whenever it changes the words."""
    import jieba

    def words(match) -> str:
        return "\u200b" + "\u200b".join(jieba.cut(match.group(0))) + "\u200b"

    return _han().sub(words, text).strip("\u200b")


_WORDS_ENTRY = "jieba-words"
_COUNTS = struct.Struct("<qq")  # the counts' sum and the number of entries, before the counts and the words


def load_dictionary(cache: Cache, tokenizer=None) -> None:
    """Fill jieba's default dictionary, from ``cache`` when it holds one made from the same jieba and the same
    dict.txt, else as jieba fills it (then kept in ``cache`` for the next build).

    jieba keeps its table with ``marshal``, which builds half a million Chinese strings one by one (0.58 s
    of CPU on every build, Material's own included). Here the words are one UTF-8 text split at line breaks
    and the counts one array: the same table, in the same order, in 0.16 s. A tokenizer that is filled
    already, or reads another dictionary than jieba's own, is left to jieba. ``tokenizer``: jieba's global one
    (``jieba.dt``) unless another is given."""
    import jieba

    tokenizer = jieba.dt if tokenizer is None else tokenizer
    if tokenizer.initialized or tokenizer.dictionary != jieba.DEFAULT_DICT or not cache.enabled:
        tokenizer.check_initialized()
        return
    source = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    key = f"jieba {metadata.version('jieba')} ".encode() + hashlib.sha256(source.read_bytes()).digest()
    table = _words_from(cache.get(_WORDS_ENTRY, key))
    if table is not None:
        with tokenizer.lock:
            tokenizer.FREQ, tokenizer.total = table
            tokenizer.initialized = True
        return
    tokenizer.check_initialized()
    packed = _packed(tokenizer.FREQ, tokenizer.total)
    if packed is not None:
        cache.put(_WORDS_ENTRY, key, packed)


def _packed(freq: dict[str, int], total: int) -> bytes | None:
    """The table as bytes (see _COUNTS), or None if a word holds a line break and could not be split back."""
    words = "\n".join(freq)
    if words.count("\n") != len(freq) - 1:
        return None
    return _COUNTS.pack(total, len(freq)) + array.array("q", freq.values()).tobytes() + words.encode("utf-8")


def _words_from(packed: bytes | None) -> tuple[dict[str, int], int] | None:
    """The table back from _packed's bytes, or None for anything else."""
    if packed is None or len(packed) < _COUNTS.size:
        return None
    total, count = _COUNTS.unpack_from(packed)
    start = _COUNTS.size + 8 * count
    if count < 1 or len(packed) < start:
        return None
    counts = array.array("q")
    counts.frombytes(packed[_COUNTS.size : start])
    try:
        words = packed[start:].decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    if len(words) != count:
        return None
    return dict(zip(words, counts, strict=True)), total


def keep_whole(words: Iterable[str], cache: Cache | None = None) -> None:
    """Make jieba's dictionary (the global one Material's search plugin cuts with) exactly jieba's own plus
    ``words``, each one word, so 小榄镇 is not cut into 小榄 + 镇 (a query for 小榄镇 then reported 小榄
    and 镇 as 缺少, missing, on results that contain 小榄镇).

    jieba's own dictionary comes from ``cache`` when it can (load_dictionary).
    Call it before this process segments anything (the plugin's ``on_config``); worker processes forked
    later inherit the dictionary. The result depends on ``words`` alone, not on what an earlier build in
    this process taught jieba: the words are added in sorted order, once, and a different list first
    undoes the previous one exactly (jieba's word probabilities depend on the sum of all frequencies)."""
    global _learned, _total_before
    wanted = tuple(sorted({w for w in words if w}))
    if wanted == _learned:
        return
    import jieba

    tokenizer = jieba.dt
    load_dictionary(cache or Cache(None))
    freq = tokenizer.FREQ
    if _learned:
        for key, old in reversed(_undo):
            if old is None:
                freq.pop(key, None)
            else:
                freq[key] = old
        tokenizer.total = _total_before
    _undo.clear()
    _total_before = tokenizer.total
    for word in wanted:
        for key in {word[: n + 1] for n in range(len(word))}:
            _undo.append((key, freq.get(key)))
        tokenizer.add_word(word, freq=WORD_FREQ)
    _learned = wanted
    segment.cache_clear()


def templates_dir() -> Path:
    import material

    return Path(material.__file__).parent / "templates"


def installed_stylesheets() -> list[Path]:
    """The theme's stylesheets for every page (``main.<hash>.min.css`` and ``palette.<hash>.min.css``), as
    installed."""
    found = []
    for stem in STYLESHEET_STEMS:
        files = sorted((templates_dir() / STYLESHEETS).glob(f"{stem}.*.min.css"))
        if len(files) != 1:
            raise ValueError(f"mkdocs-material: expected one {stem}.*.min.css in {STYLESHEETS}, found {len(files)}")
        found.append(files[0])
    return found


def palette_attributes(palette) -> dict[str, frozenset[str]]:
    """The values the theme gives the body's ``data-md-color-*`` attributes for ``palette`` (the theme's
    setting: one mapping or a list of toggled options), as base.html and partials/palette.html write them."""
    options = [palette] if isinstance(palette, dict) else list(palette or [{}])
    defaults = {"scheme": "default", "primary": "indigo", "accent": "indigo"}
    return {
        f"data-md-color-{key}": frozenset(str(option.get(key) or default).replace(" ", "-") for option in options)
        for key, default in defaults.items()
    }


def installed_search_worker() -> Path:
    """Material's own search worker, as installed."""
    import material

    return Path(material.__file__).parent / "templates" / SEARCH_WORKER
