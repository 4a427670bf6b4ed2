"""What we rely on in mkdocs-material but it does not promise (servicepoints.material): these tests
fail loudly when an upgrade changes any of it. Re-check each point, then move TESTED_SERIES."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from conftest import ROOT
from servicepoints.site import material
from servicepoints.site import search as our_search

search = pytest.importorskip("material.plugins.search.plugin")


def test_material_is_the_series_our_assumptions_were_checked_against():
    assert material.version().startswith(material.TESTED_SERIES + "."), (
        f"mkdocs-material {material.version()} is installed, but servicepoints/material.py was checked against "
        f"{material.TESTED_SERIES}.x: re-check the search index layout, page meta 'search.exclude', the Chinese "
        "segmentation and the page frame (tests/site/test_pagepath.py), then update TESTED_SERIES."
    )


@pytest.mark.parametrize(
    "text",
    [
        "中山市小榄镇知识产权维权援助服务站",
        "小榄镇 测试路12号",
        "商标注册、续展和变更咨询",
        "Mo-Fr 09:00 中山 ABC 古镇镇灯饰",
        "〡〢号楼",  # Han script outside the CJK blocks: a range list of our own split these differently
        "⺀部首 二〇二五年 人々",
        "中山\U00030000市",  # CJK extension G
    ],
)
def test_segmentation_is_materials_own(text):
    assert material.segment(text) == search.SearchIndex()._segment_chinese(text)


TOWNS = ["小榄镇", "古镇镇", "石岐街道"]


@pytest.fixture
def words_restored():
    """These tests change jieba's one dictionary; give the next test the words it had."""
    before = material._learned
    yield
    material.keep_whole(before)


def test_kept_words_stay_whole_in_ours_and_materials_segmentation(words_restored):
    material.keep_whole([])
    assert material.segment("小榄镇") == "小榄\u200b镇"  # jieba's own dictionary cuts it
    material.keep_whole(TOWNS)
    for text in ("小榄镇", "中山市小榄镇知识产权维权援助服务站", "古镇镇灯饰", "石岐街道孙文中路"):
        assert material.segment(text) == search.SearchIndex()._segment_chinese(text)
    assert material.segment("中山市小榄镇知识产权维权援助服务站").split("\u200b")[:2] == ["中山市", "小榄镇"]


def test_kept_words_depend_on_the_list_alone(words_restored):
    """Two builds in one process (or a build after another registry's) must cut text exactly alike."""
    import jieba

    text = "中山市小榄镇知识产权维权援助服务站 古镇镇灯饰 石岐街道 横栏镇"
    material.keep_whole([])
    own = dict(jieba.dt.FREQ), jieba.dt.total
    material.keep_whole(TOWNS)
    first, state = material.segment(text), (dict(jieba.dt.FREQ), jieba.dt.total)
    material.keep_whole(reversed(TOWNS))  # same words, any order: nothing added twice
    assert (dict(jieba.dt.FREQ), jieba.dt.total) == state
    material.keep_whole(["横栏镇", "小榄"])  # another list first ...
    assert material.segment(text) != first
    material.keep_whole(TOWNS)  # ... is undone exactly
    assert (dict(jieba.dt.FREQ), jieba.dt.total) == state and material.segment(text) == first
    material.keep_whole([])
    assert (dict(jieba.dt.FREQ), jieba.dt.total) == own


def _segment_in_worker(text: str) -> str:
    return material.segment(text)


def test_forked_workers_inherit_the_kept_words(words_restored):
    import multiprocessing

    material.keep_whole(TOWNS)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.map(_segment_in_worker, ["小榄镇"]) == ["小榄镇"]


def _page(meta: dict):
    return SimpleNamespace(meta=meta, content="<h1 id='t'>标题</h1><p>正文</p>", toc=[], url="points/x/", title="标题")


def test_search_skips_a_page_with_our_meta():
    index = search.SearchIndex()
    index.add_entry_from_context(_page({}))
    assert index.entries, "Material no longer indexes a plain page this way"
    skipped = search.SearchIndex()
    skipped.add_entry_from_context(_page(material.SKIP_SEARCH))
    assert skipped.entries == []


def test_our_index_replaces_materials_and_keeps_its_settings(tmp_path):
    """search.write reads Material's index layout ({config, docs: [{location, title, text}]}), puts its documents
    before ours, and leaves the file the theme's bundle fetches with Material's settings and no documents."""
    index = search.SearchIndex(lang=["zh"], separator=r"[\s\u200b\-]", pipeline=["stemmer"], fields={})
    index.add_entry_from_context(_page({}))
    (tmp_path / "search").mkdir()
    (tmp_path / material.SEARCH_INDEX).write_text(index.generate_search_index(None), encoding="utf-8")
    ours = {"location": "points/y/", "title": material.segment("小榄镇"), "text": "x"}
    sizes = our_search.write(tmp_path, [ours])
    written = json.loads((tmp_path / material.SEARCH_INDEX).read_text(encoding="utf-8"))
    assert written["docs"] == [] and written["config"]["lang"] == ["zh"] and "servicepoints" in written["config"]
    assert [d["location"] for d in our_search.documents(tmp_path)] == ["points/x/", "points/y/"]
    assert sizes[material.SEARCH_INDEX] == (tmp_path / material.SEARCH_INDEX).stat().st_size


def _bundle_source(name: str) -> str:
    """A file of Material's bundle source, from the source map it ships."""
    installed = material.installed_search_worker().parents[1]
    (mapped,) = installed.glob("bundle.*.min.js.map")
    sources = json.loads(mapped.read_text(encoding="utf-8"))
    return dict(zip(sources["sources"], sources["sourcesContent"], strict=True))[name]


def test_the_theme_serves_our_search_worker_under_materials_name():
    """site_templates/theme/ holds our worker under the name base.html gives Material's (the theme directory wins),
    and the bundle still speaks to it as the worker expects: messages SETUP 0, READY 1, QUERY 2, RESULT 3; the
    index it fetches (search/search_index.json) goes to SETUP with its config whole."""
    ours = (ROOT / "site_templates" / "theme" / material.SEARCH_WORKER).read_text(encoding="utf-8")
    installed = material.installed_search_worker()
    assert installed.is_file(), f"Material no longer ships {material.SEARCH_WORKER}: base.html loads another worker"
    assert "servicepoints' search worker" in ours and "lunr" not in ours.lower()
    base = (installed.parents[3] / "base.html").read_text(encoding="utf-8")
    assert f'"{material.SEARCH_WORKER}" | url' in base, "base.html loads another worker"
    messages = _bundle_source("src/templates/assets/javascripts/integrations/search/worker/message/index.ts")
    enum = messages[messages.index("enum SearchMessageType {") :].split("}")[0]
    assert re.findall(r"^\s*([A-Z]+)\b", enum, re.M) == ["SETUP", "READY", "QUERY", "RESULT"]
    assert "var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;" in ours
    setup = _bundle_source("src/templates/assets/javascripts/integrations/search/worker/_/index.ts")
    assert ".subscribe(({ config, docs }) => worker$.next({" in setup and re.search(r"data: \{\s+config,", setup)
    bundle = _bundle_source("src/templates/assets/javascripts/bundle.ts")
    assert 'new URL("search/search_index.json", config.base)' in bundle
    result = _bundle_source("src/templates/assets/javascripts/components/search/result/index.ts")
    assert "items.slice(0, 10)" in result and "round(items.length)" in result  # what servicepoints-search.js rewrites


def _tokenizer():
    import jieba

    return jieba.Tokenizer()


def test_the_cached_dictionary_is_jiebas_own_table(tmp_path, monkeypatch):
    """load_dictionary: the first build fills the tokenizer as jieba does and keeps its table; the next one
    reads the same table back, word for word, in the same order, with the same sum, without jieba's loader."""
    from servicepoints.core.cache import Cache

    cache = Cache.in_project(tmp_path)
    own = _tokenizer()
    material.load_dictionary(cache, own)
    assert own.initialized and (cache.folder / "jieba-words").is_file()
    again = _tokenizer()
    monkeypatch.setattr(again, "initialize", lambda *a: pytest.fail("jieba's own loader ran"))
    material.load_dictionary(cache, again)
    assert again.initialized and again.total == own.total
    assert list(again.FREQ.items()) == list(own.FREQ.items())
    text = "中山市小榄镇知识产权维权援助服务站提供商标注册咨询"
    assert list(again.cut(text)) == list(own.cut(text))


def test_a_damaged_or_foreign_cached_dictionary_is_made_again_by_jieba(tmp_path, monkeypatch):
    from servicepoints.core.cache import Cache

    cache = Cache.in_project(tmp_path)
    material.load_dictionary(cache, _tokenizer())
    entry = cache.folder / "jieba-words"
    whole = entry.read_bytes()
    for damaged in (whole[:-3], whole[:80], whole.replace("中".encode(), b"\xff\xfe\xfd", 1)):
        entry.write_bytes(damaged)
        assert _filled_by_jieba(cache, monkeypatch)
    assert entry.read_bytes() == whole  # kept again, whole
    monkeypatch.setattr(material.metadata, "version", lambda name: "0.0.0")  # another jieba: not its table
    assert _filled_by_jieba(cache, monkeypatch)


def _filled_by_jieba(cache, monkeypatch) -> bool:
    """Whether load_dictionary, from ``cache``, had jieba's own loader fill a new tokenizer (and it was filled)."""
    tokenizer, ran = _tokenizer(), []
    own = tokenizer.initialize
    monkeypatch.setattr(tokenizer, "initialize", lambda *a: ran.append(1) or own())
    material.load_dictionary(cache, tokenizer)
    return ran == [1] and tokenizer.initialized and len(tokenizer.FREQ) > 300_000


def test_no_cache_or_another_dictionary_is_left_to_jieba(tmp_path):
    from servicepoints.core.cache import Cache

    off = Cache.in_project(tmp_path, enabled=False)
    tokenizer = _tokenizer()
    material.load_dictionary(off, tokenizer)
    assert tokenizer.initialized and not (tmp_path / ".cache").exists()
    words = tmp_path / "words.txt"
    words.write_text("小榄镇 100 ns\n商标 50 n\n", encoding="utf-8")
    import jieba

    custom = jieba.Tokenizer(str(words))
    material.load_dictionary(Cache.in_project(tmp_path), custom)
    assert custom.FREQ == {"小": 0, "小榄": 0, "小榄镇": 100, "商": 0, "商标": 50} and custom.total == 150
    assert not (tmp_path / ".cache").exists()
