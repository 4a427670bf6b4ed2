"""Releases a poller can follow: the version and dates follow from the data compared with the previous release,
an unchanged release is rebuilt byte for byte, and a broken previous release stops the build (exit 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from conftest import DATA, ROOT, build, fixture, make_registry, serving, soup
from servicepoints.cli import main

ATOM = "{http://www.w3.org/2005/Atom}"
PHONE_FILE = Path("assistance-stations/aid-minzhong.yaml")
OLD_PHONE, NEW_PHONE = "0760-87866614", "0760-87866615"
OLD_TOWN_ROW, NEW_TOWN_ROW = "442000002,东区街道,街道,dongqu,Dongqu,", "442000002,东区街道,街道,dongqu,Dong Qu,"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _shipped_copy(root: Path) -> Path:
    """The shipped registry with its records, under ``root``."""
    data = make_registry(root, {})
    shutil.copytree(DATA / "points", data / "points", dirs_exist_ok=True)
    return data


def test_a_rebuild_of_unchanged_data_on_another_day_is_the_previous_release_byte_for_byte(
    tmp_path, monkeypatch, shipped_site
):
    previous = shipped_site / "opendata"
    for n, epoch in enumerate(("1772323200", "1804204800")):  # 2026-03-01, 2027-03-04
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        site = build(
            DATA, tmp_path / f"site{n}", release_date=None, previous_release=str(previous / "datapackage.json")
        )
        assert _tree(site / "opendata") == _tree(previous)  # the zip, the xlsx and the pages too
    package = json.loads((previous / "datapackage.json").read_text(encoding="utf-8"))
    assert (package["version"], package["created"]) == ("1.0.0", "2026-01-01T00:00:00Z")


def _feed(path: Path) -> ElementTree.Element:
    """The feed, parsed, after checking what RFC 4287 requires of a feed and of each entry."""
    root = ElementTree.fromstring(path.read_bytes())
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):  # 4.1.1: exactly one of each
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert root.find(f"{ATOM}author/{ATOM}name").text  # 4.1.1: an author, since the entries have none
    assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith("/opendata/releases.atom")
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):  # 4.1.2
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None  # 4.1.2: no content, so an alternate link
        assert entry.findtext(f"{ATOM}updated").endswith("T00:00:00Z")
    ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
    assert len(set(ids)) == len(ids) and all(i.startswith("urn:uuid:") for i in ids)
    return root


def test_one_phone_and_one_code_list_row_make_a_patch_release_that_says_so(tmp_path, shipped_site):
    data = _shipped_copy(tmp_path)
    record = data / "points" / PHONE_FILE
    record.write_text(record.read_text(encoding="utf-8").replace(OLD_PHONE, NEW_PHONE), encoding="utf-8")
    towns = data / "towns.csv"
    assert OLD_TOWN_ROW in towns.read_text(encoding="utf-8")
    towns.write_text(towns.read_text(encoding="utf-8").replace(OLD_TOWN_ROW, NEW_TOWN_ROW), encoding="utf-8")
    previous = shipped_site / "opendata"
    site = build(
        data, tmp_path / "site", release_date="2026-03-01", previous_release=str(previous / "datapackage.json")
    )
    opendata = site / "opendata"

    package = json.loads((opendata / "datapackage.json").read_text(encoding="utf-8"))
    assert (package["version"], package["created"]) == ("1.0.1", "2026-03-01T00:00:00Z")  # values only: patch

    changes = json.loads((opendata / "changes.json").read_text(encoding="utf-8"))
    assert (changes["version"], changes["level"], changes["issued"]) == ("1.0.1", "patch", "2026-01-01")
    assert changes["previous"] == {"version": "1.0.0", "created": "2026-01-01T00:00:00Z"}
    assert set(changes["tables"]) == {r["name"] for r in package["resources"]}  # every table compared
    changed = {name: t for name, t in changes["tables"].items() if t["added"] or t["removed"] or t["changed"]}
    assert changed == {
        "points": changes["tables"]["points"] | {"changed": [
            {"key": {"id": "aid-minzhong"}, "fields": {"phones": {"old": OLD_PHONE, "new": NEW_PHONE}}}
        ]},
        "towns": changes["tables"]["towns"] | {"changed": [
            {"key": {"name": "东区街道"}, "fields": {"pinyin": {"old": "Dongqu", "new": "Dong Qu"}}}
        ]},
    }  # fmt: skip
    assert changed["points"]["added"] == changed["points"]["removed"] == []
    summary = "更新 1 个网点的联系电话，更新镇街表 1 行的拼音。"
    assert changes["summary"] == summary

    dataset = json.loads((opendata / "catalog.jsonld").read_text(encoding="utf-8"))["dcat:dataset"]
    assert dataset["dct:issued"]["@value"] == "2026-01-01"  # the first release's, as before
    assert dataset["dct:modified"]["@value"] == "2026-03-01"
    assert (dataset["dcat:version"], dataset["owl:versionInfo"]) == ("1.0.1", "1.0.1")

    feed = _feed(opendata / "releases.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["版本 1.0.1", "版本 1.0.0"]
    assert entries[0].findtext(f"{ATOM}summary") == summary
    assert feed.findtext(f"{ATOM}updated") == "2026-03-01T00:00:00Z"
    old = _feed(previous / "releases.atom").findall(f"{ATOM}entry")
    assert ElementTree.tostring(entries[1]) == ElementTree.tostring(old[0])  # the old entry is kept as it was

    page = soup(opendata / "changes" / "index.html").select_one("article").get_text()
    assert summary in page and NEW_PHONE in page and "Dong Qu" in page


def test_the_first_release_is_1_0_0_with_a_feed_of_one_entry(shipped_site):
    opendata = shipped_site / "opendata"
    changes = json.loads((opendata / "changes.json").read_text(encoding="utf-8"))
    assert (changes["version"], changes["first_release"], changes["issued"]) == ("1.0.0", True, "2026-01-01")
    assert changes["summary"] == "首次发布，共 53 个网点。"
    entries = _feed(opendata / "releases.atom").findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}summary") for e in entries] == ["首次发布，共 53 个网点。"]


def test_every_page_names_the_feed_and_the_open_data_page_links_it(shipped_site):
    for page in ("index.html", "opendata/index.html", "opendata/changes/index.html"):
        links = soup(shipped_site / page).select('head link[rel~=alternate][type="application/atom+xml"]')
        assert len(links) == 1 and links[0]["href"].endswith("opendata/releases.atom"), page
        # Material fetches sitemap.xml beside each link whose rel is exactly "alternate" (a 404 here)
        assert links[0]["rel"] == ["alternate", "feed"], page
    page = soup(shipped_site / "opendata" / "index.html")
    assert page.select_one('.sp-lead a[href="releases.atom"]')
    assert "主版本号加一" in page.select_one("#versions").find_next("ul").get_text()


# --- a broken previous release: one Chinese line, exit 2, nothing written ------------------------------


def _broken(tmp_path: Path, shipped_site: Path, name: str, body: bytes | None) -> Path:
    """A copy of the shipped release with one file replaced (None: removed)."""
    folder = tmp_path / "previous"
    shutil.copytree(shipped_site / "opendata", folder)
    if body is None:
        (folder / name).unlink()
    else:
        (folder / name).write_bytes(body)
    return folder / "datapackage.json"


BROKEN = {
    "datapackage.json": (b'{"version": 3', "datapackage.json 不是有效的 JSON"),
    "towns.csv": (None, "读不到上一版开放数据"),
    "changes.json": (b"[]", "changes.json 应是一个 JSON 对象"),
    "releases.atom": (b"<feed>not atom</feed>", "releases.atom 读不懂"),
    "points.csv": (b"\xff\xfe\x00", "不是 UTF-8 编码的 CSV"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_previous_release_is_one_chinese_line_and_exit_two(tmp_path, monkeypatch, shipped_site, name):
    body, message = BROKEN[name]
    previous = _broken(tmp_path, shipped_site, name, body)
    _exit_two(tmp_path, monkeypatch, str(previous), message)


def test_a_previous_release_that_cannot_be_reached_is_exit_two(tmp_path, monkeypatch):
    _exit_two(tmp_path, monkeypatch, "http://127.0.0.1:9/opendata/datapackage.json", "读不到上一版开放数据")


def test_a_release_dated_before_the_previous_one_is_exit_two(tmp_path, monkeypatch, shipped_site):
    data = _shipped_copy(tmp_path)
    record = data / "points" / PHONE_FILE
    record.write_text(record.read_text(encoding="utf-8").replace(OLD_PHONE, NEW_PHONE), encoding="utf-8")
    monkeypatch.setenv("SERVICEPOINTS_RELEASE_DATE", "2025-12-31")
    _exit_two(tmp_path, monkeypatch, str(shipped_site / "opendata" / "datapackage.json"), "早于上一版", data)


def _exit_two(tmp_path, monkeypatch, previous: str, message: str, data: Path | None = None) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SERVICEPOINTS_PREVIOUS_RELEASE", previous)
    data = data or make_registry(tmp_path / "reg", {"good.yaml": fixture("good.yaml")})
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", "--data", str(data), "--out", str(out), "--config", str(ROOT / "mkdocs.yml")]
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output, result.output
    assert not out.exists()


def test_the_live_release_is_read_over_http_as_from_disk(tmp_path, monkeypatch, shipped_site):
    """What the publish workflow does: the previous release at the site's own address (here a local server)."""
    from servicepoints.publish.release import read_previous

    on_disk = read_previous(str(shipped_site / "opendata" / "datapackage.json"))
    with serving(shipped_site) as url:
        assert read_previous(f"{url}/opendata/datapackage.json") == on_disk
    previous = _broken(tmp_path, shipped_site, "releases.atom", None)
    with serving(previous.parent) as url:
        _exit_two(tmp_path, monkeypatch, f"{url}/datapackage.json", "HTTP 404")
