"""The releases feed (publish/feed.py): well-formed Atom, read back exactly, anything else refused."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicepoints.publish.feed import Entry, feed_bytes, parse_feed

DESCRIPTOR = {"name": "demo", "title": "演示<名录>&", "contributors": [{"title": "编辑组 & 伙伴"}]}
ENTRIES = [
    Entry("1.1.0", "2026-03-01", "新增 2 个网点，更新 5 个网点的联系电话。<b>"),
    Entry("1.0.0", "2026-01-01", "首次发布。"),
]


def test_the_feed_reads_back_exactly_and_writes_the_same_bytes():
    body = feed_bytes(ENTRIES, DESCRIPTOR, "https://example.org/site/")
    assert parse_feed(body) == ENTRIES
    assert feed_bytes(parse_feed(body), DESCRIPTOR, "https://example.org/site/") == body
    root = ElementTree.fromstring(body)
    assert root.findtext("{http://www.w3.org/2005/Atom}title") == "演示<名录>&：数据发布"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<feed",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><feed xmlns="http://www.w3.org/2005/Atom"/>',
        b"<rss/>",
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>版本 x</title></entry></feed>'.encode(),
        (
            '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>版本 1.0.0</title>'
            "<updated>2026-02-30T00:00:00Z</updated><summary>s</summary></entry></feed>"
        ).encode(),
    ],
)
def test_anything_but_our_feed_is_refused(body):
    with pytest.raises(ValueError):
        parse_feed(body)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_any_bytes_are_entries_or_a_value_error(body):
    try:
        entries = parse_feed(body)
    except ValueError:
        return
    assert all(isinstance(e, Entry) for e in entries)
