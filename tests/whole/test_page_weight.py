"""What a reader's phone downloads for a page on a first visit (issue 27, lighter pages): the page and every
file of ours it links for its first screen (stylesheets, scripts, the icon, images not marked lazy), gzipped
as a web server sends them. Map tiles and what scripts fetch later (the search index once search opens, a
need's nearest list) are not counted; the map page carries the map library and has its own bound."""

from __future__ import annotations

import gzip
import struct
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlparse

from conftest import ROOT, soup

TYPICAL_KIB = 80
MAP_KIB = 140  # Leaflet alone is 41 KiB gzipped
HEAVIER = {"map/index.html": MAP_KIB}


def first_visit_bytes(site: Path, page: Path) -> tuple[int, dict[str, int]]:
    """Gzipped bytes of ``page`` and each same-site file it loads up front, and those files by name."""

    @cache
    def gz(path: Path) -> int:
        return len(gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))

    html = soup(page)
    base = "/" + page.relative_to(site).as_posix()
    prefix = urlparse(html.find("link", rel="canonical")["href"]).path if html.find("link", rel="canonical") else "/"
    wanted = [t["href"] for t in html.select('link[rel~="stylesheet"], link[rel~="icon"]')]
    wanted += [t["src"] for t in html.select("script[src]")]
    wanted += [t["src"] for t in html.select("img[src]") if t.get("loading") != "lazy"]
    files: dict[str, int] = {}
    for ref in wanted:
        address = urlparse(urljoin(base, ref))
        if address.netloc or address.scheme in {"data", "blob"}:
            continue
        path = address.path
        for root in {"/", "/" + prefix.strip("/").split("/")[0] + "/"}:  # the site may live under a path
            if path.startswith(root) and (site / path[len(root) :]).is_file():
                files[path[len(root) :]] = gz(site / path[len(root) :])
                break
    return gz(page) + sum(files.values()), files


def test_every_page_but_the_map_is_at_most_80_kib_on_a_first_visit(shipped_site):
    heavy = {}
    for page in sorted(shipped_site.rglob("*.html")):
        name = page.relative_to(shipped_site).as_posix()
        if name.startswith("admin/"):  # the editor's page: outside the theme, for a few editors
            continue
        total, files = first_visit_bytes(shipped_site, page)
        if total > HEAVIER.get(name, TYPICAL_KIB) * 1024:
            heavy[name] = (round(total / 1024, 1), sorted(files.items(), key=lambda f: -f[1])[:4])
    assert not heavy


def test_the_count_includes_the_theme_files_so_it_can_fail(shipped_site):
    total, files = first_visit_bytes(shipped_site, shipped_site / "index.html")
    assert any(name.startswith("assets/javascripts/bundle.") for name in files)
    assert any(name.startswith("assets/stylesheets/main.") for name in files)
    assert 40 * 1024 < total <= TYPICAL_KIB * 1024


def _webp_size(data: bytes) -> tuple[int, int]:
    """Width and height from a WebP file's header (lossy VP8, lossless VP8L or extended VP8X)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", "not a WebP file"
    kind = data[12:16]
    if kind == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    assert kind == b"VP8X", kind
    return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1


def test_screenshots_in_the_guides_are_webp_of_the_size_their_page_reserves(shipped_site):
    shown = 0
    for page in ["guide/index.html", "coordinator/index.html"]:
        for img in soup(shipped_site / page).select("article img"):
            src = urlparse(urljoin("/" + page, img["src"])).path.lstrip("/")
            data = (shipped_site / src).read_bytes()
            assert _webp_size(data) == (int(img["width"]), int(img["height"])), src
            assert img.get("loading") == "lazy", src
            shown += 1
    assert shown == 7
    pictures = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.[pjg][npi]*g")}
    assert pictures == {"assets/images/favicon.png"}  # the browser tab's icon is PNG everywhere
