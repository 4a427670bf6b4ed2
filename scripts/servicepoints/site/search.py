"""The site's search index, split so that a reader fetches only what one query needs (issue 27).

Material's search fetched the whole index (6 MB at 20,000 points) and built a lunr index of it in the
browser before the first result. Here the build writes, from the same entries (Material's for the Markdown
pages, ours for need, town and point pages, all segmented by jieba with U+200B):

- ``search/search_index.json``: only Material's search settings and a manifest (``config.servicepoints``: the
  shard keys, the documents' count, the sections' articles, the need pages' boosts, a version for the caches);
  the theme's bundle fetches it when the reader first opens search (servicepoints-search.js holds it until then)
  and hands it to the search worker, ours (``site_templates/theme/`` + ``material.SEARCH_WORKER``);
- ``search/t/KEY.json``: the terms whose shard key is KEY (``shard_key``: their first character, or a longer
  prefix where one character's shard would be large, e.g. the digits), each as ``[term, title, text twice or
  more, text once]``: the documents holding it in the title, and those holding it only in the text, as
  run-length coded gaps (``postings``);
- ``search/d/N.json``: documents as ``[location, title, text, parent]``, plain text (HTML-escaped), a run of
  them per file up to CHUNK_BYTES (the manifest lists each file's first document), fetched only for the
  results shown; ``parent`` is a section's page (−1 for a page).

The worker cuts a Chinese query as Material's did, on the index's own words: from each position, the longest
part that begins some term of the index (so 小榄镇, one word at build time, stays whole). Every file's bytes
depend on the entries alone: two builds of the same data are identical.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from . import material

INDEX = material.SEARCH_INDEX  # the file the theme's bundle fetches; Material's search plugin writes it first
TERMS_DIR = "search/t"
DOCS_DIR = "search/d"
CHUNK_BYTES = 6_000  # a document file ends before the document that would take it over this (one document may)
SHARD_BYTES = 24_000  # a shard larger than this is split by its terms' next character (shard_key)
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


def tokens(text: str) -> list[str]:
    """The words of an entry's field as the worker sees a query: jieba's words (U+200B between them, spaces,
    markup dropped), each run of letters and digits in it, lower-cased."""
    plain = html.unescape(_TAG.sub(" ", text)).replace("\u200b", " ").lower()
    return _WORD.findall(plain)


def display(text: str) -> str:
    """A field as a result shows it: plain text, HTML-escaped, U+200B gone (whole, as Material showed it)."""
    plain = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text)).replace("\u200b", "")).strip()
    return html.escape(plain, quote=False)


def postings(ids: Iterable[int]) -> list[int]:
    """Ascending document ids as small integers: each gap from the previous id (the first from −1), and after a
    gap, −k when the k ids after it follow one by one. [3, 4, 5, 9] → [4, -2, 4]."""
    out: list[int] = []
    last = -1
    run = 0
    for n in ids:
        if n == last + 1 and out:
            run += 1
        else:
            if run:
                out.append(-run)
            out.append(n - last)
            run = 0
        last = n
    if run:
        out.append(-run)
    return out


def expand(coded: list[int]) -> list[int]:
    """``postings`` undone (the worker does the same)."""
    ids: list[int] = []
    last = -1
    for value in coded:
        if value < 0:
            ids.extend(range(last + 1, last + 1 - value))
            last -= value
        else:
            last += value
            ids.append(last)
    return ids


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def shard_key(term: str, split: set[str]) -> str:
    """The shard holding ``term``: its first character, one character longer while that prefix is in ``split``
    and the term is longer than it."""
    n = 1
    while n < len(term) and term[:n] in split:
        n += 1
    return term[:n]


def _file_name(key: str) -> str:
    """A shard's file name: its key's code points in hex, joined by '-' (any character is safe on any host)."""
    return "-".join(f"{ord(c):x}" for c in key)


def _shards(index: dict[str, tuple[list[int], list[int], list[int]]]) -> tuple[dict[str, bytes], set[str]]:
    """The terms grouped by shard key, each group's JSON under SHARD_BYTES unless one prefix cannot be split
    further. Each term's row is made once: a group's JSON is its rows' joined (``_joined``)."""
    split: set[str] = set()
    groups: dict[str, bytes] = {}
    rows: dict[str, bytes] = {}
    pending = [sorted(index)]
    while pending:
        terms = pending.pop()
        by_key: dict[str, list[str]] = {}
        for term in terms:
            by_key.setdefault(shard_key(term, split), []).append(term)
        for key, members in by_key.items():
            for t in members:
                if t not in rows:
                    rows[t] = _json([t, *(postings(ids) for ids in index[t])])
            parts = [rows[t] for t in members]
            if _joined_size(parts) > SHARD_BYTES and any(len(t) > len(key) for t in members):
                split.add(key)
                pending.append(members)
            else:
                groups[key] = _joined(parts)
    return groups, split


def _joined(parts: list[bytes]) -> bytes:
    """The JSON array of these JSON values: what ``_json`` gives for the list of them."""
    return b"[" + b",".join(parts) + b"]"


def _joined_size(parts: list[bytes]) -> int:
    return sum(map(len, parts)) + max(len(parts) - 1, 0) + 2  # the commas between them and the brackets


def _chunks(docs: list[bytes]) -> list[int]:
    """The first document of each document file: a file is cut before the document that would take it over
    CHUNK_BYTES, so a long Markdown section does not make every result near it cost its bytes."""
    starts: list[int] = []
    size = CHUNK_BYTES
    for n, doc in enumerate(docs):
        length = len(doc) + 1
        if size + length > CHUNK_BYTES:
            starts.append(n)
            size = 0
        size += length
    return starts


def build(entries: list[dict], config: dict) -> dict[str, bytes]:
    """Every search file's path (under the site) and bytes, from the index entries in order: each
    ``{location, title, text}`` and optionally ``boost`` (a need page's), Material's or ours."""
    index: dict[str, tuple[list[int], list[int], list[int]]] = {}
    docs: list[bytes] = []  # each document's JSON
    articles: dict[str, int] = {}
    sections: dict[str, int] = {}
    boosts: dict[str, float] = {}
    for n, entry in enumerate(entries):
        location = entry["location"]
        page, _, anchor = location.partition("#")
        parent = -1
        if anchor and page in articles:
            parent = articles[page]
            sections[str(n)] = parent
        else:
            articles.setdefault(page, n)
        if entry.get("boost"):
            boosts[str(n)] = entry["boost"]
        titled = set(tokens(entry["title"]))
        for term in titled:
            index.setdefault(term, ([], [], []))[0].append(n)
        for term, times in Counter(tokens(entry["text"])).items():
            if term not in titled:
                index.setdefault(term, ([], [], []))[1 if times > 1 else 2].append(n)
        docs.append(_json([location, display(entry["title"]), display(entry["text"]), parent]))
    groups, split = _shards(index)
    files: dict[str, bytes] = {}
    for key in sorted(groups):
        files[f"{TERMS_DIR}/{_file_name(key)}.json"] = groups[key]
    starts = _chunks(docs)
    for n, (start, end) in enumerate(zip(starts, [*starts[1:], len(docs)], strict=True)):
        files[f"{DOCS_DIR}/{n}.json"] = _joined(docs[start:end])
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path] + b"\0")
    manifest = {
        "version": digest.hexdigest()[:12],
        "docs": len(docs),
        "chunks": postings(starts),
        "split": sorted(split),
        "sections": sections,
        "keys": sorted(groups),
        "boost": boosts,
    }
    files[INDEX] = _json({"config": {**config, "servicepoints": manifest}, "docs": []})
    return files


def write(site_dir: Path, entries: list[dict]) -> dict[str, int]:
    """Replace Material's search index in ``site_dir`` with the split one, built from Material's entries followed
    by ``entries`` (ours). Returns the files' sizes in bytes by path."""
    site = Path(site_dir)
    material_index = json.loads((site / INDEX).read_text(encoding="utf-8"))
    files = build([*material_index["docs"], *entries], material_index["config"])
    sizes = {}
    for path, data in files.items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        sizes[path] = len(data)
    return sizes


def documents(site_dir: Path) -> list[dict]:
    """Every document of a built site's search, in id order, as ``{location, title, text}`` (for tests)."""
    site = Path(site_dir)
    manifest = json.loads((site / INDEX).read_text(encoding="utf-8"))["config"]["servicepoints"]
    out = []
    for n in range(len(expand(manifest["chunks"]))):
        for location, title, text, _ in json.loads((site / DOCS_DIR / f"{n}.json").read_text(encoding="utf-8")):
            out.append({"location": location, "title": title, "text": text})
    return out


def terms(site_dir: Path) -> dict[str, tuple[list[int], list[int]]]:
    """Every term of a built site's search with the ids of the documents holding it in the title and of those
    holding it only in the text (for tests)."""
    out = {}
    for path in sorted((Path(site_dir) / TERMS_DIR).glob("*.json")):
        for term, title, many, once in json.loads(path.read_text(encoding="utf-8")):
            out[term] = (expand(title), sorted(expand(many) + expand(once)))
    return out
