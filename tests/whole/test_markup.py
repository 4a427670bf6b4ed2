"""Markup from any data file is text; links are only http(s), or mailto/tel we build; settings are
checked before any work (one line, exit 2)."""

from __future__ import annotations

import csv
import json
import re

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import DATA, ROOT, build, chrome, fixture, make_registry, new_page, page_log, serving, soup
from servicepoints.cli import main
from servicepoints.core.errors import SetupError
from servicepoints.core.settings import Settings, check_site_url, load_settings
from servicepoints.site.escape import link, neutralise_links, safe_url

EVIL = (
    "[点我](javascript:alert(1)) <img src=x onerror=alert(2)> **粗** <javascript:alert(3)> "
    '![i](data:text/html,hi) <a href="javascript:alert(4)">a</a> [b](JaVaScRiPt:alert(5)) '
    "[c](&#106;avascript:alert(6)) [d](data:text/html;base64,PHNjcmlwdD4=) "
)

CODELISTS = {
    "services.csv": ["description", "audience"],
    "types.csv": ["description", "part", "level"],
    "needs.csv": ["description"],
    "channels.csv": ["description", "source_title"],
    "reported.csv": ["source"],
}


def _plant(data):
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    limits = {
        (r["path"], f["name"]): f.get("constraints", {}).get("maxLength", len(EVIL))
        for r in descriptor["resources"]
        for f in r["schema"]["fields"]
    }
    for name, columns in CODELISTS.items():
        path = data / name
        rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
        for column in columns:
            limit = limits[(name, column)]  # the validator holds every cell to its declared maxLength
            for row in rows[1:]:
                row[rows[0].index(column)] = EVIL if len(EVIL) <= limit else EVIL[:limit].rsplit(" ", 1)[0]
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    for resource in descriptor["resources"]:
        resource["description"] = EVIL
    (data / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def planted_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("markup")
    record = fixture("good.yaml").decode().replace("id: good", "id: links")
    record += "email: office@example.gov.cn\nwebsite: https://example.gov.cn/a?b=1&c=<2>\n"
    data = make_registry(root, {"links.yaml": record, "hostile.yaml": fixture("hostile.yaml")})
    _plant(data)
    return build(data, root / "site", tiles_review_number="GS(2024)1234号", licence_title=EVIL)


def _attributes(page):
    for tag in page.find_all(True):
        for name, value in tag.attrs.items():
            yield tag, name, " ".join(value) if isinstance(value, list) else value


def test_no_page_has_a_live_script_or_data_address(planted_site):
    pages = sorted(planted_site.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        page = soup(path)
        for tag, name, value in _attributes(page):
            assert not name.startswith("on"), (path, tag.name, name)
            if name in ("href", "src", "action", "formaction", "poster", "data"):
                assert not re.match(r"\s*(javascript|data|vbscript):", value, re.I), (path, tag.name, value)
                assert safe_url(value), (path, tag.name, value)
        assert not page.find("img", src="x"), path
        assert not [b for b in page.find_all(["strong", "b"]) if b.get_text() == "粗"], path
        for script in page.find_all("script"):
            body = script.string or ""
            assert "<script" not in body.lower() and "</" not in body, (path, body[:80])


# In the live page, after every script of ours and the theme's has run (the load event): no alert opens, no
# element carries a script or data address, and none of the planted link texts became a link. The map page is
# left out (Leaflet itself uses a data: GIF), as its text is checked by the HTML test above.
LIVE_CHECK = """() => {
const bad = [];
for (const el of document.querySelectorAll('*')) {
  for (const attr of el.attributes) {
    const value = attr.value.trim().toLowerCase();
    if (attr.name.startsWith('on')) bad.push(el.tagName + ' ' + attr.name);
    if (['href', 'src', 'action', 'formaction', 'data', 'poster'].includes(attr.name)
        && (value.startsWith('javascript:') || value.startsWith('data:') || value.startsWith('vbscript:')))
      bad.push(el.tagName + ' ' + attr.name + '=' + value.slice(0, 40));
  }
}
for (const a of document.querySelectorAll('a, strong, b'))
  if (/^\\s*(点我|粗)\\s*$/.test(a.textContent)) bad.push('markup: ' + a.textContent);
return bad;
}"""


def test_planted_links_are_inert_in_chromium(planted_site):
    pages = ["", "types/", "types/trademark-station/", "data/fields/", "opendata/", "stats/", "points/links/"]
    pages += ["points/hostile/", "find/"]
    with serving(planted_site) as url, chrome() as browser, new_page(browser) as tab:
        for page in pages:
            tab.goto(f"{url}/{page}")  # returns after the load event: every script has run, every image failed
            assert page_log(tab).dialogs == [], page  # an alert would have been logged (and dismissed)
            assert "点我" in tab.inner_text("body") or page.startswith(("points/", "find"))
            assert tab.evaluate(LIVE_CHECK) == [], page


def test_planted_markup_is_shown_as_the_text_it_is(planted_site):
    kind = soup(planted_site / "types" / "protection-center" / "index.html").get_text()
    assert "[点我](javascript:alert(1))" in kind and "<img src=x onerror=alert(2)>" in kind and "**粗**" in kind
    fields = soup(planted_site / "data" / "fields" / "index.html").get_text()
    assert "<javascript:alert(3)>" in fields
    opendata = soup(planted_site / "opendata" / "index.html")
    assert "![i](data:text/html,hi)" in opendata.get_text()  # the licence title (a setting), as text


def test_our_own_links_stay(planted_site):
    page = soup(planted_site / "points" / "links" / "index.html")
    hrefs = [a["href"] for a in page.find_all("a", href=True)]
    assert "mailto:office@example.gov.cn" in hrefs
    assert "tel:07608888888" in hrefs
    assert "https://example.gov.cn/a?b=1&c=<2>" in hrefs  # the address as given, attribute-escaped
    assert any(h.startswith("https://uri.amap.com/search?") for h in hrefs)  # a town estimate: a search, no pin


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/x", True),
        ("http://example.org", True),
        ("../points/a/", True),
        ("#nearest", True),
        ("mailto:a.b@example.gov.cn", True),
        ("tel:0760-88888888", True),
        ("tel:+86076088888888", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("vbscript:msgbox", False),
        ("file:///etc/passwd", False),
        ("//evil.example/x", False),
        ("https:", False),
        ("https:evil", False),
        ("mailto:a@example.org?subject=hi&body=x", True),  # the corrections mail link (percent-encoded fields)
        ("mailto:a@example.org?cc=b@example.org", False),
        ("mailto:a@example.org?subject=hi&bcc=b@example.org", False),
        ("mailto:a@example.org?subject=%3Cx%3E&body=<b>", False),
        ("mailto:a@example.org,b@example.org", False),
        ("mailto:", False),
        ("tel:javascript", False),
        ("blob:https://x/1", False),
    ],
)
def test_safe_urls(url, ok):
    assert safe_url(url) is ok


def test_the_last_guard_turns_unsafe_links_into_their_text():
    page = (
        '<p><a href="javascript:alert(1)">one</a> <a href="https://ok.example/">two</a> '
        "<a href='&#106;avascript:x' class=c>three</a> <A HREF=\"data:text/html,x\">four</A> "
        '<img src="data:image/png;base64,AAAA" alt="x"><img src="../a.png" alt="ok">'
        '<iframe src="javascript:1"></iframe><a href="#x">five</a></p>'
    )
    out = neutralise_links(page)
    assert out == (
        '<p>one <a href="https://ok.example/">two</a> three four <img src="../a.png" alt="ok">'
        '</iframe><a href="#x">five</a></p>'
    )
    assert link("javascript:alert(1)", "<b>[x](y)</b>") == "&lt;b&gt;\\[x\\]\\(y\\)&lt;/b&gt;"
    assert (
        link("https://a.example/?q=1&r=2", "t")
        == '<a href="https://a.example/?q=1&amp;r=2" rel="nofollow noopener">t</a>'
    )


@pytest.mark.parametrize(
    "tag",
    [
        '<a/href="javascript:alert(1)">x</a>',  # "/" separates attributes in HTML
        '<a title="t"href="javascript:alert(1)">x</a>',  # so does the quote that closed the one before
        "<a title='t'href='javascript:alert(1)'>x</a>",
        "<a href=javascript:alert(1)>x</a>",  # an unquoted value
        "<a\thref = javascript:alert(1) class=c>x</a>",
        '<a href="../ok/" data=javascript:alert(1)>x</a>',
        "<img/src=data:image/png;base64,AAAA alt=x>",
        "<iframe title='t'src='javascript:1'></iframe>",
        '<a title="x>" href="javascript:alert(1)">x</a>',  # a quoted ">" does not end the tag
        "<img alt='>' src=javascript:alert(1)>",
        '<a href="javascript:alert(1)">never closed',
        '<ImG sRc="javascript:alert(1)"><A hReF="javascript:alert(1)">x</a>',
    ],
)
def test_the_last_guard_sees_every_way_html_writes_an_attribute(tag):
    out = neutralise_links(f"<p>{tag}</p>")
    assert "javascript" not in out and "data:" not in out, out
    soup = BeautifulSoup(out, "html.parser")
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            assert name not in ("href", "src", "data") or safe_url(value), out


def test_the_last_guard_returns_a_safe_page_as_it_was():
    frame = '<nav><a href="../../">首页</a><a href="https://github.com/x/y" class="md-source">仓库</a></nav>'
    page = frame + '<main><a href="#top">¶</a><img src="../a.png" alt=""></main>' + frame
    assert neutralise_links(page) is page  # checked, not rebuilt
    bad = page.replace('href="#top"', 'href="javascript:top"')
    assert neutralise_links(bad) == page.replace('<a href="#top">¶</a>', "¶")


def test_an_email_with_parameters_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for bad in ("a@example.org?subject=x", "a@example.org,b@example.org", "<a@example.org>", "a@b"):
        record = fixture("good.yaml").decode() + f"email: '{bad}'\n"
        data = make_registry(tmp_path / bad.replace("/", "_"), {"good.yaml": record})
        result = CliRunner().invoke(main, ["validate", "--data", str(data), "--format", "json"])
        problems = [p for p in json.loads(result.output)["problems"] if p["severity"] == "error"]
        assert [p["field"] for p in problems] == ["email"], (bad, problems)
        assert problems[0]["code"] in ("type-error", "constraint-error") and problems[0]["line"] == 20


# --- settings and paths, checked before any work --------------------------------------------------

BAD_SETTINGS = [
    "release_date: 2026-02-30",
    "release_date: 2026-13-01",
    "release_date: '2026-1-5'",
    "release_date: tomorrow",
    "previous_release: ../../../etc/passwd",
    "previous_release: site/../../datapackage.json",
    "previous_release: /nonexistent/datapackage.json",
    "previous_release: 'https://example.org/x.json'",
    "previous_release: 'javascript:alert(1)'",
    "stale_days: -1",
    "stale_days: lots",
    "stale_days: 1.5",
    "tiles: google",
    "tiles_review_number: '<script>alert(1)</script>'",
    "tiles_review_number: 'GS(2024)1234号 <b>'",
    "version: '1.0; rm -rf /'",
    "version: 1.2.0",  # retired: the version follows from the data
    "licence_url: 'javascript:alert(1)'",
    'publisher: "编辑组\\u202e"',
    "publisher: ''",
    "unknown_setting: 1",
    "- a list",
    "release_date: [2026-01-01]",
    "{ not yaml",
]


@pytest.mark.parametrize("line", BAD_SETTINGS)
def test_bad_settings_are_one_line_and_exit_two(tmp_path, monkeypatch, line):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "servicepoints.yml").write_text(line + "\n", encoding="utf-8")
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    for command in (["validate"], ["build", "--out", str(tmp_path / "out"), "--config", str(ROOT / "mkdocs.yml")]):
        result = CliRunner().invoke(main, [*command, "--data", str(data)])
        assert result.exit_code == 2, (line, result.output)
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_good_settings_pass(tmp_path):
    path = tmp_path / "s.yml"
    previous = tmp_path / "prev" / "datapackage.json"
    previous.parent.mkdir()
    previous.write_text("{}", encoding="utf-8")
    path.write_text(
        f"release_date: 2024-02-29\nstale_days: 0\ntiles_review_number: GS京(2022)1061号\n"
        f"previous_release: {previous}\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert (settings.release_date, settings.stale_days) == ("2024-02-29", 0)


def test_a_bad_source_date_epoch_is_a_setup_error(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(SetupError):
        Settings().release()


def test_the_previous_release_may_not_lead_out_of_its_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    previous = tmp_path / "prev" / "datapackage.json"
    previous.parent.mkdir()
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == "points":
            resource["path"] = "../secret.csv"
    (tmp_path / "secret.csv").write_text("id,name\nsecret,someone else's file\n", encoding="utf-8")
    previous.write_text(json.dumps(descriptor), encoding="utf-8")
    (tmp_path / "servicepoints.yml").write_text(f"previous_release: {previous}\n", encoding="utf-8")
    data = make_registry(tmp_path, {"good.yaml": fixture("good.yaml")})
    result = CliRunner().invoke(
        main, ["build", "--data", str(data), "--out", str(tmp_path / "out"), "--config", str(ROOT / "mkdocs.yml")]
    )
    assert result.exit_code == 2 and "上一版" in result.output, result.output
    assert "secret" not in result.output.replace("secret.csv", "") and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "url",
    [
        'https://example.org/"><script>alert(1)</script>/',
        "javascript:alert(1)",
        "https://exa mple.org/",
        "https://example.org/<x>",
        "ftp://example.org/",
    ],
)
def test_a_site_url_that_could_break_a_page_is_refused(url):
    with pytest.raises(SetupError):
        check_site_url(url)


def test_ordinary_site_urls_pass():
    for url in (None, "", "https://zs-ip-servicepoints.github.io/servicepoints/", "http://127.0.0.1:8000/"):
        check_site_url(url)
