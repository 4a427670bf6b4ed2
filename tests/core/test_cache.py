"""The project's cache (core/cache.py): an entry is used only for the key it was made with, a damaged or
foreign entry is a miss, a folder that cannot be written keeps nothing, and nothing leads out of the project."""

from __future__ import annotations

import os

import pytest

from servicepoints.core.cache import FOLDER, Cache


@pytest.fixture
def cache(tmp_path):
    return Cache.in_project(tmp_path)


def test_an_entry_comes_back_for_its_key_only(cache, tmp_path):
    cache.put("words", b"made from A", b"\x00value\n")
    assert cache.get("words", b"made from A") == b"\x00value\n"
    assert cache.get("words", b"made from B") is None
    assert cache.get("other", b"made from A") is None
    assert cache.folder == tmp_path / FOLDER
    assert sorted(p.name for p in cache.folder.iterdir()) == [".gitignore", "CACHEDIR.TAG", "words"]  # nothing else
    assert (cache.folder / ".gitignore").read_text().splitlines()[-1] == "*"  # never committed, whatever the repo
    assert (cache.folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_a_new_entry_replaces_the_old(cache):
    cache.put("words", b"A", b"old")
    cache.put("words", b"B", b"new")
    assert cache.get("words", b"A") is None and cache.get("words", b"B") == b"new"


@pytest.mark.parametrize("damage", [b"", b"servicepoints-cache 1\n", b"not ours at all", "cut", "changed"])
def test_a_damaged_or_foreign_entry_is_a_miss(cache, damage):
    cache.put("words", b"A", b"value")
    path = cache.folder / "words"
    whole = path.read_bytes()
    if damage == "cut":
        damage = whole[:40]
    elif damage == "changed":  # one byte of the value, the header whole
        damage = whole[:-1] + b"E"
    path.write_bytes(damage)
    assert cache.get("words", b"A") is None


def test_a_cache_that_is_off_or_unwritable_keeps_nothing_and_never_raises(tmp_path):
    off = Cache.in_project(tmp_path, enabled=False)
    off.put("words", b"A", b"value")
    assert off.get("words", b"A") is None and not (tmp_path / FOLDER).exists()
    (tmp_path / FOLDER.parent).mkdir()
    (tmp_path / FOLDER).write_text("a file where the folder should be")
    blocked = Cache.in_project(tmp_path)
    blocked.put("words", b"A", b"value")
    assert blocked.get("words", b"A") is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_keeps_nothing(tmp_path):
    cache = Cache.in_project(tmp_path)
    cache.folder.mkdir(parents=True)
    cache.folder.chmod(0o500)
    try:
        cache.put("words", b"A", b"value")
        assert cache.get("words", b"A") is None and not (cache.folder / "words").exists()
    finally:
        cache.folder.chmod(0o700)


@pytest.mark.parametrize("link", [".cache", ".cache/servicepoints"])
def test_a_link_out_of_the_project_turns_the_cache_off(tmp_path, link):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(elsewhere, target_is_directory=True)
    cache = Cache.in_project(project)
    cache.put("words", b"A", b"value")
    assert not cache.enabled and list(elsewhere.rglob("*")) == []


@pytest.mark.parametrize("name", ["../words", "a/b", "", ".hidden", "Words", "x" * 101])
def test_an_entry_name_stays_in_the_folder(cache, name):
    with pytest.raises(ValueError):
        cache.put(name, b"A", b"value")
    with pytest.raises(ValueError):
        cache.get(name, b"A")
