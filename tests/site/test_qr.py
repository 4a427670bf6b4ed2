"""QR codes (site/qr.py): every symbol decodes to its page's URL, error correction M and the fixed mask."""

from __future__ import annotations

import json
import re

import numpy as np
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import soup
from servicepoints.site import qr

# The format information beside the top-left finder, in the order ISO/IEC 18004 gives its bits, most significant
# first: row 8 left to right (skipping the timing column), then column 8 bottom to top (skipping the timing row).
_FORMAT_BITS = [(8, x) for x in (0, 1, 2, 3, 4, 5, 7, 8)] + [(y, 8) for y in (7, 5, 4, 3, 2, 1, 0)]
_FORMAT_MASK = 0b101010000010010  # the standard's XOR pattern for the format information
_LEVEL_M = 0b00


def svg_modules(svg: str) -> np.ndarray:
    """The SVG's modules, quiet zone included: True where dark."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    dark = np.zeros((size, size), dtype=bool)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", re.search(r' d="([^"]*)"', svg).group(1)):
        dark[int(y), int(x) : int(x) + int(w)] = True
    return dark


def decoded(svg: str) -> str:
    """What zxing-cpp reads from the SVG drawn at 4 pixels a module."""
    image = np.kron(np.where(svg_modules(svg), 0, 255).astype(np.uint8), np.ones((4, 4), dtype=np.uint8))
    (result,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return result.text


def level_and_mask(dark: np.ndarray) -> tuple[int, int]:
    """The error correction level and data mask a symbol's format information names (no quiet zone)."""
    bits = 0
    for y, x in _FORMAT_BITS:
        bits = bits << 1 | int(dark[y, x])
    data = (bits ^ _FORMAT_MASK) >> 10
    return data >> 3, data & 0b111


def of_svg(svg: str) -> tuple[int, int]:
    return level_and_mask(svg_modules(svg)[qr.QUIET : -qr.QUIET, qr.QUIET : -qr.QUIET])


def of_rows(rows: list[bytes]) -> tuple[int, int]:
    return level_and_mask(np.array([list(row) for row in rows]) == 0)


def test_every_point_page_code_decodes_to_its_url(shipped_site):
    pages = sorted((shipped_site / "points").glob("*/index.html"))
    assert len(pages) > 40
    for path in pages:
        page = soup(path)
        box = page.select_one(".sp-qr-box")
        url = box.select_one("code").get_text()
        assert url.endswith(f"/points/{path.parent.name}/")
        (svg,) = re.findall(r'<svg class="sp-qr".*?</svg>', path.read_text(encoding="utf-8"))  # as written
        assert decoded(svg) == url, path
        assert of_svg(svg) == (_LEVEL_M, qr.MASK), path
        jsonld = page.select_one('script[type="application/ld+json"]')
        if jsonld is not None:
            assert json.loads(jsonld.string)["url"] == url


SITE_URLS = st.sampled_from(
    ["https://zs-ip-servicepoints.github.io/servicepoints/", "http://127.0.0.1:8000/", "https://例子.中国/网点/"]
)
IDS = st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,5}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(SITE_URLS, IDS)
def test_any_page_url_decodes_from_its_svg_with_the_fixed_mask(site, point_id):
    url = f"{site}points/{point_id}/"
    svg = qr.qr_svg.__wrapped__(url)
    assert decoded(svg) == url
    assert of_svg(svg) == (_LEVEL_M, qr.MASK)


def plain_path(rows: list[bytes]) -> str:
    """The path the rule asks for, module by module: ``M x y h w v1 h-w z`` for each run of dark modules of each row,
    left to right and top to bottom, moved by the quiet zone."""
    pieces = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            width = 0
            while x + width < len(row) and row[x + width] == 0:
                width += 1
            if width:
                pieces.append(f"M{x + qr.QUIET} {y + qr.QUIET}h{width}v1h-{width}z")
            x += width or 1
    return "".join(pieces)


def drawn_as_the_rule_says(url: str) -> None:
    rows = qr.matrix(url)
    svg = qr.qr_svg.__wrapped__(url)
    side = len(rows) + 2 * qr.QUIET
    assert f'viewBox="0 0 {side} {side}"' in svg
    assert re.search(r' d="([^"]*)"', svg).group(1) == plain_path(rows)


URL_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


@settings(max_examples=300, deadline=None)
@given(SITE_URLS, IDS | URL_TEXT)
def test_the_path_is_exactly_the_plain_drawing_of_the_symbol(site, tail):
    """The path text, as qr.py writes it from its tables and kept rows, against a plain drawing of the symbol."""
    drawn_as_the_rule_says(site + tail)


def test_the_largest_and_smallest_codes_are_drawn_as_the_rule_says():
    drawn_as_the_rule_says("https://example.org/points/" + "a1-" * 760 + "z/")  # version 40
    drawn_as_the_rule_says("a")  # version 1


def test_the_svg_is_one_path_in_a_quiet_zone():
    svg = qr.qr_svg.__wrapped__("https://example.org/points/aid-minzhong/")
    assert svg.startswith('<svg class="sp-qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 37 37" role="img" ')
    assert svg.count("<path") == 1
    dark = svg_modules(svg)
    assert dark.shape == (37, 37)  # version 2 (25 modules) and 4 of quiet zone on each side
    assert not dark[: qr.QUIET].any() and not dark[-qr.QUIET :].any()
    assert not dark[:, : qr.QUIET].any() and not dark[:, -qr.QUIET :].any()


def _scored(url: str) -> list[bytes]:
    """The symbol with the mask the standard's scoring picks (zxing-cpp's own choice)."""
    image = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(add_quiet_zones=False)
    return [bytes(row) for row in np.asarray(image)]


def test_the_scoring_would_pick_another_mask_so_the_mask_tests_can_fail():
    url = "https://example.org/points/aid-minzhong/"
    assert of_rows(_scored(url)) != (_LEVEL_M, qr.MASK)
    assert of_rows(qr.matrix(url)) == (_LEVEL_M, qr.MASK)
    assert qr.matrix(url) != _scored(url)


def test_a_symbol_that_does_not_read_back_is_made_with_the_scored_mask(monkeypatch):
    """zxing-cpp reads each symbol back; were the fixed mask's ever read otherwise, the standard's choice is used."""
    make = zxingcpp.create_barcode
    url = "https://example.org/points/aid-minzhong/"

    class Misread:
        valid, text = True, "https://example.org/other/"

    monkeypatch.setattr(zxingcpp, "create_barcode", lambda *a, **k: Misread() if "data_mask" in k else make(*a, **k))
    assert qr.matrix(url) == _scored(url)


def test_the_largest_code_is_drawn_whole():
    url = "https://example.org/points/" + "a1-" * 760 + "z/"  # 2,309 bytes: version 40, 177 modules a side
    svg = qr.qr_svg.__wrapped__(url)
    assert svg_modules(svg).shape == (177 + 2 * qr.QUIET,) * 2
    assert decoded(svg) == url
