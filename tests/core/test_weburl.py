"""Web addresses: http(s), an ASCII host without user info, no look-alike punycode; any text is an answer."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicepoints.core.weburl import _spaced, _spaced_slowly, url_problem


@pytest.mark.parametrize(
    "url",
    ["https://www.zs.gov.cn/a/b.html?x=1#y", "http://example.org:8080/", "https://xn--fiqr16a.xn--zfr164b/"],
)
def test_plain_addresses_are_fine(url):
    assert url_problem(url) is None


@pytest.mark.parametrize(
    "url, says",
    [
        ("https://www.zs.gov.cn@evil.example/", "@"),
        ("https://user:pw@www.zs.gov.cn/", "@"),
        ("https://中山.政务/", "xn--fiqr16a.xn--zfr164b"),
        ("https://аpple.com/", "xn--pple-43d.com"),  # a Cyrillic а
        ("https://xn--pple-43d.com/", "仿冒"),
        ("javascript:alert(1)", "http"),
        ("https://a.cn/a b", "空格"),
        ("https://a.cn/\u202e", "空格"),
        ("https://-bad-.cn/", "域名"),
    ],
)
def test_misleading_or_unsafe_addresses_are_refused(url, says):
    problem = url_problem(url)
    assert problem and says in problem


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(max_size=40).map(lambda t: "https://" + t)))
def test_any_text_is_a_problem_or_fine_never_an_exception(text):
    problem = url_problem(text)
    if problem is None:
        assert (
            "@" not in text.split("/")[2] and text.split("/")[2].isascii() and text.startswith(("http://", "https://"))
        )


def test_the_quick_answer_for_spaces_and_hidden_characters_is_the_one_character_by_character():
    # issue 27: most addresses are answered by str.isprintable() instead of a category lookup per character.
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        assert _spaced(char) == _spaced_slowly(char), hex(point)


@given(st.text(max_size=20))
def test_spaces_and_hidden_characters_are_found_anywhere_in_a_text(text):
    assert _spaced(text) == _spaced_slowly(text)
